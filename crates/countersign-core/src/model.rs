//! The domain nouns: the brand account, members, posts and their parts, approvals, comments.
//!
//! These are plain values. The rules that move them (who may do what, in which state) live in
//! [`crate::workflow`]; storing them lives in [`crate::store`].

use std::fmt;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// A member's role. Each role can do everything the one before it can.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Writes, edits own drafts, submits, comments.
    Contributor,
    /// Also reviews, approves, requests changes, rejects, schedules.
    Approver,
    /// Also manages members and the account; may approve.
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Contributor => "contributor",
            Role::Approver => "approver",
            Role::Admin => "admin",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        match s.trim().to_ascii_lowercase().as_str() {
            "contributor" => Some(Role::Contributor),
            "approver" => Some(Role::Approver),
            "admin" => Some(Role::Admin),
            _ => None,
        }
    }

    /// Whether this role may review: approve, request changes, reject, schedule.
    pub fn reviews(self) -> bool {
        self >= Role::Approver
    }

    pub(crate) fn with_article(self) -> &'static str {
        match self {
            Role::Contributor => "a contributor",
            Role::Approver => "an approver",
            Role::Admin => "an admin",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a post stands in its life. See [`crate::workflow`] for the moves between them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Draft,
    InReview,
    ChangesRequested,
    Rejected,
    Approved,
    Scheduled,
    Publishing,
    Posted,
    Failed,
    NeedsCheck,
    Missed,
    /// Taken off the road by a person (deleted, or a missed or unclear post let go). Never
    /// published.
    Dropped,
}

impl Status {
    pub const ALL: [Status; 12] = [
        Status::Draft,
        Status::InReview,
        Status::ChangesRequested,
        Status::Rejected,
        Status::Approved,
        Status::Scheduled,
        Status::Publishing,
        Status::Posted,
        Status::Failed,
        Status::NeedsCheck,
        Status::Missed,
        Status::Dropped,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Draft => "draft",
            Status::InReview => "in_review",
            Status::ChangesRequested => "changes_requested",
            Status::Rejected => "rejected",
            Status::Approved => "approved",
            Status::Scheduled => "scheduled",
            Status::Publishing => "publishing",
            Status::Posted => "posted",
            Status::Failed => "failed",
            Status::NeedsCheck => "needs_check",
            Status::Missed => "missed",
            Status::Dropped => "dropped",
        }
    }

    pub fn parse(s: &str) -> Option<Status> {
        let s = s.trim().to_ascii_lowercase().replace('-', "_");
        Status::ALL.into_iter().find(|st| st.as_str() == s)
    }

    /// "in review", "a draft", ...: for messages.
    pub fn describe(self) -> &'static str {
        match self {
            Status::Draft => "a draft",
            Status::InReview => "in review",
            Status::ChangesRequested => "waiting for requested changes",
            Status::Rejected => "rejected",
            Status::Approved => "approved",
            Status::Scheduled => "scheduled",
            Status::Publishing => "being published",
            Status::Posted => "already posted",
            Status::Failed => "failed",
            Status::NeedsCheck => "waiting for a check",
            Status::Missed => "missed",
            Status::Dropped => "dropped",
        }
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Who may reply to a post, as X's `reply_settings`. `Everyone` sends no setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum ReplySettings {
    #[default]
    Everyone,
    Following,
    MentionedUsers,
    Subscribers,
    Verified,
}

impl ReplySettings {
    pub fn as_str(self) -> &'static str {
        match self {
            ReplySettings::Everyone => "everyone",
            ReplySettings::Following => "following",
            ReplySettings::MentionedUsers => "mentioned_users",
            ReplySettings::Subscribers => "subscribers",
            ReplySettings::Verified => "verified",
        }
    }

    pub fn parse(s: &str) -> Option<ReplySettings> {
        match s.trim().to_ascii_lowercase().replace('-', "_").as_str() {
            "everyone" => Some(ReplySettings::Everyone),
            "following" => Some(ReplySettings::Following),
            "mentioned_users" | "mentionedusers" => Some(ReplySettings::MentionedUsers),
            "subscribers" => Some(ReplySettings::Subscribers),
            "verified" => Some(ReplySettings::Verified),
            _ => None,
        }
    }
}

/// The one brand X account a workspace posts for, and its settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Account {
    /// The X handle, without `@`.
    pub handle: String,
    pub display_name: String,
    /// X's user id, once the account is connected.
    pub x_user_id: Option<String>,
    /// 280, or the Premium limit.
    pub max_weighted_length: u32,
    /// The brand's time zone, an IANA name: schedules and queue slots are wall times here.
    pub timezone: String,
    /// A lone admin may approve their own posts. Shown wherever an approval is shown.
    pub solo_mode: bool,
    /// How late a due post may still go out before it counts as missed.
    pub grace_minutes: u32,
}

/// A named person in the workspace. Never deleted: history keeps who did what.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Member {
    pub id: Uuid,
    pub name: String,
    pub initials: String,
    pub role: Role,
    pub active: bool,
    pub created_at: Timestamp,
}

/// What media a file is, as X sorts it: a part carries up to 4 images, or 1 GIF, or 1 video.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum MediaKind {
    Image,
    Gif,
    Video,
}

impl MediaKind {
    pub fn as_str(self) -> &'static str {
        match self {
            MediaKind::Image => "image",
            MediaKind::Gif => "gif",
            MediaKind::Video => "video",
        }
    }

    pub fn parse(s: &str) -> Option<MediaKind> {
        match s {
            "image" => Some(MediaKind::Image),
            "gif" => Some(MediaKind::Gif),
            "video" => Some(MediaKind::Video),
            _ => None,
        }
    }
}

/// A media file kept in the workspace, named by the SHA-256 of its bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Media {
    pub hash: String,
    pub kind: MediaKind,
    pub mime: String,
    pub bytes: u64,
    /// The file name it was attached from, for people; not part of the content.
    pub original_name: String,
}

/// Media attached to a part, with its alt text.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Attachment {
    pub media: Media,
    pub alt_text: String,
}

/// One post of a thread.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Part {
    pub text: String,
    pub media: Vec<Attachment>,
}

/// What a post says: the thing an approval is bound to, apart from account and time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Content {
    pub parts: Vec<Part>,
    /// Append the author's initials (` ^JS`) to every part.
    pub signature: bool,
    pub reply_settings: ReplySettings,
    /// An answer in a conversation: where it goes. Fixed when the reply is drafted, bound by
    /// the approval like the text; `None` for a post of the brand's own.
    pub reply: Option<ReplyTarget>,
}

/// Where an answer goes on X.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ReplyTarget {
    /// A public reply to this post (a mention of the brand).
    Post { x_id: String },
    /// A direct message to this person, in their conversation with the brand.
    Dm { participant_id: String },
}

impl ReplyTarget {
    /// The canonical form bound by approvals and kept in the store.
    pub fn encode(&self) -> String {
        match self {
            ReplyTarget::Post { x_id } => format!("post:{x_id}"),
            ReplyTarget::Dm { participant_id } => format!("dm:{participant_id}"),
        }
    }

    pub fn decode(s: &str) -> Option<ReplyTarget> {
        let (kind, id) = s.split_once(':')?;
        if id.is_empty() || !id.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        match kind {
            "post" => Some(ReplyTarget::Post { x_id: id.into() }),
            "dm" => Some(ReplyTarget::Dm {
                participant_id: id.into(),
            }),
            _ => None,
        }
    }
}

/// A scheduled instant, with the zone its wall time was given in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Schedule {
    pub at: Timestamp,
    pub zone: String,
}

/// A post (one part) or a thread (several), as it stands now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Post {
    pub id: Uuid,
    pub author: Member,
    pub status: Status,
    /// Bumped by every saved edit; earlier versions are kept.
    pub version: u32,
    pub content: Content,
    pub scheduled: Option<Schedule>,
    /// Why the post is in its state, when a person needs to know (e.g. `needs_check`).
    pub status_reason: Option<String>,
    pub created_at: Timestamp,
    pub updated_at: Timestamp,
    pub posted_at: Option<Timestamp>,
    /// The link to the post on X (or the Sandbox timeline) once posted.
    pub post_url: Option<String>,
}

/// A countersignature: an approver's approval of exactly one content, account and time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Approval {
    pub id: Uuid,
    pub post_id: Uuid,
    pub approver: Member,
    pub version: u32,
    /// SHA-256 over the canonical content; see [`crate::content::digest`].
    pub digest: String,
    pub scheduled_at: Option<Timestamp>,
    pub at: Timestamp,
    /// The approver approved their own post under solo mode.
    pub solo: bool,
    /// The approver edited the post in the act of approving.
    pub edited: bool,
    /// SHA-256 of the public key that signed, hex.
    pub key_fingerprint: Option<String>,
    /// The approver's Ed25519 signature over [`crate::approval::statement_of`], hex.
    pub signature: Option<String>,
    /// What a `v2` statement binds besides; `None` for a `v1` approval.
    pub statement: Option<crate::approval::Statement>,
}

/// A remark on a post, from any member.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Comment {
    pub id: Uuid,
    pub post_id: Uuid,
    pub author: Member,
    /// The version the comment was made on.
    pub version: u32,
    pub text: String,
    pub at: Timestamp,
}

/// A saved version of a post's content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Version {
    pub version: u32,
    pub editor: Member,
    pub at: Timestamp,
    pub content: Content,
}

/// What a version's editor signed when saving it (see [`crate::approval::version_statement`]).
/// Versions saved before editors signed them have no signature.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionProof {
    pub version: u32,
    pub editor_id: Uuid,
    pub author_id: Option<Uuid>,
    /// The content digest (without a time) the editor signed.
    pub digest: Option<String>,
    pub signature: Option<String>,
}

/// Content of plain text parts, for tests.
#[cfg(test)]
pub(crate) fn text_content(texts: &[&str]) -> Content {
    Content {
        parts: texts
            .iter()
            .map(|t| Part {
                text: t.to_string(),
                media: vec![],
            })
            .collect(),
        signature: false,
        reply_settings: ReplySettings::Everyone,
        reply: None,
    }
}
