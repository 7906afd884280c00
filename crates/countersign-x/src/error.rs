//! The one typed error every X call returns.
//!
//! Each variant has a stable [`XError::code`] (snake_case, never renamed: the publisher, the UI
//! and scripts match on it) and a message written for the person who will read it. Messages
//! never contain tokens, authorization codes or PKCE verifiers.

use jiff::Timestamp;

use crate::budget::Window;
use crate::secret::TokenStoreError;

/// Everything that can go wrong talking to X.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum XError {
    // --- authorization ------------------------------------------------------------------------
    /// X refused the access token even after one refresh. The grant may lack a scope or the app
    /// may have been suspended; reconnecting is the remedy.
    #[error("X refused the access token (401) even after refreshing it; reconnect the X account")]
    Unauthorized,
    /// There are no tokens, or X refused the refresh token. A clear state that needs a person:
    /// the client never loops on refreshes.
    #[error("the X account is not connected or its authorization has expired; connect it again")]
    NeedsReconnect,
    /// The `state` that came back from X's authorize page is not the one this client sent: the
    /// redirect did not come from the authorization we started (a stale tab or a forged link).
    #[error("the authorization response does not belong to this connection attempt; start again")]
    StateMismatch,
    /// The person declined on X's consent page (or X returned another `error=` to the callback).
    #[error("X did not grant access ({reason}); connect again and choose Authorize")]
    AuthorizationDenied {
        /// X's `error` value (`access_denied`, ...).
        reason: String,
    },
    /// X refused to exchange the authorization code (codes live 30 seconds and work once).
    #[error("X refused the authorization code ({detail}); connect again")]
    AuthorizationFailed {
        /// X's explanation (`error_description`).
        detail: String,
    },
    /// Nobody completed the authorization in the browser in time.
    #[error("the X authorization was not completed within {secs} seconds; connect again")]
    AuthorizationTimeout {
        /// How long the client waited.
        secs: u64,
    },
    /// The browser could not be opened, or the loopback callback port could not be bound.
    #[error("could not start the X authorization: {detail}")]
    AuthorizationSetup {
        /// What failed.
        detail: String,
    },

    // --- refusals of the request itself -------------------------------------------------------
    /// X refused the request (403). `kind` is the problem type's last path segment in
    /// snake_case (`unsupported_authentication`, `oauth1_permissions`, ...) or `not_permitted`
    /// for X's generic "You are not permitted to perform this action."
    #[error("X refused the request as forbidden ({kind})")]
    Forbidden {
        /// Which refusal, in snake_case.
        kind: String,
    },
    /// X refused the post as a duplicate of a recent post by the same account. Nothing new was
    /// posted; if this was a retry of an uncertain request, the earlier one went through.
    #[error("X refused the post as a duplicate of a recent post on this account")]
    Duplicate,
    /// X refused the post as longer than the account may post.
    #[error("X refused the post as too long for this account; shorten it")]
    TooLong,
    /// A reply where the account was not summoned: X lets a self-serve app reply only to a
    /// post that mentions the account (or quotes one of its posts), and to its own posts.
    #[error(
        "X allows replies only where the brand was mentioned ({detail}); answer in a new post or a direct message instead"
    )]
    NotSummoned {
        /// Why, in X's words or the client's.
        detail: String,
    },
    /// X rejected a parameter (400).
    #[error("X rejected the request: {detail}")]
    InvalidRequest {
        /// X's messages about the parameters.
        detail: String,
    },
    /// The post, user or media does not exist (404 or a resource-not-found problem).
    #[error("X has no such resource: {detail}")]
    NotFound {
        /// X's explanation.
        detail: String,
    },
    /// A rate limit is exhausted until `reset_at` (the wait was longer than this client may
    /// wait on its own). Nothing was sent, or X refused it unprocessed.
    #[error("X's {window} rate limit is used up until {reset_at}; try again after that")]
    RateLimited {
        /// When the limit resets (from X's headers).
        reset_at: Timestamp,
        /// Which limit: the 15-minute window or the 24-hour cap.
        window: Window,
    },
    /// The app's monthly (or other period's) usage cap is reached. Waiting minutes won't help.
    #[error("the X app's usage cap is reached ({detail}); posting resumes when the cap resets")]
    UsageCapped {
        /// X's explanation (which period is capped).
        detail: String,
    },

    // --- X or the network failed --------------------------------------------------------------
    /// X answered 5xx. For a create-post request the post may or may not exist: reconcile with
    /// [`crate::XClient::recent_posts`] before trying again (see [`XError::outcome_unknown`]).
    #[error("X had a server error ({status})")]
    Server {
        /// The HTTP status.
        status: u16,
    },
    /// The request failed on the network. `maybe_sent` is false only when the request surely
    /// never reached X (connection refused, DNS or TLS failure); otherwise X may have acted on it.
    #[error("network error talking to X ({detail}){}", if *maybe_sent { "; X may have received the request" } else { "; the request was not sent" })]
    Transport {
        /// False only when the request surely never reached X.
        maybe_sent: bool,
        /// What failed on the network.
        detail: String,
    },
    /// X answered in a way this client does not understand (a status or body outside the
    /// contract).
    #[error("unexpected answer from X (status {status}): {detail}")]
    UnexpectedResponse {
        /// The HTTP status.
        status: u16,
        /// What was unexpected.
        detail: String,
    },

    // --- media ---------------------------------------------------------------------------------
    /// X could not process the uploaded media (or processing did not finish in time).
    #[error("X could not process the media: {detail}")]
    MediaFailed {
        /// X's reason.
        detail: String,
    },
    /// The media file could not be read.
    #[error("could not read the media file: {detail}")]
    MediaRead {
        /// The file and the I/O error.
        detail: String,
    },

    // --- local ----------------------------------------------------------------------------------
    /// A thread part was posted but the caller could not record it. The post exists on X as
    /// `id`; whoever handles this must record it before anything else is posted.
    #[error("thread part {index} was posted as {id} but could not be recorded: {detail}")]
    NotRecorded {
        /// The part's index in the thread.
        index: usize,
        /// The id X gave the posted part.
        id: String,
        /// Why the caller could not record it.
        detail: String,
    },
    /// The token store (the OS keychain in the app) failed.
    #[error(transparent)]
    TokenStore(#[from] TokenStoreError),
    /// The client could not be built from its configuration, or a call was malformed.
    #[error("X client configuration: {detail}")]
    Config {
        /// What is wrong.
        detail: String,
    },
}

impl XError {
    /// A stable snake_case code for this error, like core's error codes.
    pub fn code(&self) -> &'static str {
        match self {
            XError::Unauthorized => "x_unauthorized",
            XError::NeedsReconnect => "x_needs_reconnect",
            XError::StateMismatch => "x_state_mismatch",
            XError::AuthorizationDenied { .. } => "x_authorization_denied",
            XError::AuthorizationFailed { .. } => "x_authorization_failed",
            XError::AuthorizationTimeout { .. } => "x_authorization_timeout",
            XError::AuthorizationSetup { .. } => "x_authorization_setup",
            XError::Forbidden { .. } => "x_forbidden",
            XError::Duplicate => "x_duplicate",
            XError::TooLong => "x_too_long",
            XError::NotSummoned { .. } => "x_not_summoned",
            XError::InvalidRequest { .. } => "x_invalid_request",
            XError::NotFound { .. } => "x_not_found",
            XError::RateLimited { .. } => "x_rate_limited",
            XError::UsageCapped { .. } => "x_usage_capped",
            XError::Server { .. } => "x_server_error",
            XError::Transport { .. } => "x_transport",
            XError::UnexpectedResponse { .. } => "x_unexpected_response",
            XError::MediaFailed { .. } => "x_media_failed",
            XError::MediaRead { .. } => "x_media_read",
            XError::NotRecorded { .. } => "x_not_recorded",
            XError::TokenStore(_) => "x_token_store",
            XError::Config { .. } => "x_config",
        }
    }

    /// True when a state-changing request (above all, creating a post) may have taken effect
    /// even though it failed: a network failure after sending, or a 5xx. Such a request must not
    /// be sent again blindly; the only safe reconciliation is reading the account's recent posts.
    pub fn outcome_unknown(&self) -> bool {
        matches!(
            self,
            XError::Transport {
                maybe_sent: true,
                ..
            } | XError::Server { .. }
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_stable_and_prefixed() {
        let all = [
            XError::Unauthorized,
            XError::NeedsReconnect,
            XError::Duplicate,
            XError::TooLong,
            XError::Server { status: 503 },
            XError::Transport {
                maybe_sent: false,
                detail: String::new(),
            },
        ];
        for e in &all {
            assert!(e.code().starts_with("x_"), "{}", e.code());
        }
        assert_eq!(XError::Duplicate.code(), "x_duplicate");
    }

    #[test]
    fn outcome_unknown_only_for_maybe_sent_and_5xx() {
        assert!(
            XError::Transport {
                maybe_sent: true,
                detail: String::new()
            }
            .outcome_unknown()
        );
        assert!(
            !XError::Transport {
                maybe_sent: false,
                detail: String::new()
            }
            .outcome_unknown()
        );
        assert!(XError::Server { status: 500 }.outcome_unknown());
        assert!(!XError::Duplicate.outcome_unknown());
    }

    #[test]
    fn transport_message_says_whether_sent() {
        let e = XError::Transport {
            maybe_sent: true,
            detail: "timed out".into(),
        };
        assert!(e.to_string().contains("may have received"));
    }
}
