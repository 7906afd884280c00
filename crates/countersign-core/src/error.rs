//! The one typed error every use case returns.
//!
//! Each variant has a stable `code` (snake_case, never renamed: scripts and the UI match on it)
//! and a message written for the person who hit it: what went wrong and what to do next.
//! Errors cross into the UI and the CLI's `--json` output as `{code, message}`.

use std::path::PathBuf;

use serde::ser::SerializeStruct;

use crate::model::{Role, Status};

/// Shorthand for results in this crate.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Everything that can refuse or fail a Countersign use case.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    // --- the workspace and its database file -------------------------------------------------
    #[error("no Countersign workspace in {}: create one first", dir.display())]
    NoWorkspace { dir: PathBuf },
    #[error("a Countersign workspace already exists in {}; choose another folder", dir.display())]
    AlreadyInitialized { dir: PathBuf },
    #[error("{} is not a Countersign database ({detail}); nothing was changed", path.display())]
    NotADatabase { path: PathBuf, detail: String },
    #[error(
        "{} was written by a newer Countersign (schema {found}; this build knows up to {known}); \
         update Countersign to open it. Nothing was changed",
        path.display()
    )]
    SchemaTooNew {
        path: PathBuf,
        found: i64,
        known: i64,
    },
    #[error(
        "{} is damaged ({detail}); restore the latest backup copy of the workspace. \
         Nothing was changed",
        path.display()
    )]
    Corrupt { path: PathBuf, detail: String },
    #[error("the workspace database is busy in another process; try again in a moment")]
    Busy,
    /// The database failed in a way that has no better name (the store's own errors only).
    #[error("storage error: {0}")]
    Storage(String),
    /// Something that must not happen did: a bug, reported rather than hidden.
    #[error("internal error: {0}; please report this")]
    Internal(String),
    /// The desktop around the app refused something (starting at login, opening a link).
    #[error("the desktop could not {what}: {detail}")]
    Desktop { what: &'static str, detail: String },
    /// The workspace is still opening, or failed to open (the shell says which).
    #[error("the workspace is not open: {detail}")]
    WorkspaceNotOpen { detail: String },
    #[error("{context}: {source}")]
    Io {
        context: String,
        #[source]
        source: std::io::Error,
    },

    // --- team mode: the shared server ----------------------------------------------------------
    /// The team server cannot be reached; what needs it waits, what the replica can do goes on.
    #[error(
        "the team server {server} cannot be reached ({detail}); {what} needs it. Reading, and \
         everything already on this laptop, still works; try again when you are back online"
    )]
    ServerUnreachable {
        server: String,
        detail: String,
        what: &'static str,
    },
    /// The team server's certificate does not hold: not from the CA this laptop trusts, or not
    /// for the host it dialled. Nothing was sent.
    #[error(
        "the team server {server} is not the server this laptop trusts: its certificate does not \
         hold ({detail}). Nothing was sent. Check the address, and ask your admin for the \
         server's CA certificate"
    )]
    ServerCertificate { server: String, detail: String },
    /// The team server refused this laptop's login: its member was deactivated, or the
    /// password it keeps no longer matches.
    #[error(
        "the team server {server} refused this laptop's login ({detail}). If an admin \
         deactivated you, ask them; otherwise ask an admin for a new invite"
    )]
    LoginRefused { server: String, detail: String },
    /// An invite's one-time login was refused: the invite was used already (each works once,
    /// for the laptop that joined with it) or an admin withdrew it.
    #[error(
        "this invite for {member} was already used, or an admin withdrew it: each invite works \
         once. Nothing was changed on this laptop; ask your admin for a new invite"
    )]
    InviteUsed { member: String },
    /// The server's own rules (its roles, row-level security and triggers) refused a change.
    #[error("the team server refused this: {reason}")]
    ServerRefused { reason: String },
    /// The team server's schema is newer than this build knows.
    #[error(
        "the team server {server} runs schema {found}; this build of Countersign knows up to \
         {known}. Update Countersign on this laptop; nothing was changed"
    )]
    ServerTooNew {
        server: String,
        found: i64,
        known: i64,
    },
    /// A joining laptop found the server is not the team it was invited to.
    #[error("this team server cannot be trusted: {reason}. Nothing was joined; tell your admin")]
    ServerUntrusted { reason: String },
    /// Another laptop took over publishing a post after this one's claim ran out.
    #[error(
        "another laptop took over publishing post {id} (this laptop's claim ran out); it carries on from where this one stopped"
    )]
    ClaimLost { id: String },
    /// A team act in a workspace that is not shared through a team server.
    #[error(
        "this workspace is not shared with a team server; {what} needs one (countersign team init)"
    )]
    NotTeam { what: &'static str },
    /// A solo act on a team server, or a team act where this laptop is not set up for it.
    #[error("{0}")]
    TeamSetup(String),

    // --- account and members ------------------------------------------------------------------
    #[error("{handle:?} is not an X handle: use 1 to 15 letters, digits or underscores")]
    InvalidHandle { handle: String },
    #[error(
        "unknown time zone {zone:?}: use an IANA name such as Europe/Berlin or America/New_York"
    )]
    UnknownTimezone { zone: String },
    #[error("the length limit must be between 1 and 25000 weighted characters, not {limit}")]
    InvalidLimit { limit: u32 },
    #[error("{name:?} is not a usable member name: give 1 to 64 printable characters")]
    InvalidMemberName { name: String },
    #[error("initials {initials:?} are not usable: give 1 to 4 letters or digits")]
    InvalidInitials { initials: String },
    #[error("a member named {name:?} already exists; pick another name")]
    MemberExists { name: String },
    #[error("no member named {name:?}; the team list shows who is here")]
    UnknownMember { name: String },
    #[error("{name} is deactivated and can no longer act in this workspace")]
    MemberInactive { name: String },
    #[error("{name} is {} and may not {action}; {needed}", role.with_article())]
    RoleNotAllowed {
        name: String,
        role: Role,
        action: &'static str,
        needed: &'static str,
    },
    #[error(
        "{name} is {table} in the members table but {roster} in the signed roster; the roster \
         decides, so this was refused. An admin can give {name} a role, which signs it"
    )]
    RosterDisagrees {
        name: String,
        table: String,
        roster: String,
    },
    #[error(
        "the signed roster was altered at entry {seq} ({reason}); nothing is countersigned or \
         published until the workspace is restored from a backup"
    )]
    RosterAltered { seq: i64, reason: String },
    #[error(
        "who wrote this post is not proven ({reason}); it was changed behind Countersign's back, \
         so it cannot be countersigned. Restore the workspace from a backup"
    )]
    AuthorshipUnproven { reason: String },

    // --- team mode --------------------------------------------------------------------------
    #[error("this invite cannot be used: {detail}")]
    InviteUnusable { detail: String },
    #[error("{name} is the last active admin and cannot be deactivated; add another admin first")]
    LastAdmin { name: String },

    // --- conversations ------------------------------------------------------------------------------
    #[error("no conversation with id {id}; `inbox list` shows them")]
    UnknownConversation { id: String },
    #[error(
        "{by} is answering this conversation; ask them, or an approver can assign it to someone else"
    )]
    ConversationTaken { by: String },
    #[error("this conversation is closed; it reopens when the person writes again")]
    ConversationClosed,
    #[error("the inbox needs the brand's X account connected, with its user id")]
    InboxNotConnected,
    #[error("{detail}")]
    AnswerShape { detail: String },

    // --- posts and the workflow -----------------------------------------------------------------
    #[error("no post with id {id}; it may have been removed, or the id is mistyped")]
    UnknownPost { id: String },
    /// An act made offline meets a post that changed on the team server meanwhile.
    #[error(
        "post {id} changed on the team server while this laptop was offline (it is at version \
         {version} now)"
    )]
    EditConflict { id: String, version: u32 },
    #[error("cannot {action} a post that is {}", status.describe())]
    InvalidTransition {
        action: &'static str,
        status: Status,
    },
    #[error(
        "only the author ({author}) or an approver may edit this post; {name} may comment on it instead"
    )]
    NotAuthor { name: String, author: String },
    #[error(
        "{name} wrote this post and cannot countersign it (four-eyes rule); ask another approver{}",
        if *solo_possible { " (solo mode lets an admin approve their own posts only while they are the only approver)" } else { "" }
    )]
    SelfApproval { name: String, solo_possible: bool },
    #[error(
        "{name} wrote version {version} of this post and so cannot countersign it (four-eyes rule); \
         another approver must, or {name} can edit while approving, which is recorded"
    )]
    OwnEdit { name: String, version: u32 },
    #[error("{detail}")]
    InvalidInput { detail: String },
    #[error("a post needs at least one part")]
    NoParts,
    #[error("a thread has at most 25 parts; this one would have {count}")]
    TooManyParts { count: usize },
    #[error("part {part} does not exist; the post has {count} part(s) (part {next} adds one)", next = count + 1)]
    NoSuchPart { part: usize, count: usize },
    #[error("part {part} is empty; write something or remove the part")]
    EmptyPart { part: usize },
    #[error("part {part} is {weighted} characters as X counts them; the limit is {limit}: shorten it by {}", weighted - limit)]
    TooLong {
        part: usize,
        weighted: u32,
        limit: u32,
    },
    #[error(
        "part {part} contains a character X refuses (such as U+FFFE or a directional override); remove it"
    )]
    InvalidCharacter { part: usize },
    #[error("nothing changed: the post already has exactly this content")]
    NothingChanged,
    #[error("{what} needs a comment saying why")]
    CommentRequired { what: &'static str },
    #[error("a comment may not be empty")]
    EmptyComment,

    // --- media --------------------------------------------------------------------------------
    #[error("cannot read {}: {detail}", path.display())]
    MediaUnreadable { path: PathBuf, detail: String },
    #[error("{} is not a type X accepts ({detail}); use JPG, PNG, GIF, WEBP or MP4", path.display())]
    MediaUnsupported { path: PathBuf, detail: String },
    #[error("{} is {size} bytes; X accepts at most {limit} bytes for {kind}", path.display())]
    MediaTooLarge {
        path: PathBuf,
        size: u64,
        limit: u64,
        kind: &'static str,
    },
    #[error("{} does not meet X's limits for {kind}: {detail}", path.display())]
    MediaOutOfLimits {
        path: PathBuf,
        kind: &'static str,
        detail: String,
    },
    #[error("part {part} has {detail}; a part carries up to 4 images, or 1 GIF, or 1 video")]
    MediaMix { part: usize, detail: String },
    #[error("alt text is {len} characters; X allows at most 1000")]
    AltTextTooLong { len: usize },
    #[error("media {hash} is not in this workspace; attach the file again")]
    UnknownMedia { hash: String },

    // --- time -------------------------------------------------------------------------------
    #[error("cannot read {input:?} as a time: use \"YYYY-MM-DD HH:MM\"")]
    InvalidTime { input: String },
    #[error("{at} is in the past (now it is {now}); pick a later time")]
    ScheduleInPast { at: String, now: String },
    #[error(
        "{wall} does not exist in {zone}: clocks jump from {gap_start} to {gap_end} that day; \
         pick a time outside that gap"
    )]
    NonexistentTime {
        wall: String,
        zone: String,
        gap_start: String,
        gap_end: String,
    },
    #[error(
        "{wall} happens twice in {zone} (clocks fall back): at {earlier} and at {later}; \
         say which of the two you mean"
    )]
    AmbiguousTime {
        wall: String,
        zone: String,
        earlier: String,
        later: String,
    },

    // --- the OS keychain ------------------------------------------------------------------------
    #[error(
        "no keychain service is running ({detail}); start your desktop's keyring \
         (GNOME Keyring or KWallet on Linux) and try again"
    )]
    KeychainUnavailable { detail: String },
    #[error(
        "the keychain is locked ({detail}); unlock it (log in to your desktop session) and try again"
    )]
    KeychainLocked { detail: String },
    #[error(
        "the keychain refused access to Countersign ({detail}); allow access when asked and try again"
    )]
    KeychainDenied { detail: String },
    #[error("the keychain failed: {detail}")]
    KeychainFailed { detail: String },

    // --- the X account --------------------------------------------------------------------------
    #[error("{0}")]
    X(#[from] countersign_x::XError),
    #[error(
        "you signed in to X as @{signed_in}, but this workspace posts for @{handle}; \
         sign in as @{handle} (sign out of X in the browser first)"
    )]
    WrongAccount { signed_in: String, handle: String },
    #[error("{url:?} is not a URL such as http://127.0.0.1:8080")]
    InvalidUrl { url: String },
    #[error("the X account is not connected; connect it (or a sandbox) first")]
    NotConnected,
    #[error(
        "no X client id is configured; register a Native App on X's developer portal and give its client id (see README)"
    )]
    NoClientId,

    // --- member keys and the signed roster -----------------------------------------------------
    #[error("{name}'s signing key is sealed with a passphrase: give {name}'s passphrase")]
    PassphraseRequired { name: String },
    #[error(
        "{name} is {} and needs a passphrase to seal their signing key: choose one",
        role.with_article()
    )]
    NewPassphraseRequired { name: String, role: Role },
    #[error(
        "the passphrase for {name} is wrong; try again, or ask an admin to give {name} a new key"
    )]
    WrongPassphrase { name: String },
    #[error("a passphrase for {name} must have at least {min} characters; choose a longer one")]
    PassphraseTooShort { name: String, min: usize },
    #[error(
        "{name} has no signing key in this machine's keychain; ask an admin to give {name} a new key"
    )]
    MemberKeyMissing { name: String },
    #[error(
        "{name}'s signing key in the keychain is unreadable; ask an admin to give {name} a new key"
    )]
    MemberKeyUnreadable { name: String },
    #[error(
        "{name} is not an admin in the signed roster, so their signature would not count; ask a \
         signed-in admin to give {name} the admin role, which signs them in"
    )]
    SignerNotInRoster { name: String },
    #[error("the two passphrases for {name} differ; type the same one twice")]
    PassphrasesDiffer { name: String },
    #[error(
        "a signing key could not be sealed or opened (the stored parameters are unusable); re-key the member"
    )]
    KeySealFailed,
    #[error("cannot read the audit export: {detail}")]
    ExportUnreadable { detail: String },

    // --- publishing guard ---------------------------------------------------------------------
    #[error("post {id} has no valid approval: {reason}")]
    ApprovalInvalid { id: String, reason: String },

    // --- the queue and the publisher -----------------------------------------------------------
    #[error("{input:?} is not a weekday: use monday..sunday (or mon..sun)")]
    InvalidWeekday { input: String },
    #[error("{weekday} {time} is already a queue slot")]
    SlotExists { weekday: String, time: String },
    #[error("there is no queue slot {weekday} {time}; the queue's slot list shows them")]
    UnknownSlot { weekday: String, time: String },
    #[error(
        "the queue has no free slot in the next {weeks} weeks; add weekly slots or schedule at an exact time"
    )]
    QueueFull { weeks: u32 },
    #[error("post {id} is not in the queue (it was not added to the queue, or is not scheduled)")]
    NotInQueue { id: String },
    #[error("the queue has {len} posts; position {position} is outside 1..{len}")]
    NoSuchPosition { position: usize, len: usize },
    #[error(
        "post {id} is being sent to X right now; wait for the outcome (it will be posted, or waiting for a check), then decide"
    )]
    InFlight { id: String },
    #[error(
        "another publisher (process {pid}) is already running for this workspace; only one may publish at a time. Stop it, or let it publish"
    )]
    PublisherRunning { pid: String },
    #[error("{url:?} is not a link to a post (https://x.com/HANDLE/status/ID)")]
    InvalidPostUrl { url: String },
}

impl Error {
    /// The stable code for this error. Never rename one: scripts and the UI match on it.
    pub fn code(&self) -> &'static str {
        match self {
            Error::NoWorkspace { .. } => "no_workspace",
            Error::AlreadyInitialized { .. } => "already_initialized",
            Error::NotADatabase { .. } => "not_a_database",
            Error::SchemaTooNew { .. } => "schema_too_new",
            Error::Corrupt { .. } => "corrupt_database",
            Error::Busy => "busy",
            Error::Storage(_) => "storage",
            Error::Internal(_) => "internal",
            Error::Desktop { .. } => "desktop",
            Error::WorkspaceNotOpen { .. } => "workspace_not_open",
            Error::RosterDisagrees { .. } => "roster_disagrees",
            Error::RosterAltered { .. } => "roster_altered",
            Error::AuthorshipUnproven { .. } => "authorship_unproven",
            Error::InviteUnusable { .. } => "invite_unusable",
            Error::ServerUnreachable { .. } => "server_unreachable",
            Error::ServerRefused { .. } => "server_refused",
            Error::LoginRefused { .. } => "server_login_refused",
            Error::InviteUsed { .. } => "invite_used",
            Error::ServerCertificate { .. } => "server_certificate",
            Error::ServerTooNew { .. } => "server_too_new",
            Error::ClaimLost { .. } => "claim_lost",
            Error::ServerUntrusted { .. } => "server_untrusted",
            Error::NotTeam { .. } => "not_team",
            Error::TeamSetup(_) => "team_setup",
            Error::Io { .. } => "io",
            Error::InvalidHandle { .. } => "invalid_handle",
            Error::UnknownTimezone { .. } => "unknown_timezone",
            Error::InvalidLimit { .. } => "invalid_limit",
            Error::InvalidMemberName { .. } => "invalid_member_name",
            Error::InvalidInitials { .. } => "invalid_initials",
            Error::MemberExists { .. } => "member_exists",
            Error::UnknownMember { .. } => "unknown_member",
            Error::MemberInactive { .. } => "member_inactive",
            Error::RoleNotAllowed { .. } => "role_not_allowed",
            Error::LastAdmin { .. } => "last_admin",
            Error::OwnEdit { .. } => "self_approval",
            Error::InvalidInput { .. } => "invalid_input",
            Error::UnknownPost { .. } => "unknown_post",
            Error::UnknownConversation { .. } => "unknown_conversation",
            Error::ConversationTaken { .. } => "conversation_taken",
            Error::ConversationClosed => "conversation_closed",
            Error::InboxNotConnected => "inbox_not_connected",
            Error::AnswerShape { .. } => "answer_shape",
            Error::EditConflict { .. } => "edit_conflict",
            Error::InvalidTransition { .. } => "invalid_transition",
            Error::NotAuthor { .. } => "not_author",
            Error::SelfApproval { .. } => "self_approval",
            Error::NoParts => "no_parts",
            Error::TooManyParts { .. } => "too_many_parts",
            Error::NoSuchPart { .. } => "no_such_part",
            Error::EmptyPart { .. } => "empty_part",
            Error::TooLong { .. } => "too_long",
            Error::InvalidCharacter { .. } => "invalid_character",
            Error::NothingChanged => "nothing_changed",
            Error::CommentRequired { .. } => "comment_required",
            Error::EmptyComment => "empty_comment",
            Error::MediaUnreadable { .. } => "media_unreadable",
            Error::MediaUnsupported { .. } => "media_unsupported",
            Error::MediaTooLarge { .. } => "media_too_large",
            Error::MediaOutOfLimits { .. } => "media_out_of_limits",
            Error::MediaMix { .. } => "media_mix",
            Error::AltTextTooLong { .. } => "alt_text_too_long",
            Error::UnknownMedia { .. } => "unknown_media",
            Error::InvalidTime { .. } => "invalid_time",
            Error::ScheduleInPast { .. } => "schedule_in_past",
            Error::NonexistentTime { .. } => "nonexistent_time",
            Error::AmbiguousTime { .. } => "ambiguous_time",
            Error::KeychainUnavailable { .. } => "keychain_unavailable",
            Error::KeychainLocked { .. } => "keychain_locked",
            Error::KeychainDenied { .. } => "keychain_denied",
            Error::KeychainFailed { .. } => "keychain_failed",
            Error::X(e) => e.code(),
            Error::WrongAccount { .. } => "wrong_account",
            Error::NotConnected => "not_connected",
            Error::InvalidUrl { .. } => "invalid_url",
            Error::NoClientId => "no_client_id",
            Error::ApprovalInvalid { .. } => "approval_invalid",
            Error::PassphraseRequired { .. } => "passphrase_required",
            Error::NewPassphraseRequired { .. } => "new_passphrase_required",
            Error::WrongPassphrase { .. } => "wrong_passphrase",
            Error::PassphraseTooShort { .. } => "passphrase_too_short",
            Error::MemberKeyMissing { .. } => "member_key_missing",
            Error::MemberKeyUnreadable { .. } => "member_key_unreadable",
            Error::KeySealFailed => "key_seal_failed",
            Error::PassphrasesDiffer { .. } => "passphrases_differ",
            Error::SignerNotInRoster { .. } => "signer_not_in_roster",
            Error::ExportUnreadable { .. } => "export_unreadable",
            Error::InvalidWeekday { .. } => "invalid_weekday",
            Error::SlotExists { .. } => "slot_exists",
            Error::UnknownSlot { .. } => "unknown_slot",
            Error::QueueFull { .. } => "queue_full",
            Error::NotInQueue { .. } => "not_in_queue",
            Error::NoSuchPosition { .. } => "no_such_position",
            Error::InFlight { .. } => "in_flight",
            Error::PublisherRunning { .. } => "publisher_running",
            Error::InvalidPostUrl { .. } => "invalid_post_url",
        }
    }

    pub fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        Error::Io {
            context: context.into(),
            source,
        }
    }
}

/// `{code, message}`: the shape in which errors reach the UI and `--json` output.
impl serde::Serialize for Error {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut s = serializer.serialize_struct("Error", 2)?;
        s.serialize_field("code", self.code())?;
        s.serialize_field("message", &self.to_string())?;
        s.end()
    }
}

/// Time arithmetic out of range (a date past year 9999, a span too large): the input was
/// unusable, not the store.
impl From<jiff::Error> for Error {
    fn from(e: jiff::Error) -> Self {
        Error::InvalidInput {
            detail: format!("that time is out of range: {e}"),
        }
    }
}

/// Every code [`Error::code`] can return, each once, X's (`x_…`, from
/// `countersign_x::XError::code`) last. The desktop app generates its TypeScript `ErrorCode`
/// from this, so the UI's checks on codes are type-checked. A new variant's code goes here too
/// (the test below checks a sample of errors against the list).
pub const ALL_CODES: &[&str] = &[
    "no_workspace",
    "already_initialized",
    "not_a_database",
    "schema_too_new",
    "corrupt_database",
    "busy",
    "storage",
    "internal",
    "desktop",
    "workspace_not_open",
    "io",
    "invalid_handle",
    "unknown_timezone",
    "invalid_limit",
    "invalid_member_name",
    "invalid_initials",
    "member_exists",
    "unknown_member",
    "member_inactive",
    "role_not_allowed",
    "roster_disagrees",
    "roster_altered",
    "authorship_unproven",
    "invite_unusable",
    "server_unreachable",
    "server_refused",
    "server_login_refused",
    "invite_used",
    "server_certificate",
    "server_too_new",
    "claim_lost",
    "server_untrusted",
    "not_team",
    "team_setup",
    "last_admin",
    "self_approval",
    "invalid_input",
    "unknown_post",
    "edit_conflict",
    "invalid_transition",
    "not_author",
    "no_parts",
    "too_many_parts",
    "no_such_part",
    "empty_part",
    "too_long",
    "invalid_character",
    "nothing_changed",
    "comment_required",
    "empty_comment",
    "media_unreadable",
    "media_unsupported",
    "media_too_large",
    "media_out_of_limits",
    "media_mix",
    "alt_text_too_long",
    "unknown_media",
    "invalid_time",
    "schedule_in_past",
    "nonexistent_time",
    "ambiguous_time",
    "keychain_unavailable",
    "keychain_locked",
    "keychain_denied",
    "keychain_failed",
    "wrong_account",
    "not_connected",
    "invalid_url",
    "no_client_id",
    "approval_invalid",
    "passphrase_required",
    "new_passphrase_required",
    "wrong_passphrase",
    "passphrase_too_short",
    "member_key_missing",
    "member_key_unreadable",
    "key_seal_failed",
    "passphrases_differ",
    "signer_not_in_roster",
    "export_unreadable",
    "invalid_weekday",
    "slot_exists",
    "unknown_slot",
    "queue_full",
    "not_in_queue",
    "no_such_position",
    "in_flight",
    "publisher_running",
    "invalid_post_url",
    "x_unauthorized",
    "x_needs_reconnect",
    "x_state_mismatch",
    "x_authorization_denied",
    "x_authorization_failed",
    "x_authorization_timeout",
    "x_authorization_setup",
    "x_forbidden",
    "x_duplicate",
    "x_too_long",
    "x_invalid_request",
    "x_not_found",
    "x_rate_limited",
    "x_usage_capped",
    "x_server_error",
    "x_transport",
    "x_unexpected_response",
    "x_media_failed",
    "x_media_read",
    "x_not_recorded",
    "x_token_store",
    "x_config",
];

#[cfg(test)]
mod all_codes_tests {
    use std::collections::HashSet;
    use std::path::PathBuf;

    use super::*;

    #[test]
    fn every_code_is_listed_once() {
        let mut seen = HashSet::new();
        for code in ALL_CODES {
            assert!(seen.insert(*code), "{code} is listed twice");
            assert!(
                !code.is_empty() && code.chars().all(|c| c.is_ascii_lowercase() || c == '_'),
                "{code} is not snake_case"
            );
        }
    }

    #[test]
    fn constructed_errors_have_listed_codes() {
        let sample = [
            Error::NoWorkspace {
                dir: PathBuf::from("/nowhere"),
            },
            Error::Busy,
            Error::Storage("disk".into()),
            Error::io("reading", std::io::Error::other("gone")),
            Error::UnknownMember { name: "ann".into() },
            Error::RoleNotAllowed {
                name: "ann".into(),
                role: Role::Contributor,
                action: "approve",
                needed: crate::workflow::REVIEWERS_MAY,
            },
            Error::Internal("a bug".into()),
            Error::RosterAltered {
                seq: 3,
                reason: "changed".into(),
            },
            Error::OwnEdit {
                name: "bob".into(),
                version: 2,
            },
            Error::InvalidTransition {
                action: "approve",
                status: Status::Draft,
            },
            Error::NothingChanged,
            Error::MediaMix {
                part: 1,
                detail: "2 videos".into(),
            },
            Error::AmbiguousTime {
                wall: "2026-11-01 01:30".into(),
                zone: "America/New_York".into(),
                earlier: "01:30 EDT".into(),
                later: "01:30 EST".into(),
            },
            Error::PassphraseRequired { name: "bob".into() },
            Error::KeySealFailed,
            Error::InFlight { id: "p".into() },
            Error::InvalidPostUrl { url: "x".into() },
            Error::X(countersign_x::XError::Duplicate),
            Error::X(countersign_x::XError::NeedsReconnect),
            Error::InviteUsed {
                member: "Cleo".into(),
            },
        ];
        for e in &sample {
            assert!(
                ALL_CODES.contains(&e.code()),
                "{} is missing from ALL_CODES",
                e.code()
            );
        }
    }
}
