//! The admin API under `/_sandbox/`: not part of X, no auth, JSON in and out. Tests use it to
//! inject faults, move the clock and change limits; the app reads the timeline from it. See the
//! crate docs for the list.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{FromRequest, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};

use crate::config::{LengthErrorForm, Limits, Quirks};
use crate::media::media_key;
use crate::problem::json_response;
use crate::tweets::rfc3339_ms;
use crate::world::{Fault, FaultKind, Settings, World};

/// A post as the sandbox recorded it (`GET /_sandbox/posts`, `Sandbox::posts`): deleted posts
/// included, in creation order, text exactly as submitted (no t.co rewriting).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SandboxPost {
    /// The post id X returned.
    pub id: String,
    /// The author's user id.
    pub author_id: String,
    /// The text as submitted.
    pub text: String,
    /// The post this one replies to (threads), if any.
    pub reply_to: Option<String>,
    /// The post this one quotes, if any.
    pub quote_of: Option<String>,
    /// Attached media, in the order given.
    pub media: Vec<SandboxMedia>,
    /// `reply_settings` as requested (`None`: everyone may reply).
    pub reply_settings: Option<String>,
    /// Creation time on the sandbox clock, RFC 3339 with milliseconds.
    pub created_at: String,
    /// Whether the post was deleted through `DELETE /2/tweets/:id`.
    pub deleted: bool,
    /// When it was deleted, if it was.
    pub deleted_at: Option<String>,
}

/// One attachment of a [`SandboxPost`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SandboxMedia {
    /// The media id used in the post.
    pub id: String,
    /// X's media key (`3_…` photo, `16_…` GIF, `7_…` video).
    pub media_key: String,
    /// `photo`, `animated_gif` or `video`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The alt text set through `POST /2/media/metadata`, if any.
    pub alt_text: Option<String>,
}

/// Every post, oldest first.
pub(crate) fn posts(world: &World) -> rusqlite::Result<Vec<SandboxPost>> {
    let inner = world.lock();
    let rows = inner.store.all_posts()?;
    let mut out = Vec::with_capacity(rows.len());
    for p in rows {
        let mut media = Vec::new();
        for id in &p.media_ids {
            if let Some(m) = inner.store.media(*id)? {
                media.push(SandboxMedia {
                    id: id.to_string(),
                    media_key: media_key(&m),
                    kind: m.kind.clone(),
                    alt_text: m.alt_text.clone(),
                });
            }
        }
        out.push(SandboxPost {
            id: p.id.to_string(),
            author_id: p.author_id,
            text: p.text,
            reply_to: p.reply_to.map(|i| i.to_string()),
            quote_of: p.quote_of.map(|i| i.to_string()),
            media,
            reply_settings: p.reply_settings,
            created_at: rfc3339_ms(p.created_at),
            deleted: p.deleted_at.is_some(),
            deleted_at: p.deleted_at.map(rfc3339_ms),
        });
    }
    Ok(out)
}

fn reply(body: &Value) -> Response {
    json_response(StatusCode::OK, body)
}

fn refuse(message: impl Into<String>) -> Response {
    json_response(StatusCode::BAD_REQUEST, &json!({"error": message.into()}))
}

/// An admin request's body. Never rejects on its own: one that cannot be read (the client
/// went away mid-body, or it is over axum's 2 MB limit) gets the admin API's
/// `400 {"error"}` like any other refusal, instead of axum's plain-text rejection.
#[derive(Debug)]
pub(crate) struct AdminBody(pub Bytes);

impl<S: Send + Sync> FromRequest<S> for AdminBody {
    type Rejection = Response;

    async fn from_request(request: Request, state: &S) -> Result<Self, Response> {
        Bytes::from_request(request, state)
            .await
            .map(AdminBody)
            .map_err(|e| refuse(format!("the request body could not be read: {e}")))
    }
}

fn object(body: &[u8]) -> Result<Map<String, Value>, String> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(Map::new());
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(m)) => Ok(m),
        Ok(_) => Err("expected a JSON object".into()),
        Err(e) => Err(format!("invalid JSON: {e}")),
    }
}

/// `GET /_sandbox/health`.
pub(crate) async fn health(State(world): State<Arc<World>>) -> Response {
    let inner = world.lock();
    let now = inner.now_ms();
    reply(&json!({
        "status": "ok",
        "user": world.user,
        "now": rfc3339_ms(now),
        "clock_offset_secs": inner.clock_offset_ms as f64 / 1000.0,
    }))
}

/// `GET /_sandbox/posts`.
pub(crate) async fn list_posts(State(world): State<Arc<World>>) -> Response {
    match posts(&world) {
        Ok(p) => reply(&json!(p)),
        Err(e) => json_response(
            StatusCode::INTERNAL_SERVER_ERROR,
            &json!({"error": e.to_string()}),
        ),
    }
}

/// `GET /_sandbox/timeline`: the account's posts as a page a person can read, newest first,
/// each anchored by its id (`/_sandbox/timeline#ID`), replies marked with what they answer.
/// Where the app's post links point on the Sandbox account.
pub(crate) async fn timeline(State(world): State<Arc<World>>) -> Response {
    let posts = match posts(&world) {
        Ok(p) => p,
        Err(e) => {
            return json_response(
                StatusCode::INTERNAL_SERVER_ERROR,
                &json!({"error": e.to_string()}),
            );
        }
    };
    let mut body = String::from(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>Sandbox timeline</title>\
         <style>body{font:15px system-ui,sans-serif;max-width:600px;margin:2em auto}\
         article{border-bottom:1px solid #ccc;padding:.8em 0}\
         article:target{background:#fff6d5}small{color:#666}</style></head><body>\
         <h1>Sandbox timeline</h1>",
    );
    for p in posts.iter().rev().filter(|p| !p.deleted) {
        let reply = p
            .reply_to
            .as_ref()
            .map(|r| format!(" · replying to <a href=\"#{r}\">{r}</a>"))
            .unwrap_or_default();
        body.push_str(&format!(
            "<article id=\"{id}\"><p>{text}</p><small>{at} · {id}{reply}{media}</small></article>",
            id = p.id,
            text = html_escape(&p.text).replace('\n', "<br>"),
            at = p.created_at,
            media = if p.media.is_empty() {
                String::new()
            } else {
                format!(" · {} media", p.media.len())
            },
        ));
    }
    body.push_str("</body></html>");
    let mut response = (StatusCode::OK, body).into_response();
    response.headers_mut().insert(
        axum::http::header::CONTENT_TYPE,
        axum::http::HeaderValue::from_static("text/html; charset=utf-8"),
    );
    response
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// `POST /_sandbox/reset`.
pub(crate) async fn reset(State(world): State<Arc<World>>) -> Response {
    match world.reset() {
        Ok(()) => reply(&json!({"reset": true})),
        Err(e) => json_response(
            StatusCode::INTERNAL_SERVER_ERROR,
            &json!({"error": e.to_string()}),
        ),
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct FaultRequest {
    kind: FaultKind,
    #[serde(default = "one")]
    count: u32,
    #[serde(default)]
    path: Option<String>,
    #[serde(default)]
    method: Option<String>,
    #[serde(default)]
    skip: u32,
}

fn one() -> u32 {
    1
}

/// `GET /_sandbox/faults`: the queued faults.
pub(crate) async fn faults(State(world): State<Arc<World>>) -> Response {
    reply(&json!({"faults": world.lock().faults}))
}

/// `POST /_sandbox/faults`: queue a fault.
pub(crate) async fn add_fault(
    State(world): State<Arc<World>>,
    AdminBody(body): AdminBody,
) -> Response {
    let request: FaultRequest = match serde_json::from_slice(&body) {
        Ok(r) => r,
        Err(e) => {
            return refuse(format!(
                "expected {{\"kind\": \"status_500\"|\"status_503\"|\"hang\"|\"accept_then_drop\"|\"accept_then_hang\"|\"media_processing_failed\", \"count\": N, \"path\": \"/2/tweets\", \"method\": \"POST\"}}: {e}"
            ));
        }
    };
    if request.count == 0 {
        return refuse("count must be at least 1");
    }
    if let Some(m) = &request.method
        && axum::http::Method::from_bytes(m.as_bytes()).is_err()
    {
        return refuse(format!("not an HTTP method: {m}"));
    }
    let fault = Fault {
        kind: request.kind,
        count: request.count,
        path: request.path,
        method: request.method,
        skip: request.skip,
    };
    let mut inner = world.lock();
    inner.faults.push(fault);
    reply(&json!({"faults": inner.faults}))
}

/// `DELETE /_sandbox/faults`: drop every queued fault.
pub(crate) async fn clear_faults(State(world): State<Arc<World>>) -> Response {
    world.lock().faults.clear();
    reply(&json!({"faults": []}))
}

/// `GET /_sandbox/requests`: how many X requests arrived, and how many of them were creates.
pub(crate) async fn requests(State(world): State<Arc<World>>) -> Response {
    let inner = world.lock();
    reply(&json!({
        "x_requests": inner.counters.requests,
        "create_requests": inner.counters.create_requests,
        "posts_created": inner.counters.usage,
    }))
}

/// `GET /_sandbox/latency`.
pub(crate) async fn latency(State(world): State<Arc<World>>) -> Response {
    reply(&json!({"ms": world.lock().latency_ms}))
}

/// `POST /_sandbox/latency` `{"ms": N}`.
pub(crate) async fn set_latency(
    State(world): State<Arc<World>>,
    AdminBody(body): AdminBody,
) -> Response {
    let map = match object(&body) {
        Ok(m) => m,
        Err(message) => return refuse(message),
    };
    if map.keys().any(|k| k != "ms") {
        return refuse("expected {\"ms\": N}");
    }
    let Some(ms) = map.get("ms").and_then(Value::as_u64) else {
        return refuse("expected {\"ms\": N} with N a whole number of milliseconds");
    };
    world.lock().latency_ms = ms;
    reply(&json!({ "ms": ms }))
}

fn clock_body(world: &World) -> Value {
    let inner = world.lock();
    json!({"offset_secs": inner.clock_offset_ms as f64 / 1000.0, "now": rfc3339_ms(inner.now_ms())})
}

/// `GET /_sandbox/clock`.
pub(crate) async fn clock(State(world): State<Arc<World>>) -> Response {
    reply(&clock_body(&world))
}

/// `POST /_sandbox/clock` `{"offset_secs": N}` (absolute) or `{"advance_secs": N}` (relative).
pub(crate) async fn set_clock(
    State(world): State<Arc<World>>,
    AdminBody(body): AdminBody,
) -> Response {
    let map = match object(&body) {
        Ok(m) => m,
        Err(message) => return refuse(message),
    };
    let secs = |key: &str| {
        map.get(key)
            .and_then(Value::as_f64)
            .filter(|s| s.is_finite() && s.abs() < 1e10)
    };
    match (map.len(), secs("offset_secs"), secs("advance_secs")) {
        (1, Some(offset), None) => world.lock().clock_offset_ms = (offset * 1000.0).round() as i64,
        (1, None, Some(advance)) => {
            let mut inner = world.lock();
            inner.clock_offset_ms = inner
                .clock_offset_ms
                .saturating_add((advance * 1000.0).round() as i64);
        }
        _ => {
            return refuse(
                "expected {\"offset_secs\": N} or {\"advance_secs\": N} (seconds, may be negative)",
            );
        }
    }
    reply(&clock_body(&world))
}

/// The limits, token lifetime and quirks as JSON (`GET /_sandbox/limits`).
pub(crate) fn settings_json(s: &Settings) -> Value {
    let l = &s.limits;
    json!({
        "posts_per_window": l.posts_per_window,
        "window_secs": l.window.as_secs_f64(),
        "posts_per_24h_user": l.posts_per_24h_user,
        "posts_per_24h_app": l.posts_per_24h_app,
        "max_weighted_length": l.max_weighted_length,
        "deletes_per_window": l.deletes_per_window,
        "reads_per_window": l.reads_per_window,
        "me_per_window": l.me_per_window,
        "mentions_per_window": l.mentions_per_window,
        "dm_reads_per_window": l.dm_reads_per_window,
        "dm_sends_per_window": l.dm_sends_per_window,
        "media_per_window": l.media_per_window,
        "usage_cap": l.usage_cap,
        "duplicate_window_secs": l.duplicate_window.as_secs_f64(),
        "media_processing_secs": l.media_processing.as_secs_f64(),
        "media_expiry_secs": l.media_expiry.as_secs_f64(),
        "token_ttl_secs": s.token_ttl.as_secs_f64(),
        "length_error": s.quirks.length_error,
        "empty_listing_data": s.quirks.empty_listing_data,
        "self_replies_allowed": s.quirks.self_replies_allowed,
        "media_link_in_text": s.quirks.media_link_in_text,
    })
}

/// `GET /_sandbox/limits`.
pub(crate) async fn limits(State(world): State<Arc<World>>) -> Response {
    reply(&settings_json(&world.lock().settings))
}

/// `POST /_sandbox/limits`: any subset of the fields `GET` shows; all or nothing.
pub(crate) async fn set_limits(
    State(world): State<Arc<World>>,
    AdminBody(body): AdminBody,
) -> Response {
    let map = match object(&body) {
        Ok(m) => m,
        Err(message) => return refuse(message),
    };
    let mut inner = world.lock();
    let mut next = inner.settings.clone();
    for (key, value) in &map {
        if let Err(message) = apply(&mut next, key, value) {
            return refuse(message);
        }
    }
    inner.settings = next;
    reply(&settings_json(&inner.settings))
}

fn apply(s: &mut Settings, key: &str, value: &Value) -> Result<(), String> {
    let count = || {
        value
            .as_u64()
            .and_then(|n| u32::try_from(n).ok())
            .ok_or_else(|| format!("{key}: expected a whole number"))
    };
    let secs = || {
        value
            .as_f64()
            .filter(|s| s.is_finite() && *s >= 0.0 && *s < 1e10)
            .map(Duration::from_secs_f64)
            .ok_or_else(|| format!("{key}: expected a non-negative number of seconds"))
    };
    let flag = || {
        value
            .as_bool()
            .ok_or_else(|| format!("{key}: expected true or false"))
    };
    let l: &mut Limits = &mut s.limits;
    let q: &mut Quirks = &mut s.quirks;
    match key {
        "posts_per_window" => l.posts_per_window = count()?,
        "window_secs" => {
            let w = secs()?;
            if w.is_zero() {
                return Err("window_secs: must be more than 0".into());
            }
            l.window = w;
        }
        "posts_per_24h_user" => l.posts_per_24h_user = count()?,
        "posts_per_24h_app" => l.posts_per_24h_app = count()?,
        "max_weighted_length" => l.max_weighted_length = count()?,
        "deletes_per_window" => l.deletes_per_window = count()?,
        "reads_per_window" => l.reads_per_window = count()?,
        "me_per_window" => l.me_per_window = count()?,
        "mentions_per_window" => l.mentions_per_window = count()?,
        "dm_reads_per_window" => l.dm_reads_per_window = count()?,
        "dm_sends_per_window" => l.dm_sends_per_window = count()?,
        "media_per_window" => l.media_per_window = count()?,
        "usage_cap" => {
            l.usage_cap = if value.is_null() {
                None
            } else {
                Some(count()?)
            }
        }
        "duplicate_window_secs" => l.duplicate_window = secs()?,
        "media_processing_secs" => l.media_processing = secs()?,
        "media_expiry_secs" => l.media_expiry = secs()?,
        "token_ttl_secs" => s.token_ttl = secs()?,
        "length_error" => {
            q.length_error =
                serde_json::from_value::<LengthErrorForm>(value.clone()).map_err(|_| {
                    "length_error: expected \"forbidden\" or \"invalid_request\"".to_owned()
                })?;
        }
        "empty_listing_data" => q.empty_listing_data = flag()?,
        "self_replies_allowed" => q.self_replies_allowed = flag()?,
        "media_link_in_text" => q.media_link_in_text = flag()?,
        other => {
            return Err(format!(
                "unknown setting {other:?}; GET /_sandbox/limits lists them"
            ));
        }
    }
    Ok(())
}

/// Answers unknown `/_sandbox/` routes with a hint.
pub(crate) async fn unknown() -> Response {
    (
        StatusCode::NOT_FOUND,
        axum::Json(
            json!({"error": "unknown admin route; see the x-sandbox crate docs for /_sandbox/*"}),
        ),
    )
        .into_response()
}
