//! [`App`]: the one handle through which every adapter runs Countersign's use cases.
//!
//! Each use case is one method. It resolves the acting member, asks [`workflow::check`] whether
//! the move is allowed, changes the store and appends to the audit trail in one write
//! transaction, and only then emits events. A refusal changes nothing.
//!
//! This file holds the handle: what it is assembled from ([`Parts`]), creating and opening a
//! workspace, and the transactions. The use cases live beside it, one file per area:
//!
//! - [`members`]: the team and the signed roster;
//! - [`drafting`]: counting, drafts, edits, submitting;
//! - [`review`]: approving, requesting changes, rejecting, comments, what a screen shows;
//! - [`time`]: countersigning a time, the queue, unscheduling, dropping, decisions;
//! - [`publishing`]: the exactly-once publisher pass and the claim-time check;
//! - [`audit`] and [`history`]: the trail, its export, posted history and its export;
//! - [`account`]: the account's settings and its X connection;
//! - [`viewer`]: what the member at the screen may do beyond any one post.
//!
//! They reach the store through the transaction steps in [`crate::acts`], which import nothing
//! from here: adapter → `App` → use-case areas → acts → store.
//!
//! [`workflow::check`]: crate::workflow::check

pub mod account;
pub mod audit;
pub mod drafting;
pub mod history;
pub mod inbox;
mod laptop;
mod media;
pub mod members;
pub mod outbox;
pub mod publishing;
pub mod review;
pub mod team;
pub mod time;
pub mod viewer;

pub use account::{AccountChange, AccountStatus, Target};
pub use drafting::{DraftInput, Edit, MediaInput, PartInput};
pub use members::{NewMember, RosterLine};
pub use review::{Permissions, Permit, PostView, ReviewDiff};
pub use time::{Decision, When};

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, MutexGuard, RwLock};
use std::time::Duration;

use jiff::Timestamp;
use serde_json::json;

use crate::acts::{Acts, AuditNote, count_config};
use crate::audit::AuditAction;
use crate::clock::{Clock, ServerClock, SystemClock};
use crate::count::CountConfig;
use crate::error::{Error, Result};
use crate::events::{Event, Events};
use crate::keys::KdfCost;
use crate::model::Account;
use crate::roster::RosterPin;
use crate::schedule;
use crate::secrets::{Channel, Keychain, MemorySecrets, SecretStore, SecretString};
use crate::signer::{MemberKeys, Prepared};
use crate::store::{Store, Tx};
use crate::team::config::TeamConfig;

/// The database file inside a data directory.
pub const DB_FILE: &str = "countersign.sqlite";
/// The folder for media files inside a data directory.
pub const MEDIA_DIR: &str = "media";

/// How long an unsealed key stays usable unless [`Parts::unlock_for`] says otherwise.
pub const DEFAULT_UNLOCK_FOR: Duration = Duration::from_secs(5 * 60);

/// What `init` needs to create a workspace.
#[derive(Debug, Clone, Default)]
pub struct InitOptions {
    pub handle: String,
    pub display_name: Option<String>,
    /// IANA name; the machine's zone when `None`.
    pub timezone: Option<String>,
    pub solo: bool,
    /// 280 when `None`.
    pub max_weighted_length: Option<u32>,
}

/// The parts an [`App`] is assembled from. Adapters build them once (the CLI and the desktop
/// shell read `COUNTERSIGN_CHANNEL` for [`Parts::for_channel`]); core reads no environment.
#[derive(Debug, Clone)]
pub struct Parts {
    /// Where time comes from: [`SystemClock`] in the binaries, a `ManualClock` in tests.
    pub clock: Arc<dyn Clock>,
    /// Where member keys and X tokens live: the OS keychain in the binaries.
    pub secrets: Arc<dyn SecretStore>,
    /// How hard sealing a key with a passphrase works.
    pub kdf: KdfCost,
    /// How long a key unsealed with a passphrase stays usable.
    pub unlock_for: Duration,
}

impl Parts {
    /// The OS keychain on `channel`, the system clock, and that channel's key-derivation cost:
    /// what every binary runs on.
    pub fn for_channel(channel: Channel) -> Parts {
        Parts {
            clock: Arc::new(SystemClock),
            secrets: Arc::new(Keychain::new(channel)),
            kdf: KdfCost::for_channel(channel),
            unlock_for: DEFAULT_UNLOCK_FOR,
        }
    }

    /// Secrets in this process only and a cheap key-derivation cost, on `clock`: for domain
    /// tests, which then need no keychain at all.
    pub fn in_memory(clock: Arc<dyn Clock>) -> Parts {
        Parts {
            clock,
            secrets: Arc::new(MemorySecrets::new()),
            kdf: KdfCost::Test,
            unlock_for: DEFAULT_UNLOCK_FOR,
        }
    }

    pub fn with_clock(mut self, clock: Arc<dyn Clock>) -> Parts {
        self.clock = clock;
        self
    }

    pub fn with_unlock_for(mut self, unlock_for: Duration) -> Parts {
        self.unlock_for = unlock_for;
        self
    }
}

/// The handle to one workspace.
#[derive(Debug)]
pub struct App {
    data_dir: PathBuf,
    store: Mutex<Store>,
    clock: Arc<dyn Clock>,
    pub(crate) events: Events,
    pub(crate) keys: MemberKeys,
    /// The account's counting rules, kept so counting a keystroke takes no store lock and
    /// reads no database; refreshed whenever the account is read.
    counting: RwLock<CountConfig>,
    /// Wakes this process's publisher when the schedule changes.
    wake: Arc<tokio::sync::Notify>,
    /// The X client for the connection as it was when the client was made: kept so the
    /// rate-limit budgets X reported are remembered between publishing passes.
    pub(crate) x_cache: Mutex<Option<(crate::connection::Connection, countersign_x::XClient)>>,
    /// Team mode: which server, member and laptop this data dir is (`None`: a solo workspace).
    pub(crate) team: Option<TeamConfig>,
    /// When this process last told the team server it is up.
    pub(crate) heartbeat: Mutex<Option<std::time::Instant>>,
    /// Team mode: this laptop's publishing key, once read and found announced in the trail.
    pub(crate) publisher_key: Mutex<Option<crate::keys::MemberKey>>,
    /// Held while this process replays its outbox, so two threads never send one act twice.
    pub(crate) replaying: Mutex<()>,
    /// When the publisher last found the server's trail the same as this laptop's.
    pub(crate) trail_checked: Mutex<Option<std::time::Instant>>,
}

impl App {
    /// Creates a workspace in `data_dir`.
    pub fn init(data_dir: &Path, opts: InitOptions, parts: Parts) -> Result<App> {
        let handle = valid_handle(&opts.handle)?;
        let timezone = match opts.timezone {
            Some(z) => {
                schedule::zone(&z)?;
                z
            }
            None => jiff::tz::TimeZone::system()
                .iana_name()
                .unwrap_or("UTC")
                .to_string(),
        };
        let limit = opts.max_weighted_length.unwrap_or(280);
        if !(1..=25_000).contains(&limit) {
            return Err(Error::InvalidLimit { limit });
        }
        let account = Account {
            display_name: opts
                .display_name
                .filter(|n| !n.trim().is_empty())
                .unwrap_or_else(|| handle.clone()),
            handle,
            x_user_id: None,
            max_weighted_length: limit,
            timezone,
            solo_mode: opts.solo,
            grace_minutes: 10,
        };
        let path = data_dir.join(DB_FILE);
        let mut store = match Store::create(&path) {
            // A file without a workspace row is an `init` that stopped half-way: finish it.
            Err(Error::AlreadyInitialized { dir }) => {
                let mut store = Store::open(&path)?;
                if store.read(|tx| tx.workspace().account())?.is_some() {
                    return Err(Error::AlreadyInitialized { dir });
                }
                store
            }
            other => other?,
        };
        let now = parts.clock.now();
        store.write(|tx| {
            tx.workspace().create(&account, now)?;
            tx.record(
                now,
                AuditNote::unsigned(AuditAction::WorkspaceCreated).detail(json!({
                    "handle": account.handle,
                    "timezone": account.timezone,
                    "solo_mode": account.solo_mode,
                })),
            )
        })?;
        App::assemble(data_dir, store, parts, None)
    }

    /// Opens the workspace in `data_dir`: a solo workspace, or a team laptop's replica and its
    /// server (which may be unreachable: the replica still serves reads).
    pub fn open(data_dir: &Path, mut parts: Parts) -> Result<App> {
        let team = TeamConfig::load(data_dir)?;
        let mut store = match &team {
            None => Store::open_workspace(&data_dir.join(DB_FILE))?,
            Some(cfg) => {
                let password = parts.secrets.get(&cfg.login_key())?.ok_or_else(|| {
                    Error::TeamSetup(format!(
                        "this laptop's login for the team server is not in the keychain ({}); \
                         ask an admin for a new invite and join again in a new folder",
                        cfg.login_key()
                    ))
                })?;
                // Due-ness, leases and approval times follow the server's clock.
                let clock = Arc::new(ServerClock::new(parts.clock.clone()));
                parts.clock = clock.clone();
                Store::open_team(&data_dir.join(DB_FILE), cfg.server_login(password), clock)?
            }
        };
        if store.read(|tx| tx.workspace().account())?.is_none() {
            return Err(Error::NoWorkspace {
                dir: data_dir.to_path_buf(),
            });
        }
        App::assemble(data_dir, store, parts, team)
    }

    fn assemble(
        data_dir: &Path,
        store: Store,
        parts: Parts,
        team: Option<TeamConfig>,
    ) -> Result<App> {
        let app = App {
            data_dir: data_dir.to_path_buf(),
            store: Mutex::new(store),
            clock: parts.clock,
            events: Events::default(),
            keys: MemberKeys::new(parts.secrets, parts.kdf, parts.unlock_for),
            counting: RwLock::new(CountConfig::v3()),
            wake: Arc::new(tokio::sync::Notify::new()),
            x_cache: Mutex::new(None),
            team,
            heartbeat: Mutex::new(None),
            publisher_key: Mutex::new(None),
            replaying: Mutex::new(()),
            trail_checked: Mutex::new(None),
        };
        app.account()?;
        // Pin the roster as this machine first sees it; a machine without a usable keychain
        // still opens (it will be told when an act needs the pin).
        app.roster_grew();
        Ok(app)
    }

    /// Opens `name`'s sealed key with their passphrase and keeps it usable for a while. A
    /// contributor's key needs no passphrase; unlocking it does nothing.
    pub fn unlock(&self, name: &str, passphrase: &SecretString) -> Result<()> {
        let (ws, m) = self.read(|tx| Ok((tx.workspace().id()?, tx.member(name)?)))?;
        self.keys.unlock(&ws, &m, passphrase)
    }

    /// Whether acting as `name` needs their passphrase first: their key is sealed and not
    /// unlocked in this process.
    pub fn needs_passphrase(&self, name: &str) -> Result<bool> {
        let (ws, m) = self.read(|tx| Ok((tx.workspace().id()?, tx.member(name)?)))?;
        self.keys.needs_passphrase(&ws, &m)
    }

    /// Forgets every unsealed key.
    pub fn lock(&self) {
        self.keys.lock();
    }

    /// Looks up `actor`'s key before a write transaction starts (the keychain may prompt), for
    /// the transaction to take with [`Prepared::signer`] once its checks passed.
    pub(crate) fn prepare(&self, actor: &str) -> Result<Prepared> {
        let pin = self.pin()?;
        let found = self.read(|tx| {
            let ws = tx.workspace().id()?;
            Ok(tx.members().by_name(actor)?.map(|m| (ws, m)))
        })?;
        Ok(match found {
            Some((ws, m)) => self.keys.prepare(&ws, &m, pin),
            None => MemberKeys::nobody(pin),
        })
    }

    /// [`App::prepare`] for an actor who may be nobody (the workspace itself acts).
    pub(crate) fn prepare_any(&self, actor: Option<&str>) -> Result<Prepared> {
        match actor {
            Some(a) => self.prepare(a),
            None => Ok(MemberKeys::nobody(self.pin()?)),
        }
    }

    /// What this machine pinned of the signed roster: its genesis, the head it last saw, and
    /// the posts still on their way that were written before versions were signed. Read from
    /// the secret store each time (another process may have moved it forward). The first call
    /// on a machine pins the roster as it is; later calls move the head forward only along the
    /// same chain, so a rewritten or cut-short roster keeps failing
    /// [`crate::roster::Roster::check_pin`].
    pub(crate) fn pin(&self) -> Result<Option<RosterPin>> {
        let (ws, roster) = self.read(|tx| {
            let ws = tx.workspace().id()?;
            let roster = tx.signed_roster(&ws)?;
            Ok((ws, roster))
        })?;
        let key = self.laptop_key(format!("roster-pin/{ws}"));
        let secrets = self.keys.secrets();
        let stored = match secrets.get(&key)? {
            None => None,
            Some(s) => Some(serde_json::from_str::<RosterPin>(s.expose()).map_err(|_| {
                Error::KeychainFailed {
                    detail: format!(
                        "the roster pin kept in the keychain ({key}) is unreadable; nothing is \
                         countersigned or published until it is restored"
                    ),
                }
            })?),
        };
        let save = |pin: &RosterPin| -> Result<()> {
            let json = serde_json::to_string(pin).map_err(|e| Error::Internal(e.to_string()))?;
            secrets.set(&key, &SecretString::new(json))
        };
        Ok(match (stored, roster.pin()) {
            // The roster still holds what was pinned and is whole: pin its new head.
            (Some(old), Some(head))
                if roster.check_pin(&old).is_ok() && roster.broken().is_none() =>
            {
                let pin = RosterPin {
                    unsigned_posts: old.unsigned_posts.clone(),
                    ..head
                };
                if pin != old {
                    save(&pin)?;
                }
                Some(pin)
            }
            // It does not: keep the old pin, so every check names what changed.
            (Some(old), _) => Some(old),
            // First seen on this machine: what is still on its way unsigned is from before
            // versions were signed, and only those posts may rely on the stored author.
            (None, Some(head)) => {
                let pin = RosterPin {
                    unsigned_posts: self.read(|tx| tx.posts().unsigned_pending())?,
                    ..head
                };
                save(&pin)?;
                Some(pin)
            }
            (None, None) => None,
        })
    }

    /// Moves the pin forward after this process appended to the roster.
    pub(crate) fn roster_grew(&self) {
        if let Err(e) = self.pin() {
            tracing::warn!("could not update the roster pin: {e}");
        }
    }

    /// A keychain entry name for this laptop: team laptops add their device id, so laptops
    /// sharing one keychain (one person's two machines, or the tests) keep their own.
    pub(crate) fn laptop_key(&self, base: String) -> String {
        match &self.team {
            Some(t) => format!("{base}/{}", t.device),
            None => base,
        }
    }

    /// Who publishes from this laptop, and which laptop it is: team mode's member and device;
    /// nobody on a solo workspace (its publisher is the workspace itself).
    pub(crate) fn publisher_identity(&self) -> (Option<uuid::Uuid>, Option<String>) {
        match &self.team {
            Some(t) => (Some(t.member_id), Some(t.device.clone())),
            None => (None, None),
        }
    }

    /// The parts this handle was assembled from (in team mode, with the server's clock).
    pub(crate) fn parts(&self) -> Parts {
        let (kdf, unlock_for) = self.keys.costs();
        Parts {
            clock: self.clock.clone(),
            secrets: self.keys.secrets().clone(),
            kdf,
            unlock_for,
        }
    }

    /// The folder the workspace lives in.
    pub fn data_dir(&self) -> &Path {
        &self.data_dir
    }

    /// Where attached media files are kept, by content hash.
    pub fn media_dir(&self) -> PathBuf {
        self.data_dir.join(MEDIA_DIR)
    }

    /// Now, by the workspace's clock.
    pub fn now(&self) -> Timestamp {
        self.clock.now()
    }

    /// Events from now on.
    pub fn subscribe(&self) -> std::sync::mpsc::Receiver<Event> {
        self.events.subscribe()
    }

    /// What wakes this process's publisher (see [`crate::publisher`]).
    pub fn wake_handle(&self) -> Arc<tokio::sync::Notify> {
        self.wake.clone()
    }

    /// Tells the publisher, here or in another process on this data dir, that what is due
    /// may have changed.
    pub(crate) fn schedule_changed(&self) {
        self.wake.notify_one();
        crate::lease::wake_other_process(&self.data_dir);
    }

    /// The earliest instant anything is due to be published (or retried).
    pub fn next_due(&self) -> Result<Option<Timestamp>> {
        let device = self.publisher_identity().1;
        self.read(|tx| tx.publishing().next_due(device.as_deref()))
    }

    pub(crate) fn store(&self) -> MutexGuard<'_, Store> {
        self.store.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(crate) fn read<T: Send>(&self, f: impl FnOnce(&Tx<'_>) -> Result<T> + Send) -> Result<T> {
        self.store().read(f)
    }

    pub(crate) fn write<T: Send>(&self, f: impl FnOnce(&Tx<'_>) -> Result<T> + Send) -> Result<T> {
        self.store().write(f)
    }

    /// [`App::write`] for an act that needs the team server and cannot wait in the outbox:
    /// offline, its error names the act ("approving needs it").
    pub(crate) fn write_for<T: Send>(
        &self,
        what: &'static str,
        f: impl FnOnce(&Tx<'_>) -> Result<T> + Send,
    ) -> Result<T> {
        self.write(f).map_err(|e| e.located(what))
    }

    /// The brand account this workspace posts for, with its settings.
    pub fn account(&self) -> Result<Account> {
        let account = self.read(|tx| tx.account())?;
        self.remember_counting(&account);
        Ok(account)
    }

    pub(crate) fn remember_counting(&self, account: &Account) {
        *self.counting.write().unwrap_or_else(|p| p.into_inner()) = count_config(account);
    }

    /// The account's counting rules as last read; no store lock, no database.
    pub(crate) fn counting(&self) -> CountConfig {
        self.counting
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .clone()
    }

    /// Writes a consistent copy of the workspace database to `dest`.
    pub fn backup(&self, dest: &Path) -> Result<()> {
        self.store().backup_to(dest)
    }
}

fn valid_handle(handle: &str) -> Result<String> {
    let h = handle.trim().trim_start_matches('@');
    if h.is_empty() || h.len() > 15 || !h.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return Err(Error::InvalidHandle {
            handle: handle.to_string(),
        });
    }
    Ok(h.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn handles_are_checked() {
        assert_eq!(valid_handle("@acme_co").unwrap(), "acme_co");
        assert_eq!(
            valid_handle("has space").unwrap_err().code(),
            "invalid_handle"
        );
        assert_eq!(
            valid_handle("waytoolonghandle_").unwrap_err().code(),
            "invalid_handle"
        );
    }
}
