//! Rate-limit budgets, learned from X's response headers.
//!
//! Every X response carries `x-rate-limit-{limit,remaining,reset}` for the endpoint's 15-minute
//! window; posting may also carry `x-app-limit-24hour-*` and `x-user-limit-24hour-*`. The client
//! keeps the latest numbers per endpoint and window, so it can refuse locally (without spending a
//! request) when a budget is known to be empty, and so the UI can show what is left.

use std::collections::HashMap;
use std::fmt;
use std::sync::Mutex;

use jiff::Timestamp;
use reqwest::header::HeaderMap;
use serde::Serialize;

/// The X endpoints this client calls, each with its own rate limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Endpoint {
    /// `GET /2/users/me`
    Me,
    /// `POST /2/tweets`
    CreatePost,
    /// `DELETE /2/tweets/:id`
    DeletePost,
    /// `GET /2/users/:id/tweets`
    UserPosts,
    /// `GET /2/users/:id/mentions`
    Mentions,
    /// `GET /2/dm_events`
    DmEvents,
    /// `POST /2/dm_conversations/with/:id/messages`
    SendDm,
    /// `POST /2/media/upload` (one-shot image upload)
    MediaUpload,
    /// `POST /2/media/upload/initialize`
    MediaInitialize,
    /// `POST /2/media/upload/:id/append`
    MediaAppend,
    /// `POST /2/media/upload/:id/finalize`
    MediaFinalize,
    /// `GET /2/media/upload?command=STATUS`
    MediaStatus,
    /// `POST /2/media/metadata`
    MediaMetadata,
    /// `POST /2/oauth2/token` and `/2/oauth2/revoke`
    OAuth,
}

/// Which rate-limit window a budget counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Window {
    /// The per-endpoint 15-minute window (`x-rate-limit-*`).
    FifteenMinutes,
    /// The 24-hour posting cap (`x-app-limit-24hour-*`, `x-user-limit-24hour-*`).
    Day,
}

impl fmt::Display for Window {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Window::FifteenMinutes => "15-minute",
            Window::Day => "24-hour",
        })
    }
}

/// What is left of one rate limit, as of the latest response.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Budget {
    /// Requests allowed per window.
    pub limit: u64,
    /// Requests left in the current window.
    pub remaining: u64,
    /// When the window resets and `remaining` goes back to `limit`.
    pub reset_at: Timestamp,
    /// Which window this is.
    pub window: Window,
}

impl Budget {
    /// True when the budget is used up and the reset is still ahead of `now`.
    pub fn exhausted_at(&self, now: Timestamp) -> bool {
        self.remaining == 0 && self.reset_at > now
    }
}

/// Reads the budgets a response's headers announce (zero, one or two: 15-minute and 24-hour).
/// For the 24-hour window the app and user caps are merged into the tighter one.
pub(crate) fn budgets_from_headers(headers: &HeaderMap) -> Vec<Budget> {
    let mut out = Vec::new();
    if let Some(b) = read_triplet(headers, "x-rate-limit", Window::FifteenMinutes) {
        out.push(b);
    }
    let day = [
        read_triplet(headers, "x-user-limit-24hour", Window::Day),
        read_triplet(headers, "x-app-limit-24hour", Window::Day),
    ];
    if let Some(b) = day.into_iter().flatten().reduce(tighter) {
        out.push(b);
    }
    out
}

/// The budget that binds first: fewer requests left, then the later reset.
fn tighter(a: Budget, b: Budget) -> Budget {
    if (b.remaining, std::cmp::Reverse(b.reset_at)) < (a.remaining, std::cmp::Reverse(a.reset_at)) {
        b
    } else {
        a
    }
}

fn read_triplet(headers: &HeaderMap, prefix: &str, window: Window) -> Option<Budget> {
    let num = |suffix: &str| -> Option<i64> {
        headers
            .get(format!("{prefix}-{suffix}"))?
            .to_str()
            .ok()?
            .trim()
            .parse()
            .ok()
    };
    let remaining = num("remaining")?;
    let reset = num("reset")?;
    Some(Budget {
        // A missing limit is odd but harmless: the remaining count is what matters.
        limit: num("limit").unwrap_or(remaining).max(0) as u64,
        remaining: remaining.max(0) as u64,
        reset_at: Timestamp::from_second(reset).ok()?,
        window,
    })
}

/// The latest budgets per endpoint and window, shared by every clone of the client.
#[derive(Debug, Default)]
pub(crate) struct Budgets {
    known: Mutex<HashMap<(Endpoint, Window), Budget>>,
}

impl Budgets {
    fn map(&self) -> std::sync::MutexGuard<'_, HashMap<(Endpoint, Window), Budget>> {
        self.known.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Records what a response's headers say about `endpoint`.
    pub(crate) fn record(&self, endpoint: Endpoint, headers: &HeaderMap) {
        let found = budgets_from_headers(headers);
        if found.is_empty() {
            return;
        }
        let mut map = self.map();
        for b in found {
            map.insert((endpoint, b.window), b);
        }
    }

    /// Every known budget of `endpoint`.
    pub(crate) fn all(&self, endpoint: Endpoint) -> Vec<Budget> {
        let map = self.map();
        [Window::FifteenMinutes, Window::Day]
            .into_iter()
            .filter_map(|w| map.get(&(endpoint, w)).copied())
            .collect()
    }

    /// The budget of `endpoint` that binds first.
    pub(crate) fn binding(&self, endpoint: Endpoint) -> Option<Budget> {
        self.all(endpoint).into_iter().reduce(tighter)
    }

    /// The exhausted budget of `endpoint` with the latest reset, if any is exhausted at `now`.
    pub(crate) fn blocking(&self, endpoint: Endpoint, now: Timestamp) -> Option<Budget> {
        self.all(endpoint)
            .into_iter()
            .filter(|b| b.exhausted_at(now))
            .max_by_key(|b| b.reset_at)
    }

    /// Forgets an exhausted budget once its reset has passed, so the next response can tell
    /// the truth again.
    pub(crate) fn forget(&self, endpoint: Endpoint, window: Window) {
        self.map().remove(&(endpoint, window));
    }
}

#[cfg(test)]
mod tests {
    use reqwest::header::{HeaderName, HeaderValue};

    use super::*;

    fn headers(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(
                HeaderName::from_bytes(k.as_bytes()).expect("name"),
                HeaderValue::from_str(v).expect("value"),
            );
        }
        h
    }

    #[test]
    fn reads_the_fifteen_minute_window() {
        let h = headers(&[
            ("x-rate-limit-limit", "100"),
            ("x-rate-limit-remaining", "99"),
            ("x-rate-limit-reset", "1900000000"),
        ]);
        let b = budgets_from_headers(&h);
        assert_eq!(b.len(), 1);
        assert_eq!(b[0].limit, 100);
        assert_eq!(b[0].remaining, 99);
        assert_eq!(b[0].reset_at.as_second(), 1_900_000_000);
        assert_eq!(b[0].window, Window::FifteenMinutes);
    }

    #[test]
    fn merges_user_and_app_day_caps_into_the_tighter() {
        let h = headers(&[
            ("x-app-limit-24hour-limit", "10000"),
            ("x-app-limit-24hour-remaining", "9000"),
            ("x-app-limit-24hour-reset", "1900000100"),
            ("x-user-limit-24hour-limit", "17"),
            ("x-user-limit-24hour-remaining", "0"),
            ("x-user-limit-24hour-reset", "1900000050"),
        ]);
        let b = budgets_from_headers(&h);
        assert_eq!(b.len(), 1);
        assert_eq!(b[0].window, Window::Day);
        assert_eq!(b[0].limit, 17);
        assert_eq!(b[0].remaining, 0);
    }

    #[test]
    fn garbage_headers_are_ignored() {
        let h = headers(&[
            ("x-rate-limit-remaining", "lots"),
            ("x-rate-limit-reset", "soon"),
        ]);
        assert!(budgets_from_headers(&h).is_empty());
    }

    #[test]
    fn blocking_picks_the_exhausted_window() {
        let budgets = Budgets::default();
        budgets.record(
            Endpoint::CreatePost,
            &headers(&[
                ("x-rate-limit-limit", "100"),
                ("x-rate-limit-remaining", "50"),
                ("x-rate-limit-reset", "1900000000"),
                ("x-user-limit-24hour-limit", "17"),
                ("x-user-limit-24hour-remaining", "0"),
                ("x-user-limit-24hour-reset", "1900050000"),
            ]),
        );
        let now = Timestamp::from_second(1_899_999_000).expect("ts");
        let b = budgets
            .blocking(Endpoint::CreatePost, now)
            .expect("blocked");
        assert_eq!(b.window, Window::Day);
        assert_eq!(
            budgets.binding(Endpoint::CreatePost).map(|b| b.window),
            Some(Window::Day)
        );
        assert!(budgets.blocking(Endpoint::Me, now).is_none());
        let later = Timestamp::from_second(1_900_050_001).expect("ts");
        assert!(budgets.blocking(Endpoint::CreatePost, later).is_none());
    }
}
