//! The sandbox's state: the store plus everything the admin API changes at run time (limits,
//! clock offset, latency, faults) and the rate-limit counters.
//!
//! One mutex guards it all. Handlers hold it only for synchronous work (never across an
//! `.await`), so requests are serialised the way X serialises writes to one account, and a
//! test sees every effect of a request as soon as the response (or the dropped connection)
//! arrives.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::http::{HeaderValue, Method};
use axum::response::Response;
use serde::{Deserialize, Serialize};

use crate::config::{Limits, Quirks, SandboxConfig, SandboxUser};
use crate::ids;
use crate::store::Store;

/// Shared by the server, every handler and the `Sandbox` handle.
#[derive(Debug)]
pub(crate) struct World {
    pub user: SandboxUser,
    pub redirect_uris: Vec<String>,
    /// What `/_sandbox/reset` goes back to.
    initial: Settings,
    inner: Mutex<Inner>,
}

/// The settings the admin API can change.
#[derive(Debug, Clone)]
pub(crate) struct Settings {
    pub limits: Limits,
    pub quirks: Quirks,
    pub token_ttl: Duration,
}

#[derive(Debug)]
pub(crate) struct Inner {
    pub store: Store,
    pub settings: Settings,
    /// Added to the system clock for every expiry and window (`/_sandbox/clock`).
    pub clock_offset_ms: i64,
    /// Added before every X request (`/_sandbox/latency`).
    pub latency_ms: u64,
    pub faults: Vec<Fault>,
    pub counters: Counters,
    last_id: i64,
}

impl World {
    pub fn new(config: &SandboxConfig, store: Store) -> rusqlite::Result<World> {
        let last_id = store.max_id()?;
        let initial = Settings {
            limits: config.limits.clone(),
            quirks: config.quirks,
            token_ttl: config.token_ttl,
        };
        Ok(World {
            user: config.user.clone(),
            redirect_uris: config.redirect_uris.clone(),
            inner: Mutex::new(Inner {
                store,
                settings: initial.clone(),
                clock_offset_ms: 0,
                latency_ms: 0,
                faults: Vec::new(),
                counters: Counters::default(),
                last_id,
            }),
            initial,
        })
    }

    /// The state, even if a handler panicked while holding it (the store stays consistent:
    /// every write is one statement).
    pub fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// `/_sandbox/reset`: forget posts, media, counters, faults, latency and the clock offset,
    /// and go back to the configured limits. Tokens stay valid.
    pub fn reset(&self) -> rusqlite::Result<()> {
        let mut inner = self.lock();
        inner.store.clear_content()?;
        inner.settings = self.initial.clone();
        inner.clock_offset_ms = 0;
        inner.latency_ms = 0;
        inner.faults.clear();
        inner.counters = Counters::default();
        Ok(())
    }
}

impl Inner {
    /// The sandbox clock: the system clock plus the admin offset, in Unix milliseconds.
    pub fn now_ms(&self) -> i64 {
        system_ms().saturating_add(self.clock_offset_ms)
    }

    /// A fresh snowflake id for a post or an upload.
    pub fn next_id(&mut self) -> i64 {
        let id = ids::next_snowflake(self.now_ms(), self.last_id);
        self.last_id = id;
        id
    }

    /// Takes one shot of the first fault that matches this request, if any.
    pub fn take_fault(&mut self, method: &Method, path: &str) -> Option<FaultKind> {
        let index = self.faults.iter().position(|f| f.matches(method, path))?;
        let fault = &mut self.faults[index];
        if fault.skip > 0 {
            fault.skip -= 1;
            return None;
        }
        let kind = fault.kind;
        fault.count -= 1;
        if fault.count == 0 {
            self.faults.remove(index);
        }
        Some(kind)
    }
}

fn system_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

pub(crate) fn duration_ms(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

// ---- faults ----

/// How a faulted request fails (`POST /_sandbox/faults`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum FaultKind {
    /// Answer 500 without processing the request.
    #[serde(rename = "status_500")]
    Status500,
    /// Answer 503 without processing the request.
    #[serde(rename = "status_503")]
    Status503,
    /// Never answer and process nothing: the client times out.
    Hang,
    /// Process the request (a post IS created), then close the connection before any response
    /// byte: the client sees a connection error and no status.
    AcceptThenDrop,
    /// Process the request, then never answer.
    AcceptThenHang,
    /// The next matching media finalize (or one-shot GIF/video upload) ends processing in
    /// `failed`. Matches only media upload requests.
    MediaProcessingFailed,
}

/// A queued fault: the next `count` requests matching `path` and `method` fail as `kind`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Fault {
    pub kind: FaultKind,
    pub count: u32,
    /// A path prefix such as `/2/tweets`; `None` matches every X request.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    /// An HTTP method such as `POST`; `None` matches every method.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub method: Option<String>,
    /// Matching requests to let through untouched before the fault starts (so a test can
    /// fail, say, the second part of a thread).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub skip: u32,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

impl Fault {
    fn matches(&self, method: &Method, path: &str) -> bool {
        if self.kind == FaultKind::MediaProcessingFailed {
            let is_finalize = path.starts_with("/2/media/upload/") && path.ends_with("/finalize");
            if *method != Method::POST || !(is_finalize || path == "/2/media/upload") {
                return false;
            }
        }
        let path_ok = self.path.as_deref().is_none_or(|p| path.starts_with(p));
        let method_ok = self
            .method
            .as_deref()
            .is_none_or(|m| m.eq_ignore_ascii_case(method.as_str()));
        path_ok && method_ok
    }
}

// ---- rate limits ----

/// The endpoints X rate-limits separately.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Endpoint {
    CreatePost,
    DeletePost,
    Me,
    UserPosts,
    Mentions,
    DmRead,
    DmSend,
    MediaUpload,
    MediaInitialize,
    MediaAppend,
    MediaFinalize,
    MediaStatus,
    MediaMetadata,
}

impl Endpoint {
    /// Requests per user per window.
    pub fn limit(self, limits: &Limits) -> u32 {
        match self {
            Endpoint::CreatePost => limits.posts_per_window,
            Endpoint::DeletePost => limits.deletes_per_window,
            Endpoint::Me => limits.me_per_window,
            Endpoint::UserPosts => limits.reads_per_window,
            Endpoint::Mentions => limits.mentions_per_window,
            Endpoint::DmRead => limits.dm_reads_per_window,
            Endpoint::DmSend => limits.dm_sends_per_window,
            Endpoint::MediaUpload
            | Endpoint::MediaInitialize
            | Endpoint::MediaAppend
            | Endpoint::MediaFinalize
            | Endpoint::MediaStatus
            | Endpoint::MediaMetadata => limits.media_per_window,
        }
    }

    /// The OAuth 2.0 scopes X's OpenAPI description lists for the endpoint; a token needs all.
    pub fn scopes(self) -> &'static [&'static str] {
        match self {
            Endpoint::CreatePost | Endpoint::DeletePost => {
                &["tweet.read", "tweet.write", "users.read"]
            }
            Endpoint::Me | Endpoint::UserPosts | Endpoint::Mentions => {
                &["tweet.read", "users.read"]
            }
            Endpoint::DmRead => &["dm.read", "tweet.read", "users.read"],
            Endpoint::DmSend => &["dm.write", "tweet.read", "users.read"],
            Endpoint::MediaUpload
            | Endpoint::MediaInitialize
            | Endpoint::MediaAppend
            | Endpoint::MediaFinalize
            | Endpoint::MediaStatus
            | Endpoint::MediaMetadata => &["media.write"],
        }
    }
}

/// A fixed window: starts with its first request, ends `len` later.
#[derive(Debug, Clone, Copy, Default)]
struct Window {
    start_ms: i64,
    used: u32,
    started: bool,
}

impl Window {
    fn roll(&mut self, len_ms: i64, now: i64) {
        if !self.started || now >= self.start_ms.saturating_add(len_ms) {
            *self = Window {
                start_ms: now,
                used: 0,
                started: true,
            };
        }
    }

    fn quota(&self, limit: u32, len_ms: i64, now: i64) -> Quota {
        let end = if self.started {
            self.start_ms.saturating_add(len_ms)
        } else {
            now.saturating_add(len_ms)
        };
        Quota {
            limit,
            remaining: limit.saturating_sub(self.used),
            reset_secs: end.saturating_add(999).div_euclid(1000),
        }
    }
}

/// What the rate-limit headers report for one limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Quota {
    pub limit: u32,
    pub remaining: u32,
    /// Unix epoch seconds (sandbox clock) when the window ends.
    pub reset_secs: i64,
}

const DAY_MS: i64 = 24 * 60 * 60 * 1000;

/// Per-user, per-endpoint windows, the 24-hour post caps and the usage-cap counter.
#[derive(Debug, Default)]
pub(crate) struct Counters {
    windows: HashMap<(String, Endpoint), Window>,
    user_day: HashMap<String, Window>,
    app_day: Window,
    /// Posts created since start or reset (the usage cap counts these).
    pub usage: u64,
    /// X requests received since start or reset, before latency, faults or any check.
    pub requests: u64,
    /// Of those, `POST /2/tweets`: attempts to create a post, created or not.
    pub create_requests: u64,
}

impl Counters {
    /// Counts one request against `user`'s window for `endpoint`. `Err` when the window is
    /// spent (the request is then not counted).
    pub fn hit(
        &mut self,
        user: &str,
        endpoint: Endpoint,
        limit: u32,
        len_ms: i64,
        now: i64,
    ) -> Result<Quota, Quota> {
        let w = self.windows.entry((user.to_owned(), endpoint)).or_default();
        w.roll(len_ms, now);
        if w.used >= limit {
            return Err(w.quota(limit, len_ms, now));
        }
        w.used += 1;
        Ok(w.quota(limit, len_ms, now))
    }

    /// The 24-hour caps as they stand: `(user, app)`.
    pub fn day_quotas(&mut self, user: &str, limits: &Limits, now: i64) -> (Quota, Quota) {
        let u = self.user_day.entry(user.to_owned()).or_default();
        u.roll(DAY_MS, now);
        let user_q = u.quota(limits.posts_per_24h_user, DAY_MS, now);
        self.app_day.roll(DAY_MS, now);
        let app_q = self.app_day.quota(limits.posts_per_24h_app, DAY_MS, now);
        (user_q, app_q)
    }

    /// Counts one created post against the 24-hour caps and the usage cap.
    pub fn count_post(&mut self, user: &str, now: i64) {
        let u = self.user_day.entry(user.to_owned()).or_default();
        u.roll(DAY_MS, now);
        u.used += 1;
        self.app_day.roll(DAY_MS, now);
        self.app_day.used += 1;
        self.usage += 1;
    }
}

/// The rate-limit headers a response carries.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct RateHeaders {
    pub window: Option<Quota>,
    pub user_day: Option<Quota>,
    pub app_day: Option<Quota>,
}

impl RateHeaders {
    pub fn apply(&self, response: &mut Response) {
        let h = response.headers_mut();
        let mut put = |prefix: &str, q: &Quota| {
            for (suffix, value) in [
                ("limit", i64::from(q.limit)),
                ("remaining", i64::from(q.remaining)),
                ("reset", q.reset_secs),
            ] {
                if let (Ok(name), Ok(value)) = (
                    axum::http::HeaderName::try_from(format!("{prefix}-{suffix}")),
                    HeaderValue::from_str(&value.to_string()),
                ) {
                    h.insert(name, value);
                }
            }
        };
        if let Some(q) = &self.window {
            put("x-rate-limit", q);
        }
        if let Some(q) = &self.app_day {
            put("x-app-limit-24hour", q);
        }
        if let Some(q) = &self.user_day {
            put("x-user-limit-24hour", q);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_roll_and_refuse() {
        let mut c = Counters::default();
        let len = 1000;
        assert_eq!(
            c.hit("u", Endpoint::Me, 2, len, 0).map(|q| q.remaining),
            Ok(1)
        );
        assert_eq!(
            c.hit("u", Endpoint::Me, 2, len, 10).map(|q| q.remaining),
            Ok(0)
        );
        assert!(c.hit("u", Endpoint::Me, 2, len, 20).is_err());
        // Other endpoints and users have their own windows.
        assert!(c.hit("u", Endpoint::UserPosts, 2, len, 20).is_ok());
        assert!(c.hit("v", Endpoint::Me, 2, len, 20).is_ok());
        // The window ends `len` after its first request.
        assert_eq!(
            c.hit("u", Endpoint::Me, 2, len, 1000).map(|q| q.remaining),
            Ok(1)
        );
    }

    #[test]
    fn faults_match_prefix_and_method() {
        let f = Fault {
            kind: FaultKind::Status500,
            count: 1,
            path: Some("/2/tweets".into()),
            method: Some("post".into()),
            skip: 0,
        };
        assert!(f.matches(&Method::POST, "/2/tweets"));
        assert!(!f.matches(&Method::GET, "/2/tweets"));
        assert!(!f.matches(&Method::POST, "/2/users/me"));
        let m = Fault {
            kind: FaultKind::MediaProcessingFailed,
            count: 1,
            path: None,
            method: None,
            skip: 0,
        };
        assert!(m.matches(&Method::POST, "/2/media/upload/123/finalize"));
        assert!(!m.matches(&Method::POST, "/2/media/upload/123/append"));
    }
}
