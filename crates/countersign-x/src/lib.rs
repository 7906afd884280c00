//! countersign-x: Countersign's client for the X API v2. Every HTTP request Countersign makes to
//! X goes through here.
//!
//! # Overview
//!
//! One [`XClient`] (cheap to clone, shared by every task) holds one HTTP client with connect and
//! request timeouts, the connected account's tokens, and the rate-limit budgets X announced.
//!
//! - **Connecting** uses OAuth 2.0 Authorization Code with PKCE as a public native client (no
//!   secret in the binary): [`XClient::connect_with_browser`] for the app,
//!   [`XClient::connect_headless`] for the sandbox, [`XClient::disconnect`] to revoke. Tokens
//!   live in a [`TokenStore`] (the OS keychain in the app).
//! - **Operations**: [`XClient::me`], [`XClient::create_post`], [`XClient::create_thread`],
//!   [`XClient::delete_post`], [`XClient::recent_posts`] (reconciliation),
//!   [`XClient::upload_media`], and [`XClient::budget`].
//! - **Conversations**: [`XClient::mentions`] (with `since_id`), [`XClient::direct_messages`]
//!   (paged until an event already held), [`XClient::send_dm`], and [`may_reply`], the check of
//!   X's rule that a self-serve app replies only where it was mentioned.
//! - **Errors** are one [`XError`] with stable [`XError::code`]s.
//!
//! # Rules this client keeps
//!
//! A brand's reputation rides on these, so they are enforced here rather than left to callers:
//!
//! - **Nothing is sent twice.** X has no idempotency key, so a post request that may have reached
//!   X is never resent. A failure says whether the request might have been sent
//!   ([`XError::Transport`]'s `maybe_sent`, [`XError::outcome_unknown`]); only a request that
//!   surely never left this machine (connection refused, DNS or TLS failure) is retried, once.
//! - **One refresh at a time.** X's refresh tokens are single-use. Refreshes run single-flight:
//!   concurrent callers wait for the one in flight and use its result. A rotated pair is saved to
//!   the store before it is used. A refused refresh is [`XError::NeedsReconnect`], never a loop.
//!   The access token is refreshed shortly before it expires and once after a 401.
//! - **Rate limits come from headers.** Budgets are kept per endpoint and window. An exhausted
//!   budget is waited out when its reset is near (within `max_rate_limit_wait`), else the call
//!   fails with [`XError::RateLimited`] without spending a request. A 429 is waited out the same
//!   way and retried once.
//! - **Secrets never print.** Tokens and PKCE verifiers are [`Secret`]s, which show as
//!   `[redacted]`; logs carry at most a short hash of a token.
//!
//! # Example
//!
//! ```no_run
//! # async fn demo() -> Result<(), countersign_x::XError> {
//! use std::sync::Arc;
//! use countersign_x::{MemoryTokenStore, NewPost, XClient, XConfig};
//!
//! let sandbox = url::Url::parse("http://127.0.0.1:8080").expect("url");
//! let client = XClient::new(
//!     XConfig::sandbox(&sandbox, "countersign-dev"),
//!     Arc::new(MemoryTokenStore::new()),
//! )?;
//! client.connect_headless().await?;
//! let post = client.create_post(&NewPost::text("Hello from Countersign")).await?;
//! println!("posted {}", post.id);
//! # Ok(()) }
//! ```

#![warn(missing_docs)]

mod auth;
mod budget;
mod client;
mod config;
mod conversations;
mod error;
mod http;
mod media;
mod posts;
mod secret;

pub use auth::Authorization;
pub use budget::{Budget, Endpoint, Window};
pub use client::XClient;
pub use config::{DEFAULT_REDIRECT_PORT, DEFAULT_SCOPES, XConfig};
pub use conversations::{
    DirectMessage, DirectMessages, Mention, Mentions, SentDm, may_reply, mentions,
};
pub use error::XError;
pub use media::{ALT_TEXT_LIMIT, MediaKind, MediaSource, SEGMENT_BYTES};
pub use posts::{CreatedPost, NewPost, RecentQuery, RemotePost, STANDARD_LIMIT, User};
pub use secret::{MemoryTokenStore, RefreshGuard, Secret, TokenStore, TokenStoreError, Tokens};

/// The `User-Agent` every request carries.
pub const USER_AGENT: &str = concat!("Countersign/", env!("CARGO_PKG_VERSION"));
