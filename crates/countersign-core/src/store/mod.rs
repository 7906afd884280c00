//! The store: the only place in Countersign that speaks SQL, behind backend-neutral facades.
//!
//! Use cases run inside [`Store::read`] or [`Store::write`], and reach each table through a
//! small handle on the transaction (`tx.posts()`, `tx.audit()`, ...). Those handles, and
//! [`Store`] and [`Tx`] themselves, are facades: each wraps one backend's value in an enum and
//! forwards every call with a `match`, so a second backend (PostgreSQL, for teams) is one more
//! variant per facade and no use case changes. The doc comments here are the contract every
//! backend keeps; `conformance.rs` tests it.
//!
//! - `sqlite/`: today's only backend, one workspace file (open, migrate, backup, the SQL).
//! - `pg/`: the team server: its schema (migrations, roles, row-level security) and the
//!   connection that speaks to it.
//! - `team.rs`: team mode's store: writes on the server, reads from this laptop's replica (the
//!   SQLite file, kept by `sqlite/replica.rs`).
//! - `rows.rs`: the row and view types the handles return, shared by every backend.
//! - one facade file per table: `workspace.rs`, `members.rs`, `posts.rs`, `publishing.rs`,
//!   `approvals.rs`, `comments.rs` (comments and reviews), `audit.rs`, `roster.rs`, `media.rs`,
//!   `inbox.rs` (conversations, messages and answers), and `outbox.rs` (a team laptop's acts
//!   made offline: its own file only).

mod approvals;
mod audit;
mod comments;
#[cfg(test)]
mod conformance;
mod inbox;
mod media;
mod members;
mod outbox;
mod pg;
mod posts;
mod publishing;
mod roster;
mod rows;
mod sqlite;
pub(crate) mod team;
mod workspace;

use std::path::Path;

pub use approvals::Approvals;
pub use audit::AuditLog;
pub use comments::{Comments, Reviews};
pub use inbox::Inbox;
pub use media::MediaFiles;
pub use members::Members;
pub use outbox::Outbox;
pub use pg::listen::ChangeListener;
pub use pg::server::{Chains, ServerLogin, Tls, is_loopback};
pub use posts::Posts;
pub use publishing::Publishing;
pub use roster::RosterLog;
pub use rows::{
    CalendarItem, HistoryQuery, HistoryRow, ImportedPost, InboxCursor, Laptop, NewAuditEntry,
    OutboxAct, PostSummary, PublishState, QueueSlot, Queued,
};
pub use team::ReplicaState;
pub use workspace::Workspace;

use crate::error::{Error, Result};
use approvals::ApprovalsImpl;
use audit::AuditLogImpl;
use comments::{CommentsImpl, ReviewsImpl};
use inbox::InboxImpl;
use media::MediaFilesImpl;
use members::MembersImpl;
use outbox::OutboxImpl;
use posts::PostsImpl;
use publishing::PublishingImpl;
use roster::RosterLogImpl;
use workspace::WorkspaceImpl;

/// One open workspace store.
#[derive(Debug)]
pub struct Store(StoreImpl);

#[derive(Debug)]
enum StoreImpl {
    Sqlite(sqlite::SqliteStore),
    Team(Box<team::TeamStore>),
}

impl Store {
    /// Creates a new workspace database at `path`. Refuses if a file is already there.
    pub fn create(path: &Path) -> Result<Store> {
        Ok(Store(StoreImpl::Sqlite(sqlite::SqliteStore::create(path)?)))
    }

    /// Opens an existing workspace database, validating it before writing anything, and
    /// migrates it to this build's schema.
    pub fn open(path: &Path) -> Result<Store> {
        Ok(Store(StoreImpl::Sqlite(sqlite::SqliteStore::open(path)?)))
    }

    /// Opens a workspace's database, as [`Store::open`] does, but refuses a file that holds no
    /// workspace (an `init` that stopped half-way) before writing anything to it.
    pub fn open_workspace(path: &Path) -> Result<Store> {
        Ok(Store(StoreImpl::Sqlite(
            sqlite::SqliteStore::open_workspace(path)?,
        )))
    }

    /// Opens a team workspace: this laptop's replica at `path`, and the team server. An
    /// unreachable server is not an error here: reads work offline, writes say they need it.
    /// `clock` learns the server's time from every round trip.
    pub fn open_team(
        path: &Path,
        login: ServerLogin,
        clock: std::sync::Arc<crate::clock::ServerClock>,
    ) -> Result<Store> {
        let team = off_runtime(|| team::TeamStore::open(path, login, clock))?;
        Ok(Store(StoreImpl::Team(Box::new(team))))
    }

    /// Where the workspace database is (in team mode, this laptop's replica).
    pub fn path(&self) -> &Path {
        match &self.0 {
            StoreImpl::Sqlite(s) => s.path(),
            StoreImpl::Team(t) => t.path(),
        }
    }

    /// Whether writes go to a team server.
    pub fn is_team(&self) -> bool {
        matches!(self.0, StoreImpl::Team(_))
    }

    /// Team mode: pulls what changed on the server now; how many changes came.
    pub fn sync(&mut self) -> Result<usize> {
        match &mut self.0 {
            StoreImpl::Sqlite(_) => Err(Error::NotTeam { what: "syncing" }),
            StoreImpl::Team(t) => off_runtime(|| t.pull()),
        }
    }

    /// Team mode: the audit entries other laptops wrote that this laptop pulled since the last
    /// call, oldest first (what they did, to tell the people here). Empty on a solo workspace.
    pub fn take_heard(&mut self) -> Vec<serde_json::Value> {
        match &mut self.0 {
            StoreImpl::Sqlite(_) => Vec::new(),
            StoreImpl::Team(t) => t.take_heard(),
        }
    }

    /// Team mode: how this laptop stands with the server.
    pub fn replica_state(&mut self) -> Result<ReplicaState> {
        match &mut self.0 {
            StoreImpl::Sqlite(_) => Err(Error::NotTeam {
                what: "team status",
            }),
            StoreImpl::Team(t) => Ok(off_runtime(|| t.state())),
        }
    }

    /// Team mode: refuses a server whose audit trail or roster is not, entry for entry, the one
    /// this laptop holds (`server_untrusted`). Nothing to check on a solo workspace.
    pub fn check_trail(&mut self) -> Result<()> {
        match &mut self.0 {
            StoreImpl::Sqlite(_) => Ok(()),
            StoreImpl::Team(t) => off_runtime(|| t.check_trail()),
        }
    }

    /// Team mode: the audit trail's and the roster's entries as the server holds them.
    pub fn server_chains(&mut self) -> Result<pg::server::Chains> {
        self.on_server("comparing the trail", |s| s.chains())
    }

    /// Team mode: calls `on_change` whenever the server says the team changed something,
    /// until the returned listener is dropped. `None` on a solo workspace.
    pub fn listen(
        &self,
        on_change: impl Fn() + Send + 'static,
    ) -> Option<pg::listen::ChangeListener> {
        match &self.0 {
            StoreImpl::Sqlite(_) => None,
            StoreImpl::Team(t) => Some(t.listen(on_change)),
        }
    }

    /// Team mode: runs `f` on the server connection (logins, keys: acts that are not rows).
    pub(crate) fn on_server<T: Send>(
        &mut self,
        what: &'static str,
        f: impl FnOnce(&mut pg::server::PgServer) -> Result<T> + Send,
    ) -> Result<T> {
        match &mut self.0 {
            StoreImpl::Sqlite(_) => Err(Error::NotTeam { what }),
            StoreImpl::Team(t) => off_runtime(|| {
                let out = f(t.server(what)?);
                if out.is_ok() {
                    // What the act changed (a login's row) comes here at once.
                    let _ = t.pull();
                }
                out
            }),
        }
    }

    /// Team mode: keeps a media file's bytes on the server, so another laptop can publish it.
    /// A solo workspace keeps them in its media folder only: nothing to do.
    pub fn put_media(&mut self, hash: &str, bytes: &[u8]) -> Result<()> {
        match &mut self.0 {
            StoreImpl::Sqlite(_) => Ok(()),
            StoreImpl::Team(t) => off_runtime(|| {
                let out = t.server("uploading media").and_then(|s| {
                    s.put_media(hash, bytes)
                        .map_err(|e| e.located("uploading media"))
                });
                if let Err(e) = &out {
                    t.drop_if_broken(e);
                }
                out
            }),
        }
    }

    /// Team mode: a media file's bytes from the server (unchecked; `None` when it has none, and
    /// always on a solo workspace).
    pub fn get_media(&mut self, hash: &str) -> Result<Option<Vec<u8>>> {
        match &mut self.0 {
            StoreImpl::Sqlite(_) => Ok(None),
            StoreImpl::Team(t) => off_runtime(|| {
                let out = t
                    .server("fetching media")
                    .and_then(|s| s.get_media(hash).map_err(|e| e.located("fetching media")));
                if let Err(e) = &out {
                    t.drop_if_broken(e);
                }
                out
            }),
        }
    }

    /// Runs `f` in a read transaction: a consistent snapshot.
    ///
    /// `f` and its result are `Send` so that a backend may run the transaction on a thread of
    /// its own (a blocking database client cannot run on an async runtime's worker).
    pub fn read<T: Send>(&mut self, f: impl FnOnce(&Tx<'_>) -> Result<T> + Send) -> Result<T> {
        match &mut self.0 {
            StoreImpl::Sqlite(s) => s.read(|tx| f(&Tx(TxImpl::Sqlite(tx)))),
            StoreImpl::Team(t) => t.replica().read(|tx| f(&Tx(TxImpl::Sqlite(tx)))),
        }
    }

    /// Runs `f` in a write transaction, committed only if `f` succeeds. Write transactions run
    /// one at a time, from the start: checks made inside `f` still hold when it commits, and
    /// the audit chain stays linear. `Send` as for [`Store::read`].
    pub fn write<T: Send>(&mut self, f: impl FnOnce(&Tx<'_>) -> Result<T> + Send) -> Result<T> {
        match &mut self.0 {
            StoreImpl::Sqlite(s) => s.write(|tx| f(&Tx(TxImpl::Sqlite(tx)))),
            StoreImpl::Team(t) => off_runtime(|| t.write(|tx| f(&Tx(TxImpl::Sqlite(tx))))),
        }
    }

    /// Runs `f` on this laptop's outbox, in a transaction on the local file only: it works with
    /// the team server away, which is what the outbox is for.
    pub fn outbox<T: Send>(
        &mut self,
        f: impl FnOnce(&Outbox<'_>) -> Result<T> + Send,
    ) -> Result<T> {
        self.local_file()
            .write(|tx| f(&Outbox(OutboxImpl::Sqlite(tx.outbox()))))
    }

    /// [`Store::outbox`] for reading only: takes no write lock on the file.
    pub fn read_outbox<T: Send>(
        &mut self,
        f: impl FnOnce(&Outbox<'_>) -> Result<T> + Send,
    ) -> Result<T> {
        self.local_file()
            .read(|tx| f(&Outbox(OutboxImpl::Sqlite(tx.outbox()))))
    }

    /// Runs `f` on this laptop's own settings for the inbox (who is on duty), in a write
    /// transaction on the local file only: they are never shared, and work offline.
    pub fn duty<T: Send>(&mut self, f: impl FnOnce(&Inbox<'_>) -> Result<T> + Send) -> Result<T> {
        self.local_file()
            .write(|tx| f(&Inbox(InboxImpl::Sqlite(tx.inbox()))))
    }

    /// This laptop's own file: the workspace itself, or in team mode its replica.
    fn local_file(&mut self) -> &mut sqlite::SqliteStore {
        match &mut self.0 {
            StoreImpl::Sqlite(s) => s,
            StoreImpl::Team(t) => t.replica(),
        }
    }

    /// Writes a consistent copy of the workspace to `dest`, a new file, while others may keep
    /// using the store. Refuses if `dest` exists.
    pub fn backup_to(&self, dest: &Path) -> Result<()> {
        match &self.0 {
            StoreImpl::Sqlite(s) => s.backup_to(dest),
            StoreImpl::Team(t) => t.backup_to(dest),
        }
    }
}

/// Runs `f` on a thread of its own when called on an async runtime's worker: the blocking
/// PostgreSQL client runs a runtime of its own, which cannot start inside another.
fn off_runtime<T: Send>(f: impl FnOnce() -> T + Send) -> T {
    if tokio::runtime::Handle::try_current().is_err() {
        return f();
    }
    std::thread::scope(|s| match s.spawn(f).join() {
        Ok(out) => out,
        Err(panic) => std::panic::resume_unwind(panic),
    })
}

/// Connects to the team server as `login` (a joining laptop, before it has a replica).
pub(crate) fn connect(login: &ServerLogin) -> Result<pg::server::PgServer> {
    off_runtime(|| pg::server::PgServer::connect(login))
}

/// Team init, the operator's step: applies the server schema for workspace `tag`, and uploads
/// the workspace in `solo` (a closed solo file) as it stands, keeping its id. Returns the server
/// connection, still the operator's, for making the first admin's login.
pub(crate) fn upload_workspace(
    solo: &Path,
    operator: &ServerLogin,
    tag: &str,
    genesis_hash: &str,
) -> Result<pg::server::PgServer> {
    off_runtime(|| {
        let mut file = sqlite::SqliteStore::open(solo)?;
        let columns = file.start_capture()?;
        file.set_genesis(genesis_hash)?;
        let everything = file.everything(&columns)?;
        let mut server = pg::server::PgServer::connect_only(operator)?;
        server.migrate(tag)?;
        server.upload(tag, &everything)?;
        Ok(server)
    })
}

/// A transaction, and the handle to each table.
#[derive(Debug)]
pub struct Tx<'t>(TxImpl<'t>);

#[derive(Debug)]
enum TxImpl<'t> {
    Sqlite(sqlite::SqliteTx<'t>),
}

impl<'t> Tx<'t> {
    pub fn workspace(&self) -> Workspace<'t> {
        match &self.0 {
            TxImpl::Sqlite(tx) => Workspace(WorkspaceImpl::Sqlite(tx.workspace())),
        }
    }
    pub fn members(&self) -> Members<'t> {
        match &self.0 {
            TxImpl::Sqlite(tx) => Members(MembersImpl::Sqlite(tx.members())),
        }
    }
    pub fn posts(&self) -> Posts<'t> {
        match &self.0 {
            TxImpl::Sqlite(tx) => Posts(PostsImpl::Sqlite(tx.posts())),
        }
    }
    pub fn publishing(&self) -> Publishing<'t> {
        match &self.0 {
            TxImpl::Sqlite(tx) => Publishing(PublishingImpl::Sqlite(tx.publishing())),
        }
    }
    pub fn approvals(&self) -> Approvals<'t> {
        match &self.0 {
            TxImpl::Sqlite(tx) => Approvals(ApprovalsImpl::Sqlite(tx.approvals())),
        }
    }
    pub fn comments(&self) -> Comments<'t> {
        match &self.0 {
            TxImpl::Sqlite(tx) => Comments(CommentsImpl::Sqlite(tx.comments())),
        }
    }
    pub fn reviews(&self) -> Reviews<'t> {
        match &self.0 {
            TxImpl::Sqlite(tx) => Reviews(ReviewsImpl::Sqlite(tx.reviews())),
        }
    }
    pub fn audit(&self) -> AuditLog<'t> {
        match &self.0 {
            TxImpl::Sqlite(tx) => AuditLog(AuditLogImpl::Sqlite(tx.audit())),
        }
    }
    pub fn roster(&self) -> RosterLog<'t> {
        match &self.0 {
            TxImpl::Sqlite(tx) => RosterLog(RosterLogImpl::Sqlite(tx.roster())),
        }
    }
    pub fn media(&self) -> MediaFiles<'t> {
        match &self.0 {
            TxImpl::Sqlite(tx) => MediaFiles(MediaFilesImpl::Sqlite(tx.media())),
        }
    }
    pub fn inbox(&self) -> Inbox<'t> {
        match &self.0 {
            TxImpl::Sqlite(tx) => Inbox(InboxImpl::Sqlite(tx.inbox())),
        }
    }
}
