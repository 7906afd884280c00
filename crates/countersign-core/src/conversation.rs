//! Conversations: what people say to the brand on X (mentions and direct messages) and who
//! answers. An answer is a post bound to where it goes ([`crate::model::ReplyTarget`]): the
//! same review, countersignature and exactly-once publishing as any post.
//!
//! The rules here are pure: how messages group into conversations, how a conversation's state
//! moves when someone writes, takes, assigns, closes or answers it, and the response-time
//! figures.

use jiff::{SignedDuration, Timestamp};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::model::Member;

/// Where a conversation happens.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum ConversationKind {
    /// Public: someone mentioned the brand (or replied to it).
    Mention,
    /// A direct message.
    Dm,
}

impl ConversationKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ConversationKind::Mention => "mention",
            ConversationKind::Dm => "dm",
        }
    }

    pub fn parse(s: &str) -> Option<ConversationKind> {
        match s.trim().to_ascii_lowercase().as_str() {
            "mention" | "mentions" => Some(ConversationKind::Mention),
            "dm" | "dms" => Some(ConversationKind::Dm),
            _ => None,
        }
    }
}

/// Where a conversation stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum ConversationState {
    /// Nobody has taken it.
    New,
    /// A member is answering it.
    Assigned,
    /// An answer went out, and the person has not written since.
    Answered,
    /// Closed without an answer, with a note saying why.
    Closed,
}

impl ConversationState {
    pub fn as_str(self) -> &'static str {
        match self {
            ConversationState::New => "new",
            ConversationState::Assigned => "assigned",
            ConversationState::Answered => "answered",
            ConversationState::Closed => "closed",
        }
    }

    pub fn parse(s: &str) -> Option<ConversationState> {
        match s.trim().to_ascii_lowercase().as_str() {
            "new" => Some(ConversationState::New),
            "assigned" => Some(ConversationState::Assigned),
            "answered" => Some(ConversationState::Answered),
            "closed" => Some(ConversationState::Closed),
            _ => None,
        }
    }
}

/// Someone on X who wrote to the brand.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Person {
    /// X's numeric user id.
    pub id: String,
    /// Without `@`.
    pub handle: String,
    pub name: String,
}

/// One conversation, as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Conversation {
    /// `m:<X conversation id>:<person id>` or `d:<DM conversation id>`.
    pub id: String,
    pub kind: ConversationKind,
    pub person: Person,
    pub state: ConversationState,
    /// Who is answering (set by taking or assigning; kept when it reopens).
    pub assignee_id: Option<Uuid>,
    /// Why it was closed without an answer.
    pub note: Option<String>,
    /// The oldest message not answered yet; `None` once answered or closed.
    pub waiting_since: Option<Timestamp>,
    /// The latest message.
    pub last_at: Timestamp,
    pub updated_at: Timestamp,
}

/// What someone wrote to the brand, exactly as X returned it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Message {
    /// The post's or DM event's id on X.
    pub x_id: String,
    pub conversation_id: String,
    pub author_id: String,
    pub text: String,
    pub at: Timestamp,
    /// For a mention that replies to a post: that post's id.
    pub reply_to_x_id: Option<String>,
}

/// The id of the conversation a mention belongs to: one per person and thread.
pub fn mention_key(x_conversation_id: Option<&str>, post_id: &str, person_id: &str) -> String {
    format!("m:{}:{person_id}", x_conversation_id.unwrap_or(post_id))
}

/// The id of the conversation a direct message belongs to.
pub fn dm_key(dm_conversation_id: &str) -> String {
    format!("d:{dm_conversation_id}")
}

/// The conversation after `person` wrote at `at`: a new one, or one that reopens (it was
/// answered or closed) keeping who answered it before, or one still open that now holds a
/// newer message.
pub fn heard(
    existing: Option<Conversation>,
    id: &str,
    kind: ConversationKind,
    person: &Person,
    at: Timestamp,
    now: Timestamp,
) -> Conversation {
    match existing {
        None => Conversation {
            id: id.to_owned(),
            kind,
            person: person.clone(),
            state: ConversationState::New,
            assignee_id: None,
            note: None,
            waiting_since: Some(at),
            last_at: at,
            updated_at: now,
        },
        Some(mut c) => {
            if matches!(
                c.state,
                ConversationState::Answered | ConversationState::Closed
            ) {
                c.state = if c.assignee_id.is_some() {
                    ConversationState::Assigned
                } else {
                    ConversationState::New
                };
                c.note = None;
            }
            c.waiting_since = Some(c.waiting_since.map_or(at, |w| w.min(at)));
            c.last_at = c.last_at.max(at);
            // The name and handle as X says them now.
            c.person = person.clone();
            c.updated_at = now;
            c
        }
    }
}

/// A conversation listing: by state (`mine` is the asking member's open ones), kind and words.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InboxQuery {
    pub state: Option<ConversationState>,
    /// Only those assigned to this member.
    pub assignee: Option<Uuid>,
    /// Only open ones (new or assigned).
    pub open: bool,
    pub kind: Option<ConversationKind>,
    /// Words that must all appear in a message or the person's name or handle.
    pub search: Option<String>,
    pub limit: usize,
}

/// How long people waited for a first answer: median and 90th percentile, over answers sent in
/// a window.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ResponseTimes {
    pub answered: u32,
    pub median_secs: Option<i64>,
    pub p90_secs: Option<i64>,
}

/// The figures of `waits` (milliseconds each).
pub fn response_times(mut waits: Vec<i64>) -> ResponseTimes {
    if waits.is_empty() {
        return ResponseTimes::default();
    }
    waits.sort_unstable();
    let at = |p: f64| {
        let i = ((waits.len() as f64 * p).ceil() as usize).clamp(1, waits.len()) - 1;
        waits[i] / 1000
    };
    ResponseTimes {
        answered: waits.len() as u32,
        median_secs: Some(at(0.5)),
        p90_secs: Some(at(0.9)),
    }
}

/// How long someone has waited so far (for the screen: "waiting 2 h").
pub fn waiting(c: &Conversation, now: Timestamp) -> Option<SignedDuration> {
    c.waiting_since.map(|w| now.duration_since(w))
}

/// A conversation with what the screen shows beside it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ConversationView {
    pub conversation: Conversation,
    pub assignee: Option<Member>,
    pub messages: Vec<Message>,
    /// The posts that answer it, oldest first.
    pub answers: Vec<Uuid>,
    /// How long the person waited for the first answer that went out, in seconds.
    pub first_response_secs: Option<i64>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: i64) -> Timestamp {
        Timestamp::from_second(1_800_000_000 + s).unwrap()
    }

    fn maya() -> Person {
        Person {
            id: "7".into(),
            handle: "maya_runs".into(),
            name: "Maya".into(),
        }
    }

    #[test]
    fn a_conversation_reopens_when_the_person_writes_again() {
        let c = heard(None, "d:1-7", ConversationKind::Dm, &maya(), t(0), t(1));
        assert_eq!(c.state, ConversationState::New);
        assert_eq!(c.waiting_since, Some(t(0)));

        let answered = Conversation {
            state: ConversationState::Answered,
            assignee_id: Some(Uuid::nil()),
            waiting_since: None,
            ..c.clone()
        };
        let again = heard(
            Some(answered),
            "d:1-7",
            ConversationKind::Dm,
            &maya(),
            t(50),
            t(51),
        );
        assert_eq!(again.state, ConversationState::Assigned);
        assert_eq!(again.waiting_since, Some(t(50)));
        assert_eq!(again.last_at, t(50));

        let closed = Conversation {
            state: ConversationState::Closed,
            note: Some("spam".into()),
            waiting_since: None,
            ..c.clone()
        };
        let again = heard(
            Some(closed),
            "d:1-7",
            ConversationKind::Dm,
            &maya(),
            t(60),
            t(61),
        );
        assert_eq!(again.state, ConversationState::New);
        assert_eq!(again.note, None);

        // Still open: the wait counts from the oldest unanswered message.
        let more = heard(
            Some(c),
            "d:1-7",
            ConversationKind::Dm,
            &maya(),
            t(30),
            t(31),
        );
        assert_eq!(more.waiting_since, Some(t(0)));
        assert_eq!(more.last_at, t(30));
    }

    #[test]
    fn mentions_group_by_thread_and_person() {
        assert_eq!(mention_key(Some("100"), "105", "7"), "m:100:7");
        assert_eq!(mention_key(None, "105", "7"), "m:105:7");
        assert_ne!(
            mention_key(Some("100"), "105", "7"),
            mention_key(Some("100"), "106", "8")
        );
        assert_eq!(dm_key("1-7"), "d:1-7");
    }

    #[test]
    fn response_times_are_median_and_p90() {
        assert_eq!(response_times(vec![]), ResponseTimes::default());
        let r = response_times((1..=10).map(|s| s * 60_000).collect());
        assert_eq!(r.answered, 10);
        assert_eq!(r.median_secs, Some(300));
        assert_eq!(r.p90_secs, Some(540));
    }
}
