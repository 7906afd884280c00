//! Conversations, the use cases: reading the brand's mentions and direct messages from X,
//! the inbox and one conversation, taking, assigning and closing, and drafting an answer.
//!
//! An answer is a post bound to where it goes (the mention it replies to, or the person's
//! direct messages): from its draft on it takes the same road as any post (review,
//! countersignature bound to content, target and time, exactly-once publishing), and when it
//! is posted the conversation is answered and how long the person waited is kept.

use jiff::{SignedDuration, Timestamp};
use serde::Serialize;
use serde_json::json;
use uuid::Uuid;

use super::App;
use crate::acts::{Acts, AuditNote};
use crate::audit::AuditAction;
use crate::connection::ConnectionState;
use crate::conversation::{
    self, Conversation, ConversationKind, ConversationState, ConversationView, InboxQuery, Message,
    Person, ResponseTimes,
};
use crate::error::{Error, Result};
use crate::events::Event;
use crate::model::{Account, Post, ReplyTarget};
use crate::signer::Signer;
use crate::store::{InboxCursor, Tx};
use crate::workflow::AccountAction;
use crate::{DraftInput, PartInput};

/// What one read of the inbox found.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct InboxPoll {
    pub mentions: u32,
    pub dms: u32,
    /// Requests this poll made to X (each billed on pay-per-use access).
    pub reads: u32,
    /// Conversations that are new or reopened.
    pub heard: u32,
    /// Why direct messages could not be read (a grant without `dm.read`), if so.
    pub dms_refused: Option<String>,
}

/// The inbox's figures: how it is read, and how long people wait for an answer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct InboxStatus {
    pub cursor: InboxCursor,
    pub last_7_days: ResponseTimes,
    pub last_30_days: ResponseTimes,
    /// Conversations waiting for someone to take them, and for their taker to answer.
    pub new: u32,
    pub assigned: u32,
}

/// Where a drafted answer goes (see [`App::answer`]).
#[derive(Debug, Clone)]
pub(super) struct Answer {
    pub conversation_id: String,
    pub target: ReplyTarget,
    pub person: String,
}

/// The later of two X ids (snowflakes: longer is later, then by digits).
fn newer(a: Option<String>, b: Option<String>) -> Option<String> {
    match (a, b) {
        (Some(a), Some(b)) => Some(if (b.len(), &b) > (a.len(), &a) { b } else { a }),
        (a, b) => a.or(b),
    }
}

fn month_of(t: Timestamp) -> String {
    t.to_zoned(jiff::tz::TimeZone::UTC)
        .strftime("%Y-%m")
        .to_string()
}

impl App {
    /// Reads what is new on X (mentions after the last one read, direct messages after the
    /// last one held), keeps it, and tells who should hear. Nothing is read twice: the cursors
    /// move forward in the same write that keeps the messages.
    pub async fn poll_inbox(&self) -> Result<InboxPoll> {
        let connection = self.connection()?;
        if connection.state != ConnectionState::Connected {
            return Err(Error::InboxNotConnected);
        }
        let account = self.account()?;
        let user_id = account.x_user_id.clone().ok_or(Error::InboxNotConnected)?;
        let cursor = self.read(|tx| tx.inbox().cursor())?;
        let client = self.cached_x_client()?;
        let mentions = client
            .mentions(&user_id, cursor.mentions_since.as_deref())
            .await?;
        let (dms, dms_refused) = match client.direct_messages(cursor.dms_after.as_deref(), 8).await
        {
            Ok(d) => (d, None),
            // A grant made before Countersign asked for dm.read: mentions still work.
            Err(e @ countersign_x::XError::Forbidden { .. }) => (
                countersign_x::DirectMessages::default(),
                Some(format!(
                    "{e}; connect the account again to give Countersign access to direct messages"
                )),
            ),
            // The mentions read (and paid for) are kept; direct messages wait for the next poll.
            Err(e) => (
                countersign_x::DirectMessages::default(),
                Some(format!("{e}; they are read again on the next poll")),
            ),
        };
        let now = self.now();
        let people = |id: &str| -> Person {
            mentions
                .people
                .iter()
                .chain(dms.people.iter())
                .find(|u| u.id == id)
                .map(|u| Person {
                    id: u.id.clone(),
                    handle: u.username.clone(),
                    name: u.name.clone(),
                })
                .unwrap_or_else(|| Person {
                    id: id.to_owned(),
                    handle: format!("user{id}"),
                    name: "Someone on X".into(),
                })
        };
        let mut report = InboxPoll {
            reads: mentions.requests + dms.requests,
            dms_refused,
            ..InboxPoll::default()
        };
        let by = self.publisher_signer()?;
        let heard = self.write(|tx| {
            let mut heard: Vec<(String, ConversationKind, String)> = Vec::new();
            let mut keep = |tx: &Tx<'_>, key: String, kind, person: &Person, m: Message| {
                if tx.inbox().has_message(&m.x_id)? {
                    return Ok::<bool, Error>(false);
                }
                let before = tx.inbox().get(&key)?;
                let was_open = before.as_ref().is_some_and(|c| {
                    matches!(
                        c.state,
                        ConversationState::New | ConversationState::Assigned
                    )
                });
                let c = conversation::heard(before, &key, kind, person, m.at, now);
                tx.inbox().save(&c)?;
                tx.inbox().add_message(&m)?;
                if !was_open && !heard.iter().any(|h| h.0 == key) {
                    heard.push((key, kind, person.handle.clone()));
                }
                Ok(true)
            };
            // Oldest first, so a conversation's wait starts at its first unanswered message.
            for m in mentions.mentions.iter().rev() {
                if m.author_id == user_id {
                    continue;
                }
                let person = people(&m.author_id);
                let key =
                    conversation::mention_key(m.conversation_id.as_deref(), &m.id, &m.author_id);
                let message = Message {
                    x_id: m.id.clone(),
                    conversation_id: key.clone(),
                    author_id: m.author_id.clone(),
                    text: m.text.clone(),
                    at: m.created_at.unwrap_or(now),
                    reply_to_x_id: m.replied_to.clone(),
                };
                if keep(tx, key, ConversationKind::Mention, &person, message)? {
                    report.mentions += 1;
                }
            }
            for d in dms.messages.iter().rev() {
                // The brand's own answers are posts of this workspace already.
                if d.sender_id == user_id || d.conversation_id.is_empty() {
                    continue;
                }
                let person = people(&d.sender_id);
                let key = conversation::dm_key(&d.conversation_id);
                let message = Message {
                    x_id: d.id.clone(),
                    conversation_id: key.clone(),
                    author_id: d.sender_id.clone(),
                    text: d.text.clone(),
                    at: d.created_at.unwrap_or(now),
                    reply_to_x_id: None,
                };
                if keep(tx, key, ConversationKind::Dm, &person, message)? {
                    report.dms += 1;
                }
            }
            // Cursors only move forward: a poll that raced another (the window's "Check now"
            // beside the publisher, two reviewers' laptops) never sends one back.
            let mut c = tx.inbox().cursor()?;
            c.mentions_since = newer(c.mentions_since.take(), mentions.newest_id.clone());
            c.dms_after = newer(
                c.dms_after.take(),
                dms.messages.first().map(|d| d.id.clone()),
            );
            let month = month_of(now);
            if c.reads_month != month {
                c.reads_month = month;
                c.reads = 0;
            }
            c.reads += report.reads;
            c.polled_at = Some(now);
            tx.inbox().save_cursor(&c)?;
            // On the trail, so that every laptop of a team tells its members on duty.
            for (id, kind, handle) in &heard {
                tx.record(
                    now,
                    AuditNote::by_any(by.as_ref(), AuditAction::ConversationHeard).detail(json!({
                        "conversation_id": id, "kind": kind.as_str(), "person": handle,
                    })),
                )?;
            }
            Ok(heard)
        })?;
        report.heard = heard.len() as u32;
        let on_duty = if heard.is_empty() {
            Vec::new()
        } else {
            self.on_duty_here()?
        };
        for (conversation_id, kind, handle) in heard {
            self.events.emit(Event::Heard {
                conversation_id,
                by: kind,
                handle,
                on_duty: on_duty.clone(),
            });
        }
        Ok(report)
    }

    /// Whether the inbox is due a read (polling on, and its interval passed since the last).
    pub fn inbox_due(&self) -> Result<bool> {
        let c = self.read(|tx| tx.inbox().cursor())?;
        if c.poll_minutes == 0 {
            return Ok(false);
        }
        Ok(c.polled_at.is_none_or(|at| {
            self.now().duration_since(at) >= SignedDuration::from_mins(i64::from(c.poll_minutes))
        }))
    }

    /// How often the publisher reads the inbox (an admin's setting; 0 turns it off).
    pub fn set_inbox_poll(&self, actor: &str, minutes: u32) -> Result<InboxCursor> {
        if minutes > 24 * 60 {
            return Err(Error::InvalidInput {
                detail: format!(
                    "the inbox is read at least once a day (at most 1440 minutes apart), not every {minutes} minutes"
                ),
            });
        }
        let key = self.prepare(actor)?;
        let pin = self.pin()?;
        let now = self.now();
        self.write(|tx| {
            let m = tx.allowed(actor, AccountAction::ChangeAccount, pin.as_ref())?;
            let signer = key.signer(m)?;
            let mut c = tx.inbox().cursor()?;
            c.poll_minutes = minutes;
            tx.inbox().save_cursor(&c)?;
            tx.record(
                now,
                AuditNote::by(&signer, AuditAction::InboxChanged)
                    .detail(json!({"poll_minutes": minutes})),
            )?;
            Ok(c)
        })
    }

    /// Puts `name` on duty (they hear of new mentions and direct messages on this laptop) or
    /// off. Everyone is on duty until they say otherwise; each member decides for themselves.
    pub fn set_on_duty(&self, name: &str, on: bool) -> Result<bool> {
        let m = self.member(name)?;
        self.store().duty(|inbox| inbox.set_on_duty(m.id, on))?;
        Ok(on)
    }

    /// Whether `name` is on duty on this laptop.
    pub fn on_duty(&self, name: &str) -> Result<bool> {
        let m = self.member(name)?;
        self.read(|tx| tx.inbox().on_duty(m.id))
    }

    /// The active members on duty on this laptop, who hear of new conversations (on a team
    /// laptop, only the member who joined on it).
    pub(super) fn on_duty_here(&self) -> Result<Vec<String>> {
        let laptop = self.publisher_identity().0;
        self.read(|tx| {
            let mut out = Vec::new();
            for m in tx.members().list()? {
                if m.active && laptop.is_none_or(|id| id == m.id) && tx.inbox().on_duty(m.id)? {
                    out.push(m.name);
                }
            }
            Ok(out)
        })
    }

    /// Conversations matching `q`, latest first.
    pub fn inbox(&self, q: &InboxQuery) -> Result<Vec<Conversation>> {
        self.read(|tx| tx.inbox().list(q))
    }

    /// How the inbox is read, and how long people waited for answers over the last 7 and 30
    /// days (median and 90th percentile of first responses).
    pub fn inbox_status(&self) -> Result<InboxStatus> {
        let now = self.now();
        self.read(|tx| {
            let since = |days: i64| now.checked_sub(SignedDuration::from_hours(24 * days));
            Ok(InboxStatus {
                cursor: tx.inbox().cursor()?,
                last_7_days: conversation::response_times(tx.inbox().waits_since(since(7)?)?),
                last_30_days: conversation::response_times(tx.inbox().waits_since(since(30)?)?),
                new: tx.inbox().count(ConversationState::New)?,
                assigned: tx.inbox().count(ConversationState::Assigned)?,
            })
        })
    }

    /// One conversation: the person's messages, who answers, and the answers so far.
    pub fn conversation(&self, id: &str) -> Result<ConversationView> {
        self.read(|tx| {
            let conversation = get(tx, id)?;
            let assignee = match conversation.assignee_id {
                Some(a) => tx.members().by_id(a)?,
                None => None,
            };
            Ok(ConversationView {
                messages: tx.inbox().messages(id)?,
                answers: tx.inbox().answers(id)?,
                first_response_secs: tx.inbox().first_wait(id)?.map(|ms| ms / 1000),
                assignee,
                conversation,
            })
        })
    }

    /// `actor` will answer the conversation ("I'll answer"): everyone sees it is theirs. One
    /// someone else is answering stays theirs until an approver assigns it.
    pub fn take(&self, id: &str, actor: &str) -> Result<Conversation> {
        let key = self.prepare(actor)?;
        let now = self.now();
        self.write(|tx| {
            let signer = key.signer(tx.active_member(actor)?)?;
            let mut c = get(tx, id)?;
            if c.state == ConversationState::Closed {
                return Err(Error::ConversationClosed);
            }
            holder_check(tx, &c, &signer)?;
            assign_in(
                tx,
                now,
                &mut c,
                &signer,
                &signer.member,
                AuditAction::ConversationTaken,
            )?;
            Ok(c)
        })
    }

    /// An approver (or admin) gives the conversation to `to` to answer.
    pub fn assign(&self, id: &str, to: &str, actor: &str) -> Result<Conversation> {
        let key = self.prepare(actor)?;
        let pin = self.pin()?;
        let now = self.now();
        self.write(|tx| {
            let m = tx.allowed(actor, AccountAction::AssignConversations, pin.as_ref())?;
            let signer = key.signer(m)?;
            let to = tx.active_member(to)?;
            let mut c = get(tx, id)?;
            if c.state == ConversationState::Closed {
                return Err(Error::ConversationClosed);
            }
            assign_in(
                tx,
                now,
                &mut c,
                &signer,
                &to,
                AuditAction::ConversationAssigned,
            )?;
            Ok(c)
        })
    }

    /// Closes the conversation without an answer, saying why. It reopens when the person
    /// writes again.
    pub fn close(&self, id: &str, actor: &str, note: &str) -> Result<Conversation> {
        let note = note.trim();
        if note.is_empty() {
            return Err(Error::CommentRequired {
                what: "closing a conversation without an answer",
            });
        }
        let key = self.prepare(actor)?;
        let now = self.now();
        self.write(|tx| {
            let signer = key.signer(tx.active_member(actor)?)?;
            let mut c = get(tx, id)?;
            if !signer.member.role.reviews() {
                holder_check(tx, &c, &signer)?;
            }
            c.state = ConversationState::Closed;
            c.note = Some(note.to_owned());
            c.waiting_since = None;
            c.updated_at = now;
            tx.inbox().save(&c)?;
            tx.record(
                now,
                AuditNote::by(&signer, AuditAction::ConversationClosed).detail(json!({
                    "conversation_id": c.id, "person": c.person.handle, "note": note,
                })),
            )?;
            Ok(c)
        })
    }

    /// Drafts `actor`'s answer in the conversation: a post bound to the mention it replies to
    /// (refused where X would refuse it: the person did not mention the brand), or to the
    /// person's direct messages. The conversation is the actor's from then on. The draft then
    /// goes through `submit`, `approve` and `schedule` (or `approve --send-now`) like any post.
    pub fn answer(&self, id: &str, actor: &str, text: &str) -> Result<Post> {
        let account = self.account()?;
        let view = self.conversation(id)?;
        let c = &view.conversation;
        if c.state == ConversationState::Closed {
            return Err(Error::ConversationClosed);
        }
        let target = match c.kind {
            ConversationKind::Mention => {
                let last = view
                    .messages
                    .iter()
                    .rev()
                    .find(|m| m.author_id == c.person.id)
                    .ok_or_else(|| Error::UnknownConversation { id: id.into() })?;
                // The handle X knows the connected account by (the Sandbox's may differ from
                // the workspace's).
                let connection = self.connection()?;
                let handle = connection
                    .username
                    .unwrap_or_else(|| account.handle.clone());
                let brand_id = account.x_user_id.clone().unwrap_or_default();
                countersign_x::may_reply(&brand_id, &handle, &last.author_id, &last.text)?;
                ReplyTarget::Post {
                    x_id: last.x_id.clone(),
                }
            }
            ConversationKind::Dm => ReplyTarget::Dm {
                participant_id: c.person.id.clone(),
            },
        };
        let input = DraftInput {
            parts: vec![PartInput {
                text: text.to_owned(),
                media: Vec::new(),
            }],
            ..DraftInput::default()
        };
        let answer = Answer {
            conversation_id: c.id.clone(),
            target,
            person: c.person.handle.clone(),
        };
        self.save_draft_as(actor, &input, Uuid::now_v7(), None, Some(&answer))
    }
}

fn get(tx: &Tx<'_>, id: &str) -> Result<Conversation> {
    tx.inbox()
        .get(id)?
        .ok_or_else(|| Error::UnknownConversation { id: id.to_owned() })
}

/// Refuses when someone else is answering the conversation.
fn holder_check(tx: &Tx<'_>, c: &Conversation, actor: &Signer) -> Result<()> {
    match c.assignee_id {
        Some(a) if a != actor.member.id && c.state == ConversationState::Assigned => {
            let by = tx
                .members()
                .by_id(a)?
                .map_or_else(|| "someone else".to_owned(), |m| m.name);
            Err(Error::ConversationTaken { by })
        }
        _ => Ok(()),
    }
}

fn assign_in(
    tx: &Tx<'_>,
    now: Timestamp,
    c: &mut Conversation,
    by: &Signer,
    to: &crate::model::Member,
    action: AuditAction,
) -> Result<()> {
    c.assignee_id = Some(to.id);
    if c.state == ConversationState::New {
        c.state = ConversationState::Assigned;
    }
    c.updated_at = now;
    tx.inbox().save(c)?;
    tx.record(
        now,
        AuditNote::by(by, action).detail(json!({
            "conversation_id": c.id, "person": c.person.handle, "to": to.name,
        })),
    )
}

/// Inside the draft's write: the post answers the conversation, which is its author's now.
pub(super) fn answer_in(
    tx: &Tx<'_>,
    now: Timestamp,
    author: &Signer,
    post: &Post,
    account: &Account,
    a: &Answer,
) -> Result<()> {
    let mut c = get(tx, &a.conversation_id)?;
    if c.state == ConversationState::Closed {
        return Err(Error::ConversationClosed);
    }
    holder_check(tx, &c, author)?;
    tx.inbox().add_answer(post.id, &c.id)?;
    if c.assignee_id != Some(author.member.id) {
        c.assignee_id = Some(author.member.id);
        if c.state == ConversationState::New {
            c.state = ConversationState::Assigned;
        }
        c.updated_at = now;
        tx.inbox().save(&c)?;
    }
    tx.record(
        now,
        AuditNote::by(author, AuditAction::AnswerDrafted)
            .about(post, account)
            .detail(json!({
                "conversation_id": c.id, "person": a.person, "reply_to": a.target.encode(),
            })),
    )
}

/// Inside the write that records a post as posted: when it answers a conversation, the
/// conversation is answered, and how long the person waited is kept.
/// Returns what the audit entry of its going out records of it: the conversation and the wait.
pub(super) fn answered_in(
    tx: &Tx<'_>,
    post_id: Uuid,
    now: Timestamp,
) -> Result<Option<serde_json::Value>> {
    let Some(id) = tx.inbox().answer_of(post_id)? else {
        return Ok(None);
    };
    let mut c = get(tx, &id)?;
    let waited = c
        .waiting_since
        .map(|w| now.duration_since(w).as_millis().max(0) as i64);
    tx.inbox().mark_answered(post_id, waited, now)?;
    if c.state != ConversationState::Closed {
        c.state = ConversationState::Answered;
    }
    c.waiting_since = None;
    c.updated_at = now;
    tx.inbox().save(&c)?;
    Ok(Some(json!({
        "conversation_id": c.id, "person": c.person.handle, "waited_ms": waited,
    })))
}

#[cfg(test)]
mod tests {
    use super::newer;

    #[test]
    fn cursors_only_move_forward() {
        let s = |v: &str| Some(v.to_string());
        assert_eq!(
            newer(s("1850000000000000009"), s("1850000000000000010")),
            s("1850000000000000010")
        );
        assert_eq!(
            newer(s("1850000000000000010"), s("1850000000000000009")),
            s("1850000000000000010")
        );
        assert_eq!(newer(s("99"), s("100")), s("100"));
        assert_eq!(newer(None, s("5")), s("5"));
        assert_eq!(newer(s("5"), None), s("5"));
        assert_eq!(newer(None, None), None);
    }
}
