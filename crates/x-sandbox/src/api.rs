//! What every X endpoint does before and after its own work: check the bearer token and its
//! scopes, count the request against its rate-limit window, and put the rate-limit headers on
//! whatever the answer is. Also the small parsers that turn bad input into X-shaped 400s.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value};

use crate::problem::{ApiError, j, json_response, ordered, param_error};
use crate::world::{Endpoint, RateHeaders, World, duration_ms};

/// The user a request acts for.
#[derive(Debug, Clone)]
pub(crate) struct Caller {
    pub user_id: String,
}

/// An authenticated, counted request in progress.
#[derive(Debug)]
pub(crate) struct Ctx {
    pub caller: Caller,
    pub rate: RateHeaders,
}

impl Ctx {
    /// The response, with the rate-limit headers of this request.
    pub fn finish(&self, result: Result<Response, ApiError>) -> Response {
        let mut response = result.unwrap_or_else(IntoResponse::into_response);
        self.rate.apply(&mut response);
        response
    }
}

/// The bearer token of a request, if it has one.
fn bearer(headers: &HeaderMap) -> Option<&str> {
    let value = headers.get(header::AUTHORIZATION)?.to_str().ok()?;
    let (scheme, token) = value.trim().split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

/// Authenticates the request, checks the token's scopes and counts it against the endpoint's
/// window. `Err` is the complete refusal (401, 403 or 429 with its headers).
/// The refusal is boxed: a `Response` is large and the happy path should not pay for it.
pub(crate) fn gate(
    world: &World,
    headers: &HeaderMap,
    endpoint: Endpoint,
) -> Result<Ctx, Box<Response>> {
    let mut inner = world.lock();
    let now = inner.now_ms();
    let Some(token) = bearer(headers) else {
        return Err(Box::new(ApiError::unauthorized().into_response()));
    };
    let row = match inner.store.token(token) {
        Ok(row) => row,
        Err(e) => return Err(Box::new(ApiError::from(e).into_response())),
    };
    let Some(row) = row.filter(|r| {
        r.kind == "access" && !r.revoked && r.expires_at.is_some_and(|expires| now < expires)
    }) else {
        return Err(Box::new(ApiError::unauthorized().into_response()));
    };
    let granted: Vec<&str> = row.scope.split_whitespace().collect();
    if !endpoint.scopes().iter().all(|s| granted.contains(s)) {
        return Err(Box::new(ApiError::forbidden().into_response()));
    }
    let limits = &inner.settings.limits;
    let (limit, len) = (endpoint.limit(limits), duration_ms(limits.window));
    let hit = inner.counters.hit(&row.user_id, endpoint, limit, len, now);
    match hit {
        Ok(quota) => Ok(Ctx {
            caller: Caller {
                user_id: row.user_id,
            },
            rate: RateHeaders {
                window: Some(quota),
                ..Default::default()
            },
        }),
        Err(quota) => {
            let mut response = ApiError::too_many_requests().into_response();
            RateHeaders {
                window: Some(quota),
                ..Default::default()
            }
            .apply(&mut response);
            Err(Box::new(response))
        }
    }
}

/// A JSON success response.
pub(crate) fn ok(status: StatusCode, body: &Value) -> Result<Response, ApiError> {
    Ok(json_response(status, body))
}

/// The body of an X request, or X's 400 if it could not be read (the client went away
/// mid-body, or it is over axum's body limit). Handlers take `Result<Bytes, BytesRejection>`
/// rather than `Bytes`, so that this refusal comes after the token check and is X's JSON, not
/// axum's plain-text rejection.
pub(crate) fn read_body(body: Result<Bytes, BytesRejection>) -> Result<Bytes, ApiError> {
    body.map_err(|e| ApiError::invalid_message(format!("Request body could not be read: {e}")))
}

/// Parses a JSON request body into an object, or X's 400.
pub(crate) fn json_object(body: &[u8]) -> Result<Map<String, Value>, ApiError> {
    match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(map)) => Ok(map),
        Ok(other) => Err(ApiError::invalid_message(format!(
            "$: {} found, object expected",
            type_name(&other)
        ))),
        Err(e) => Err(ApiError::invalid_message(format!(
            "Request body is not valid JSON: {e}"
        ))),
    }
}

/// JSON type names as X's schema validator words them.
pub(crate) fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Collects schema violations in X's wording (`$.path: message`), so one 400 lists them all.
#[derive(Debug, Default)]
pub(crate) struct Schema {
    errors: Vec<String>,
}

impl Schema {
    pub fn fail(&mut self, path: &str, message: &str) {
        self.errors
            .push(ordered(&[("message", j(format!("{path}: {message}")))]));
    }

    /// Refuses members not in `allowed` (X's objects reject unknown fields).
    pub fn only(&mut self, path: &str, object: &Map<String, Value>, allowed: &[&str]) {
        for key in object.keys() {
            if !allowed.contains(&key.as_str()) {
                self.fail(
                    &format!("{path}.{key}"),
                    "is not defined in the schema and the schema does not allow additional properties",
                );
            }
        }
    }

    pub fn wrong_type(&mut self, path: &str, found: &Value, expected: &str) {
        self.fail(
            path,
            &format!("{} found, {expected} expected", type_name(found)),
        );
    }

    /// A string member, if present and a string.
    pub fn string<'a>(&mut self, path: &str, v: Option<&'a Value>) -> Option<&'a str> {
        match v? {
            Value::String(s) => Some(s),
            other => {
                self.wrong_type(path, other, "string");
                None
            }
        }
    }

    /// An id member (`^[0-9]{1,19}$`), if present and valid.
    pub fn id(&mut self, path: &str, v: Option<&Value>) -> Option<i64> {
        let s = self.string(path, v)?;
        match parse_id(s) {
            Some(id) => Some(id),
            None => {
                self.fail(path, "does not match the regex pattern ^[0-9]{1,19}$");
                None
            }
        }
    }

    pub fn object<'a>(
        &mut self,
        path: &str,
        v: Option<&'a Value>,
    ) -> Option<&'a Map<String, Value>> {
        match v? {
            Value::Object(m) => Some(m),
            other => {
                self.wrong_type(path, other, "object");
                None
            }
        }
    }

    pub fn boolean(&mut self, path: &str, v: Option<&Value>) {
        if let Some(other) = v.filter(|v| !v.is_boolean()) {
            self.wrong_type(path, other, "boolean");
        }
    }

    pub fn enumeration(
        &mut self,
        path: &str,
        v: Option<&Value>,
        allowed: &[&str],
    ) -> Option<String> {
        let s = self.string(path, v)?;
        if allowed.contains(&s) {
            Some(s.to_owned())
        } else {
            self.fail(
                path,
                &format!(
                    "does not have a value in the enumeration [{}]",
                    allowed.join(", ")
                ),
            );
            None
        }
    }

    pub fn required(&mut self, path: &str, object: &Map<String, Value>, key: &str) {
        if !object.contains_key(key) {
            self.fail(&format!("{path}.{key}"), "is missing but it is required");
        }
    }

    /// `Err` with every violation found, if any.
    pub fn finish(self) -> Result<(), ApiError> {
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(ApiError::invalid(self.errors))
        }
    }
}

/// The `{id}` path segment, percent-decoded. Never rejects: a segment that cannot be decoded
/// comes through empty, and the handler answers X's 400 for an invalid id.
#[derive(Debug)]
pub(crate) struct PathId(pub String);

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for PathId {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut axum::http::request::Parts,
        state: &S,
    ) -> Result<Self, Self::Rejection> {
        Ok(PathId(
            axum::extract::Path::<String>::from_request_parts(parts, state)
                .await
                .map(|p| p.0)
                .unwrap_or_default(),
        ))
    }
}

/// X's id syntax: 1 to 19 digits, within `i64`.
pub(crate) fn parse_id(s: &str) -> Option<i64> {
    if s.is_empty() || s.len() > 19 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok()
}

/// Query parameters in order; a malformed query string gives what `form_urlencoded` makes of it.
pub(crate) fn query_pairs(raw: Option<&str>) -> Vec<(String, String)> {
    url::form_urlencoded::parse(raw.unwrap_or("").as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

/// Refuses query parameters the endpoint does not know, as X does.
pub(crate) fn known_params(pairs: &[(String, String)], known: &[&str]) -> Result<(), ApiError> {
    let errors: Vec<String> = pairs
        .iter()
        .filter(|(k, _)| !known.contains(&k.as_str()))
        .map(|(k, v)| {
            param_error(
                k,
                v,
                &format!(
                    "The query parameter [{k}] is not one of [{}]",
                    known.join(",")
                ),
            )
        })
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ApiError::invalid(errors))
    }
}

/// Checks a comma-separated list parameter (`tweet.fields=created_at,author_id`) against the
/// values X allows and returns its items.
pub(crate) fn list_param(
    name: &str,
    value: &str,
    allowed: &[&str],
) -> Result<Vec<String>, ApiError> {
    let items: Vec<String> = value.split(',').map(str::to_owned).collect();
    for item in &items {
        if !allowed.contains(&item.as_str()) {
            return Err(ApiError::invalid_param(
                name,
                value,
                format!(
                    "The `{name}` query parameter value [{item}] is not one of [{}]",
                    allowed.join(",")
                ),
            ));
        }
    }
    Ok(items)
}

/// `user.fields` values X accepts.
pub(crate) const USER_FIELDS: &[&str] = &[
    "affiliation",
    "confirmed_email",
    "connection_status",
    "created_at",
    "description",
    "entities",
    "id",
    "is_identity_verified",
    "location",
    "most_recent_tweet_id",
    "name",
    "parody",
    "pinned_tweet_id",
    "profile_banner_url",
    "profile_image_url",
    "protected",
    "public_metrics",
    "receives_your_dm",
    "subscribes_to_you",
    "subscription",
    "subscription_type",
    "url",
    "username",
    "verified",
    "verified_followers_count",
    "verified_type",
    "withheld",
];
