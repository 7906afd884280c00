//! What a sandbox hosts and which of X's rules it enforces, with X's values as defaults.

use std::path::PathBuf;
use std::time::Duration;

use serde::{Deserialize, Serialize};

/// How a sandbox is started: where it listens, where it keeps its state, whose account it hosts
/// and which limits it enforces. [`SandboxConfig::default`] is an in-memory sandbox on a free
/// port with X's 2026 limits.
#[derive(Debug, Clone)]
pub struct SandboxConfig {
    /// Port on 127.0.0.1; 0 picks any free port (read it back with `Sandbox::base_url`).
    pub port: u16,
    /// `None` keeps everything in memory. `Some(dir)` keeps posts, media, tokens and codes in
    /// `dir/x-sandbox.sqlite`, so a restarted sandbox still has its timeline and its tokens
    /// still work (rate-limit counters, faults, latency and the clock offset start afresh).
    pub state_dir: Option<PathBuf>,
    /// The one X account this sandbox hosts: every token it issues acts as this user.
    pub user: SandboxUser,
    /// X's limits; changeable while running through `POST /_sandbox/limits`.
    pub limits: Limits,
    /// Behaviours the X contract marks UNCONFIRMED; pick one form or the other.
    pub quirks: Quirks,
    /// How long an access token works after it is issued (X: 2 hours, `"expires_in":7200`).
    pub token_ttl: Duration,
    /// Redirect URIs registered for the app. X accepts only an exact match (scheme, host, port,
    /// path); an empty list accepts any absolute `http(s)` URI, which suits tests that bind a
    /// random port.
    pub redirect_uris: Vec<String>,
    /// Messages a minute from a small cast of other people, mentions and direct messages in
    /// turn, so the account feels alive (`countersign sandbox serve --chatter N`); 0: none.
    pub chatter_per_minute: u32,
    /// How long a client may take to send a request's headers, and how long a kept-alive
    /// connection may sit idle, before it is closed: a client that sends part of a request and
    /// waits holds nothing for ever. Longer than clients keep idle connections (reqwest: 90 s),
    /// so a client never writes to a connection the sandbox is closing.
    pub header_timeout: Duration,
}

impl Default for SandboxConfig {
    fn default() -> Self {
        SandboxConfig {
            port: 0,
            state_dir: None,
            user: SandboxUser::default(),
            limits: Limits::default(),
            quirks: Quirks::default(),
            token_ttl: Duration::from_secs(2 * 60 * 60),
            redirect_uris: Vec::new(),
            chatter_per_minute: 0,
            header_timeout: Duration::from_secs(120),
        }
    }
}

/// The X account a sandbox hosts. X user ids are numeric strings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SandboxUser {
    /// Numeric id, as `GET /2/users/me` reports it.
    pub id: String,
    /// The handle, without `@`.
    pub username: String,
    /// The display name.
    pub name: String,
}

impl Default for SandboxUser {
    fn default() -> Self {
        SandboxUser {
            id: "1849375610274349057".to_owned(),
            username: "sandbox_brand".to_owned(),
            name: "Sandbox Brand".to_owned(),
        }
    }
}

/// The limits X enforces. Defaults are X's pay-per-use values of 2026; older tiers (Free:
/// 17 posts / 24 h; Basic: 100 / 24 h per user) are one `POST /_sandbox/limits` away.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// `POST /2/tweets` requests per user per window (X: 100 / 15 min).
    pub posts_per_window: u32,
    /// Length of every per-endpoint rate-limit window (X: 15 minutes).
    pub window: Duration,
    /// Posts per user per 24 hours (X's account-wide limit: 2,400 a day).
    pub posts_per_24h_user: u32,
    /// Posts per app per 24 hours (X: 10,000).
    pub posts_per_24h_app: u32,
    /// Longest valid weighted length (X: 280; Premium accounts 25,000).
    pub max_weighted_length: u32,
    /// `DELETE /2/tweets/:id` requests per user per window (X: 50).
    pub deletes_per_window: u32,
    /// `GET /2/users/:id/tweets` requests per user per window (X: 900).
    pub reads_per_window: u32,
    /// `GET /2/users/me` requests per user per window (X: 75).
    pub me_per_window: u32,
    /// `GET /2/users/:id/mentions` requests per user per window (X: 300 / 15 min).
    pub mentions_per_window: u32,
    /// `GET /2/dm_events` requests per user per window (X: 300 / 15 min).
    pub dm_reads_per_window: u32,
    /// `POST /2/dm_conversations/with/:id/messages` requests per user per window (X: 200 /
    /// 15 min).
    pub dm_sends_per_window: u32,
    /// Requests per user per window to each media endpoint (upload, initialize, append,
    /// finalize, status, metadata are counted separately). X does not publish one figure for
    /// pay-per-use; 500 keeps clients honest without getting in the way.
    pub media_per_window: u32,
    /// Posts the app may create before X answers `429 UsageCapExceeded` (the monthly product
    /// cap). `None`: no cap. Counted from start or the last `/_sandbox/reset`.
    pub usage_cap: Option<u32>,
    /// How far back X looks for a post with the same text (duplicate-content 403). X does not
    /// document it; a day is conservative.
    pub duplicate_window: Duration,
    /// How long a finalized GIF or video takes to process (also advanced by STATUS polls and
    /// by the clock offset).
    pub media_processing: Duration,
    /// How long uploaded media stays usable (X: about 24 hours).
    pub media_expiry: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            posts_per_window: 100,
            window: Duration::from_secs(15 * 60),
            posts_per_24h_user: 2_400,
            posts_per_24h_app: 10_000,
            max_weighted_length: 280,
            deletes_per_window: 50,
            reads_per_window: 900,
            me_per_window: 75,
            mentions_per_window: 300,
            dm_reads_per_window: 300,
            dm_sends_per_window: 200,
            media_per_window: 500,
            usage_cap: None,
            duplicate_window: Duration::from_secs(24 * 60 * 60),
            media_processing: Duration::from_millis(1_500),
            media_expiry: Duration::from_secs(24 * 60 * 60),
        }
    }
}

/// Behaviours the X contract could not confirm. A client must cope with either form, so a test
/// can switch the sandbox to the other one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quirks {
    /// How an over-long post is refused.
    pub length_error: LengthErrorForm,
    /// Whether an empty `GET /2/users/:id/tweets` page carries `"data": []` (`true`) or omits
    /// `data` (`false`, the default).
    pub empty_listing_data: bool,
    /// Whether a post may reply to the account's own post (a thread). X's 2026 reply policy
    /// leaves this unconfirmed; `false` answers such replies with a 403.
    pub self_replies_allowed: bool,
    /// Whether returned text of a post with media ends with the media's t.co link, as X does.
    pub media_link_in_text: bool,
}

impl Default for Quirks {
    fn default() -> Self {
        Quirks {
            length_error: LengthErrorForm::Forbidden,
            empty_listing_data: false,
            self_replies_allowed: true,
            media_link_in_text: true,
        }
    }
}

/// The two plausible answers to an over-long post.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LengthErrorForm {
    /// `403 {"detail":"You are not permitted to perform this action.", …}` (the default).
    Forbidden,
    /// `400` invalid-request problem naming the `text` parameter.
    InvalidRequest,
}
