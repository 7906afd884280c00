//! Core events to the window (as `core-event`) and, for those a person must hear about even
//! with the window closed, to native notifications.

use std::sync::Arc;

use countersign_core::{App, Event};
use tauri::{AppHandle, Emitter};
use tauri_plugin_notification::NotificationExt as _;

/// The name of the Tauri event that carries core events to the window.
pub const CORE_EVENT: &str = "core-event";

/// Forwards every event of `app` until the app goes away.
pub fn start(handle: AppHandle, app: &Arc<App>) {
    let events = app.subscribe();
    // Weak: the loop ends when the app goes away (its event senders with it); a strong handle
    // here would keep both alive for ever.
    let app = Arc::downgrade(app);
    let spawned = std::thread::Builder::new()
        .name("core-events".into())
        .spawn(move || {
            for event in events {
                if let Err(e) = handle.emit(CORE_EVENT, &event) {
                    tracing::warn!("an event did not reach the window: {e}");
                }
                // Core says who at this laptop should be interrupted (on a team laptop, its
                // member: a review for reviewers, a failure for those who decide or wrote it).
                if let Some((title, body)) = notice(&event)
                    .filter(|_| app.upgrade().is_some_and(|a| a.notifies_here(&event)))
                {
                    let _ = handle
                        .notification()
                        .builder()
                        .title(title)
                        .body(body)
                        .show();
                }
            }
        });
    if let Err(e) = spawned {
        tracing::warn!("events will not reach the window: {e}");
    }
}

/// The notification for an event, if it is one a person must hear about.
pub fn notice(event: &Event) -> Option<(String, String)> {
    match event {
        Event::NeedsReview { author, .. } => Some((
            "A post needs review".into(),
            format!("{author} submitted a post; an approver's countersignature is needed."),
        )),
        Event::Posted { url, .. } => Some(("Posted".into(), format!("The post is live: {url}"))),
        Event::Failed { reason, .. } => Some((
            "A post failed".into(),
            format!("{reason} An approver decides what happens to it (Queue & calendar)."),
        )),
        Event::Missed { .. } => Some((
            "A post missed its time".into(),
            "Countersign could not publish it in time. An approver decides: publish now, \
             reschedule or drop (Queue & calendar)."
                .into(),
        )),
        Event::NeedsCheck { reason, .. } => Some((
            "A post needs a check".into(),
            format!("{reason} Look on X and decide (Queue & calendar)."),
        )),
        // Only members on duty hear of new conversations.
        Event::Heard {
            by,
            handle,
            on_duty,
            ..
        } if !on_duty.is_empty() => Some((
            match by {
                countersign_core::conversation::ConversationKind::Mention => "A new mention",
                countersign_core::conversation::ConversationKind::Dm => "A new direct message",
            }
            .into(),
            format!(
                "@{handle} wrote to the brand. Take it in Conversations to answer ({} on duty).",
                on_duty.join(", ")
            ),
        )),
        Event::NeedsReconnect { laptop_of: None } => Some((
            "Reconnect the X account".into(),
            "X refused this laptop's access to the brand account. Nothing is posted from here \
             until it is connected again in Team & account."
                .into(),
        )),
        Event::NeedsReconnect {
            laptop_of: Some(member),
        } => Some((
            format!("{member}'s laptop lost its X connection"),
            format!(
                "X refused the access of {member}'s laptop: it publishes nothing until {member} \
                 connects it again in Team & account. Other reviewers' laptops still publish."
            ),
        )),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_person_hears_about_reviews_and_reconnects_only() {
        let id = uuid::Uuid::nil();
        assert!(
            notice(&Event::NeedsReview {
                post_id: id,
                author: "Ana".into()
            })
            .is_some()
        );
        assert!(notice(&Event::NeedsReconnect { laptop_of: None }).is_some());
        assert!(
            notice(&Event::NeedsReconnect {
                laptop_of: Some("Ben".into())
            })
            .is_some_and(|(title, _)| title.contains("Ben"))
        );
        let posted = notice(&Event::Posted {
            post_id: id,
            url: "https://x.com/a/status/1".into(),
        });
        assert!(posted.is_some_and(|(_, body)| body.contains("https://x.com/a/status/1")));
        assert!(
            notice(&Event::Missed {
                post_id: id,
                at: jiff::Timestamp::UNIX_EPOCH
            })
            .is_some()
        );
        assert!(
            notice(&Event::Failed {
                post_id: id,
                reason: "X refused it.".into()
            })
            .is_some()
        );
        assert!(
            notice(&Event::NeedsCheck {
                post_id: id,
                reason: "Unclear.".into()
            })
            .is_some()
        );
        assert!(
            notice(&Event::Approved {
                post_id: id,
                by: "Sam".into()
            })
            .is_none()
        );
    }

    #[test]
    fn only_members_on_duty_hear_of_a_new_conversation() {
        let heard = |on_duty: Vec<String>| Event::Heard {
            conversation_id: "d:1-2".into(),
            by: countersign_core::conversation::ConversationKind::Dm,
            handle: "maya_runs".into(),
            on_duty,
        };
        let told = notice(&heard(vec!["Ana".into()])).unwrap();
        assert_eq!(told.0, "A new direct message");
        assert!(told.1.contains("@maya_runs") && told.1.contains("Ana on duty"));
        assert!(notice(&heard(vec![])).is_none());
    }
}
