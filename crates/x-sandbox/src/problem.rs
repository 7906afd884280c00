//! X's error bodies, byte for byte where the contract quotes them.
//!
//! Every refusal a handler makes is an [`ApiError`]: a status and the JSON body X sends for
//! that case. Keeping the bodies here, one constructor per case, means a test or a reader can
//! check them against `CONTRACT.md` in one place.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::Value;

/// `type` of X's invalid-request problem (X still sends the `api.twitter.com` host).
pub(crate) const INVALID_REQUEST_TYPE: &str = "https://api.twitter.com/2/problems/invalid-request";
/// `type` of X's resource-not-found problem.
pub(crate) const NOT_FOUND_TYPE: &str = "https://api.twitter.com/2/problems/resource-not-found";
/// `type` of X's usage-cap problem.
pub(crate) const USAGE_CAPPED_TYPE: &str = "https://api.twitter.com/2/problems/usage-capped";

/// A refusal: the status and body X answers with. The body is kept serialised, with members
/// in X's order, so the contract's bodies go out byte for byte.
#[derive(Debug, Clone)]
pub(crate) struct ApiError {
    pub status: StatusCode,
    pub body: String,
}

/// Serialises `value` as JSON (for [`ordered`]).
pub(crate) fn j(value: impl serde::Serialize) -> String {
    serde_json::to_string(&value).unwrap_or_else(|_| "null".to_owned())
}

/// A JSON object with its members in the given order; values are already serialised.
pub(crate) fn ordered(members: &[(&str, String)]) -> String {
    let inner: Vec<String> = members
        .iter()
        .map(|(k, v)| format!("{}:{v}", j(k)))
        .collect();
    format!("{{{}}}", inner.join(","))
}

impl ApiError {
    fn new(status: StatusCode, body: impl Into<String>) -> Self {
        ApiError {
            status,
            body: body.into(),
        }
    }

    /// Missing, unknown, revoked or expired bearer token.
    pub fn unauthorized() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            r#"{"title":"Unauthorized","type":"about:blank","status":401,"detail":"Unauthorized"}"#,
        )
    }

    /// The token lacks a scope the endpoint needs (what X answers a user token without, say,
    /// `tweet.write`).
    pub fn forbidden() -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            r#"{"title":"Forbidden","type":"about:blank","status":403,"detail":"Forbidden"}"#,
        )
    }

    /// X's generic refusal, also its (unconfirmed) answer to an over-long post.
    pub fn not_permitted() -> Self {
        Self::forbidden_detail("You are not permitted to perform this action.")
    }

    /// The duplicate-content refusal, exactly as X sends it.
    pub fn duplicate() -> Self {
        Self::forbidden_detail("You are not allowed to create a Tweet with duplicate content.")
    }

    /// A 403 `about:blank` problem with X's wording for the case (X's member order).
    pub fn forbidden_detail(detail: &str) -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            ordered(&[
                ("detail", j(detail)),
                ("type", j("about:blank")),
                ("title", j("Forbidden")),
                ("status", j(403)),
            ]),
        )
    }

    /// Rate limited (15-minute window or 24-hour cap).
    pub fn too_many_requests() -> Self {
        Self::new(
            StatusCode::TOO_MANY_REQUESTS,
            r#"{"title":"Too Many Requests","detail":"Too Many Requests","type":"about:blank","status":429}"#,
        )
    }

    /// The app's monthly usage cap is spent.
    pub fn usage_capped() -> Self {
        Self::new(
            StatusCode::TOO_MANY_REQUESTS,
            ordered(&[
                ("title", j("UsageCapExceeded")),
                ("detail", j("Usage cap exceeded: Monthly product cap")),
                ("type", j(USAGE_CAPPED_TYPE)),
                ("period", j("Monthly")),
                ("scope", j("Product")),
            ]),
        )
    }

    /// X's invalid-request problem for one parameter.
    pub fn invalid_param(parameter: &str, value: &str, message: impl Into<String>) -> Self {
        Self::invalid(vec![param_error(parameter, value, &message.into())])
    }

    /// X's invalid-request problem for a body that breaks the schema (no single parameter).
    pub fn invalid_message(message: impl Into<String>) -> Self {
        Self::invalid(vec![ordered(&[("message", j(message.into()))])])
    }

    /// X's invalid-request problem with the given (serialised) `errors` entries.
    pub fn invalid(errors: Vec<String>) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            ordered(&[
                ("errors", format!("[{}]", errors.join(","))),
                ("title", j("Invalid Request")),
                (
                    "detail",
                    j("One or more parameters to your request was invalid."),
                ),
                ("type", j(INVALID_REQUEST_TYPE)),
            ]),
        )
    }

    /// A resource named in the path does not exist (or is not this user's).
    pub fn not_found(resource_type: &str, parameter: &str, id: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            ordered(&[
                ("title", j("Not Found Error")),
                (
                    "detail",
                    j(format!(
                        "Could not find {resource_type} with {parameter}: [{id}]."
                    )),
                ),
                ("type", j(NOT_FOUND_TYPE)),
                ("resource_type", j(resource_type)),
                ("parameter", j(parameter)),
                ("resource_id", j(id)),
                ("value", j(id)),
                ("status", j(404)),
            ]),
        )
    }

    /// No such route.
    pub fn no_route() -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            r#"{"title":"Not Found","detail":"Sorry, that page does not exist","type":"about:blank","status":404}"#,
        )
    }

    /// A route that exists, called with another method.
    pub fn method_not_allowed() -> Self {
        Self::new(
            StatusCode::METHOD_NOT_ALLOWED,
            r#"{"title":"Method Not Allowed","detail":"Method Not Allowed","type":"about:blank","status":405}"#,
        )
    }

    /// Something broke inside the sandbox (its store, say). Also what the `status_500` fault
    /// sends.
    pub fn internal() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            r#"{"title":"Internal Server Error","detail":"Internal Server Error","type":"about:blank","status":500}"#,
        )
    }

    /// What the `status_503` fault sends (X overloaded).
    pub fn unavailable() -> Self {
        Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            r#"{"title":"Service Unavailable","detail":"Service Unavailable","type":"about:blank","status":503}"#,
        )
    }

    /// An OAuth 2.0 endpoint error, in X's `{"error","error_description"}` form.
    pub fn oauth(error: &str, description: impl Into<String>) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            ordered(&[
                ("error", j(error)),
                ("error_description", j(description.into())),
            ]),
        )
    }
}

/// One `errors` entry naming a parameter: `{"parameters":{"p":["v"]},"message":"…"}`.
pub(crate) fn param_error(parameter: &str, value: &str, message: &str) -> String {
    ordered(&[
        ("parameters", ordered(&[(parameter, j([value]))])),
        ("message", j(message)),
    ])
}

impl From<rusqlite::Error> for ApiError {
    fn from(e: rusqlite::Error) -> Self {
        tracing::error!("x-sandbox store error: {e}");
        ApiError::internal()
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        raw_json_response(self.status, self.body)
    }
}

/// A JSON response with X's content type (`application/json`, as the contract says).
pub(crate) fn json_response(status: StatusCode, body: &Value) -> Response {
    raw_json_response(status, body.to_string())
}

fn raw_json_response(status: StatusCode, body: String) -> Response {
    let mut response = (status, body).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json; charset=utf-8"),
    );
    response
}
