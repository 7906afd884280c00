//! OAuth 2.0 Authorization Code with PKCE, as X runs it for a public ("Native App") client:
//! the authorize page (consent is automatic), the token endpoint (code exchange and rotating
//! refresh) and revocation.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::api::{ok, query_pairs};
use crate::ids::credential;
use crate::problem::ApiError;
use crate::store::{CodeRow, TokenRow};
use crate::world::{World, duration_ms};

/// Authorization codes live 30 seconds.
const CODE_TTL_MS: i64 = 30_000;

/// The scopes X knows; asking for anything else fails at the authorize page.
const KNOWN_SCOPES: &[&str] = &[
    "tweet.read",
    "tweet.write",
    "tweet.moderate.write",
    "users.email",
    "users.read",
    "follows.read",
    "follows.write",
    "offline.access",
    "space.read",
    "mute.read",
    "mute.write",
    "like.read",
    "like.write",
    "list.read",
    "list.write",
    "block.read",
    "block.write",
    "bookmark.read",
    "bookmark.write",
    "dm.read",
    "dm.write",
    "media.write",
];

/// `GET /i/oauth2/authorize`: checks the request and, as if the user clicked "Authorize app",
/// redirects to `redirect_uri?state=…&code=…`. A bad request gets a 400 page and no redirect
/// (X never redirects to an unchecked URI).
pub(crate) async fn authorize(
    State(world): State<Arc<World>>,
    RawQuery(query): RawQuery,
) -> Response {
    match authorize_inner(&world, query.as_deref()) {
        Ok(location) => {
            let mut response = StatusCode::FOUND.into_response();
            if let Ok(value) = HeaderValue::from_str(&location) {
                response.headers_mut().insert(header::LOCATION, value);
            }
            response
        }
        Err(message) => error_page(&message),
    }
}

fn authorize_inner(world: &World, query: Option<&str>) -> Result<String, String> {
    let pairs = query_pairs(query);
    let get = |name: &str| {
        pairs
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.is_empty())
    };
    let require =
        |name: &str| get(name).ok_or_else(|| format!("Missing required parameter [{name}]."));

    if require("response_type")? != "code" {
        return Err(
            "Value passed for the response_type was invalid; only `code` is supported.".into(),
        );
    }
    let client_id = require("client_id")?;
    let redirect_uri = require("redirect_uri")?;
    let parsed = url::Url::parse(redirect_uri)
        .map_err(|_| "Value passed for the redirect_uri was invalid.")?;
    if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
        return Err("Value passed for the redirect_uri was invalid.".into());
    }
    if !world.redirect_uris.is_empty() && !world.redirect_uris.iter().any(|u| u == redirect_uri) {
        return Err(
            "The redirect_uri does not match a callback URL registered for this app.".into(),
        );
    }
    let scope = require("scope")?;
    let scopes: Vec<&str> = scope.split_whitespace().collect();
    if scopes.is_empty() {
        return Err("Missing required parameter [scope].".into());
    }
    if let Some(unknown) = scopes.iter().find(|s| !KNOWN_SCOPES.contains(s)) {
        return Err(format!(
            "Value passed for the scope was invalid: [{unknown}]."
        ));
    }
    let state = require("state")?;
    if state.len() > 500 {
        return Err("Value passed for the state was invalid (over 500 characters).".into());
    }
    let challenge = require("code_challenge")?;
    let method = get("code_challenge_method").unwrap_or("plain");
    if !matches!(method, "S256" | "plain") {
        return Err("Value passed for the code_challenge_method was invalid.".into());
    }
    if method == "S256" && (challenge.len() != 43 || URL_SAFE_NO_PAD.decode(challenge).is_err()) {
        return Err(
            "Value passed for the code_challenge was invalid (not a BASE64URL SHA-256).".into(),
        );
    }

    let inner = world.lock();
    let now = inner.now_ms();
    let code = credential("ac", now);
    inner
        .store
        .insert_code(&CodeRow {
            code: code.clone(),
            client_id: client_id.to_owned(),
            redirect_uri: redirect_uri.to_owned(),
            scope: scopes.join(" "),
            challenge: challenge.to_owned(),
            method: method.to_owned(),
            created_at: now,
            used: false,
        })
        .map_err(|e| format!("Something went wrong: {e}"))?;

    let mut location = parsed;
    location
        .query_pairs_mut()
        .append_pair("state", state)
        .append_pair("code", &code);
    Ok(location.into())
}

fn error_page(message: &str) -> Response {
    let escaped = message
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;");
    let html = format!(
        "<!doctype html><html><head><title>X / Error</title></head><body>\
         <h1>Something went wrong</h1><p>You weren't able to give access to the App. Go back and try logging in again.</p>\
         <p id=\"reason\">{escaped}</p></body></html>"
    );
    let mut response = (StatusCode::BAD_REQUEST, html).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    response
}

/// The body of a token or revoke request, or X's OAuth `invalid_request` if it could not be
/// read (the client went away mid-body, or it is over axum's body limit): the OAuth
/// endpoints answer in their own error shape, never axum's plain-text rejection.
fn form_bytes(body: Result<Bytes, BytesRejection>) -> Result<Bytes, ApiError> {
    body.map_err(|e| {
        ApiError::oauth(
            "invalid_request",
            format!("The request body could not be read: {e}"),
        )
    })
}

/// The form fields of a token or revoke request, plus the client id from HTTP Basic auth
/// (confidential clients) when the body has none.
struct Form {
    pairs: Vec<(String, String)>,
    basic_client: Option<String>,
}

impl Form {
    fn parse(headers: &HeaderMap, body: &[u8]) -> Form {
        let pairs = url::form_urlencoded::parse(body)
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect::<Vec<_>>();
        let basic_client = headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| {
                v.strip_prefix("Basic ")
                    .or_else(|| v.strip_prefix("basic "))
            })
            .and_then(|b64| STANDARD.decode(b64.trim()).ok())
            .and_then(|raw| String::from_utf8(raw).ok())
            .and_then(|s| s.split_once(':').map(|(id, _)| id.to_owned()));
        Form {
            pairs,
            basic_client,
        }
    }

    fn get(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .rev()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .filter(|v| !v.is_empty())
    }

    fn require(&self, name: &str) -> Result<&str, ApiError> {
        self.get(name).ok_or_else(|| {
            ApiError::oauth(
                "invalid_request",
                format!("Missing required parameter [{name}]."),
            )
        })
    }

    fn client_id(&self) -> Result<&str, ApiError> {
        self.get("client_id")
            .or(self.basic_client.as_deref())
            .ok_or_else(|| {
                ApiError::oauth("invalid_request", "Missing required parameter [client_id].")
            })
    }
}

/// `POST /2/oauth2/token`: `authorization_code` (with PKCE) or `refresh_token` (rotating).
pub(crate) async fn token(
    State(world): State<Arc<World>>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let body = match form_bytes(body) {
        Ok(body) => body,
        Err(refusal) => return refusal.into_response(),
    };
    let form = Form::parse(&headers, &body);
    let result = match form.get("grant_type") {
        Some("authorization_code") => exchange_code(&world, &form),
        Some("refresh_token") => refresh(&world, &form),
        Some(_) => Err(ApiError::oauth(
            "unsupported_grant_type",
            "Value passed for the grant type was invalid.",
        )),
        None => Err(ApiError::oauth(
            "invalid_request",
            "Missing required parameter [grant_type].",
        )),
    };
    result.unwrap_or_else(IntoResponse::into_response)
}

fn exchange_code(world: &World, form: &Form) -> Result<Response, ApiError> {
    let code = form.require("code")?;
    let redirect_uri = form.require("redirect_uri")?;
    let verifier = form.require("code_verifier")?;
    let client_id = form.client_id()?;
    let invalid = || {
        ApiError::oauth(
            "invalid_request",
            "Value passed for the authorization code was invalid.",
        )
    };

    let inner = world.lock();
    let now = inner.now_ms();
    let row = inner.store.code(code)?.ok_or_else(invalid)?;
    if row.used
        || now >= row.created_at + CODE_TTL_MS
        || row.client_id != client_id
        || row.redirect_uri != redirect_uri
    {
        return Err(invalid());
    }
    let verified = match row.method.as_str() {
        "S256" => URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes())) == row.challenge,
        _ => verifier == row.challenge,
    };
    // RFC 7636: 43 to 128 characters of [A-Za-z0-9-._~].
    let well_formed = (43..=128).contains(&verifier.len())
        && verifier
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'));
    if !verified || !well_formed {
        return Err(invalid());
    }
    inner.store.mark_code_used(code)?;
    issue(&inner, &world.user.id, client_id, &row.scope, now)
}

fn refresh(world: &World, form: &Form) -> Result<Response, ApiError> {
    let old = form.require("refresh_token")?;
    let client_id = form.client_id()?;
    let invalid = || ApiError::oauth("invalid_request", "Value passed for the token was invalid.");

    let inner = world.lock();
    let now = inner.now_ms();
    let row = inner.store.token(old)?.ok_or_else(invalid)?;
    if row.kind != "refresh" || row.revoked || row.client_id != client_id {
        return Err(invalid());
    }
    // Single use: the old refresh token stops working now. Access tokens already issued keep
    // working until they expire, as on X.
    inner.store.revoke_token(old)?;
    issue(&inner, &row.user_id, client_id, &row.scope, now)
}

/// Issues an access token (and a refresh token when `offline.access` was granted).
fn issue(
    inner: &crate::world::Inner,
    user_id: &str,
    client_id: &str,
    scope: &str,
    now: i64,
) -> Result<Response, ApiError> {
    let ttl_ms = duration_ms(inner.settings.token_ttl);
    let access = TokenRow {
        token: credential("at", now),
        kind: "access".into(),
        user_id: user_id.to_owned(),
        client_id: client_id.to_owned(),
        scope: scope.to_owned(),
        created_at: now,
        expires_at: Some(now.saturating_add(ttl_ms)),
        revoked: false,
    };
    inner.store.insert_token(&access)?;
    let mut body = json!({
        "token_type": "bearer",
        "expires_in": ttl_ms / 1000,
        "access_token": access.token,
        "scope": scope,
    });
    if scope.split_whitespace().any(|s| s == "offline.access") {
        let refresh = TokenRow {
            token: credential("rt", now),
            kind: "refresh".into(),
            expires_at: None,
            ..access.clone()
        };
        inner.store.insert_token(&refresh)?;
        body["refresh_token"] = json!(refresh.token);
    }
    ok(StatusCode::OK, &body)
}

/// `POST /2/oauth2/revoke`: the token (access or refresh) stops working. Like X (and RFC
/// 7009), an unknown token is "revoked" too.
pub(crate) async fn revoke(
    State(world): State<Arc<World>>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let body = match form_bytes(body) {
        Ok(body) => body,
        Err(refusal) => return refusal.into_response(),
    };
    let form = Form::parse(&headers, &body);
    let result = (|| {
        let token = form.require("token")?;
        if let Some(hint) = form.get("token_type_hint")
            && !matches!(hint, "access_token" | "refresh_token")
        {
            return Err(ApiError::oauth(
                "invalid_request",
                "Value passed for the token_type_hint was invalid.",
            ));
        }
        world.lock().store.revoke_token(token)?;
        ok(StatusCode::OK, &json!({"revoked": true}))
    })();
    result.unwrap_or_else(IntoResponse::into_response)
}
