//! The connection to the brand's X account, or to an x-sandbox standing in for it.
//!
//! What is safe to read (where the API is, the client id, the X user, whether the connection
//! works, the last rate-limit budgets X reported) is kept in the workspace database. The tokens
//! are not: [`SecretTokens`] keeps them in the secret store (the OS keychain), under a key made from the
//! workspace's id, as one JSON secret. HTTP to X stays in `countersign-x`.

use std::sync::Arc;

use countersign_x::{Budget, RefreshGuard, TokenStore, TokenStoreError, Tokens};
use jiff::Timestamp;
use serde::Serialize;

use crate::secrets::{SecretStore, SecretString};

/// The OAuth client id the app uses with a sandbox (any id works there).
pub const SANDBOX_CLIENT_ID: &str = "countersign-sandbox";

/// Whether X calls can be made.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum ConnectionState {
    Disconnected,
    Connected,
    /// X refused the refresh token: a person must connect again. Nothing is retried meanwhile.
    NeedsReconnect,
}

impl ConnectionState {
    pub fn as_str(self) -> &'static str {
        match self {
            ConnectionState::Disconnected => "disconnected",
            ConnectionState::Connected => "connected",
            ConnectionState::NeedsReconnect => "needs_reconnect",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "disconnected" => Some(ConnectionState::Disconnected),
            "connected" => Some(ConnectionState::Connected),
            "needs_reconnect" => Some(ConnectionState::NeedsReconnect),
            _ => None,
        }
    }
}

/// Where the workspace posts, and how that is going.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Connection {
    /// Names the keychain entry that holds this workspace's tokens.
    pub workspace_id: String,
    pub state: ConnectionState,
    /// `None` for X itself; the base URL of an x-sandbox otherwise.
    pub sandbox_url: Option<String>,
    pub client_id: Option<String>,
    pub x_user_id: Option<String>,
    /// The X handle the tokens belong to.
    pub username: Option<String>,
}

impl Connection {
    /// The keychain key for this workspace's X tokens.
    pub fn token_key(&self) -> String {
        format!("x-tokens/{}", self.workspace_id)
    }

    /// "X" or "Sandbox (http://...)", for people.
    pub fn target(&self) -> String {
        match &self.sandbox_url {
            Some(url) => format!("Sandbox ({url})"),
            None => "X".to_string(),
        }
    }
}

/// A rate-limit budget as last reported by X.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct BudgetRow {
    /// e.g. `create_post`.
    pub endpoint: String,
    /// `fifteen_minutes` or `day`.
    pub window: String,
    pub limit: u64,
    pub remaining: u64,
    pub reset_at: Timestamp,
    pub seen_at: Timestamp,
}

impl BudgetRow {
    pub fn from_budget(endpoint: countersign_x::Endpoint, b: &Budget, seen_at: Timestamp) -> Self {
        let name = |v: serde_json::Value| v.as_str().unwrap_or("unknown").to_string();
        BudgetRow {
            endpoint: name(serde_json::to_value(endpoint).unwrap_or_default()),
            window: name(serde_json::to_value(b.window).unwrap_or_default()),
            limit: b.limit,
            remaining: b.remaining,
            reset_at: b.reset_at,
            seen_at,
        }
    }
}

/// X's tokens in the secret store (the OS keychain), as one JSON secret, refreshed under the
/// store's refresh lock so the app, the CLI and the publisher never refresh one grant at once.
#[derive(Debug, Clone)]
pub struct SecretTokens {
    secrets: Arc<dyn SecretStore>,
    key: String,
}

impl SecretTokens {
    pub fn new(secrets: Arc<dyn SecretStore>, key: String) -> Self {
        SecretTokens { secrets, key }
    }

    /// Forgets the tokens, with core's error.
    pub fn clear_now(&self) -> crate::Result<()> {
        self.secrets.delete(&self.key)
    }
}

// The keychain's error messages carry no secret values, only what went wrong and what to do.
fn store_error(e: crate::Error) -> TokenStoreError {
    TokenStoreError::new(format!("{e} [{}]", e.code()))
}

impl TokenStore for SecretTokens {
    fn load(&self) -> Result<Option<Tokens>, TokenStoreError> {
        let Some(secret) = self.secrets.get(&self.key).map_err(store_error)? else {
            return Ok(None);
        };
        serde_json::from_str(secret.expose())
            .map(Some)
            .map_err(|_| {
                TokenStoreError::new(
                    "the stored X tokens are unreadable; connect the account again",
                )
            })
    }

    fn save(&self, tokens: &Tokens) -> Result<(), TokenStoreError> {
        let json =
            serde_json::to_string(tokens).map_err(|e| TokenStoreError::new(e.to_string()))?;
        self.secrets
            .set(&self.key, &SecretString::new(json))
            .map_err(store_error)
    }

    fn clear(&self) -> Result<(), TokenStoreError> {
        self.secrets.delete(&self.key).map_err(store_error)
    }

    fn lock_refresh(&self) -> Result<Option<RefreshGuard>, TokenStoreError> {
        self.secrets
            .lock_refresh(&self.key)
            .map(Some)
            .map_err(store_error)
    }
}
