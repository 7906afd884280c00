//! Use cases for the connection to X: connect (to X in a browser, or to a sandbox without
//! one), status with the budget left, disconnect, and the client every X call goes through.

use std::sync::Arc;

use countersign_x::{Endpoint, MemoryTokenStore, TokenStore, XClient, XConfig, XError};
use serde::Serialize;
use serde_json::json;
use url::Url;

use crate::app::{App, account, admin, audit_entry};
use crate::connection::{
    BudgetRow, Connection, ConnectionState, KeychainTokens, SANDBOX_CLIENT_ID,
};
use crate::error::{Error, Result};
use crate::events::Event;
use crate::model::Account;
use crate::secrets::{Channel, Keychain};

/// The account, its connection and the budgets X last reported.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct AccountStatus {
    pub account: Account,
    pub connection: Connection,
    pub budgets: Vec<BudgetRow>,
    /// Set when a live check was asked for and X answered something other than success.
    pub check_error: Option<String>,
}

/// Where to connect.
#[derive(Debug, Clone)]
pub enum Target {
    /// An x-sandbox at this base URL: no browser, no X account.
    Sandbox(String),
    /// The real X, with the app's registered client id (`None`: the one the workspace was
    /// connected with before) and loopback redirect port.
    X {
        client_id: Option<String>,
        redirect_port: u16,
    },
}

const ENDPOINTS: [Endpoint; 4] = [
    Endpoint::CreatePost,
    Endpoint::Me,
    Endpoint::UserPosts,
    Endpoint::DeletePost,
];

impl App {
    fn keychain(&self) -> Keychain {
        Keychain::new(Channel::from_env())
    }

    /// The tokens of this workspace's connection, with the lock file that keeps processes from
    /// refreshing them at once.
    fn token_store(&self, c: &Connection) -> KeychainTokens {
        KeychainTokens::new(self.keychain(), c.token_key())
            .with_lock_file(self.data_dir().join("x-tokens.lock"))
    }

    fn client_for(&self, c: &Connection) -> Result<XClient> {
        let config = match &c.sandbox_url {
            Some(url) => XConfig::sandbox(
                &parse_url(url)?,
                c.client_id
                    .clone()
                    .unwrap_or_else(|| SANDBOX_CLIENT_ID.into()),
            ),
            None => XConfig::x(c.client_id.clone().ok_or(Error::NoClientId)?),
        };
        let tokens = self.token_store(c);
        Ok(XClient::new(config, Arc::new(tokens))?)
    }

    /// The client for the connected account. Refuses when no account is connected.
    pub fn x_client(&self) -> Result<XClient> {
        let c = self.connection()?;
        match c.state {
            ConnectionState::Disconnected => Err(Error::NotConnected),
            // X refused the refresh token: asking again with it would only be refused again.
            ConnectionState::NeedsReconnect => Err(XError::NeedsReconnect.into()),
            ConnectionState::Connected => self.client_for(&c),
        }
    }

    /// Like [`App::x_client`], but the same client while the connection stays the same, so
    /// what X said about rate limits carries over from one publishing pass to the next.
    pub(crate) fn cached_x_client(&self) -> Result<XClient> {
        let c = self.connection()?;
        let mut cache = self.x_cache.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((seen, client)) = cache.as_ref()
            && *seen == c
        {
            return Ok(client.clone());
        }
        let client = self.x_client()?;
        *cache = Some((c, client.clone()));
        Ok(client)
    }

    pub fn connection(&self) -> Result<Connection> {
        self.read(|tx| tx.workspace().connection())
    }

    /// Connects the workspace to X (a browser opens for consent) or to a sandbox (no browser).
    /// `actor`, when given, must be an admin. The tokens go to the OS keychain, nowhere else.
    pub async fn connect(
        &self,
        actor: Option<&str>,
        target: Target,
        open_browser: impl FnOnce(&Url) -> std::result::Result<(), String>,
    ) -> Result<Connection> {
        let (handle, mut c) = self.read(|tx| {
            if let Some(a) = actor {
                admin(tx, a, "change the account")?;
            }
            Ok((account(tx)?.handle, tx.workspace().connection()?))
        })?;
        let sandbox = matches!(target, Target::Sandbox(_));
        let redirect_port = match target {
            Target::Sandbox(url) => {
                parse_url(&url)?;
                c.sandbox_url = Some(url.trim_end_matches('/').to_string());
                c.client_id = Some(SANDBOX_CLIENT_ID.into());
                0
            }
            Target::X {
                client_id,
                redirect_port,
            } => {
                // Reconnecting to X reuses the client id it was connected with; a sandbox's
                // id is no X app's.
                let previous = c.client_id.clone().filter(|_| c.sandbox_url.is_none());
                let client_id = client_id
                    .or(previous)
                    .filter(|id| !id.trim().is_empty())
                    .ok_or(Error::NoClientId)?;
                c.sandbox_url = None;
                c.client_id = Some(client_id);
                redirect_port
            }
        };
        // The new grant is staged in memory until X says whose it is: a wrong account, or a
        // failure half-way, must not overwrite the tokens of a connection that works.
        let mut config = self.client_for(&c)?.config().clone();
        config.redirect_port = redirect_port;
        let staged = Arc::new(MemoryTokenStore::new());
        let client = XClient::new(config, staged.clone())?;
        if sandbox {
            client.connect_headless().await?;
        } else {
            client.connect_with_browser(open_browser).await?;
        }
        let me = client.me().await?;
        // A real X account must be the brand's own: approvals are bound to the handle. A
        // sandbox hosts a stand-in account, whatever its name.
        if !sandbox && !me.username.eq_ignore_ascii_case(&handle) {
            let _ = client.disconnect().await;
            return Err(Error::WrongAccount {
                signed_in: me.username,
                handle,
            });
        }
        let tokens = staged
            .load()
            .ok()
            .flatten()
            .ok_or_else(|| Error::KeychainFailed {
                detail: "X returned no tokens to keep".into(),
            })?;
        self.token_store(&c)
            .save(&tokens)
            .map_err(|e| Error::KeychainFailed { detail: e.message })?;
        c.state = ConnectionState::Connected;
        c.x_user_id = Some(me.id.clone());
        c.username = Some(me.username.clone());
        let now = self.now();
        let budgets = budgets_of(&client, now);
        self.write(|tx| {
            let by = actor
                .map(|a| admin(tx, a, "change the account"))
                .transpose()?
                .map(|a| self.signer(tx, a))
                .transpose()?;
            tx.workspace().set_connection(&c)?;
            let mut a = account(tx)?;
            a.x_user_id = Some(me.id.clone());
            tx.workspace().update(&a)?;
            tx.workspace().save_budgets(&budgets)?;
            audit_entry(
                tx,
                now,
                by.as_ref(),
                "account_connected",
                None,
                json!({"target": c.target(), "x_user_id": me.id, "username": me.username}),
            )
        })?;
        Ok(c)
    }

    /// The account, the connection and the budgets left. With `check`, asks X whether the
    /// tokens still work (one `users/me` request), refreshing them if they are due.
    pub async fn account_status(&self, check: bool) -> Result<AccountStatus> {
        let mut check_error = None;
        let c = self.connection()?;
        if check && c.state == ConnectionState::Connected {
            let client = self.client_for(&c)?;
            let outcome = client.me().await;
            let budgets = budgets_of(&client, self.now());
            self.write(|tx| tx.workspace().save_budgets(&budgets))?;
            match outcome {
                Ok(_) if c.state == ConnectionState::NeedsReconnect => {}
                Ok(_) => {}
                Err(e) => {
                    self.note_x_error(&e)?;
                    check_error = Some(format!("{e} [{}]", e.code()));
                }
            }
        }
        self.read(|tx| {
            Ok(AccountStatus {
                account: account(tx)?,
                connection: tx.workspace().connection()?,
                budgets: tx.workspace().budgets()?,
                check_error,
            })
        })
    }

    /// Records what an X error means for the connection: a refused refresh puts the account in
    /// "needs reconnect", told to a person, and nothing retries it.
    pub fn note_x_error(&self, e: &XError) -> Result<()> {
        if matches!(e, XError::NeedsReconnect) {
            let now = self.now();
            let changed = self.write(|tx| {
                let mut c = tx.workspace().connection()?;
                if c.state == ConnectionState::NeedsReconnect {
                    return Ok(false);
                }
                c.state = ConnectionState::NeedsReconnect;
                tx.workspace().set_connection(&c)?;
                audit_entry(
                    tx,
                    now,
                    None,
                    "account_needs_reconnect",
                    None,
                    json!({"target": c.target()}),
                )?;
                Ok(true)
            })?;
            if changed {
                self.events.emit(Event::NeedsReconnect);
            }
        }
        Ok(())
    }

    /// Revokes the tokens at X, removes them from the keychain and forgets the connection.
    pub async fn disconnect(&self, actor: Option<&str>) -> Result<Connection> {
        let c = self.connection()?;
        if c.state != ConnectionState::Disconnected {
            let client = self.client_for(&c)?;
            if let Err(e) = client.disconnect().await {
                // Revoking is a courtesy to X; forgetting the tokens locally is what matters.
                tracing::warn!(
                    code = e.code(),
                    "revoking the X tokens failed; removing them locally"
                );
                self.token_store(&c).clear_now()?;
            }
        }
        let now = self.now();
        self.write(|tx| {
            let by = actor
                .map(|a| admin(tx, a, "change the account"))
                .transpose()?
                .map(|a| self.signer(tx, a))
                .transpose()?;
            let mut c = tx.workspace().connection()?;
            c.state = ConnectionState::Disconnected;
            tx.workspace().set_connection(&c)?;
            audit_entry(
                tx,
                now,
                by.as_ref(),
                "account_disconnected",
                None,
                json!({"target": c.target()}),
            )?;
            Ok(c)
        })
    }
}

fn budgets_of(client: &XClient, now: jiff::Timestamp) -> Vec<BudgetRow> {
    ENDPOINTS
        .iter()
        .flat_map(|e| {
            client
                .budgets(*e)
                .into_iter()
                .map(move |b| BudgetRow::from_budget(*e, &b, now))
        })
        .collect()
}

fn parse_url(url: &str) -> Result<Url> {
    Url::parse(url).map_err(|_| Error::InvalidUrl {
        url: url.to_string(),
    })
}
