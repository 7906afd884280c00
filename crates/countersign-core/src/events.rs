//! Events the core emits after a change is committed, for notifications in the app.
//!
//! Subscribers get their own channel; a subscriber that went away is dropped on the next send.

use std::sync::Mutex;
use std::sync::mpsc::{Receiver, Sender, channel};

use jiff::Timestamp;
use serde::Serialize;
use uuid::Uuid;

/// Something a person may need to know about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Event {
    /// A post waits for an approver.
    NeedsReview {
        post_id: Uuid,
        author: String,
    },
    ChangesRequested {
        post_id: Uuid,
        by: String,
    },
    Rejected {
        post_id: Uuid,
        by: String,
    },
    Approved {
        post_id: Uuid,
        by: String,
    },
    Scheduled {
        post_id: Uuid,
        at: Timestamp,
    },
    /// X refused the refresh token: a person must connect the account again. In a team each
    /// reviewer's laptop holds its own grant: `laptop_of` names the member whose laptop lost
    /// it when that is another laptop (`None`: this one, or a solo workspace).
    NeedsReconnect {
        laptop_of: Option<String>,
    },
    /// The post is on X: `url` links to it (on X, or on the Sandbox timeline).
    Posted {
        post_id: Uuid,
        url: String,
    },
    /// X refused the post, or kept failing: a person must decide what happens to it.
    Failed {
        post_id: Uuid,
        reason: String,
    },
    /// The post's time passed by more than the grace window while nothing could publish it
    /// (the machine slept, the app was closed): an approver decides.
    Missed {
        post_id: Uuid,
        at: Timestamp,
    },
    /// The publisher cannot tell whether the post reached X, or its approval does not hold:
    /// a person decides.
    NeedsCheck {
        post_id: Uuid,
        reason: String,
    },
    /// The post was unscheduled or dropped: it will not be published.
    Unscheduled {
        post_id: Uuid,
        by: String,
    },
    /// An approval stopped counting because the post changed.
    ApprovalVoided {
        post_id: Uuid,
        reason: String,
    },
    /// Someone wrote to the brand: a new conversation, or one that reopened.
    Heard {
        conversation_id: String,
        by: crate::conversation::ConversationKind,
        handle: String,
        /// Who on this laptop is on duty and should hear of it (none: nobody is told).
        on_duty: Vec<String>,
    },
    /// An edit made offline met a post that changed meanwhile: it is kept as a new draft.
    ConflictCopy {
        post_id: Uuid,
        copy_id: Uuid,
    },
    /// The team server would not take an act made offline: it stays in the outbox, with why.
    OutboxRefused {
        post_id: Uuid,
        act: crate::store::OutboxAct,
        reason: String,
    },
}

#[derive(Debug, Default)]
pub struct Events {
    subscribers: Mutex<Vec<Sender<Event>>>,
}

impl Events {
    pub fn subscribe(&self) -> Receiver<Event> {
        let (tx, rx) = channel();
        self.subscribers
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(tx);
        rx
    }

    pub fn emit(&self, event: Event) {
        let mut subs = self.subscribers.lock().unwrap_or_else(|p| p.into_inner());
        subs.retain(|s| s.send(event.clone()).is_ok());
    }
}
