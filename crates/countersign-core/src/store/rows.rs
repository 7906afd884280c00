//! The store's own row and view types: what handles return or take besides the domain nouns
//! of [`crate::model`]. Every backend fills in the same types, and the adapters show them.

use jiff::Timestamp;
use jiff::civil::{Time, Weekday};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::keys::MemberKey;
use crate::model::{Member, Status};

// --- posts -------------------------------------------------------------------------------------

/// A line in a list of posts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PostSummary {
    pub id: Uuid,
    pub status: Status,
    pub author: String,
    pub version: u32,
    pub parts: u32,
    /// The first part's text.
    pub text: String,
    pub scheduled_at: Option<Timestamp>,
    pub updated_at: Timestamp,
}

/// A posted post, as History shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct HistoryRow {
    pub id: Uuid,
    pub author: String,
    pub approver: Option<String>,
    pub approved_at: Option<Timestamp>,
    pub solo: bool,
    pub created_at: Timestamp,
    pub posted_at: Option<Timestamp>,
    pub post_url: Option<String>,
    pub parts: Vec<String>,
}

/// Which posted posts History shows: a full-text search and filters, one page at a time.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(default)]
pub struct HistoryQuery {
    /// Full-text search over every part.
    pub search: Option<String>,
    /// Only posts by this member (by name).
    pub author: Option<String>,
    /// Only posts this member countersigned (by name).
    pub approver: Option<String>,
    /// Posted at or after this instant.
    pub from: Option<Timestamp>,
    /// Posted before this instant.
    pub to: Option<Timestamp>,
    /// Rows to skip, newest first.
    pub offset: u32,
    /// The page size.
    pub limit: u32,
}

/// A post made outside Countersign (or before it), brought into History.
#[derive(Debug, Clone)]
pub struct ImportedPost {
    pub id: Uuid,
    pub author_id: Uuid,
    pub parts: Vec<String>,
    pub created_at: Timestamp,
    pub posted_at: Timestamp,
    pub post_url: Option<String>,
}

// --- publishing --------------------------------------------------------------------------------

/// The publisher's bookkeeping for one post, all of it in the post's row (and its parts').
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PublishState {
    /// When the publisher claimed the post (scheduled → publishing).
    pub claimed_at: Option<Timestamp>,
    /// Set just before a create request went to X and not yet cleared: its outcome is unknown.
    pub in_flight_at: Option<Timestamp>,
    /// Not before this instant (a backoff, or a rate limit's reset).
    pub next_attempt_at: Option<Timestamp>,
    pub server_errors: u32,
    pub retries: u32,
    /// X's ids of the parts already posted, in order.
    pub parts: Vec<String>,
    /// The claim: the member whose laptop publishes (team mode; `None` on a solo workspace),
    /// that laptop, the fencing epoch every claim and takeover bumps, and until when the claim
    /// holds unless renewed. Another laptop may take over only after `lease_until`.
    pub claimed_by: Option<Uuid>,
    pub claim_device: Option<String>,
    pub claim_epoch: u32,
    pub lease_until: Option<Timestamp>,
}

impl PublishState {
    /// The state a new attempt starts from (a person's "publish now", a new time): its
    /// counters and marks afresh, the parts already on X kept. The claim's epoch is kept too:
    /// it never goes back, or a laptop still holding an old claim of the same epoch would pass
    /// the fence again once the post is claimed anew.
    pub fn new_attempt(&self) -> PublishState {
        PublishState {
            parts: self.parts.clone(),
            claimed_by: self.claimed_by,
            claim_device: self.claim_device.clone(),
            claim_epoch: self.claim_epoch,
            ..PublishState::default()
        }
    }
}

/// A post on the calendar: scheduled (or missed, or waiting for a check) at its time, or
/// posted at the time it went out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CalendarItem {
    pub id: Uuid,
    pub status: Status,
    pub author: String,
    /// The first part's text.
    pub text: String,
    pub parts: u32,
    /// The scheduled instant, or when it was posted.
    pub at: Timestamp,
    /// The zone the time was given in.
    pub zone: Option<String>,
    /// Scheduled through the queue.
    pub queued: bool,
    pub post_url: Option<String>,
}

/// A weekly posting slot: a weekday and a wall time in the brand's zone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct QueueSlot {
    pub id: Uuid,
    /// `monday` .. `sunday`.
    #[serde(serialize_with = "weekday_name")]
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub weekday: Weekday,
    /// `HH:MM`.
    #[serde(serialize_with = "hh_mm")]
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub time: Time,
}

fn weekday_name<S: serde::Serializer>(w: &Weekday, s: S) -> std::result::Result<S::Ok, S::Error> {
    s.serialize_str(&format!("{w:?}").to_lowercase())
}

fn hh_mm<S: serde::Serializer>(t: &Time, s: S) -> std::result::Result<S::Ok, S::Error> {
    s.serialize_str(&t.strftime("%H:%M").to_string())
}

// --- audit -------------------------------------------------------------------------------------

/// What a use case records; the store adds the sequence number and the chain.
#[derive(Debug, Clone)]
pub struct NewAuditEntry<'a> {
    pub actor: Option<&'a Member>,
    pub action: &'a str,
    pub post_id: Option<Uuid>,
    pub version: Option<u32>,
    pub digest: Option<&'a str>,
    pub detail: serde_json::Value,
    /// The actor's key: entries made by a member are signed with it.
    pub key: Option<&'a MemberKey>,
}

/// One team laptop as the server last heard from it (a publisher's heartbeat).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Laptop {
    pub device: String,
    /// The member it acts for.
    pub member: String,
    pub can_publish: bool,
    pub last_seen: Timestamp,
}

/// What kind of act waits in the outbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum OutboxAct {
    Draft,
    Edit,
    Comment,
    Submit,
}

impl OutboxAct {
    pub fn as_str(self) -> &'static str {
        match self {
            OutboxAct::Draft => "draft",
            OutboxAct::Edit => "edit",
            OutboxAct::Comment => "comment",
            OutboxAct::Submit => "submit",
        }
    }

    pub fn parse(s: &str) -> Option<OutboxAct> {
        Some(match s {
            "draft" => OutboxAct::Draft,
            "edit" => OutboxAct::Edit,
            "comment" => OutboxAct::Comment,
            "submit" => OutboxAct::Submit,
            _ => return None,
        })
    }
}

/// An act made while the team server was away, as the outbox keeps it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Queued {
    /// Its place in the outbox: acts are replayed in this order.
    pub seq: i64,
    pub act: OutboxAct,
    pub actor: String,
    pub post_id: Uuid,
    /// The post's version and status when the person acted (edit, submit).
    pub base: Option<(u32, Status)>,
    /// The id the act's own row gets on the server (the draft, the comment, a conflict copy).
    pub item_id: Uuid,
    /// The content (draft, edit) or the comment, as JSON.
    pub body: String,
    pub made_at: Timestamp,
    /// Why the server would not take it, once it said so.
    pub refused: Option<String>,
}

/// How the inbox is read: its polling interval, the cursors that keep anything from being
/// read twice, and the reads spent this month (each one is billed on pay-per-use access).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct InboxCursor {
    /// Minutes between polls; 0 turns polling off.
    pub poll_minutes: u32,
    /// The newest mention read: the next poll's `since_id`.
    pub mentions_since: Option<String>,
    /// The newest direct message read.
    pub dms_after: Option<String>,
    /// `YYYY-MM` (UTC) that `reads` counts.
    pub reads_month: String,
    pub reads: u32,
    pub polled_at: Option<Timestamp>,
}
