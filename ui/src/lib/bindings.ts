// Generated from the Rust types by `UPDATE_BINDINGS=1 cargo test -p countersign-app bindings`.
// Do not edit: `cargo test` fails when this file and the Rust side differ.
/* eslint-disable */

export type JsonValue = number | string | boolean | Array<JsonValue> | { [key in string]?: JsonValue } | null;

/**
 * The one brand X account a workspace posts for, and its settings.
 */
export type Account = { 
/**
 * The X handle, without `@`.
 */
handle: string, display_name: string, 
/**
 * X's user id, once the account is connected.
 */
x_user_id: string | null, 
/**
 * 280, or the Premium limit.
 */
max_weighted_length: number, 
/**
 * The brand's time zone, an IANA name: schedules and queue slots are wall times here.
 */
timezone: string, 
/**
 * A lone admin may approve their own posts. Shown wherever an approval is shown.
 */
solo_mode: boolean, 
/**
 * How late a due post may still go out before it counts as missed.
 */
grace_minutes: number, };

/**
 * Changes to the account's settings; `null` leaves a setting as it is.
 */
export type AccountForm = { display_name: string | null, timezone: string | null, max_weighted_length: number | null, solo_mode: boolean | null, grace_minutes: number | null, };

/**
 * The account, its connection and the budgets X last reported.
 */
export type AccountStatus = { account: Account, connection: Connection, budgets: Array<BudgetRow>, 
/**
 * Set when a live check was asked for and X answered something other than success.
 */
check_error: string | null, };

/**
 * A countersignature: an approver's approval of exactly one content, account and time.
 */
export type Approval = { id: string, post_id: string, approver: Member, version: number, 
/**
 * SHA-256 over the canonical content; see [`crate::content::digest`].
 */
digest: string, scheduled_at: string | null, at: string, 
/**
 * The approver approved their own post under solo mode.
 */
solo: boolean, 
/**
 * The approver edited the post in the act of approving.
 */
edited: boolean, 
/**
 * SHA-256 of the public key that signed, hex.
 */
key_fingerprint: string | null, 
/**
 * The approver's Ed25519 signature over [`crate::approval::statement_of`], hex.
 */
signature: string | null, 
/**
 * What a `v2` statement binds besides; `None` for a `v1` approval.
 */
statement: Statement | null, };

/**
 * Media attached to a part, with its alt text.
 */
export type Attachment = { media: Media, alt_text: string, };

/**
 * A rate-limit budget as last reported by X.
 */
export type BudgetRow = { 
/**
 * e.g. `create_post`.
 */
endpoint: string, 
/**
 * `fifteen_minutes` or `day`.
 */
window: string, limit: number, remaining: number, reset_at: string, seen_at: string, };

/**
 * A post on the calendar: scheduled (or missed, or waiting for a check) at its time, or
 * posted at the time it went out.
 */
export type CalendarItem = { id: string, status: Status, author: string, 
/**
 * The first part's text.
 */
text: string, parts: number, 
/**
 * The scheduled instant, or when it was posted.
 */
at: string, 
/**
 * The zone the time was given in.
 */
zone: string | null, 
/**
 * Scheduled through the queue.
 */
queued: boolean, post_url: string | null, };

export type Change = "same" | "added" | "removed";

/**
 * A remark on a post, from any member.
 */
export type Comment = { id: string, post_id: string, author: Member, 
/**
 * The version the comment was made on.
 */
version: number, text: string, at: string, };

/**
 * An offline edit kept as a draft of its own.
 */
export type ConflictCopy = { post_id: string, copy_id: string, };

/**
 * Where the workspace posts, and how that is going.
 */
export type Connection = { 
/**
 * Names the keychain entry that holds this workspace's tokens.
 */
workspace_id: string, state: ConnectionState, 
/**
 * `None` for X itself; the base URL of an x-sandbox otherwise.
 */
sandbox_url: string | null, client_id: string | null, x_user_id: string | null, 
/**
 * The X handle the tokens belong to.
 */
username: string | null, };

/**
 * Whether X calls can be made.
 */
export type ConnectionState = "disconnected" | "connected" | "needs_reconnect";

/**
 * What a post says: the thing an approval is bound to, apart from account and time.
 */
export type Content = { parts: Array<Part>, 
/**
 * Append the author's initials (` ^JS`) to every part.
 */
signature: boolean, reply_settings: ReplySettings, 
/**
 * An answer in a conversation: where it goes. Fixed when the reply is drafted, bound by
 * the approval like the text; `None` for a post of the brand's own.
 */
reply: ReplyTarget | null, };

/**
 * The shape limits a screen shows while a person writes (core still checks every act).
 */
export type ContentLimits = { 
/**
 * Parts in a thread.
 */
max_parts: number, 
/**
 * Characters of alt text per attachment.
 */
max_alt_text: number, };

/**
 * One conversation, as stored.
 */
export type Conversation = { 
/**
 * `m:<X conversation id>:<person id>` or `d:<DM conversation id>`.
 */
id: string, kind: ConversationKind, person: Person, state: ConversationState, 
/**
 * Who is answering (set by taking or assigning; kept when it reopens).
 */
assignee_id: string | null, 
/**
 * Why it was closed without an answer.
 */
note: string | null, 
/**
 * The oldest message not answered yet; `None` once answered or closed.
 */
waiting_since: string | null, 
/**
 * The latest message.
 */
last_at: string, updated_at: string, };

/**
 * Where a conversation happens.
 */
export type ConversationKind = "mention" | "dm";

/**
 * Where a conversation stands.
 */
export type ConversationState = "new" | "assigned" | "answered" | "closed";

/**
 * A conversation with what the screen shows beside it.
 */
export type ConversationView = { conversation: Conversation, assignee: Member | null, messages: Array<Message>, 
/**
 * The posts that answer it, oldest first.
 */
answers: Array<string>, 
/**
 * How long the person waited for the first answer that went out, in seconds.
 */
first_response_secs: number | null, };

/**
 * The result of counting a text, with twitter-text's `parseTweet` fields.
 *
 * The display and valid ranges are UTF-16 indices into the text as given (not normalised),
 * end-inclusive, exactly as twitter-text reports them, so a UI can highlight the overflow with
 * them directly. The URL ranges are end-exclusive, into the NFC text ([`UrlRange`]).
 */
export type Count = { 
/**
 * The weighted length X compares to its limit.
 */
weighted_length: number, 
/**
 * `weighted_length` per thousand of the limit, rounded down.
 */
permillage: number, 
/**
 * Whether X would accept the text (`invalid` is `None`).
 */
valid: boolean, 
/**
 * Always 0.
 */
display_range_start: number, 
/**
 * Last UTF-16 index of the text (0 for an empty text).
 */
display_range_end: number, 
/**
 * Always 0.
 */
valid_range_start: number, 
/**
 * Last UTF-16 index that still fits the limit (and precedes any refused character).
 * Like twitter-text, it is found on the normalised text and shifted by the difference in
 * length, so it can be off by that difference around characters NFC changes.
 */
valid_range_end: number, 
/**
 * `max_weighted_length - weighted_length`; negative when over.
 */
remaining: number, 
/**
 * Why the text is invalid, `None` when valid. When several reasons apply, the first of
 * empty, too long, invalid character (twitter-text's `isInvalidTweet` order).
 */
invalid: Invalid | null, 
/**
 * The URLs this count weighed at the URL length, in order: what X links, so what a
 * preview highlights. See [`UrlRange`] for what the indices count.
 */
urls: Array<UrlRange>, };

/**
 * A decision on a post that missed its time, failed, or needs a check.
 */
export type DecisionForm = { "decision": "publish_now" } | { "decision": "reschedule", wall: string, zone: string | null, fold: Fold | null, } | { "decision": "mark_posted", url: string, } | { "decision": "drop", reason: string, };

/**
 * A post's content as the Compose screen sends it.
 */
export type DraftForm = { parts: Array<PartForm>, signature: boolean, reply_settings: ReplySettings, };

/**
 * An error as it crosses into the UI: core's `{code, message}`.
 */
export type ErrorBody = { code: ErrorCode, message: string, };

/** Every code a refusal or failure from core can carry (`countersign_core::error::ALL_CODES`). */
export type ErrorCode =
  | "no_workspace"
  | "already_initialized"
  | "not_a_database"
  | "schema_too_new"
  | "corrupt_database"
  | "busy"
  | "storage"
  | "internal"
  | "desktop"
  | "workspace_not_open"
  | "io"
  | "invalid_handle"
  | "unknown_timezone"
  | "invalid_limit"
  | "invalid_member_name"
  | "invalid_initials"
  | "member_exists"
  | "unknown_member"
  | "member_inactive"
  | "role_not_allowed"
  | "roster_disagrees"
  | "roster_altered"
  | "authorship_unproven"
  | "invite_unusable"
  | "server_unreachable"
  | "server_refused"
  | "server_login_refused"
  | "invite_used"
  | "server_certificate"
  | "server_too_new"
  | "claim_lost"
  | "server_untrusted"
  | "not_team"
  | "team_setup"
  | "last_admin"
  | "self_approval"
  | "invalid_input"
  | "unknown_post"
  | "edit_conflict"
  | "invalid_transition"
  | "not_author"
  | "no_parts"
  | "too_many_parts"
  | "no_such_part"
  | "empty_part"
  | "too_long"
  | "invalid_character"
  | "nothing_changed"
  | "comment_required"
  | "empty_comment"
  | "media_unreadable"
  | "media_unsupported"
  | "media_too_large"
  | "media_out_of_limits"
  | "media_mix"
  | "alt_text_too_long"
  | "unknown_media"
  | "invalid_time"
  | "schedule_in_past"
  | "nonexistent_time"
  | "ambiguous_time"
  | "keychain_unavailable"
  | "keychain_locked"
  | "keychain_denied"
  | "keychain_failed"
  | "wrong_account"
  | "not_connected"
  | "invalid_url"
  | "no_client_id"
  | "approval_invalid"
  | "passphrase_required"
  | "new_passphrase_required"
  | "wrong_passphrase"
  | "passphrase_too_short"
  | "member_key_missing"
  | "member_key_unreadable"
  | "key_seal_failed"
  | "passphrases_differ"
  | "signer_not_in_roster"
  | "export_unreadable"
  | "invalid_weekday"
  | "slot_exists"
  | "unknown_slot"
  | "queue_full"
  | "not_in_queue"
  | "no_such_position"
  | "in_flight"
  | "publisher_running"
  | "invalid_post_url"
  | "x_unauthorized"
  | "x_needs_reconnect"
  | "x_state_mismatch"
  | "x_authorization_denied"
  | "x_authorization_failed"
  | "x_authorization_timeout"
  | "x_authorization_setup"
  | "x_forbidden"
  | "x_duplicate"
  | "x_too_long"
  | "x_invalid_request"
  | "x_not_found"
  | "x_rate_limited"
  | "x_usage_capped"
  | "x_server_error"
  | "x_transport"
  | "x_unexpected_response"
  | "x_media_failed"
  | "x_media_read"
  | "x_not_recorded"
  | "x_token_store"
  | "x_config";

/**
 * Something a person may need to know about.
 */
export type Event = { "kind": "needs_review", post_id: string, author: string, } | { "kind": "changes_requested", post_id: string, by: string, } | { "kind": "rejected", post_id: string, by: string, } | { "kind": "approved", post_id: string, by: string, } | { "kind": "scheduled", post_id: string, at: string, } | { "kind": "needs_reconnect", laptop_of: string | null, } | { "kind": "posted", post_id: string, url: string, } | { "kind": "failed", post_id: string, reason: string, } | { "kind": "missed", post_id: string, at: string, } | { "kind": "needs_check", post_id: string, reason: string, } | { "kind": "unscheduled", post_id: string, by: string, } | { "kind": "approval_voided", post_id: string, reason: string, } | { "kind": "heard", conversation_id: string, by: ConversationKind, handle: string, 
/**
 * Who on this laptop is on duty and should hear of it (none: nobody is told).
 */
on_duty: Array<string>, } | { "kind": "conflict_copy", post_id: string, copy_id: string, } | { "kind": "outbox_refused", post_id: string, act: OutboxAct, reason: string, };

/**
 * The file formats History exports to.
 */
export type ExportFormat = "csv" | "json";

/**
 * Where an export was written.
 */
export type ExportResult = { path: string, rows: number, };

/**
 * Which of two instants an ambiguous wall time means.
 */
export type Fold = "earlier" | "later";

/**
 * Which posted posts History shows: a full-text search and filters, one page at a time.
 */
export type HistoryQuery = { 
/**
 * Full-text search over every part.
 */
search: string | null, 
/**
 * Only posts by this member (by name).
 */
author: string | null, 
/**
 * Only posts this member countersigned (by name).
 */
approver: string | null, 
/**
 * Posted at or after this instant.
 */
from: string | null, 
/**
 * Posted before this instant.
 */
to: string | null, 
/**
 * Rows to skip, newest first.
 */
offset: number, 
/**
 * The page size.
 */
limit: number, };

/**
 * A posted post, as History shows it.
 */
export type HistoryRow = { id: string, author: string, approver: string | null, approved_at: string | null, solo: boolean, created_at: string, posted_at: string | null, post_url: string | null, parts: Array<string>, };

/**
 * How the inbox is read: its polling interval, the cursors that keep anything from being
 * read twice, and the reads spent this month (each one is billed on pay-per-use access).
 */
export type InboxCursor = { 
/**
 * Minutes between polls; 0 turns polling off.
 */
poll_minutes: number, 
/**
 * The newest mention read: the next poll's `since_id`.
 */
mentions_since: string | null, 
/**
 * The newest direct message read.
 */
dms_after: string | null, 
/**
 * `YYYY-MM` (UTC) that `reads` counts.
 */
reads_month: string, reads: number, polled_at: string | null, };

/**
 * Which conversations the Conversations screen lists.
 */
export type InboxForm = { 
/**
 * `new`, `assigned`, `answered`, `closed`, or `open` (new and assigned); `null`: all.
 */
state: string | null, 
/**
 * Only those this member answers.
 */
mine: string | null, kind: ConversationKind | null, search: string | null, };

/**
 * What one read of the inbox found.
 */
export type InboxPoll = { mentions: number, dms: number, 
/**
 * Requests this poll made to X (each billed on pay-per-use access).
 */
reads: number, 
/**
 * Conversations that are new or reopened.
 */
heard: number, 
/**
 * Why direct messages could not be read (a grant without `dm.read`), if so.
 */
dms_refused: string | null, };

/**
 * The inbox's figures: how it is read, and how long people wait for an answer.
 */
export type InboxStatus = { cursor: InboxCursor, last_7_days: ResponseTimes, last_30_days: ResponseTimes, 
/**
 * Conversations waiting for someone to take them, and for their taker to answer.
 */
new: number, assigned: number, };

/**
 * Why a text is not a valid post.
 */
export type Invalid = "empty" | "too_long" | "invalid_character";

/**
 * An invite as the Team screen shows it: the bundle to copy or save, and what to compare.
 */
export type InviteOut = { bundle: string, member: string, role: Role, expires_at: string, admin_fingerprint: string, };

/**
 * What a pasted bundle says, before anything is joined: shown to the person joining so they
 * can check it is the invite they expect (the admin's fingerprint above all). No secret.
 */
export type InvitePreview = { member: string, role: Role, 
/**
 * `host:port/database`.
 */
server: string, workspace_id: string, admin_fingerprint: string, expires_at: string, };

/**
 * What `team join` did: the fingerprint to read out to the admin.
 */
export type Joined = { member: string, role: Role, fingerprint: string, device: string, server: string, 
/**
 * The workspace and the brand account it posts for, as the laptop found them on the server.
 */
workspace_id: string, brand: string, 
/**
 * The inviting admin's fingerprint, as the invite names it (to compare with theirs).
 */
admin_fingerprint: string, };

/**
 * One team laptop as the server last heard from it (a publisher's heartbeat).
 */
export type Laptop = { device: string, 
/**
 * The member it acts for.
 */
member: string, can_publish: boolean, last_seen: string, };

/**
 * A media file kept in the workspace, named by the SHA-256 of its bytes.
 */
export type Media = { hash: string, kind: MediaKind, mime: string, bytes: number, 
/**
 * The file name it was attached from, for people; not part of the content.
 */
original_name: string, };

/**
 * Media on a part: a file just attached (staged with `stage_media`), or one the post has.
 */
export type MediaForm = { "source": "staged", token: string, alt_text: string, } | { "source": "stored", hash: string, alt_text: string, };

/**
 * What media a file is, as X sorts it: a part carries up to 4 images, or 1 GIF, or 1 video.
 */
export type MediaKind = "image" | "gif" | "video";

/**
 * A named person in the workspace. Never deleted: history keeps who did what.
 */
export type Member = { id: string, name: string, initials: string, role: Role, active: boolean, created_at: string, };

/**
 * A new member, as the Who's here and Team screens send it.
 */
export type MemberForm = { name: string, role: Role, initials: string | null, 
/**
 * Approvers and admins choose one: it seals their signing key.
 */
passphrase: string | null, };

/**
 * What someone wrote to the brand, exactly as X returned it.
 */
export type Message = { 
/**
 * The post's or DM event's id on X.
 */
x_id: string, conversation_id: string, author_id: string, text: string, at: string, 
/**
 * For a mention that replies to a post: that post's id.
 */
reply_to_x_id: string | null, };

/**
 * What kind of act waits in the outbox.
 */
export type OutboxAct = "draft" | "edit" | "comment" | "submit";

/**
 * One post of a thread.
 */
export type Part = { text: string, media: Array<Attachment>, };

/**
 * The diff of one part between two versions. A part that exists in only one version shows as
 * wholly added or removed.
 */
export type PartDiff = { part: number, spans: Array<Span>, 
/**
 * Media or alt text differ (shown as a note; media have no words to diff).
 */
media_changed: boolean, };

/**
 * One part of a thread in the Compose screen.
 */
export type PartForm = { text: string, media: Array<MediaForm>, };

/**
 * Which roles choose a passphrase to seal their signing key, and how long it must be.
 */
export type PassphraseRule = { 
/**
 * The roles whose key is sealed with a passphrase the member chooses.
 */
required_for: Array<Role>, 
/**
 * The fewest characters a new passphrase may have.
 */
min_chars: number, };

/**
 * What one member may do with a post now, each with the reason when they may not. Screens
 * show or hide their buttons from this, so the rules (roles, four-eyes, solo mode, which
 * states allow what) are decided here only, by the same checks the acts themselves make.
 */
export type Permissions = { edit: Permit, submit: Permit, approve: Permit, request_changes: Permit, reject: Permit, 
/**
 * Set or move the publish time (countersigning it), or add the post to the queue.
 */
schedule: Permit, unschedule: Permit, drop: Permit, 
/**
 * Record that a post whose fate was unclear (needs a check, or failed) is on X after all.
 */
mark_posted: Permit, comment: Permit, };

/**
 * Whether an act is allowed; when it is not, the refusal the act would give.
 */
export type Permit = { allowed: boolean, 
/**
 * The refusal's code and message; `null` when allowed.
 */
code: ErrorCode | null, reason: string | null, };

/**
 * Someone on X who wrote to the brand.
 */
export type Person = { 
/**
 * X's numeric user id.
 */
id: string, 
/**
 * Without `@`.
 */
handle: string, name: string, };

/**
 * A post (one part) or a thread (several), as it stands now.
 */
export type Post = { id: string, author: Member, status: Status, 
/**
 * Bumped by every saved edit; earlier versions are kept.
 */
version: number, content: Content, scheduled: Schedule | null, 
/**
 * Why the post is in its state, when a person needs to know (e.g. `needs_check`).
 */
status_reason: string | null, created_at: string, updated_at: string, posted_at: string | null, 
/**
 * The link to the post on X (or the Sandbox timeline) once posted.
 */
post_url: string | null, };

/**
 * A line in a list of posts.
 */
export type PostSummary = { id: string, status: Status, author: string, version: number, parts: number, 
/**
 * The first part's text.
 */
text: string, scheduled_at: string | null, updated_at: string, };

/**
 * A post with everything a screen shows about it.
 */
export type PostView = { post: Post, 
/**
 * X's count of each part as it will be published.
 */
counts: Array<Count>, approval: Approval | null, 
/**
 * Solo mode is shown wherever an approval is shown.
 */
solo_mode: boolean, comments: Array<Comment>, 
/**
 * What the member viewing the post may do with it now ([`App::post_view`] with a viewer).
 */
may: Permissions | null, 
/**
 * The file each attached media is kept under in the media folder, by content hash
 * ([`media::stored_name`]).
 */
stored_names: { [key in string]: string }, 
/**
 * When this draft is a conflict copy (an offline edit that met a changed post): the post
 * it came from, as its signed `draft_created` entry in the trail names it.
 */
copy_of: string | null, 
/**
 * For a conflict copy: what the offline edit changes, part by part, against the post it
 * came from as that post stands now (what "carry over" would change).
 */
copy_diff: Array<PartDiff> | null, };

/**
 * A weekly posting slot: a weekday and a wall time in the brand's zone.
 */
export type QueueSlot = { id: string, 
/**
 * `monday` .. `sunday`.
 */
weekday: string, 
/**
 * `HH:MM`.
 */
time: string, };

/**
 * Who may reply to a post, as X's `reply_settings`. `Everyone` sends no setting.
 */
export type ReplySettings = "everyone" | "following" | "mentioned_users" | "subscribers" | "verified";

/**
 * Where an answer goes on X.
 */
export type ReplyTarget = { "kind": "post", x_id: string, } | { "kind": "dm", participant_id: string, };

/**
 * How long people waited for a first answer: median and 90th percentile, over answers sent in
 * a window.
 */
export type ResponseTimes = { answered: number, median_secs: number | null, p90_secs: number | null, };

/**
 * What changed since a reviewer last looked.
 */
export type ReviewDiff = { 
/**
 * The version the reviewer last reviewed; `None` if they never did.
 */
from_version: number | null, to_version: number, parts: Array<PartDiff>, };

/**
 * A member's role. Each role can do everything the one before it can.
 */
export type Role = "contributor" | "approver" | "admin";

export type RosterLine = { seq: number, member_id: string, name: string, role: Role, public_key: string, fingerprint: string, active: boolean, at: string, signer_id: string | null, 
/**
 * Whether this entry counts (signed by an admin in the roster, or the genesis).
 */
counts: boolean, standing: Standing, };

/**
 * A scheduled instant, with the zone its wall time was given in.
 */
export type Schedule = { at: string, zone: string, };

/**
 * What one replay of the outbox did.
 */
export type Sent = { 
/**
 * Acts that reached the server as made.
 */
sent: number, 
/**
 * Edits that met a changed post, kept as new drafts.
 */
conflict_copies: Array<ConflictCopy>, 
/**
 * Acts the server's rules would not take (kept in the outbox, with why).
 */
refused: Array<Waiting>, 
/**
 * Acts still waiting (the server went away again, or a key is locked).
 */
waiting: number, };

/**
 * One run of a word diff.
 */
export type Span = { change: Change, text: string, };

/**
 * A file attached in Compose, copied into the data folder until a draft takes it.
 */
export type StagedMedia = { token: string, name: string, 
/**
 * What core found the file to be (from its bytes, within X's limits).
 */
kind: MediaKind, };

/**
 * Whether an entry counts, and why.
 */
export type Standing = { "standing": "signed" } | { "standing": "genesis" } | { "standing": "unsigned" } | { "standing": "invalid", "detail": string };

/**
 * What the window needs to know about the workspace before anything else.
 */
export type Startup = { data_dir: string, 
/**
 * Where attached media are kept (files named by their SHA-256).
 */
media_dir: string, 
/**
 * This run created the workspace (on the Sandbox account).
 */
first_run: boolean, 
/**
 * The workspace could not be opened: the error, for the person to act on.
 */
error: ErrorBody | null, 
/**
 * Something went wrong that does not stop the app (e.g. the sandbox could not connect).
 */
warning: ErrorBody | null, 
/**
 * The base URL of the sandbox running in this process, if any.
 */
sandbox_url: string | null, version: string, };

/**
 * What a `v2` approval statement binds beyond `v1`.
 */
export type Statement = { 
/**
 * The author the approver saw (proven by the first version's signature).
 */
author_id: string, 
/**
 * The roster head the approver's machine verified: its length and its last hash.
 */
roster_seq: number, roster_hash: string, };

/**
 * Where a post stands in its life. See [`crate::workflow`] for the moves between them.
 */
export type Status = "draft" | "in_review" | "changes_requested" | "rejected" | "approved" | "scheduled" | "publishing" | "posted" | "failed" | "needs_check" | "missed" | "dropped";

/**
 * What `team init` did.
 */
export type TeamStarted = { server: string, workspace_id: string, genesis_hash: string, 
/**
 * The admin's own database login.
 */
login: string, device: string, };

/**
 * `team status`.
 */
export type TeamStatus = { server: string, online: boolean, offline_because: string | null, high_water: number, 
/**
 * Server changes not yet pulled (when online).
 */
behind: number | null, 
/**
 * When this laptop last pulled (this process), by its own clock.
 */
pulled_at: string | null, 
/**
 * Moves when this laptop pulled something new to show (anything but laptops' heartbeats):
 * screens read again then.
 */
content_seen: number, device: string, 
/**
 * Whether this laptop publishes: it is among the laptops that can, as last seen.
 */
publishes_here: boolean, member: string, laptops: Array<Laptop>, 
/**
 * Acts made offline waiting to be sent, and acts the server refused (kept for a person).
 */
waiting: number, refused: number, 
/**
 * The next post due to publish, if any.
 */
next_due: string | null, 
/**
 * When a laptop that can publish was last seen (`None`: never).
 */
publisher_last_seen: string | null, 
/**
 * Said when the next due post has no publishing laptop seen recently.
 */
warning: string | null, 
/**
 * Whether this laptop's key counts: until an admin admits it, nothing its member approves
 * does.
 */
admitted: boolean, 
/**
 * This laptop's key's fingerprint while it waits to be admitted (to read out to an admin).
 */
fingerprint: string | null, };

/**
 * What `team_sync` did.
 */
export type TeamSynced = { pulled: number, sent: Sent, };

/**
 * Where a URL the counter weighed sits in the text: UTF-16 code units, `start` inclusive and
 * `end` exclusive (JavaScript's `text.slice(start, end)`), into the text's NFC form. That is
 * the text as given when it is already NFC, as the published text of a part always is
 * ([`crate::content::published_text`]), so a preview of a part highlights
 * `text.normalize("NFC")` with these ranges.
 */
export type UrlRange = { start: number, end: number, };

/**
 * A saved version of a post's content.
 */
export type Version = { version: number, editor: Member, at: string, content: Content, };

/**
 * What one member may do in the workspace now, each with the reason when they may not.
 */
export type ViewerPermissions = { 
/**
 * Review posts (approve, request changes, reject); what they may do with each post is in
 * its `PostView.may`.
 */
review: Permit, 
/**
 * Add and remove the brand's weekly queue slots.
 */
edit_slots: Permit, 
/**
 * Decide about a post that missed its time, failed or needs a check
 * ([`App::needing_decision`], [`App::decide`]).
 */
decide: Permit, 
/**
 * Reorder the queue, and move or unschedule the posts in it: each move countersigns a new
 * time, so the four-eyes rule still applies to each post when the act runs.
 */
reorder_queue: Permit, 
/**
 * Add members, change their roles, give them new keys, deactivate them.
 */
manage_members: Permit, 
/**
 * Change the account's settings and its connection to X.
 */
change_account: Permit, 
/**
 * Connect this laptop to X or the Sandbox. Alone, as `change_account`; in a team, every
 * reviewer's laptop connects its own grant, and a contributor's laptop never holds one.
 */
connect_here: Permit, };

/**
 * One act in the outbox, as screens and `team outbox` show it.
 */
export type Waiting = { 
/**
 * Its place in the outbox (what `team outbox --drop` takes).
 */
seq: number, act: OutboxAct, actor: string, post_id: string, 
/**
 * The draft's or edit's first part, or the comment.
 */
text: string, made_at: string, 
/**
 * Why the server would not take it; `None` while it waits to be sent.
 */
refused: string | null, };

/**
 * A member whose laptop offered a key that an admin has not admitted yet.
 */
export type WaitingMember = { name: string, role: Role, 
/**
 * The fingerprint their laptop showed them, to compare out loud before admitting.
 */
fingerprint: string, offered_at: string, };

/** Every command: its arguments and what it returns. */
export type Commands = {
  /** The data folder, whether this run created the workspace, and what went wrong opening it. */
  startup: { args: {  }; returns: Startup };
  /** Tries again to open a workspace that did not open at start. */
  reopen: { args: {  }; returns: Startup };
  /** The window's first screen is ready to use (after start, or after the tray opened the window again): logged, so scripts/bench-app.sh can time opening to interactive. */
  first_screen_ready: { args: {  }; returns: null };
  /** The brand account and its settings. */
  account: { args: {  }; returns: Account };
  /** The account, its connection (Sandbox or X; needs reconnect) and the budgets left. */
  account_status: { args: { check: boolean }; returns: AccountStatus };
  /** Changes the account's settings (admins). */
  update_account: { args: { actor: string, change: AccountForm }; returns: Account };
  /** Everyone in the workspace, active or not. */
  members: { args: {  }; returns: Array<Member> };
  /** The signed roster: who holds which role with which key, and whether it counts. */
  roster: { args: {  }; returns: Array<RosterLine> };
  /** Adds a member; `actor` (an admin) signs them in. The first admin needs no actor. */
  add_member: { args: { actor: string | null, member: MemberForm }; returns: Member };
  /** Gives a member a role, signed by `actor` (an admin). */
  set_role: { args: { actor: string, name: string, role: Role, passphrase: string | null }; returns: Member };
  /** Gives a member a new key pair (a lost passphrase or key), signed by `actor` (an admin). Approvers and admins choose a new passphrase for it. */
  rekey: { args: { actor: string, name: string, passphrase: string | null }; returns: RosterLine };
  /** Deactivates a member; their history stays. */
  deactivate_member: { args: { actor: string, name: string }; returns: Member };
  /** What `name` may do beyond any one post: queue slots and order, decisions, the team. */
  viewer_may: { args: { name: string }; returns: ViewerPermissions };
  /** Which roles choose a passphrase for their signing key, and its least length. */
  passphrase_rule: { args: {  }; returns: PassphraseRule };
  /** Opens a member's signing key with their passphrase, for a few minutes. */
  unlock: { args: { name: string, passphrase: string }; returns: null };
  /** Whether acting as `name` needs their passphrase first. */
  needs_passphrase: { args: { name: string }; returns: boolean };
  /** Forgets every unlocked key. */
  lock_keys: { args: {  }; returns: null };
  /** X's count of a part as it will be published (with ` ^INITIALS` when `signature` holds the author's initials). Called on every keystroke: async, so it never runs on the main thread, and counted with the account's limit in memory, so it takes no store lock. */
  count_text: { args: { text: string, signature: string | null }; returns: Count };
  /** The shape limits Compose shows while a person writes: parts in a thread, characters of alt text (core checks every save again). */
  content_limits: { args: {  }; returns: ContentLimits };
  /** Whether part `part` (1-based) may carry media of these kinds; refused as core's `media_mix` when it may not. */
  check_media_mix: { args: { part: number, kinds: Array<MediaKind> }; returns: null };
  /** Saves a new draft. */
  create_draft: { args: { actor: string, draft: DraftForm }; returns: Post };
  /** Saves a new version of a post's content. */
  edit_post: { args: { id: string, actor: string, draft: DraftForm }; returns: Post };
  /** Asks for review. */
  submit: { args: { id: string, actor: string }; returns: Post };
  /** Countersigns a post in review. */
  approve: { args: { id: string, actor: string }; returns: Post };
  /** Approves a post and countersigns "now" as its time: it goes out at once. */
  approve_and_send: { args: { id: string, actor: string }; returns: Post };
  /** Conversations, latest first. */
  inbox: { args: { query: InboxForm }; returns: Array<Conversation> };
  /** One conversation: the person's messages, who answers, and the answers. */
  conversation: { args: { id: string }; returns: ConversationView };
  /** How the inbox is read, the reads spent this month, and how long people wait. */
  inbox_status: { args: {  }; returns: InboxStatus };
  /** Reads new mentions and direct messages from X now. */
  poll_inbox: { args: {  }; returns: InboxPoll };
  /** How often the inbox is read, in minutes (0: never); admins. */
  set_inbox_poll: { args: { actor: string, minutes: number }; returns: InboxCursor };
  /** Whether `name` hears of new mentions and direct messages on this laptop. */
  on_duty: { args: { name: string }; returns: boolean };
  /** Puts `name` on duty on this laptop, or off. */
  set_on_duty: { args: { name: string, on: boolean }; returns: boolean };
  /** "I'll answer": the conversation is `actor`'s. */
  take_conversation: { args: { id: string, actor: string }; returns: Conversation };
  /** An approver gives the conversation to `to`. */
  assign_conversation: { args: { id: string, to: string, actor: string }; returns: Conversation };
  /** Closes the conversation without an answer, with a note saying why. */
  close_conversation: { args: { id: string, actor: string, note: string }; returns: Conversation };
  /** Drafts `actor`'s answer in the conversation (then submit it like any post). */
  answer_conversation: { args: { id: string, actor: string, text: string }; returns: Post };
  /** Sends a post back to its author with a comment. */
  request_changes: { args: { id: string, actor: string, comment: string }; returns: Post };
  /** Rejects a post with a comment. */
  reject: { args: { id: string, actor: string, comment: string }; returns: Post };
  /** Comments on a post. */
  comment: { args: { id: string, actor: string, text: string }; returns: Comment };
  /** Sets or moves the publish time: a wall time ("YYYY-MM-DD HH:MM") in `zone` (the brand's when null). `fold` says which of two times a wall time that happens twice (clocks fall back) means; without it core refuses such a time as `ambiguous_time`. */
  schedule: { args: { id: string, actor: string, wall: string, zone: string | null, fold: Fold | null }; returns: Post };
  /** "Add to queue": countersigns the next free weekly slot. */
  schedule_to_queue: { args: { id: string, actor: string }; returns: Post };
  /** Takes a post off the schedule. */
  unschedule: { args: { id: string, actor: string }; returns: Post };
  /** The brand's weekly posting slots, Monday first. */
  queue_slots: { args: {  }; returns: Array<QueueSlot> };
  /** Adds a weekly slot: a weekday ("tuesday") and a wall time ("09:00") in the brand's zone. */
  add_queue_slot: { args: { actor: string, weekday: string, time: string }; returns: QueueSlot };
  /** Removes a weekly slot. */
  remove_queue_slot: { args: { actor: string, weekday: string, time: string }; returns: QueueSlot };
  /** The posts in the queue, in the order they will go out. */
  queue: { args: {  }; returns: Array<CalendarItem> };
  /** Moves a queued post to `position` (1-based); each post whose time changes is countersigned again by `actor`. */
  move_in_queue: { args: { id: string, actor: string, position: number }; returns: Array<Post> };
  /** Posts with a time in `[from, to)` (RFC 3339 instants), for the calendar. */
  calendar: { args: { from: string, to: string }; returns: Array<CalendarItem> };
  /** A person's decision on a post that missed its time, failed, or needs a check. */
  decide: { args: { id: string, actor: string, decision: DecisionForm }; returns: Post };
  /** A post with X's counts, its approval and comments; with a viewer, what they may do. */
  post: { args: { id: string, viewer: string | null }; returns: PostView };
  /** What `viewer` may do with each of these posts now (each post's `PostView.may`, in the order of `ids`): for lists such as the calendar that show many posts at once. */
  post_permissions: { args: { ids: Array<string>, viewer: string }; returns: Array<Permissions> };
  /** Posts in one status (all when null), newest change first. */
  posts: { args: { status: Status | null }; returns: Array<PostSummary> };
  /** The posts waiting for a person's decision: needing a check, missed, failed. */
  needing_decision: { args: {  }; returns: Array<PostSummary> };
  /** What changed since `reviewer` last reviewed the post. */
  diff_since_review: { args: { id: string, reviewer: string }; returns: ReviewDiff };
  /** Every saved version of a post. */
  versions: { args: { id: string }; returns: Array<Version> };
  /** One page of History. */
  history: { args: { query: HistoryQuery }; returns: Array<HistoryRow> };
  /** Writes History (as filtered) to a new CSV or JSON file in the Downloads folder. */
  export_history: { args: { query: HistoryQuery, format: ExportFormat }; returns: ExportResult };
  /** Connects the real X account: X's consent page opens in the system browser. */
  connect_x: { args: { actor: string, client_id: string | null }; returns: Connection };
  /** Connects the workspace to the built-in Sandbox (starting it if needed). */
  use_sandbox: { args: { actor: string }; returns: Connection };
  /** Revokes the tokens and forgets the connection. */
  disconnect: { args: { actor: string }; returns: Connection };
  /** Whether Countersign starts at login. */
  autostart: { args: {  }; returns: boolean };
  /** Starts Countersign at login, or stops doing so. */
  set_autostart: { args: { enabled: boolean }; returns: boolean };
  /** Opens a post on X (or the Sandbox) in the system browser. */
  open_link: { args: { url: string }; returns: null };
  /** Pauses or resumes publishing (the tray offers the same). */
  set_publishing_paused: { args: { paused: boolean }; returns: boolean };
  /** Whether publishing is paused. */
  publishing_paused: { args: {  }; returns: boolean };
  /** In a team: the server, online or not, what waits to be sent, the team's laptops and who can publish, and a warning when the next due post has no publisher. `null` solo. */
  team_status: { args: {  }; returns: TeamStatus | null };
  /** The member this laptop acts as in a team (one laptop, one member); `null` solo. */
  laptop_member: { args: {  }; returns: string | null };
  /** Pulls what the team did and sends what waits in this laptop's outbox. */
  team_sync: { args: {  }; returns: TeamSynced };
  /** What this laptop did offline that waits to be sent, and what the server refused. */
  outbox: { args: {  }; returns: Array<Waiting> };
  /** Drops an act from the outbox (one the server refused, or one no longer wanted). */
  drop_waiting: { args: { seq: number }; returns: Waiting };
  /** Invites a member (admins): the bundle to hand over privately, valid for `hours`. */
  invite_member: { args: { actor: string, name: string, role: Role, hours: number }; returns: InviteOut };
  /** Saves an invite bundle to a file only this user can read, in the Downloads folder (as History exports go); returns where. */
  save_invite: { args: { bundle: string }; returns: string };
  /** Members whose laptop offered a key an admin has not admitted yet, with its fingerprint. */
  waiting_for_admission: { args: {  }; returns: Array<WaitingMember> };
  /** Admits a member's laptop key once the fingerprints match (admins). */
  admit: { args: { actor: string, name: string, fingerprint: string }; returns: RosterLine };
  /** Settles a conflict copy: carries its text over to the post it came from (`carry`), or not; the copy is dropped either way. */
  settle_copy: { args: { copy: string, actor: string, carry: boolean }; returns: Post };
  /** "Share this workspace" (admins): uploads it to the team server at `server` (postgres://OPERATOR@HOST:PORT/DATABASE) with the operator's `password`, used once and kept nowhere; `ca_pem` is the server's own CA, if it has one. */
  share_workspace: { args: { actor: string, server: string, ca_pem: string | null, password: string }; returns: TeamStarted };
  /** What a pasted invite holds (its member, server, workspace and the admin's fingerprint), checked but not used: nothing is joined. */
  read_invite: { args: { bundle: string }; returns: InvitePreview };
  /** "Join my team": this laptop becomes `name`'s in the team the invite names (see `Workspace::join`). Returns the fingerprint to read out to the admin. */
  join_team: { args: { bundle: string, name: string, passphrase: string | null }; returns: Joined };
};

/** The commands that take arguments other than JSON (see api.ts). */
export type RawCommands = {
  stage_media: { returns: StagedMedia };
};

/** The Tauri event that carries core events. */
export const CORE_EVENT = "core-event";

/** Every command name, as the capability grants them. */
export const COMMAND_NAMES = [
  "startup",
  "reopen",
  "first_screen_ready",
  "account",
  "account_status",
  "update_account",
  "members",
  "roster",
  "add_member",
  "set_role",
  "rekey",
  "deactivate_member",
  "viewer_may",
  "passphrase_rule",
  "unlock",
  "needs_passphrase",
  "lock_keys",
  "count_text",
  "content_limits",
  "check_media_mix",
  "create_draft",
  "edit_post",
  "submit",
  "approve",
  "approve_and_send",
  "inbox",
  "conversation",
  "inbox_status",
  "poll_inbox",
  "set_inbox_poll",
  "on_duty",
  "set_on_duty",
  "take_conversation",
  "assign_conversation",
  "close_conversation",
  "answer_conversation",
  "request_changes",
  "reject",
  "comment",
  "schedule",
  "schedule_to_queue",
  "unschedule",
  "queue_slots",
  "add_queue_slot",
  "remove_queue_slot",
  "queue",
  "move_in_queue",
  "calendar",
  "decide",
  "post",
  "post_permissions",
  "posts",
  "needing_decision",
  "diff_since_review",
  "versions",
  "history",
  "export_history",
  "connect_x",
  "use_sandbox",
  "disconnect",
  "autostart",
  "set_autostart",
  "open_link",
  "set_publishing_paused",
  "publishing_paused",
  "team_status",
  "laptop_member",
  "team_sync",
  "outbox",
  "drop_waiting",
  "invite_member",
  "save_invite",
  "waiting_for_admission",
  "admit",
  "settle_copy",
  "share_workspace",
  "read_invite",
  "join_team",
  "stage_media",
] as const;
