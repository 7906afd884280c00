//! The one path every request to X takes.
//!
//! [`Inner::call`] checks the known rate-limit budget, attaches a fresh bearer token, sends, and
//! handles the answers every endpoint shares: a 401 (refresh once, retry once), a 429 (wait out a
//! near reset once, else [`XError::RateLimited`]) and a network failure that surely did not reach
//! X (retry once). Everything else comes back as a [`Reply`] for the operation to interpret:
//! only the operation knows, say, that a 403 on a long post means "too long".
//!
//! What is never done: resending a request that may have reached X. Posting has no idempotency
//! key, so a resent post either appears twice or bounces as a duplicate; a post costs money.

use std::error::Error as _;
use std::time::Duration;

use jiff::{SignedDuration, Timestamp};
use reqwest::Method;
use reqwest::header::HeaderMap;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use tracing::{debug, warn};
use url::Url;

use crate::budget::{Endpoint, Window, budgets_from_headers};
use crate::client::Inner;
use crate::error::XError;

/// A pause before the one retry of a request that surely never left this machine: long enough
/// for a restarting server or a flapping interface, short enough not to matter to a person.
const UNSENT_RETRY_PAUSE: Duration = Duration::from_millis(250);

/// Added to every rate-limit wait. X's reset header has one-second granularity, so the window
/// may end up to a second after the instant it names.
const RESET_SLACK: Duration = Duration::from_secs(1);

/// A request body that can be built again for a retry (multipart forms can't be cloned).
#[derive(Debug, Clone)]
pub(crate) enum Body {
    Empty,
    Json(serde_json::Value),
    Form(Vec<(&'static str, String)>),
    Multipart(Vec<Field>),
}

/// One field of a multipart body.
#[derive(Debug, Clone)]
pub(crate) enum Field {
    Text(&'static str, String),
    Bytes {
        name: &'static str,
        bytes: Vec<u8>,
        mime: String,
    },
}

/// One request to X, before the bearer token is attached.
#[derive(Debug, Clone)]
pub(crate) struct Request {
    pub endpoint: Endpoint,
    pub method: Method,
    pub url: Url,
    pub body: Body,
    /// Whether to send the connected account's bearer token (false for the OAuth endpoints).
    pub auth: bool,
    /// A longer timeout than the configured one (large media segments).
    pub timeout: Option<Duration>,
}

impl Request {
    pub(crate) fn new(endpoint: Endpoint, method: Method, url: Url) -> Self {
        Request {
            endpoint,
            method,
            url,
            body: Body::Empty,
            auth: true,
            timeout: None,
        }
    }

    pub(crate) fn json(mut self, value: serde_json::Value) -> Self {
        self.body = Body::Json(value);
        self
    }

    pub(crate) fn form(mut self, fields: Vec<(&'static str, String)>) -> Self {
        self.body = Body::Form(fields);
        self
    }

    pub(crate) fn multipart(mut self, fields: Vec<Field>) -> Self {
        self.body = Body::Multipart(fields);
        self
    }

    pub(crate) fn without_auth(mut self) -> Self {
        self.auth = false;
        self
    }

    pub(crate) fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }
}

/// X's answer: status, headers and the whole body.
#[derive(Debug)]
pub(crate) struct Reply {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

/// The fields of an RFC 7807 problem body (and of OAuth's `{error, error_description}`) that
/// the client looks at. Everything is optional: X's bodies vary.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct Problem {
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub title: Option<String>,
    pub detail: Option<String>,
    #[serde(default)]
    pub errors: Vec<serde_json::Value>,
    /// OAuth errors: `invalid_request`, `invalid_grant`, ...
    pub error: Option<String>,
    pub error_description: Option<String>,
    /// Usage caps say which period is capped (`Monthly`).
    pub period: Option<String>,
}

impl Problem {
    /// The problem type's path after `/2/problems/`, whichever host (`api.twitter.com`,
    /// `api.x.com`) X put in front of it; `None` for `about:blank` and absent types.
    pub(crate) fn suffix(&self) -> Option<&str> {
        let kind = self.kind.as_deref()?;
        let (_, rest) = kind.split_once("/2/problems/")?;
        Some(rest.trim_end_matches('/'))
    }

    /// The most specific human-readable explanation in the body.
    pub(crate) fn summary(&self) -> String {
        let messages: Vec<String> = self
            .errors
            .iter()
            .filter_map(|e| e.get("message").and_then(|m| m.as_str()))
            .map(str::to_owned)
            .collect();
        if !messages.is_empty() {
            return messages.join("; ");
        }
        self.detail
            .clone()
            .or_else(|| self.error_description.clone())
            .or_else(|| self.title.clone())
            .or_else(|| self.error.clone())
            .unwrap_or_default()
    }

    /// Whether any of `errors[].parameters` names `param`.
    pub(crate) fn names_parameter(&self, param: &str) -> bool {
        self.errors.iter().any(|e| {
            e.get("parameters")
                .and_then(|p| p.as_object())
                .is_some_and(|p| p.contains_key(param))
                || e.get("parameter").and_then(|p| p.as_str()) == Some(param)
        })
    }

    fn text(&self) -> String {
        let mut all = self.summary();
        if let Some(d) = &self.detail {
            all.push(' ');
            all.push_str(d);
        }
        all.to_ascii_lowercase()
    }

    /// X's duplicate-content refusal: a 403 whose detail says "duplicate content".
    pub(crate) fn is_duplicate(&self) -> bool {
        self.text().contains("duplicate")
    }

    /// X's generic "You are not permitted to perform this action."
    pub(crate) fn is_not_permitted(&self) -> bool {
        self.text().contains("not permitted")
    }

    /// Whether the body talks about length ("too long", "length", "exceeds").
    pub(crate) fn mentions_length(&self) -> bool {
        let t = self.text();
        t.contains("too long") || t.contains("length") || t.contains("exceed")
    }
}

impl Reply {
    pub(crate) fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// Parses the body as `T`; a body outside the contract is [`XError::UnexpectedResponse`].
    pub(crate) fn json<T: DeserializeOwned>(&self) -> Result<T, XError> {
        serde_json::from_slice(&self.body).map_err(|e| XError::UnexpectedResponse {
            status: self.status,
            detail: format!("unreadable body: {e}"),
        })
    }

    /// The problem in the body (empty when the body is not a JSON object).
    pub(crate) fn problem(&self) -> Problem {
        serde_json::from_slice(&self.body).unwrap_or_default()
    }

    /// This reply if it is a success; otherwise the error X means by it.
    pub(crate) fn success(self) -> Result<Reply, XError> {
        if self.is_success() {
            Ok(self)
        } else {
            Err(self.error())
        }
    }

    /// The error a non-success reply means, for endpoints with no special cases.
    pub(crate) fn error(&self) -> XError {
        let problem = self.problem();
        match self.status {
            400 => XError::InvalidRequest {
                detail: problem.summary(),
            },
            401 => XError::Unauthorized,
            403 if problem.is_duplicate() => XError::Duplicate,
            403 => XError::Forbidden {
                kind: forbidden_kind(&problem),
            },
            404 => XError::NotFound {
                detail: problem.summary(),
            },
            429 if problem.suffix() == Some("usage-capped") => usage_capped(&problem),
            429 => {
                let (reset_at, window) = limit_reset(&self.headers, Timestamp::now());
                XError::RateLimited { reset_at, window }
            }
            s @ 500..=599 => XError::Server { status: s },
            s => XError::UnexpectedResponse {
                status: s,
                detail: problem.summary(),
            },
        }
    }
}

fn usage_capped(problem: &Problem) -> XError {
    XError::UsageCapped {
        detail: problem
            .detail
            .clone()
            .or_else(|| problem.period.clone())
            .unwrap_or_else(|| "usage cap exceeded".into()),
    }
}

/// The kind of a 403: the problem type's suffix in snake_case, or `not_permitted` for X's
/// generic refusal.
///
/// Two `about:blank` refusals matter to threads and get their own kinds: `reply_not_allowed`
/// (X's 2026 policy lets self-serve apps reply only where summoned; whether that covers one's
/// own thread is unconfirmed) and `reply_target_gone` (the post being replied to was deleted).
pub(crate) fn forbidden_kind(problem: &Problem) -> String {
    let text = problem.text();
    match problem.suffix() {
        Some(s) if !s.is_empty() => s.replace('-', "_"),
        _ if text.contains("reply to this conversation is not allowed") => {
            "reply_not_allowed".into()
        }
        _ if text.contains("deleted or not visible") => "reply_target_gone".into(),
        _ if problem.is_not_permitted() => "not_permitted".into(),
        _ => "forbidden".into(),
    }
}

/// When an exhausted limit resets, from a 429's headers: the exhausted window with the latest
/// reset, else the 15-minute reset, else (no headers at all) a full 15 minutes from `now`.
pub(crate) fn limit_reset(headers: &HeaderMap, now: Timestamp) -> (Timestamp, Window) {
    let budgets = budgets_from_headers(headers);
    let exhausted = budgets
        .iter()
        .filter(|b| b.remaining == 0)
        .max_by_key(|b| b.reset_at);
    if let Some(b) = exhausted.or_else(|| budgets.first()) {
        return (b.reset_at, b.window);
    }
    (
        now.checked_add(SignedDuration::from_mins(15))
            .unwrap_or(now),
        Window::FifteenMinutes,
    )
}

/// How long to wait from `now` until `reset_at` has surely passed on X's side.
fn wait_until(reset_at: Timestamp, now: Timestamp) -> Duration {
    let ahead = reset_at.duration_since(now);
    Duration::try_from(ahead).unwrap_or(Duration::ZERO) + RESET_SLACK
}

/// A network failure as an [`XError::Transport`].
///
/// `maybe_sent` is false only when reqwest failed to connect (refused, DNS, TLS handshake, connect
/// timeout: no byte of the request reached X) or could not even build the request. Everything
/// else, including a request timeout and a connection dropped mid-answer, may have been
/// received and acted on.
pub(crate) fn transport(err: &reqwest::Error) -> XError {
    let maybe_sent = !(err.is_connect() || err.is_builder());
    let mut detail = if err.is_timeout() {
        "timed out".to_string()
    } else if err.is_connect() {
        "could not connect".to_string()
    } else {
        "connection failed".to_string()
    };
    // The innermost cause says what really happened ("Connection refused", "connection closed
    // before message completed"). URLs are left out: they could carry query parameters.
    let mut source = err.source();
    let mut last = None;
    while let Some(s) = source {
        last = Some(s.to_string());
        source = s.source();
    }
    if let Some(cause) = last {
        detail.push_str(": ");
        detail.push_str(&cause);
    }
    XError::Transport { maybe_sent, detail }
}

/// An error from refreshing the token *before* sending a request, as the request's error: the
/// request itself never left, whatever happened to the refresh. Without this, a refresh that
/// timed out would make a post look possibly sent and send the publisher reconciling for
/// nothing.
fn not_sent(err: XError) -> XError {
    match err {
        XError::Transport { detail, .. } => XError::Transport {
            maybe_sent: false,
            detail: format!("refreshing the access token failed ({detail})"),
        },
        XError::Server { status } => XError::Transport {
            maybe_sent: false,
            detail: format!("refreshing the access token failed (X answered {status})"),
        },
        other => other,
    }
}

impl Inner {
    /// Sends `req` with the shared handling described in the module docs and returns X's reply,
    /// whatever its status (except the 401 and 429 cases handled here).
    pub(crate) async fn call(&self, req: Request) -> Result<Reply, XError> {
        let mut refreshed = false;
        let mut waited_for_limit = false;
        let mut retried_unsent = false;
        loop {
            self.wait_for_budget(req.endpoint).await?;
            let bearer = if req.auth {
                let (token, fresh) = self.bearer(!refreshed).await.map_err(not_sent)?;
                refreshed |= fresh;
                Some(token)
            } else {
                None
            };
            let reply = match self.send_once(&req, bearer.as_ref()).await {
                Ok(reply) => reply,
                Err(XError::Transport {
                    maybe_sent: false,
                    detail,
                }) if !retried_unsent => {
                    debug!(endpoint = ?req.endpoint, %detail, "not sent; retrying once");
                    retried_unsent = true;
                    tokio::time::sleep(UNSENT_RETRY_PAUSE).await;
                    continue;
                }
                Err(e) => return Err(e),
            };
            self.budgets.record(req.endpoint, &reply.headers);
            match reply.status {
                401 if req.auth && !refreshed => {
                    // X refused the token before processing anything, so resending is safe.
                    // At most one refresh per call, proactive or after a 401.
                    debug!(endpoint = ?req.endpoint, "401: refreshing once");
                    refreshed = true;
                    if let Some(used) = &bearer {
                        self.refresh(used).await.map_err(not_sent)?;
                    }
                    continue;
                }
                401 if req.auth => return Err(XError::Unauthorized),
                429 => {
                    let problem = reply.problem();
                    if problem.suffix() == Some("usage-capped") {
                        return Err(usage_capped(&problem));
                    }
                    // A 429 was refused before processing; the headers (never the body) say
                    // when to come back.
                    let now = Timestamp::now();
                    let (reset_at, window) = limit_reset(&reply.headers, now);
                    let wait = wait_until(reset_at, now);
                    if !waited_for_limit && wait <= self.config.max_rate_limit_wait + RESET_SLACK {
                        warn!(endpoint = ?req.endpoint, wait_ms = wait.as_millis() as u64, %window, "429: waiting for the reset");
                        waited_for_limit = true;
                        tokio::time::sleep(wait).await;
                        self.budgets.forget(req.endpoint, window);
                        continue;
                    }
                    return Err(XError::RateLimited { reset_at, window });
                }
                _ => return Ok(reply),
            }
        }
    }

    /// Before sending: if a known budget of `endpoint` is used up, wait for its reset when that
    /// is near, else refuse without spending a request.
    async fn wait_for_budget(&self, endpoint: Endpoint) -> Result<(), XError> {
        let now = Timestamp::now();
        let Some(blocked) = self.budgets.blocking(endpoint, now) else {
            return Ok(());
        };
        let wait = wait_until(blocked.reset_at, now);
        if wait > self.config.max_rate_limit_wait + RESET_SLACK {
            return Err(XError::RateLimited {
                reset_at: blocked.reset_at,
                window: blocked.window,
            });
        }
        warn!(?endpoint, wait_ms = wait.as_millis() as u64, window = %blocked.window, "budget used up: waiting for the reset");
        tokio::time::sleep(wait).await;
        self.budgets.forget(endpoint, blocked.window);
        Ok(())
    }

    /// One attempt: build, send, read the whole body.
    async fn send_once(
        &self,
        req: &Request,
        bearer: Option<&crate::Secret>,
    ) -> Result<Reply, XError> {
        let mut builder = self.http.request(req.method.clone(), req.url.clone());
        if let Some(token) = bearer {
            builder = builder.bearer_auth(token.expose());
        }
        if let Some(t) = req.timeout {
            builder = builder.timeout(t);
        }
        builder = match &req.body {
            Body::Empty => builder,
            Body::Json(v) => builder.json(v),
            Body::Form(fields) => builder.form(fields),
            Body::Multipart(fields) => {
                let mut form = reqwest::multipart::Form::new();
                for f in fields {
                    form = match f {
                        Field::Text(name, value) => form.text(*name, value.clone()),
                        Field::Bytes { name, bytes, mime } => {
                            let part = reqwest::multipart::Part::bytes(bytes.clone())
                                .file_name("media")
                                .mime_str(mime)
                                .map_err(|e| XError::Config {
                                    detail: format!("media type {mime:?}: {e}"),
                                })?;
                            form.part(*name, part)
                        }
                    };
                }
                builder.multipart(form)
            }
        };
        debug!(endpoint = ?req.endpoint, method = %req.method, path = req.url.path(), "sending");
        let response = builder.send().await.map_err(|e| transport(&e))?;
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        // The status line arrived, so X received the request; a body cut short is still
        // "maybe sent" (a created post whose id we never read).
        let body = response
            .bytes()
            .await
            .map_err(|e| match transport(&e) {
                XError::Transport { detail, .. } => XError::Transport {
                    maybe_sent: true,
                    detail,
                },
                other => other,
            })?
            .to_vec();
        debug!(endpoint = ?req.endpoint, status, "answered");
        Ok(Reply {
            status,
            headers,
            body,
        })
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use reqwest::header::{HeaderName, HeaderValue};

    use super::*;

    /// A reply as the client sees it, for tests of error mapping.
    pub(crate) fn reply(status: u16, body: &str) -> Reply {
        Reply {
            status,
            headers: HeaderMap::new(),
            body: body.as_bytes().to_vec(),
        }
    }

    #[test]
    fn problem_type_matches_by_suffix_on_either_host() {
        for host in ["https://api.twitter.com", "https://api.x.com"] {
            let body = format!(
                r#"{{"title":"UsageCapExceeded","detail":"Usage cap exceeded: Monthly product cap","type":"{host}/2/problems/usage-capped","period":"Monthly","scope":"Product"}}"#
            );
            let r = reply(429, &body);
            assert_eq!(r.problem().suffix(), Some("usage-capped"));
            assert!(matches!(r.error(), XError::UsageCapped { .. }));
        }
        let blank = reply(401, r#"{"type":"about:blank"}"#);
        assert_eq!(blank.problem().suffix(), None);
    }

    #[test]
    fn duplicate_403_is_duplicate() {
        let r = reply(
            403,
            r#"{"detail":"You are not allowed to create a Tweet with duplicate content.","type":"about:blank","title":"Forbidden","status":403}"#,
        );
        assert!(matches!(r.error(), XError::Duplicate));
    }

    #[test]
    fn forbidden_kinds() {
        let r = reply(
            403,
            r#"{"type":"https://api.x.com/2/problems/unsupported-authentication","title":"Unsupported Authentication","detail":"x"}"#,
        );
        assert!(
            matches!(r.error(), XError::Forbidden { kind } if kind == "unsupported_authentication")
        );
        let r = reply(
            403,
            r#"{"type":"https://api.twitter.com/2/problems/oauth1-permissions"}"#,
        );
        assert!(matches!(r.error(), XError::Forbidden { kind } if kind == "oauth1_permissions"));
        let r = reply(
            403,
            r#"{"detail":"You are not permitted to perform this action.","type":"about:blank","title":"Forbidden","status":403}"#,
        );
        assert!(matches!(r.error(), XError::Forbidden { kind } if kind == "not_permitted"));
        let r = reply(403, "<html>nope</html>");
        assert!(matches!(r.error(), XError::Forbidden { kind } if kind == "forbidden"));
    }

    #[test]
    fn reply_refusals_have_their_own_kinds() {
        let r = reply(
            403,
            r#"{"detail":"Reply to this conversation is not allowed because you have not been mentioned or otherwise engaged by the author of the post you are replying to.","type":"about:blank","title":"Forbidden","status":403}"#,
        );
        assert!(matches!(r.error(), XError::Forbidden { kind } if kind == "reply_not_allowed"));
        let r = reply(
            403,
            r#"{"detail":"You attempted to reply to a Tweet that is deleted or not visible to you.","type":"about:blank","title":"Forbidden","status":403}"#,
        );
        assert!(matches!(r.error(), XError::Forbidden { kind } if kind == "reply_target_gone"));
    }

    #[test]
    fn refresh_failures_before_sending_are_not_sent() {
        let e = not_sent(XError::Transport {
            maybe_sent: true,
            detail: "timed out".into(),
        });
        assert!(matches!(
            e,
            XError::Transport {
                maybe_sent: false,
                ..
            }
        ));
        assert!(!not_sent(XError::Server { status: 503 }).outcome_unknown());
        assert!(matches!(
            not_sent(XError::NeedsReconnect),
            XError::NeedsReconnect
        ));
    }

    #[test]
    fn invalid_request_collects_messages() {
        let r = reply(
            400,
            r#"{"errors":[{"parameters":{"text":["x"]},"message":"Text too long"}],"title":"Invalid Request","detail":"One or more parameters to your request was invalid.","type":"https://api.twitter.com/2/problems/invalid-request"}"#,
        );
        let p = r.problem();
        assert!(p.names_parameter("text"));
        assert!(p.mentions_length());
        assert!(
            matches!(r.error(), XError::InvalidRequest { detail } if detail == "Text too long")
        );
    }

    #[test]
    fn status_mapping() {
        assert!(matches!(
            reply(503, "").error(),
            XError::Server { status: 503 }
        ));
        assert!(matches!(reply(404, "{}").error(), XError::NotFound { .. }));
        assert!(matches!(
            reply(418, "{}").error(),
            XError::UnexpectedResponse { status: 418, .. }
        ));
    }

    #[test]
    fn rate_limit_reset_prefers_the_exhausted_window() {
        let mut h = HeaderMap::new();
        for (k, v) in [
            ("x-rate-limit-limit", "100"),
            ("x-rate-limit-remaining", "3"),
            ("x-rate-limit-reset", "1900000000"),
            ("x-user-limit-24hour-limit", "17"),
            ("x-user-limit-24hour-remaining", "0"),
            ("x-user-limit-24hour-reset", "1900080000"),
        ] {
            h.insert(HeaderName::from_static(k), HeaderValue::from_static(v));
        }
        let now = Timestamp::from_second(1_899_999_000).expect("ts");
        let (at, window) = limit_reset(&h, now);
        assert_eq!(window, Window::Day);
        assert_eq!(at.as_second(), 1_900_080_000);
        let (at, window) = limit_reset(&HeaderMap::new(), now);
        assert_eq!(window, Window::FifteenMinutes);
        assert_eq!(at.as_second(), 1_899_999_900);
    }

    #[test]
    fn waits_include_slack_and_never_go_negative() {
        let now = Timestamp::from_second(1000).expect("ts");
        let past = Timestamp::from_second(990).expect("ts");
        assert_eq!(wait_until(past, now), RESET_SLACK);
        let soon = Timestamp::from_second(1002).expect("ts");
        assert_eq!(wait_until(soon, now), Duration::from_secs(2) + RESET_SLACK);
    }
}
