//! Tokens and where they live.
//!
//! X's OAuth 2.0 tokens are the keys to a brand's account, so they travel in [`Secret`], which
//! prints as `[redacted]` with `{}` and `{:?}`: a token cannot reach a log line or an error
//! message by accident. [`Tokens`] is serde-able so Countersign's core can keep the whole set as
//! one JSON secret in the OS keychain behind a [`TokenStore`].

use std::fmt;
use std::sync::Mutex;

use jiff::Timestamp;
use serde::{Deserialize, Serialize};

/// A secret string (an access or refresh token, a PKCE verifier). Printing it shows
/// `[redacted]`; call [`Secret::expose`] at the one place the value is really needed.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    /// Wraps a secret value.
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    /// The secret value itself. Keep the result out of logs and error messages.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

/// One OAuth 2.0 grant for the connected X account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tokens {
    /// The bearer token for API calls (X: valid 2 hours).
    pub access_token: Secret,
    /// Single-use: X issues a new one on every refresh and refuses the old one afterwards.
    /// Absent when the grant lacks `offline.access`.
    pub refresh_token: Option<Secret>,
    /// When the access token stops working, by this machine's clock at the time it was issued.
    pub expires_at: Timestamp,
    /// The scopes X granted, space-separated.
    pub scope: String,
}

/// Why a [`TokenStore`] failed. The message must not contain the tokens.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the token store failed: {message}")]
pub struct TokenStoreError {
    /// What went wrong, for a person (e.g. "the keychain is locked").
    pub message: String,
}

impl TokenStoreError {
    /// An error with this message.
    pub fn new(message: impl fmt::Display) -> Self {
        TokenStoreError {
            message: message.to_string(),
        }
    }
}

/// Where the connected account's tokens live between runs.
///
/// Countersign's core implements this over the OS keychain. The client persists a rotated token
/// pair with [`TokenStore::save`] *before* it uses it: X refuses the old refresh token from then
/// on, so a pair that only lived in memory would be lost in a crash.
pub trait TokenStore: Send + Sync {
    /// The stored tokens, or `None` when no account is connected.
    fn load(&self) -> Result<Option<Tokens>, TokenStoreError>;
    /// Replaces the stored tokens.
    fn save(&self, tokens: &Tokens) -> Result<(), TokenStoreError>;
    /// Forgets the tokens (after a disconnect).
    fn clear(&self) -> Result<(), TokenStoreError>;

    /// Holds every other process off the grant while this one refreshes it, until the returned
    /// guard is dropped. A store that several processes share (the OS keychain, used by the app,
    /// the CLI and the publisher at once) must provide this: X accepts each refresh token once,
    /// so two processes refreshing the same pair would leave one of them refused. The default,
    /// for stores only one process sees, holds nothing.
    fn lock_refresh(&self) -> Result<Option<RefreshGuard>, TokenStoreError> {
        Ok(None)
    }
}

/// Keeps other processes from refreshing while it lives; see [`TokenStore::lock_refresh`].
pub type RefreshGuard = Box<dyn std::any::Any + Send>;

/// A [`TokenStore`] in memory: for the sandbox account and tests, where nothing must outlive the
/// process.
#[derive(Debug, Default)]
pub struct MemoryTokenStore {
    tokens: Mutex<Option<Tokens>>,
}

impl MemoryTokenStore {
    /// An empty store (no account connected).
    pub fn new() -> Self {
        Self::default()
    }

    /// A store that already holds `tokens`.
    pub fn with_tokens(tokens: Tokens) -> Self {
        MemoryTokenStore {
            tokens: Mutex::new(Some(tokens)),
        }
    }

    fn slot(&self) -> std::sync::MutexGuard<'_, Option<Tokens>> {
        // A poisoned lock only means another thread panicked mid-assignment of a plain value;
        // the value itself is still whole.
        self.tokens.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl TokenStore for MemoryTokenStore {
    fn load(&self) -> Result<Option<Tokens>, TokenStoreError> {
        Ok(self.slot().clone())
    }

    fn save(&self, tokens: &Tokens) -> Result<(), TokenStoreError> {
        *self.slot() = Some(tokens.clone());
        Ok(())
    }

    fn clear(&self) -> Result<(), TokenStoreError> {
        *self.slot() = None;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Tokens {
        Tokens {
            access_token: Secret::new("access-abc"),
            refresh_token: Some(Secret::new("refresh-xyz")),
            expires_at: Timestamp::from_second(1_900_000_000).expect("valid"),
            scope: "tweet.read tweet.write".into(),
        }
    }

    #[test]
    fn secrets_never_print() {
        let t = sample();
        let shown = format!("{t:?} {}", t.access_token);
        assert!(!shown.contains("access-abc"), "{shown}");
        assert!(!shown.contains("refresh-xyz"), "{shown}");
        assert!(shown.contains("[redacted]"));
    }

    #[test]
    fn tokens_round_trip_as_json() {
        let t = sample();
        let json = serde_json::to_string(&t).expect("serialize");
        assert!(json.contains("\"access_token\":\"access-abc\""), "{json}");
        let back: Tokens = serde_json::from_str(&json).expect("deserialize");
        assert_eq!(back, t);
    }

    #[test]
    fn memory_store_saves_and_clears() {
        let store = MemoryTokenStore::new();
        assert_eq!(store.load().expect("load"), None);
        store.save(&sample()).expect("save");
        assert_eq!(store.load().expect("load"), Some(sample()));
        store.clear().expect("clear");
        assert_eq!(store.load().expect("load"), None);
    }
}
