//! The commands the window calls. Each parses its input, makes one call into
//! `countersign-core` and returns the result; a refusal crosses as core's `{code, message}`.
//!
//! Commands are declared once, in [`commands!`], which writes the `#[tauri::command]`
//! functions, the handler that registers them, and the table of their argument and result
//! types from which `ui/src/lib/bindings.ts` is generated.

use std::path::PathBuf;
use std::sync::Arc;

use countersign_core::app::inbox::{InboxPoll, InboxStatus};
use countersign_core::app::outbox::{Sent, Waiting};
use countersign_core::app::team::{Joined, TeamStarted, TeamStatus, WaitingMember};
use countersign_core::app::{AccountChange, Permissions, PostView, ReviewDiff, RosterLine};
use countersign_core::connection::Connection;
use countersign_core::content::ContentLimits;
use countersign_core::conversation::{
    Conversation, ConversationKind, ConversationState, ConversationView, InboxQuery,
};
use countersign_core::count::Count;
use countersign_core::history::ExportFormat;
use countersign_core::media;
use countersign_core::model::{MediaKind, ReplySettings, Version};
use countersign_core::queue::Decision;
use countersign_core::schedule::Fold;
use countersign_core::secrets::SecretString;
use countersign_core::store::{
    CalendarItem, HistoryQuery, HistoryRow, InboxCursor, PostSummary, QueueSlot, ServerLogin,
};
use countersign_core::team::invite::InvitePreview;
use countersign_core::viewer::{self, PassphraseRule, ViewerPermissions};
use countersign_core::x_account::{AccountStatus, Target};
use countersign_core::{
    Account, App, Comment, DraftInput, Edit, Error, MediaInput, Member, NewMember, PartInput, Post,
    Role, Status, When,
};
use serde::{Deserialize, Serialize};
use tauri::{AppHandle, Manager, State};
use tauri_plugin_autostart::ManagerExt as _;
use tauri_plugin_opener::OpenerExt as _;
use ts_rs::TS;
use uuid::Uuid;

use crate::workspace::{Startup, Workspace};

/// A post's content as the Compose screen sends it.
#[derive(Debug, Clone, Deserialize, TS)]
pub struct DraftForm {
    pub parts: Vec<PartForm>,
    pub signature: bool,
    pub reply_settings: ReplySettings,
}

/// One part of a thread in the Compose screen.
#[derive(Debug, Clone, Deserialize, TS)]
pub struct PartForm {
    pub text: String,
    pub media: Vec<MediaForm>,
}

/// Media on a part: a file just attached (staged with `stage_media`), or one the post has.
#[derive(Debug, Clone, Deserialize, TS)]
#[serde(tag = "source", rename_all = "snake_case")]
pub enum MediaForm {
    Staged { token: String, alt_text: String },
    Stored { hash: String, alt_text: String },
}

/// A new member, as the Who's here and Team screens send it.
#[derive(Debug, Clone, Deserialize, TS)]
pub struct MemberForm {
    pub name: String,
    pub role: Role,
    pub initials: Option<String>,
    /// Approvers and admins choose one: it seals their signing key.
    pub passphrase: Option<String>,
}

/// Changes to the account's settings; `null` leaves a setting as it is.
#[derive(Debug, Clone, Default, Deserialize, TS)]
pub struct AccountForm {
    pub display_name: Option<String>,
    pub timezone: Option<String>,
    pub max_weighted_length: Option<u32>,
    pub solo_mode: Option<bool>,
    pub grace_minutes: Option<u32>,
}

/// Which conversations the Conversations screen lists.
#[derive(Debug, Clone, Default, Deserialize, TS)]
pub struct InboxForm {
    /// `new`, `assigned`, `answered`, `closed`, or `open` (new and assigned); `null`: all.
    pub state: Option<String>,
    /// Only those this member answers.
    pub mine: Option<String>,
    pub kind: Option<ConversationKind>,
    pub search: Option<String>,
}

/// A decision on a post that missed its time, failed, or needs a check.
#[derive(Debug, Clone, Deserialize, TS)]
#[serde(tag = "decision", rename_all = "snake_case")]
pub enum DecisionForm {
    /// Countersign "now": it goes out at once.
    PublishNow,
    /// Countersign a new wall time ("YYYY-MM-DD HH:MM") in `zone` (the brand's when null);
    /// `fold` says which one when it happens twice (core refuses `ambiguous_time` without).
    Reschedule {
        wall: String,
        zone: Option<String>,
        fold: Option<Fold>,
    },
    /// It is on X after all: record the link.
    MarkPosted { url: String },
    /// Let it go: it will never be published.
    Drop { reason: String },
}

/// Where an export was written.
#[derive(Debug, Clone, Serialize, TS)]
pub struct ExportResult {
    pub path: String,
    pub rows: u64,
}

/// A file attached in Compose, copied into the data folder until a draft takes it.
#[derive(Debug, Clone, Serialize, TS)]
pub struct StagedMedia {
    pub token: String,
    pub name: String,
    /// What core found the file to be (from its bytes, within X's limits).
    pub kind: MediaKind,
}

/// One command's name, argument types and result type, in TypeScript.
#[derive(Debug, Clone)]
pub struct Signature {
    pub name: &'static str,
    pub args: Vec<(&'static str, String)>,
    pub returns: String,
    pub docs: &'static str,
}

/// Visits the Rust types of every command's arguments and result.
pub trait CommandTypes {
    fn visit<T: TS + 'static + ?Sized>(&mut self);
}

macro_rules! command_fn {
    (sync $(#[doc = $doc:literal])* $name:ident[$ws:ident]($($arg:ident : $ty:ty),*) -> $ret:ty $body:block) => {
        $(#[doc = $doc])*
        #[tauri::command(rename_all = "snake_case")]
        pub fn $name($ws: State<'_, Workspace> $(, $arg: $ty)*) -> Result<$ret, Error> $body
    };
    (async $(#[doc = $doc:literal])* $name:ident[$ws:ident]($($arg:ident : $ty:ty),*) -> $ret:ty $body:block) => {
        $(#[doc = $doc])*
        #[tauri::command(rename_all = "snake_case")]
        pub async fn $name($ws: State<'_, Workspace> $(, $arg: $ty)*) -> Result<$ret, Error> $body
    };
    (async $(#[doc = $doc:literal])* $name:ident[$ws:ident, $h:ident]($($arg:ident : $ty:ty),*) -> $ret:ty $body:block) => {
        $(#[doc = $doc])*
        #[tauri::command(rename_all = "snake_case")]
        pub async fn $name($h: AppHandle, $ws: State<'_, Workspace> $(, $arg: $ty)*) -> Result<$ret, Error> $body
    };
}

macro_rules! commands {
    ($( $(#[doc = $doc:literal])* $mode:ident $name:ident[$($ctx:ident),+]($($arg:ident : $ty:ty),*) -> $ret:ty $body:block )*) => {
        $( command_fn!($mode $(#[doc = $doc])* $name[$($ctx),+]($($arg: $ty),*) -> $ret $body); )*

        /// Every command the window may call (also the capability's `allow-*` list).
        pub const NAMES: &[&str] = &[$(stringify!($name),)* "stage_media"];

        /// Registers every command with Tauri.
        pub fn handler() -> impl Fn(tauri::ipc::Invoke) -> bool + Send + Sync + 'static {
            tauri::generate_handler![$($name,)* stage_media]
        }

        /// The TypeScript signature of every command.
        pub fn signatures(cfg: &ts_rs::Config) -> Vec<Signature> {
            vec![$(
                Signature {
                    name: stringify!($name),
                    args: vec![$((stringify!($arg), <$ty as TS>::name(cfg))),*],
                    returns: <$ret as TS>::name(cfg),
                    docs: concat!($($doc, "\n"),*),
                },
            )*]
        }

        /// Visits every argument and result type.
        pub fn visit_types(v: &mut impl CommandTypes) {
            $( $( v.visit::<$ty>(); )* v.visit::<$ret>(); )*
        }
    };
}

/// The open workspace, once the first attempt to open it (on its own thread at start) is over.
async fn opened(ws: &Workspace) -> Result<Arc<App>, Error> {
    ws.settled().await;
    ws.app()
}

/// Runs a blocking core call off the async runtime's workers.
async fn blocking<T: Send + 'static>(
    ws: &Workspace,
    f: impl FnOnce(&App) -> Result<T, Error> + Send + 'static,
) -> Result<T, Error> {
    let app = opened(ws).await?;
    tauri::async_runtime::spawn_blocking(move || f(&app))
        .await
        .map_err(|e| Error::Internal(format!("the command stopped: {e}")))?
}

fn post_id(id: &str) -> Result<Uuid, Error> {
    Uuid::parse_str(id.trim()).map_err(|_| Error::UnknownPost { id: id.to_string() })
}

fn instant(s: &str) -> Result<jiff::Timestamp, Error> {
    s.trim().parse().map_err(|_| Error::InvalidTime {
        input: s.to_string(),
    })
}

fn secret(p: Option<String>) -> Option<SecretString> {
    p.filter(|p| !p.is_empty()).map(SecretString::new)
}

/// Turns what Compose sent into core's input; staged files are resolved inside the staging
/// folder only.
fn draft_input(ws: &Workspace, form: DraftForm) -> Result<DraftInput, Error> {
    let staging = ws.staging_dir();
    let parts = form
        .parts
        .into_iter()
        .map(|p| {
            let media = p
                .media
                .into_iter()
                .map(|m| match m {
                    MediaForm::Staged { token, alt_text } => Ok(MediaInput::File {
                        path: staged_path(&staging, &token)?,
                        alt_text,
                    }),
                    MediaForm::Stored { hash, alt_text } => {
                        Ok(MediaInput::Stored { hash, alt_text })
                    }
                })
                .collect::<Result<Vec<_>, Error>>()?;
            Ok(PartInput {
                text: p.text,
                media,
            })
        })
        .collect::<Result<Vec<_>, Error>>()?;
    Ok(DraftInput {
        parts,
        signature: form.signature,
        reply_settings: form.reply_settings,
    })
}

fn staged_path(staging: &std::path::Path, token: &str) -> Result<PathBuf, Error> {
    let ok = !token.is_empty()
        && token
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        && !token.starts_with('.');
    if !ok {
        return Err(Error::InvalidInput {
            detail: format!("{token:?} is not an attached file"),
        });
    }
    Ok(staging.join(token))
}

/// Opens `url` in the system browser: only X, and the Sandbox on this machine.
fn check_link(url: &str) -> Result<url::Url, Error> {
    let u = url::Url::parse(url).map_err(|_| Error::InvalidUrl {
        url: url.to_string(),
    })?;
    let host = u.host_str().unwrap_or_default();
    let allowed = match u.scheme() {
        "https" => matches!(host, "x.com" | "twitter.com" | "www.x.com" | "mobile.x.com"),
        "http" => matches!(host, "127.0.0.1" | "localhost"),
        _ => false,
    };
    if allowed {
        Ok(u)
    } else {
        Err(Error::InvalidUrl {
            url: url.to_string(),
        })
    }
}

/// Where History exports go: `COUNTERSIGN_EXPORT_DIR`, else the Downloads folder, else the
/// data folder.
fn export_dir(ws: &Workspace) -> PathBuf {
    if let Some(d) = std::env::var_os("COUNTERSIGN_EXPORT_DIR").filter(|d| !d.is_empty()) {
        return PathBuf::from(d);
    }
    directories::UserDirs::new()
        .and_then(|u| u.download_dir().map(|d| d.to_path_buf()))
        .filter(|d| d.is_dir())
        .unwrap_or_else(|| ws.data_dir().join("exports"))
}

commands! {
    /// The data folder, whether this run created the workspace, and what went wrong opening it.
    async startup[ws]() -> Startup {
        ws.settled().await;
        Ok(ws.startup())
    }

    /// Tries again to open a workspace that did not open at start.
    async reopen[ws, handle]() -> Startup {
        ws.settled().await;
        tauri::async_runtime::spawn_blocking(move || handle.state::<Workspace>().reopen())
            .await
            .map_err(|e| Error::Internal(format!("the command stopped: {e}")))
    }

    /// The window's first screen is ready to use (after start, or after the tray opened the
    /// window again): logged, so scripts/bench-app.sh can time opening to interactive.
    async first_screen_ready[ws, handle]() -> () {
        let _ = &ws;
        crate::tray::first_screen_ready(&handle);
        Ok(())
    }

    /// The brand account and its settings.
    async account[ws]() -> Account {
        blocking(&ws, |app| app.account()).await
    }

    /// The account, its connection (Sandbox or X; needs reconnect) and the budgets left.
    async account_status[ws](check: bool) -> AccountStatus {
        opened(&ws).await?.account_status(check).await
    }

    /// Changes the account's settings (admins).
    async update_account[ws](actor: String, change: AccountForm) -> Account {
        blocking(&ws, move |app| {
            app.update_account(&actor, AccountChange {
                display_name: change.display_name,
                timezone: change.timezone,
                max_weighted_length: change.max_weighted_length,
                solo_mode: change.solo_mode,
                grace_minutes: change.grace_minutes,
            })
        })
        .await
    }

    /// Everyone in the workspace, active or not.
    async members[ws]() -> Vec<Member> {
        blocking(&ws, |app| app.members()).await
    }

    /// The signed roster: who holds which role with which key, and whether it counts.
    async roster[ws]() -> Vec<RosterLine> {
        blocking(&ws, |app| app.roster()).await
    }

    /// Adds a member; `actor` (an admin) signs them in. The first admin needs no actor.
    async add_member[ws](actor: Option<String>, member: MemberForm) -> Member {
        blocking(&ws, move |app| {
            app.add_member(actor.as_deref(), NewMember {
                name: member.name,
                role: member.role,
                initials: member.initials.filter(|i| !i.trim().is_empty()),
                passphrase: secret(member.passphrase),
            })
        })
        .await
    }

    /// Gives a member a role, signed by `actor` (an admin).
    async set_role[ws](actor: String, name: String, role: Role, passphrase: Option<String>) -> Member {
        blocking(&ws, move |app| app.set_role(&actor, &name, role, secret(passphrase))).await
    }

    /// Gives a member a new key pair (a lost passphrase or key), signed by `actor` (an admin).
    /// Approvers and admins choose a new passphrase for it.
    async rekey[ws](actor: String, name: String, passphrase: Option<String>) -> RosterLine {
        blocking(&ws, move |app| app.rekey(&actor, &name, secret(passphrase))).await
    }

    /// Deactivates a member; their history stays.
    async deactivate_member[ws](actor: String, name: String) -> Member {
        blocking(&ws, move |app| app.deactivate_member(&actor, &name)).await
    }

    /// What `name` may do beyond any one post: queue slots and order, decisions, the team.
    async viewer_may[ws](name: String) -> ViewerPermissions {
        blocking(&ws, move |app| app.viewer_may(&name)).await
    }

    /// Which roles choose a passphrase for their signing key, and its least length.
    sync passphrase_rule[ws]() -> PassphraseRule {
        let _ = &ws;
        Ok(viewer::passphrase_rule())
    }

    /// Opens a member's signing key with their passphrase, for a few minutes.
    async unlock[ws](name: String, passphrase: String) -> () {
        blocking(&ws, move |app| app.unlock(&name, &SecretString::new(passphrase))).await
    }

    /// Whether acting as `name` needs their passphrase first.
    async needs_passphrase[ws](name: String) -> bool {
        blocking(&ws, move |app| app.needs_passphrase(&name)).await
    }

    /// Forgets every unlocked key.
    async lock_keys[ws]() -> () {
        blocking(&ws, |app| {
            app.lock();
            Ok(())
        })
        .await
    }

    /// X's count of a part as it will be published (with ` ^INITIALS` when `signature` holds
    /// the author's initials). Called on every keystroke: async, so it never runs on the main
    /// thread, and counted with the account's limit in memory, so it takes no store lock.
    async count_text[ws](text: String, signature: Option<String>) -> Count {
        opened(&ws).await?.count_part(&text, signature.as_deref())
    }

    /// The shape limits Compose shows while a person writes: parts in a thread, characters of
    /// alt text (core checks every save again).
    sync content_limits[ws]() -> ContentLimits {
        let _ = &ws;
        Ok(countersign_core::content::LIMITS)
    }

    /// Whether part `part` (1-based) may carry media of these kinds; refused as core's
    /// `media_mix` when it may not.
    sync check_media_mix[ws](part: u32, kinds: Vec<MediaKind>) -> () {
        let _ = &ws;
        countersign_core::content::check_media_kinds(part as usize, &kinds)
    }

    /// Saves a new draft.
    async create_draft[ws](actor: String, draft: DraftForm) -> Post {
        let input = draft_input(&ws, draft)?;
        blocking(&ws, move |app| app.create_draft(&actor, input)).await
    }

    /// Saves a new version of a post's content.
    async edit_post[ws](id: String, actor: String, draft: DraftForm) -> Post {
        let id = post_id(&id)?;
        let input = draft_input(&ws, draft)?;
        blocking(&ws, move |app| app.edit(id, &actor, Edit::Content(input))).await
    }

    /// Asks for review.
    async submit[ws](id: String, actor: String) -> Post {
        let id = post_id(&id)?;
        blocking(&ws, move |app| app.submit(id, &actor)).await
    }

    /// Countersigns a post in review.
    async approve[ws](id: String, actor: String) -> Post {
        let id = post_id(&id)?;
        blocking(&ws, move |app| app.approve(id, &actor, None)).await
    }

    /// Approves a post and countersigns "now" as its time: it goes out at once.
    async approve_and_send[ws](id: String, actor: String) -> Post {
        let id = post_id(&id)?;
        blocking(&ws, move |app| app.approve_and_send(id, &actor)).await
    }

    /// Conversations, latest first.
    async inbox[ws](query: InboxForm) -> Vec<Conversation> {
        blocking(&ws, move |app| {
            let mut q = InboxQuery {
                kind: query.kind,
                search: query.search.filter(|s| !s.trim().is_empty()),
                limit: 500,
                ..InboxQuery::default()
            };
            match query.state.as_deref() {
                None | Some("") => {}
                Some("open") => q.open = true,
                Some(s) => {
                    q.state = Some(ConversationState::parse(s).ok_or_else(|| Error::InvalidInput {
                        detail: format!("{s:?} is not a conversation state"),
                    })?)
                }
            }
            if let Some(name) = query.mine {
                q.assignee = Some(app.member(&name)?.id);
            }
            app.inbox(&q)
        })
        .await
    }

    /// One conversation: the person's messages, who answers, and the answers.
    async conversation[ws](id: String) -> ConversationView {
        blocking(&ws, move |app| app.conversation(&id)).await
    }

    /// How the inbox is read, the reads spent this month, and how long people wait.
    async inbox_status[ws]() -> InboxStatus {
        blocking(&ws, |app| app.inbox_status()).await
    }

    /// Reads new mentions and direct messages from X now.
    async poll_inbox[ws]() -> InboxPoll {
        opened(&ws).await?.poll_inbox().await
    }

    /// How often the inbox is read, in minutes (0: never); admins.
    async set_inbox_poll[ws](actor: String, minutes: u32) -> InboxCursor {
        blocking(&ws, move |app| app.set_inbox_poll(&actor, minutes)).await
    }

    /// Whether `name` hears of new mentions and direct messages on this laptop.
    async on_duty[ws](name: String) -> bool {
        blocking(&ws, move |app| app.on_duty(&name)).await
    }

    /// Puts `name` on duty on this laptop, or off.
    async set_on_duty[ws](name: String, on: bool) -> bool {
        blocking(&ws, move |app| app.set_on_duty(&name, on)).await
    }

    /// "I'll answer": the conversation is `actor`'s.
    async take_conversation[ws](id: String, actor: String) -> Conversation {
        blocking(&ws, move |app| app.take(&id, &actor)).await
    }

    /// An approver gives the conversation to `to`.
    async assign_conversation[ws](id: String, to: String, actor: String) -> Conversation {
        blocking(&ws, move |app| app.assign(&id, &to, &actor)).await
    }

    /// Closes the conversation without an answer, with a note saying why.
    async close_conversation[ws](id: String, actor: String, note: String) -> Conversation {
        blocking(&ws, move |app| app.close(&id, &actor, &note)).await
    }

    /// Drafts `actor`'s answer in the conversation (then submit it like any post).
    async answer_conversation[ws](id: String, actor: String, text: String) -> Post {
        blocking(&ws, move |app| app.answer(&id, &actor, &text)).await
    }

    /// Sends a post back to its author with a comment.
    async request_changes[ws](id: String, actor: String, comment: String) -> Post {
        let id = post_id(&id)?;
        blocking(&ws, move |app| app.request_changes(id, &actor, &comment)).await
    }

    /// Rejects a post with a comment.
    async reject[ws](id: String, actor: String, comment: String) -> Post {
        let id = post_id(&id)?;
        blocking(&ws, move |app| app.reject(id, &actor, &comment)).await
    }

    /// Comments on a post.
    async comment[ws](id: String, actor: String, text: String) -> Comment {
        let id = post_id(&id)?;
        blocking(&ws, move |app| app.comment(id, &actor, &text)).await
    }

    /// Sets or moves the publish time: a wall time ("YYYY-MM-DD HH:MM") in `zone` (the
    /// brand's when null). `fold` says which of two times a wall time that happens twice
    /// (clocks fall back) means; without it core refuses such a time as `ambiguous_time`.
    async schedule[ws](id: String, actor: String, wall: String, zone: Option<String>, fold: Option<Fold>) -> Post {
        let id = post_id(&id)?;
        blocking(&ws, move |app| app.schedule(id, &actor, When { wall, zone, fold })).await
    }

    /// "Add to queue": countersigns the next free weekly slot.
    async schedule_to_queue[ws](id: String, actor: String) -> Post {
        let id = post_id(&id)?;
        blocking(&ws, move |app| app.schedule_to_queue(id, &actor)).await
    }

    /// Takes a post off the schedule.
    async unschedule[ws](id: String, actor: String) -> Post {
        let id = post_id(&id)?;
        blocking(&ws, move |app| app.unschedule(id, &actor)).await
    }

    /// The brand's weekly posting slots, Monday first.
    async queue_slots[ws]() -> Vec<QueueSlot> {
        blocking(&ws, |app| app.queue_slots()).await
    }

    /// Adds a weekly slot: a weekday ("tuesday") and a wall time ("09:00") in the brand's zone.
    async add_queue_slot[ws](actor: String, weekday: String, time: String) -> QueueSlot {
        blocking(&ws, move |app| app.add_queue_slot(&actor, &weekday, &time)).await
    }

    /// Removes a weekly slot.
    async remove_queue_slot[ws](actor: String, weekday: String, time: String) -> QueueSlot {
        blocking(&ws, move |app| app.remove_queue_slot(&actor, &weekday, &time)).await
    }

    /// The posts in the queue, in the order they will go out.
    async queue[ws]() -> Vec<CalendarItem> {
        blocking(&ws, |app| app.queue()).await
    }

    /// Moves a queued post to `position` (1-based); each post whose time changes is
    /// countersigned again by `actor`.
    async move_in_queue[ws](id: String, actor: String, position: u32) -> Vec<Post> {
        let id = post_id(&id)?;
        blocking(&ws, move |app| app.move_in_queue(id, &actor, position as usize)).await
    }

    /// Posts with a time in `[from, to)` (RFC 3339 instants), for the calendar.
    async calendar[ws](from: String, to: String) -> Vec<CalendarItem> {
        let from = instant(&from)?;
        let to = instant(&to)?;
        blocking(&ws, move |app| app.calendar(from, to)).await
    }

    /// A person's decision on a post that missed its time, failed, or needs a check.
    async decide[ws](id: String, actor: String, decision: DecisionForm) -> Post {
        let id = post_id(&id)?;
        let decision = match decision {
            DecisionForm::PublishNow => Decision::PublishNow,
            DecisionForm::Reschedule { wall, zone, fold } => Decision::Reschedule(When { wall, zone, fold }),
            DecisionForm::MarkPosted { url } => Decision::MarkPosted { url },
            DecisionForm::Drop { reason } => Decision::Drop { reason },
        };
        blocking(&ws, move |app| app.decide(id, &actor, decision)).await
    }

    /// A post with X's counts, its approval and comments; with a viewer, what they may do.
    async post[ws](id: String, viewer: Option<String>) -> PostView {
        let id = post_id(&id)?;
        blocking(&ws, move |app| app.post_view(id, viewer.as_deref())).await
    }

    /// What `viewer` may do with each of these posts now (each post's `PostView.may`, in the
    /// order of `ids`): for lists such as the calendar that show many posts at once.
    async post_permissions[ws](ids: Vec<String>, viewer: String) -> Vec<Permissions> {
        let ids = ids.iter().map(|id| post_id(id)).collect::<Result<Vec<_>, _>>()?;
        blocking(&ws, move |app| {
            ids.into_iter()
                .map(|id| {
                    let view = app.post_view(id, Some(&viewer))?;
                    view.may.ok_or_else(|| Error::Internal("a view with a viewer says what they may do".into()))
                })
                .collect()
        })
        .await
    }

    /// Posts in one status (all when null), newest change first.
    async posts[ws](status: Option<Status>) -> Vec<PostSummary> {
        blocking(&ws, move |app| app.posts(status)).await
    }

    /// The posts waiting for a person's decision: needing a check, missed, failed.
    async needing_decision[ws]() -> Vec<PostSummary> {
        blocking(&ws, |app| app.needing_decision()).await
    }

    /// What changed since `reviewer` last reviewed the post.
    async diff_since_review[ws](id: String, reviewer: String) -> ReviewDiff {
        let id = post_id(&id)?;
        blocking(&ws, move |app| app.diff_since_review(id, &reviewer)).await
    }

    /// Every saved version of a post.
    async versions[ws](id: String) -> Vec<Version> {
        let id = post_id(&id)?;
        blocking(&ws, move |app| app.versions(id)).await
    }

    /// One page of History.
    async history[ws](query: HistoryQuery) -> Vec<HistoryRow> {
        blocking(&ws, move |app| app.history_page(&query)).await
    }

    /// Writes History (as filtered) to a new CSV or JSON file in the Downloads folder.
    async export_history[ws](query: HistoryQuery, format: ExportFormat) -> ExportResult {
        let dir = export_dir(&ws);
        std::fs::create_dir_all(&dir).map_err(|e| Error::Io {
            context: format!("cannot create {}", dir.display()),
            source: e,
        })?;
        let stamp = opened(&ws).await?.now().strftime("%Y%m%d-%H%M%S").to_string();
        let path = dir.join(format!("countersign-history-{stamp}.{}", format.extension()));
        let dest = path.clone();
        let rows = blocking(&ws, move |app| app.export_history(&query, format, &dest)).await?;
        Ok(ExportResult { path: path.display().to_string(), rows })
    }

    /// Connects the real X account: X's consent page opens in the system browser.
    async connect_x[ws, handle](actor: String, client_id: Option<String>) -> Connection {
        let app = opened(&ws).await?;
        let client_id = client_id
            .filter(|c| !c.trim().is_empty())
            .or_else(|| std::env::var("COUNTERSIGN_X_CLIENT_ID").ok());
        let target = Target::X {
            client_id,
            redirect_port: countersign_x::DEFAULT_REDIRECT_PORT,
        };
        let opener = handle.clone();
        app.connect(Some(&actor), target, move |url| {
            opener
                .opener()
                .open_url(url.as_str(), None::<&str>)
                .map_err(|e| e.to_string())
        })
        .await
    }

    /// Connects the workspace to the built-in Sandbox (starting it if needed).
    async use_sandbox[ws, handle](actor: String) -> Connection {
        let _ = &ws;
        tauri::async_runtime::spawn_blocking(move || {
            handle.state::<Workspace>().use_sandbox(&actor)
        })
        .await
        .map_err(|e| Error::Internal(format!("the command stopped: {e}")))?
    }

    /// Revokes the tokens and forgets the connection.
    async disconnect[ws](actor: String) -> Connection {
        opened(&ws).await?.disconnect(Some(&actor)).await
    }

    /// Whether Countersign starts at login.
    async autostart[ws, handle]() -> bool {
        let _ = &ws;
        handle.autolaunch().is_enabled().map_err(|e| Error::Desktop { what: "read the start-at-login setting", detail: e.to_string() })
    }

    /// Starts Countersign at login, or stops doing so.
    async set_autostart[ws, handle](enabled: bool) -> bool {
        let _ = &ws;
        let launcher = handle.autolaunch();
        let done = if enabled { launcher.enable() } else { launcher.disable() };
        done.and_then(|()| launcher.is_enabled()).map_err(|e| Error::Desktop { what: "change the start-at-login setting", detail: e.to_string() })
    }

    /// Opens a post on X (or the Sandbox) in the system browser.
    async open_link[ws, handle](url: String) -> () {
        let _ = &ws;
        let url = check_link(&url)?;
        handle
            .opener()
            .open_url(url.as_str(), None::<&str>)
            .map_err(|e| Error::Desktop { what: "open the link", detail: e.to_string() })
    }

    /// Pauses or resumes publishing (the tray offers the same).
    async set_publishing_paused[ws, handle](paused: bool) -> bool {
        Ok(crate::tray::set_paused(&handle, &ws, paused))
    }

    /// Whether publishing is paused.
    sync publishing_paused[ws]() -> bool {
        Ok(ws.publishing_paused())
    }

    /// In a team: the server, online or not, what waits to be sent, the team's laptops and
    /// who can publish, and a warning when the next due post has no publisher. `null` solo.
    async team_status[ws]() -> Option<TeamStatus> {
        blocking(&ws, |app| {
            if app.is_team() { app.team_status().map(Some) } else { Ok(None) }
        })
        .await
    }

    /// The member this laptop acts as in a team (one laptop, one member); `null` solo.
    async laptop_member[ws]() -> Option<String> {
        blocking(&ws, |app| app.laptop_member()).await
    }

    /// Pulls what the team did and sends what waits in this laptop's outbox.
    async team_sync[ws]() -> TeamSynced {
        blocking(&ws, |app| {
            let (pulled, sent) = app.sync_and_send()?;
            Ok(TeamSynced { pulled: pulled as u32, sent })
        })
        .await
    }

    /// What this laptop did offline that waits to be sent, and what the server refused.
    async outbox[ws]() -> Vec<Waiting> {
        blocking(&ws, |app| app.outbox()).await
    }

    /// Drops an act from the outbox (one the server refused, or one no longer wanted).
    async drop_waiting[ws](seq: i64) -> Waiting {
        blocking(&ws, move |app| app.drop_waiting(seq)).await
    }

    /// Invites a member (admins): the bundle to hand over privately, valid for `hours`.
    async invite_member[ws](actor: String, name: String, role: Role, hours: u32) -> InviteOut {
        blocking(&ws, move |app| {
            let invite = app.invite(
                &actor,
                &name,
                role,
                std::time::Duration::from_secs(u64::from(hours) * 3600),
            )?;
            Ok(InviteOut {
                bundle: invite.encode()?.expose().to_string(),
                member: invite.member.clone(),
                role: invite.role,
                expires_at: invite.expires_at,
                admin_fingerprint: invite.admin_fingerprint.clone(),
            })
        })
        .await
    }

    /// Saves an invite bundle to a file only this user can read, in the Downloads folder (as
    /// History exports go); returns where.
    async save_invite[ws](bundle: String) -> String {
        let dir = export_dir(&ws);
        tauri::async_runtime::spawn_blocking(move || {
            // Only an invite is written, named for the member it is for.
            let member = countersign_core::team::invite::preview(bundle.trim(), jiff::Timestamp::now())?.member;
            std::fs::create_dir_all(&dir)
                .map_err(|e| Error::io(format!("cannot create {}", dir.display()), e))?;
            countersign_core::team::invite::save_in(&dir, &member, bundle.trim())
                .map(|p| p.display().to_string())
        })
        .await
        .map_err(|e| Error::Internal(format!("the command stopped: {e}")))?
    }

    /// Members whose laptop offered a key an admin has not admitted yet, with its fingerprint.
    async waiting_for_admission[ws]() -> Vec<WaitingMember> {
        blocking(&ws, |app| app.waiting_for_admission()).await
    }

    /// Admits a member's laptop key once the fingerprints match (admins).
    async admit[ws](actor: String, name: String, fingerprint: String) -> RosterLine {
        blocking(&ws, move |app| app.admit(&actor, &name, &fingerprint)).await
    }

    /// Settles a conflict copy: carries its text over to the post it came from (`carry`), or
    /// not; the copy is dropped either way.
    async settle_copy[ws](copy: Uuid, actor: String, carry: bool) -> Post {
        blocking(&ws, move |app| app.settle_copy(copy, &actor, carry)).await
    }

    /// "Share this workspace" (admins): uploads it to the team server at `server`
    /// (postgres://OPERATOR@HOST:PORT/DATABASE) with the operator's `password`, used once and
    /// kept nowhere; `ca_pem` is the server's own CA, if it has one.
    async share_workspace[ws, handle](actor: String, server: String, ca_pem: Option<String>, password: String) -> TeamStarted {
        let _ = &ws;
        let operator = ServerLogin::operator(&server, SecretString::new(password), ca_pem)?;
        tauri::async_runtime::spawn_blocking(move || handle.state::<Workspace>().share(operator, &actor))
            .await
            .map_err(|e| Error::Internal(format!("the command stopped: {e}")))?
    }

    /// What a pasted invite holds (its member, server, workspace and the admin's fingerprint),
    /// checked but not used: nothing is joined.
    async read_invite[ws](bundle: String) -> InvitePreview {
        let _ = &ws;
        countersign_core::team::invite::preview(bundle.trim(), jiff::Timestamp::now())
    }

    /// "Join my team": this laptop becomes `name`'s in the team the invite names (see
    /// `Workspace::join`). Returns the fingerprint to read out to the admin.
    async join_team[ws, handle](bundle: String, name: String, passphrase: Option<String>) -> Joined {
        let _ = &ws;
        tauri::async_runtime::spawn_blocking(move || {
            handle.state::<Workspace>().join(bundle.trim(), &name, secret(passphrase))
        })
        .await
        .map_err(|e| Error::Internal(format!("the command stopped: {e}")))?
    }
}

/// What `team_sync` did.
#[derive(Debug, Clone, Serialize, TS)]
pub struct TeamSynced {
    pub pulled: u32,
    pub sent: Sent,
}

/// An invite as the Team screen shows it: the bundle to copy or save, and what to compare.
#[derive(Debug, Clone, Serialize, TS)]
pub struct InviteOut {
    pub bundle: String,
    pub member: String,
    pub role: Role,
    pub expires_at: jiff::Timestamp,
    pub admin_fingerprint: String,
}

/// Copies a file attached in Compose into the staging folder and has core check it against X's
/// limits (a refused file is not kept). The body is the file's bytes; the `x-file-name` header
/// carries its name. Returns the token a draft refers to it by, and what core found it to be.
#[tauri::command]
pub async fn stage_media(
    ws: State<'_, Workspace>,
    request: tauri::ipc::Request<'_>,
) -> Result<StagedMedia, Error> {
    let tauri::ipc::InvokeBody::Raw(bytes) = request.body() else {
        return Err(Error::InvalidInput {
            detail: "attach a file's bytes".into(),
        });
    };
    let name = request
        .headers()
        .get("x-file-name")
        .and_then(|v| v.to_str().ok())
        .map(percent_decode)
        .unwrap_or_else(|| "file".into());
    let ext: String = std::path::Path::new(&name)
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("bin")
        .chars()
        .filter(char::is_ascii_alphanumeric)
        .take(8)
        .collect::<String>()
        .to_ascii_lowercase();
    let token = format!("{}.{ext}", Uuid::now_v7());
    let dir = ws.staging_dir();
    let path = dir.join(&token);
    let bytes: Arc<Vec<u8>> = Arc::new(bytes.clone());
    tauri::async_runtime::spawn_blocking(move || {
        std::fs::create_dir_all(&dir)
            .and_then(|()| std::fs::write(&path, bytes.as_slice()))
            .map_err(|e| Error::Io {
                context: format!("cannot keep the attached file {name}"),
                source: e,
            })?;
        match media::check(&path, std::path::Path::new(&name)) {
            Ok(facts) => Ok(StagedMedia {
                token,
                name,
                kind: facts.kind,
            }),
            Err(e) => {
                let _ = std::fs::remove_file(&path);
                Err(e)
            }
        }
    })
    .await
    .map_err(|e| Error::Internal(format!("the command stopped: {e}")))?
}

/// Header values are ASCII: the UI percent-encodes the file name.
fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(h) = bytes.get(i + 1..i + 3)
            && let Ok(h) = std::str::from_utf8(h)
            && let Ok(b) = u8::from_str_radix(h, 16)
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn staged_tokens_stay_in_the_staging_folder() {
        let dir = std::path::Path::new("/tmp/staging");
        assert!(staged_path(dir, "0190.png").is_ok());
        for bad in ["../x", "a/b", "", ".hidden", "a\\b"] {
            assert_eq!(staged_path(dir, bad).unwrap_err().code(), "invalid_input");
        }
    }

    #[test]
    fn only_x_and_the_local_sandbox_open_in_the_browser() {
        assert!(check_link("https://x.com/acme/status/1").is_ok());
        assert!(check_link("http://127.0.0.1:4000/_sandbox/posts").is_ok());
        for bad in [
            "file:///etc/passwd",
            "https://evil.example/x.com",
            "javascript:alert(1)",
            "nonsense",
        ] {
            assert_eq!(check_link(bad).unwrap_err().code(), "invalid_url");
        }
    }

    #[test]
    fn file_names_are_percent_decoded() {
        assert_eq!(percent_decode("caf%C3%A9%20photo.png"), "café photo.png");
        assert_eq!(percent_decode("bad%zz"), "bad%zz");
    }
}
