//! [`XClient`]: the shared handle, its one HTTP client, and the tokens it holds.

use std::fmt;
use std::sync::{Arc, Mutex};

use jiff::{SignedDuration, Timestamp};
use tracing::{debug, info, warn};

use crate::auth::TokenGrant;
use crate::budget::{Budget, Budgets, Endpoint};
use crate::config::XConfig;
use crate::error::XError;
use crate::secret::{Secret, TokenStore, TokenStoreError, Tokens};

/// The X API v2 client. Cheap to clone: every clone shares one HTTP connection pool, one token
/// cache, one refresh lock and one set of rate-limit budgets, so many tasks can use it at once.
#[derive(Clone)]
pub struct XClient {
    pub(crate) inner: Arc<Inner>,
}

impl fmt::Debug for XClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("XClient")
            .field("api_base", &self.inner.config.api_base.as_str())
            .finish_non_exhaustive()
    }
}

/// What every clone shares.
pub(crate) struct Inner {
    pub(crate) config: XConfig,
    /// The one reqwest client: connection pool, timeouts, user agent, no redirects.
    pub(crate) http: reqwest::Client,
    pub(crate) store: Arc<dyn TokenStore>,
    pub(crate) budgets: Budgets,
    tokens: Mutex<TokenCache>,
    /// Held for every change of the grant (refresh, code exchange, disconnect). X's refresh
    /// tokens are single-use: two refreshes at once would spend the same token twice, and the
    /// loser would get a refusal that looks like a revoked grant.
    grant_lock: tokio::sync::Mutex<()>,
}

/// The tokens in memory.
#[derive(Default)]
struct TokenCache {
    /// The current grant; `None` means "ask the store".
    tokens: Option<Tokens>,
    /// The cached tokens are newer than the store because saving them failed. They are retried
    /// into the store before any use, and preferred over what the store holds.
    unsaved: bool,
    /// A refresh token X already refused. Asking again would only be refused again, so calls
    /// fail fast with [`XError::NeedsReconnect`] until new tokens appear.
    refused: Option<Secret>,
}

impl XClient {
    /// A client for `config` whose tokens live in `store`.
    ///
    /// Builds the one HTTP client: the configured connect and request timeouts, the user agent
    /// `Countersign/<version>`, no redirects (an API answer is never a redirect, and the headless
    /// authorization must read the redirect instead of following it), and no system proxy for a
    /// loopback sandbox.
    pub fn new(config: XConfig, store: Arc<dyn TokenStore>) -> Result<Self, XError> {
        let mut builder = reqwest::Client::builder()
            .user_agent(crate::USER_AGENT)
            .connect_timeout(config.connect_timeout)
            .timeout(config.request_timeout)
            .redirect(reqwest::redirect::Policy::none());
        if config.api_is_loopback() {
            builder = builder.no_proxy();
        }
        let http = builder.build().map_err(|e| XError::Config {
            detail: format!("cannot build the HTTP client: {e}"),
        })?;
        Ok(XClient {
            inner: Arc::new(Inner {
                config,
                http,
                store,
                budgets: Budgets::default(),
                tokens: Mutex::new(TokenCache::default()),
                grant_lock: tokio::sync::Mutex::new(()),
            }),
        })
    }

    /// The configuration this client was built with.
    pub fn config(&self) -> &XConfig {
        &self.inner.config
    }

    /// The budget of `endpoint` that binds first (the 15-minute window or, for posting, the
    /// 24-hour cap), as of the latest response; `None` before any response said.
    pub fn budget(&self, endpoint: Endpoint) -> Option<Budget> {
        self.inner.budgets.binding(endpoint)
    }

    /// Every known budget of `endpoint` (one per window).
    pub fn budgets(&self, endpoint: Endpoint) -> Vec<Budget> {
        self.inner.budgets.all(endpoint)
    }

    /// Whether tokens are available (in memory or in the store). Says nothing about whether X
    /// still accepts them.
    pub async fn is_connected(&self) -> Result<bool, XError> {
        Ok(self.inner.current_tokens().await?.is_some())
    }
}

/// A short, non-reversible tag for a token in logs: lets two log lines be matched up without
/// revealing anything usable.
pub(crate) fn fingerprint(secret: &Secret) -> String {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(secret.expose().as_bytes());
    digest[..4].iter().map(|b| format!("{b:02x}")).collect()
}

impl Inner {
    fn cache(&self) -> std::sync::MutexGuard<'_, TokenCache> {
        self.tokens.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Runs a (possibly blocking: the OS keychain) store call off the async threads.
    async fn with_store<T: Send + 'static>(
        &self,
        f: impl FnOnce(&dyn TokenStore) -> Result<T, TokenStoreError> + Send + 'static,
    ) -> Result<T, XError> {
        let store = Arc::clone(&self.store);
        tokio::task::spawn_blocking(move || f(store.as_ref()))
            .await
            .map_err(|e| TokenStoreError::new(format!("the token store task failed: {e}")))?
            .map_err(XError::from)
    }

    /// The current tokens: from memory, else from the store. Unsaved tokens are saved first.
    pub(crate) async fn current_tokens(&self) -> Result<Option<Tokens>, XError> {
        let (cached, unsaved) = {
            let c = self.cache();
            (c.tokens.clone(), c.unsaved)
        };
        match cached {
            Some(t) if unsaved => {
                let copy = t.clone();
                self.with_store(move |s| s.save(&copy)).await?;
                let mut c = self.cache();
                if c.tokens.as_ref() == Some(&t) {
                    c.unsaved = false;
                }
                Ok(Some(t))
            }
            Some(t) => Ok(Some(t)),
            None => {
                let loaded = self.with_store(|s| s.load()).await?;
                let mut c = self.cache();
                if c.tokens.is_none() {
                    c.tokens.clone_from(&loaded);
                }
                Ok(c.tokens.clone())
            }
        }
    }

    /// True when `tokens` expire within the refresh margin.
    fn due(&self, tokens: &Tokens) -> bool {
        let margin = SignedDuration::try_from(self.config.refresh_margin)
            .unwrap_or(SignedDuration::from_hours(1));
        Timestamp::now()
            .checked_add(margin)
            .unwrap_or(Timestamp::MAX)
            >= tokens.expires_at
    }

    /// The access token to send, and whether it was refreshed just now. When it expires within
    /// the margin it is refreshed first, unless `may_refresh` is false (this call already
    /// refreshed once: a second refresh would not help, and the client never loops).
    pub(crate) async fn bearer(&self, may_refresh: bool) -> Result<(Secret, bool), XError> {
        let tokens = self.current_tokens().await?.ok_or(XError::NeedsReconnect)?;
        if may_refresh && self.due(&tokens) {
            debug!(expires_at = %tokens.expires_at, "access token due: refreshing before use");
            let fresh = self.refresh(&tokens.access_token).await?;
            return Ok((fresh.access_token, true));
        }
        Ok((tokens.access_token, false))
    }

    /// Replaces the access token `stale` (the one the caller saw fail or near expiry).
    ///
    /// Single-flight: callers queue on the grant lock, and each one re-checks, once it holds the
    /// lock, whether the tokens already rotated past `stale` (in this process or, through the
    /// store, another one). Only the first does the refresh; the rest use its result. The new
    /// pair is saved to the store before it is used.
    pub(crate) async fn refresh(&self, stale: &Secret) -> Result<Tokens, XError> {
        let _grant = self.grant_lock.lock().await;

        let (cached, unsaved) = {
            let c = self.cache();
            (c.tokens.clone(), c.unsaved)
        };
        if let Some(t) = &cached
            && (unsaved || (t.access_token != *stale && !self.due(t)))
        {
            debug!("tokens already rotated while waiting: no refresh");
            return self.current_tokens().await?.ok_or(XError::NeedsReconnect);
        }
        // Another process may be refreshing the same grant: wait for it, then read what it
        // saved. Held until this refresh is saved (or fails).
        let _other_processes = self.with_store(|s| s.lock_refresh()).await?;
        let stored = self.with_store(|s| s.load()).await?;
        let current = match stored {
            Some(t) if t.access_token != *stale && !self.due(&t) => {
                debug!("the store holds newer tokens: no refresh");
                self.cache().tokens = Some(t.clone());
                return Ok(t);
            }
            Some(t) => t,
            None => {
                // Disconnected (perhaps by another process): nothing to refresh.
                self.cache().tokens = None;
                return Err(XError::NeedsReconnect);
            }
        };
        let Some(refresh_token) = current.refresh_token.clone() else {
            return Err(XError::NeedsReconnect);
        };
        if self.cache().refused.as_ref() == Some(&refresh_token) {
            return Err(XError::NeedsReconnect);
        }

        info!(old = %fingerprint(&refresh_token), "refreshing the X access token");
        let fields = vec![
            ("grant_type", "refresh_token".to_string()),
            ("refresh_token", refresh_token.expose().to_string()),
            ("client_id", self.config.client_id.clone()),
        ];
        let fresh = match self.token_request(fields, TokenGrant::Refresh).await {
            Ok(t) => t,
            Err(XError::NeedsReconnect) => {
                warn!(old = %fingerprint(&refresh_token), "X refused the refresh token: reconnect needed");
                self.cache().refused = Some(refresh_token);
                return Err(XError::NeedsReconnect);
            }
            Err(e) => return Err(e),
        };
        // X has already retired the old refresh token: keep the new pair in memory even if the
        // store fails, so it is not lost, but use it only once it is saved.
        {
            let mut c = self.cache();
            c.tokens = Some(fresh.clone());
            c.unsaved = true;
        }
        let copy = fresh.clone();
        self.with_store(move |s| s.save(&copy)).await?;
        {
            let mut c = self.cache();
            if c.tokens.as_ref() == Some(&fresh) {
                c.unsaved = false;
            }
        }
        info!(new = %fingerprint(fresh.refresh_token.as_ref().unwrap_or(&fresh.access_token)), "X tokens rotated and saved");
        Ok(fresh)
    }

    /// Adopts a brand-new grant (after a code exchange): saved first, then cached.
    pub(crate) async fn adopt(&self, tokens: Tokens) -> Result<(), XError> {
        let _grant = self.grant_lock.lock().await;
        let copy = tokens.clone();
        self.with_store(move |s| s.save(&copy)).await?;
        let mut c = self.cache();
        c.tokens = Some(tokens);
        c.unsaved = false;
        c.refused = None;
        Ok(())
    }

    /// Takes the grant out of memory and the store, returning it (for revocation).
    pub(crate) async fn forget_grant(&self) -> Result<Option<Tokens>, XError> {
        let _grant = self.grant_lock.lock().await;
        let cached = self.cache().tokens.clone();
        let stored = self.with_store(|s| s.load()).await?;
        self.with_store(|s| s.clear()).await?;
        let mut c = self.cache();
        *c = TokenCache::default();
        Ok(cached.or(stored))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{MediaKind, MemoryTokenStore, NewPost, RecentQuery};

    fn assert_send<T: Send>(_: &T) {}

    /// The app runs every operation on spawned tasks, so every future must be `Send`.
    #[test]
    fn operations_are_send_and_the_client_is_shareable() {
        fn assert_shareable<T: Send + Sync + Clone>() {}
        assert_shareable::<XClient>();
        let client = XClient::new(XConfig::x("c"), Arc::new(MemoryTokenStore::new()))
            .expect("client builds");
        let post = NewPost::text("x");
        assert_send(&client.me());
        assert_send(&client.create_post(&post));
        assert_send(&client.delete_post("1"));
        assert_send(&client.recent_posts("1", RecentQuery::default()));
        assert_send(&client.upload_media(vec![1u8], "image/png", MediaKind::Image, None));
        assert_send(&client.connect_headless());
        assert_send(&client.connect_with_browser(|_| Ok(())));
        assert_send(&client.disconnect());
        let mut record = |_: usize, _: &str| Ok(());
        assert_send(&client.create_thread(&[], &[], &mut record));
    }

    #[test]
    fn fingerprints_are_short_and_stable() {
        let a = fingerprint(&Secret::new("token-a"));
        assert_eq!(a.len(), 8);
        assert_eq!(a, fingerprint(&Secret::new("token-a")));
        assert_ne!(a, fingerprint(&Secret::new("token-b")));
    }
}
