//! Use cases for the connection to X: connect (to X in a browser, or to a sandbox without
//! one), status with the budget left, disconnect, and the client every X call goes through.

use std::sync::Arc;

use countersign_x::{Endpoint, MemoryTokenStore, TokenStore, XClient, XConfig, XError};
use serde::Serialize;
use serde_json::json;
use url::Url;

use super::App;
use crate::acts::{Acts, AuditNote, RosterFact};
use crate::audit::AuditAction;
use crate::connection::{BudgetRow, Connection, ConnectionState, SANDBOX_CLIENT_ID, SecretTokens};
use crate::error::{Error, Result};
use crate::events::Event;
use crate::model::{Account, Member, Role};
use crate::roster::RosterPin;
use crate::schedule;
use crate::store::Tx;
use crate::workflow::AccountAction;

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

/// Who may hold an X grant on this laptop (connect it, or disconnect it). In a team, the member
/// who joined on it, if they review: each reviewer's laptop holds its own grant and publishes
/// with it, and a contributor's laptop holds none. Alone, whoever may change the account
/// (`actor`; none for the CLI's operator).
fn may_hold_grant(
    tx: &Tx<'_>,
    laptop: Option<uuid::Uuid>,
    actor: Option<&str>,
    pin: Option<&RosterPin>,
) -> Result<Option<Member>> {
    let Some(me) = laptop else {
        if let Some(a) = actor {
            tx.allowed(a, AccountAction::ChangeAccount, pin)?;
        }
        return Ok(None);
    };
    let Some(m) = tx.members().by_id(me)?.filter(|m| m.active) else {
        return Err(Error::TeamSetup(
            "this laptop's member is deactivated: it holds no X grant".into(),
        ));
    };
    if !m.role.reviews() {
        return Err(Error::TeamSetup(
            "only an approver's or admin's laptop connects the brand account: a contributor's \
             laptop holds no X token, and never publishes"
                .into(),
        ));
    }
    Ok(Some(m))
}

/// [`may_hold_grant`], and in a team the first connection is an admin's: it says which X
/// account is the brand's (its id binds approvals and finds the brand's posts).
pub(super) fn may_connect(
    tx: &Tx<'_>,
    laptop: Option<uuid::Uuid>,
    actor: Option<&str>,
    pin: Option<&RosterPin>,
) -> Result<()> {
    let member = may_hold_grant(tx, laptop, actor, pin)?;
    if member.is_some_and(|m| m.role != Role::Admin) && tx.account()?.x_user_id.is_none() {
        return Err(Error::TeamSetup(
            "an admin connects the brand account first (it records which X account the brand \
             is); then each reviewer's laptop connects its own"
                .into(),
        ));
    }
    Ok(())
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

/// Optional changes to the account's settings.
#[derive(Debug, Clone, Default)]
pub struct AccountChange {
    pub display_name: Option<String>,
    pub timezone: Option<String>,
    pub max_weighted_length: Option<u32>,
    pub solo_mode: Option<bool>,
    pub grace_minutes: Option<u32>,
}

impl App {
    /// Changes the account's settings. Admins only.
    pub fn update_account(&self, actor: &str, change: AccountChange) -> Result<Account> {
        let now = self.now();
        let key = self.prepare(actor)?;
        let change_solo = change.solo_mode.is_some();
        let account = self.write(|tx| {
            let admin = tx.allowed(actor, AccountAction::ChangeAccount, key.pin())?;
            let admin = key.signer(admin)?;
            let mut a = tx.account()?;
            if let Some(name) = change.display_name {
                a.display_name = name;
            }
            if let Some(z) = change.timezone {
                schedule::zone(&z)?;
                a.timezone = z;
            }
            if let Some(limit) = change.max_weighted_length {
                if !(1..=25_000).contains(&limit) {
                    return Err(Error::InvalidLimit { limit });
                }
                a.max_weighted_length = limit;
            }
            if let Some(solo) = change.solo_mode {
                a.solo_mode = solo;
                // Only the signed roster decides solo mode: the admin signs the change there.
                let ws = tx.workspace().id()?;
                let roster = tx.signed_roster(&ws)?;
                if roster.solo() != solo {
                    let public_key = roster
                        .latest(admin.member.id)
                        .map(|(e, _)| e.public_key.clone())
                        .ok_or_else(|| Error::SignerNotInRoster {
                            name: admin.member.name.clone(),
                        })?;
                    tx.append_roster(
                        RosterFact {
                            workspace_id: &ws,
                            member: &admin.member,
                            public_key: &public_key,
                            solo: Some(solo),
                            signer: Some((admin.member.id, &admin.key)),
                        },
                        now,
                    )?;
                    tx.record(
                        now,
                        AuditNote::by(&admin, AuditAction::SoloModeChanged)
                            .detail(json!({"solo_mode": solo})),
                    )?;
                }
            }
            if let Some(g) = change.grace_minutes {
                a.grace_minutes = g;
            }
            tx.workspace().update(&a)?;
            tx.record(
                now,
                AuditNote::by(&admin, AuditAction::AccountChanged).detail(json!(a)),
            )?;
            Ok(a)
        })?;
        self.remember_counting(&account);
        if change_solo {
            self.roster_grew();
        }
        Ok(account)
    }

    /// The tokens of this workspace's connection, in the workspace's secret store.
    fn token_store(&self, c: &Connection) -> SecretTokens {
        SecretTokens::new(self.keys.secrets().clone(), self.laptop_key(c.token_key()))
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
        let pin = self.pin()?;
        let laptop = self.publisher_identity().0;
        let (handle, mut c) = self.read(|tx| {
            may_connect(tx, laptop, actor, pin.as_ref())?;
            Ok((tx.account()?.handle, tx.workspace().connection()?))
        })?;
        // A team laptop's publisher signs what it records with a key of this laptop's, which
        // its member announces now (refused here, before X is asked, if that cannot be done).
        let announce = self.publisher_key_to_announce()?;
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
        // A team laptop connects as the member who joined on it (checked above, reviewers
        // only); what it records is signed by the key it announces, not as an account change.
        let actor = actor.filter(|_| laptop.is_none());
        let key = self.prepare_any(actor)?;
        let c = self.write(move |tx| {
            let by = tx.acting(actor, AccountAction::ChangeAccount, &key)?;
            let mut a = tx.account()?;
            // The account's X id is the team's, and the admins' to set: a reviewer's laptop
            // connecting first leaves it for them (the handle was checked above).
            let may_set = laptop.is_none()
                || laptop
                    .and_then(|id| tx.members().by_id(id).ok().flatten())
                    .is_some_and(|m| m.role == Role::Admin);
            if may_set {
                a.x_user_id = Some(me.id.clone());
            }
            c.x_user_id.clone_from(&a.x_user_id);
            tx.workspace().set_connection(&c)?;
            tx.workspace().update(&a)?;
            tx.workspace().save_budgets(&budgets)?;
            tx.record(
                now,
                AuditNote::by_any(by.as_ref(), AuditAction::AccountConnected).detail(
                    json!({"target": c.target(), "x_user_id": me.id, "username": me.username}),
                ),
            )?;
            if let (Some(a), Some(member)) = (&announce, laptop) {
                a.record(tx, now, member)?;
            }
            Ok(c)
        })?;
        // The team sees at once that this laptop can publish (its publisher's heartbeat says
        // so again while it runs); not telling is no reason to fail a connection that holds.
        if laptop.is_some()
            && let Err(e) = self.seen(true)
        {
            tracing::info!(
                code = e.code(),
                "could not tell the team this laptop publishes: {e}"
            );
        }
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
                account: tx.account()?,
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
            // Other team laptops are told whose laptop stopped publishing.
            let laptop_of = self.laptop_member()?;
            let changed = self.write(|tx| {
                let mut c = tx.workspace().connection()?;
                if c.state == ConnectionState::NeedsReconnect {
                    return Ok(false);
                }
                c.state = ConnectionState::NeedsReconnect;
                tx.workspace().set_connection(&c)?;
                tx.record(
                    now,
                    AuditNote::unsigned(AuditAction::AccountNeedsReconnect)
                        .detail(json!({"target": c.target(), "laptop_of": laptop_of})),
                )?;
                Ok(true)
            })?;
            if changed {
                self.events.emit(Event::NeedsReconnect { laptop_of: None });
            }
        }
        Ok(())
    }

    /// Revokes the tokens at X, removes them from the keychain and forgets the connection.
    pub async fn disconnect(&self, actor: Option<&str>) -> Result<Connection> {
        // Asked before anything is revoked: a refused disconnect leaves the grant working.
        let pin = self.pin()?;
        let laptop = self.publisher_identity().0;
        self.read(|tx| may_hold_grant(tx, laptop, actor, pin.as_ref()))?;
        let actor = actor.filter(|_| laptop.is_none());
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
        let key = self.prepare_any(actor)?;
        let c = self.write(|tx| {
            let by = tx.acting(actor, AccountAction::ChangeAccount, &key)?;
            let mut c = tx.workspace().connection()?;
            c.state = ConnectionState::Disconnected;
            tx.workspace().set_connection(&c)?;
            tx.record(
                now,
                AuditNote::by_any(by.as_ref(), AuditAction::AccountDisconnected)
                    .detail(json!({"target": c.target()})),
            )?;
            Ok(c)
        })?;
        // The team sees at once that this laptop no longer publishes.
        if laptop.is_some()
            && let Err(e) = self.seen(false)
        {
            tracing::info!(
                code = e.code(),
                "could not tell the team this laptop stopped: {e}"
            );
        }
        Ok(c)
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
