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
//! - `pg/`: the team server's schema (migrations, roles, row-level security); not yet a backend.
//! - `rows.rs`: the row and view types the handles return, shared by every backend.
//! - one facade file per table: `workspace.rs`, `members.rs`, `posts.rs`, `publishing.rs`,
//!   `approvals.rs`, `comments.rs` (comments and reviews), `audit.rs`, `roster.rs`, `media.rs`.

mod approvals;
mod audit;
mod comments;
#[cfg(test)]
mod conformance;
mod media;
mod members;
mod pg;
mod posts;
mod publishing;
mod roster;
mod rows;
mod sqlite;
mod workspace;

use std::path::Path;

pub use approvals::Approvals;
pub use audit::AuditLog;
pub use comments::{Comments, Reviews};
pub use media::MediaFiles;
pub use members::Members;
pub use posts::Posts;
pub use publishing::Publishing;
pub use roster::RosterLog;
pub use rows::{
    CalendarItem, HistoryQuery, HistoryRow, ImportedPost, NewAuditEntry, PostSummary, PublishState,
    QueueSlot,
};
pub use workspace::Workspace;

use crate::error::Result;
use approvals::ApprovalsImpl;
use audit::AuditLogImpl;
use comments::{CommentsImpl, ReviewsImpl};
use media::MediaFilesImpl;
use members::MembersImpl;
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

    /// Where the workspace database is.
    pub fn path(&self) -> &Path {
        match &self.0 {
            StoreImpl::Sqlite(s) => s.path(),
        }
    }

    /// Runs `f` in a read transaction: a consistent snapshot.
    ///
    /// `f` and its result are `Send` so that a backend may run the transaction on a thread of
    /// its own (a blocking database client cannot run on an async runtime's worker).
    pub fn read<T: Send>(&mut self, f: impl FnOnce(&Tx<'_>) -> Result<T> + Send) -> Result<T> {
        match &mut self.0 {
            StoreImpl::Sqlite(s) => s.read(|tx| f(&Tx(TxImpl::Sqlite(tx)))),
        }
    }

    /// Runs `f` in a write transaction, committed only if `f` succeeds. Write transactions run
    /// one at a time, from the start: checks made inside `f` still hold when it commits, and
    /// the audit chain stays linear. `Send` as for [`Store::read`].
    pub fn write<T: Send>(&mut self, f: impl FnOnce(&Tx<'_>) -> Result<T> + Send) -> Result<T> {
        match &mut self.0 {
            StoreImpl::Sqlite(s) => s.write(|tx| f(&Tx(TxImpl::Sqlite(tx)))),
        }
    }

    /// Writes a consistent copy of the workspace to `dest`, a new file, while others may keep
    /// using the store. Refuses if `dest` exists.
    pub fn backup_to(&self, dest: &Path) -> Result<()> {
        match &self.0 {
            StoreImpl::Sqlite(s) => s.backup_to(dest),
        }
    }
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
}
