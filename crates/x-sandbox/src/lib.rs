//! x-sandbox is a local X API v2 server that behaves like X: it checks tokens, scopes, lengths,
//! duplicates, media and rate limits the way X does, answers with X's JSON bodies and headers,
//! and fails on demand in the ways real networks fail. Countersign's tests run the X client
//! against it, and the app's Sandbox account posts to it, so nobody needs an X account to try
//! the whole flow.
//!
//! It listens on 127.0.0.1 only. One base URL serves the API (`/2/…`), the OAuth authorize page
//! (`/i/oauth2/authorize`) and the admin API (`/_sandbox/…`). State lives in memory, or in
//! `state_dir/x-sandbox.sqlite` so a restarted sandbox keeps its timeline and its tokens.
//!
//! ```no_run
//! # async fn demo() -> Result<(), x_sandbox::SandboxError> {
//! use x_sandbox::{Sandbox, SandboxConfig};
//!
//! let sandbox = Sandbox::start(SandboxConfig::default()).await?;
//! let base = sandbox.base_url(); // "http://127.0.0.1:PORT"
//! // ... point the X client at `base`, run the OAuth flow, post ...
//! assert!(sandbox.posts().is_empty());
//! sandbox.shutdown().await;
//! # Ok(()) }
//! ```
//!
//! From code without a runtime, [`Sandbox::start_blocking`] runs it on its own thread, and
//! [`serve_forever_blocking`] runs it until Ctrl-C (`countersign sandbox serve`).
//!
//! # X's API, as served
//!
//! | route | what X does that the sandbox does too |
//! |---|---|
//! | `GET /i/oauth2/authorize` | checks `response_type=code`, `client_id`, `redirect_uri` (absolute http(s); exact match when [`SandboxConfig::redirect_uris`] is set), known scopes, `state`, `code_challenge` (`S256` or `plain`); consents at once and answers `302` to `redirect_uri?state=…&code=…`; bad requests get a 400 HTML page and no redirect |
//! | `POST /2/oauth2/token` | form body, `client_id` in the body (or HTTP Basic). `authorization_code`: PKCE verified, codes single-use and 30 s, same `client_id` and `redirect_uri`. `refresh_token`: rotates, the old refresh token is refused from then on (`400 {"error":"invalid_request","error_description":"Value passed for the token was invalid."}`); access tokens already issued keep working until they expire. `refresh_token` only with `offline.access` |
//! | `POST /2/oauth2/revoke` | `token` (+ `token_type_hint`): that token stops working; `{"revoked":true}` |
//! | `POST /2/tweets` | `text`, `reply.in_reply_to_tweet_id` (X's 2026 rule for self-serve apps: a reply to someone else's post only where it mentions the account or quotes one of its posts, else X's 403 "not mentioned or otherwise engaged"; replies to the account's own posts per the `self_replies_allowed` quirk), `media.media_ids`, `reply_settings`, `poll`, `quote_tweet_id`; unknown members → 400 invalid-request; `media`/`quote_tweet_id`/`poll` exclusive; weighted length with Countersign's own counter (403 or, by quirk, 400); duplicate text (NFC) of a live post within `duplicate_window` → X's 403 duplicate body; replies need a live target; media must be the user's, unexpired, processed, ≤4 photos or 1 GIF or 1 video. `201 {"data":{"id","text","edit_history_tweet_ids"}}` with URLs in `text` rewritten to `https://t.co/…` (and, for media posts, the media link appended, as X does) |
//! | `DELETE /2/tweets/:id` | `200 {"data":{"deleted":true}}` (again for an already deleted post); unknown id → 404 |
//! | `GET /2/users/me` | `{"data":{"id","name","username"}}` plus some `user.fields` |
//! | `GET /2/users/:id/tweets` | `since_id`, `until_id`, `start_time`, `end_time`, `max_results` (5..100), `pagination_token`, `exclude=replies`, `tweet.fields`, `expansions=author_id,attachments.media_keys`; newest first, the newest 3,200 live posts only; `meta` with `result_count`, `newest_id`, `oldest_id`, `next_token`; no `data` when empty (quirk); unknown query parameters → 400 |
//! | `GET /2/users/:id/mentions` | posts by other people that mention the account (whole `@handle`), newest first, the newest 800 only; `since_id`, `until_id`, `start_time`, `end_time`, `max_results` (5..100), `pagination_token`, `tweet.fields`/`post.fields` (`conversation_id`, `in_reply_to_user_id`, `referenced_tweets`, `created_at`, `author_id`, …), `expansions=author_id,in_reply_to_user_id` (`includes.users` with `user.fields`); `meta` as for the timeline; own limit (`mentions_per_window`, X: 300 / 15 min) |
//! | `GET /2/dm_events` | the account's direct messages, both ways, newest first; `max_results` (1..100, default 100), `pagination_token`, `event_types`, `dm_event.fields` (`created_at`, `dm_conversation_id`, …), `expansions=sender_id,participant_ids` (adds them to each event and the users to `includes.users`); no `since_id` (as on X); scopes `dm.read tweet.read users.read`; own limit (`dm_reads_per_window`, 300) |
//! | `POST /2/dm_conversations/with/:participant_id/messages` | `{"text"}` (1..10,000 characters; unknown members → 400; `attachments` refused: not modelled); only to someone who wrote to the account first (else X's 403), never to the account itself (400); `201 {"data":{"dm_conversation_id","dm_event_id"}}`; scopes `dm.write tweet.read users.read`; own limit (`dm_sends_per_window`, 200) |
//! | `POST /2/media/upload` | multipart `media` + `media_category` (or JSON with base64 `media`); bytes sniffed (PNG, JPEG, GIF, WEBP, MP4 `ftyp`) against the category; 5 MB images, 15 MB GIFs, 512 MB video |
//! | `POST /2/media/upload/initialize`, `…/{id}/append`, `…/{id}/finalize` | chunked upload; `segment_index` 0..999; segments must add up to `total_bytes`; GIFs and videos then process: `processing_info` goes `pending` → `in_progress` → `succeeded` over three STATUS polls or [`Limits::media_processing`] of sandbox time; bad GIF size (1280x1080, 350 frames) or video duration (0.5–140 s) ends in `failed` |
//! | `GET /2/media/upload?command=STATUS&media_id=…` | processing state; each poll moves it along |
//! | `POST /2/media/metadata` | alt text up to 1,000 characters |
//!
//! Every `/2/` request needs `Authorization: Bearer <access token>`: missing, unknown, revoked or
//! expired (after [`SandboxConfig::token_ttl`] on the sandbox clock) tokens get X's 401 body. A
//! token lacking the endpoint's scopes (`tweet.read tweet.write users.read` to post and delete,
//! `tweet.read users.read` to read, `media.write` for media) gets X's 403 `Forbidden`. Every
//! authenticated answer carries `x-rate-limit-limit/remaining/reset` for the endpoint's
//! per-user window; posting answers also carry `x-app-limit-24hour-*` and
//! `x-user-limit-24hour-*`. Every request that passes the token and scope checks counts against
//! its window, refused ones too, as on X; only created posts count against the 24-hour caps. A
//! spent window or 24-hour cap answers X's 429 (nothing is processed); a spent
//! [`Limits::usage_cap`] answers X's `UsageCapExceeded` 429. Error bodies are X's problem
//! objects with X's `type` URIs.
//!
//! # The admin API (`/_sandbox/`, not part of X)
//!
//! No authentication; JSON in and out; never delayed or faulted. Refusals are
//! `400 {"error": "..."}`.
//!
//! | route | body | effect |
//! |---|---|---|
//! | `GET /_sandbox/health` | | `{"status":"ok","user":{…},"now":…,"clock_offset_secs":…}` |
//! | `GET /_sandbox/posts` | | every post ever created, oldest first, deleted ones with `"deleted":true`: `[{"id","author_id","text","reply_to","quote_of","media":[{"id","media_key","type","alt_text"}],"reply_settings","created_at","deleted","deleted_at"}]`; `text` as submitted |
//! | `POST /_sandbox/faults` | `{"kind": K, "count": N, "path": "/2/tweets", "method": "POST", "skip": S}` | after letting `S` (default 0) matching requests through, the next `N` (default 1) X requests whose path starts with `path` (default: any) and whose method is `method` (default: any) fail as `K`: `status_500` / `status_503` (answered at once, nothing processed), `hang` (never answered, nothing processed), `accept_then_drop` (processed, then the connection is closed before any response byte), `accept_then_hang` (processed, never answered), `media_processing_failed` (the next media finalize or one-shot GIF/video upload ends processing in `failed`) |
//! | `GET` / `DELETE /_sandbox/faults` | | list / clear the queued faults |
//! | `GET /_sandbox/timeline` | | the account's posts as an HTML page, newest first, each anchored by its id (where the app links a post on the Sandbox account) |
//! | `GET /_sandbox/requests` | | `{"x_requests","create_requests","posts_created"}` since start or reset: every X request as it arrives (before latency, faults or checks), the `POST /2/tweets` among them, and the posts those created |
//! | `POST /_sandbox/mentions` | `{"from": "handle", "name"?: "…", "text": "…", "in_reply_to"?: "post id"}` | that person (created on first use, with a stable numeric id) posts `text`, prefixed with `@account` unless it mentions the account already; `{"id","author_id","username","name","text","created_at"}` |
//! | `POST /_sandbox/people/posts` | same as `mentions` | that person posts `text` exactly as written (mentioning the account or not: the summoned-reply rule's other case) |
//! | `POST /_sandbox/dms` | `{"from", "name"?, "text"}` | that person writes the account a direct message; `{"dm_event_id","dm_conversation_id","sender_id","username","name","created_at"}` |
//! | `GET /_sandbox/dms` | | every direct message, both ways, oldest first: `[{"id","conversation_id","sender_id","recipient_id","text","created_at"}]` |
//! | `POST /_sandbox/latency` | `{"ms": N}` | every X request waits `N` ms first (`GET` reads it) |
//! | `POST /_sandbox/limits` | any subset of what `GET /_sandbox/limits` shows | changes limits live, all or nothing: `posts_per_window`, `window_secs`, `posts_per_24h_user`, `posts_per_24h_app`, `max_weighted_length`, `deletes_per_window`, `reads_per_window`, `me_per_window`, `mentions_per_window`, `dm_reads_per_window`, `dm_sends_per_window`, `media_per_window`, `usage_cap` (number or `null`), `duplicate_window_secs`, `media_processing_secs`, `media_expiry_secs`, `token_ttl_secs` (new tokens), and the quirks `length_error` (`"forbidden"`/`"invalid_request"`), `empty_listing_data`, `self_replies_allowed`, `media_link_in_text` |
//! | `POST /_sandbox/clock` | `{"offset_secs": N}` or `{"advance_secs": N}` | moves the sandbox clock (may be negative): token, code and media expiry, rate-limit windows, processing and `created_at` all follow it (`GET` reads it) |
//! | `POST /_sandbox/reset` | | forgets posts, media, rate-limit and usage counters, faults, latency and the clock offset, and restores the configured limits; tokens stay valid |
//!
//! # Not modelled
//!
//! OAuth 1.0a and app-only tokens; other people log in to nothing (every token acts as
//! [`SandboxConfig::user`]; others only talk to the account, through the admin API or the
//! chatter, [`SandboxConfig::chatter_per_minute`]); group DMs and media in DMs; editing posts (refused as X refuses non-Premium accounts); video codec, frame rate
//! and resolution checks (only the duration is read, and only when `moov` is in the first
//! megabyte); `dm_*`, `subtitles` and `amplify_video` media categories. Rate-limit counters
//! live in memory and start afresh when the sandbox restarts.

mod admin;
mod api;
mod config;
mod conversations;
mod error;
mod ids;
mod media;
mod oauth;
mod problem;
mod server;
mod sniff;
mod store;
mod tweets;
mod world;

pub use admin::{SandboxMedia, SandboxPost};
pub use config::{LengthErrorForm, Limits, Quirks, SandboxConfig, SandboxUser};
pub use conversations::SandboxDm;
pub use error::SandboxError;
pub use server::{Sandbox, SandboxThread, serve_forever, serve_forever_blocking};
pub use store::STATE_FILE;
