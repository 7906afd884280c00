//! The SQLite backend: one workspace file, the only store a solo workspace has.
//!
//! A [`SqliteStore`] owns one connection to the workspace file (WAL, foreign keys, a busy
//! timeout so the app, the CLI and the publisher can share the file). Each table's statements
//! live in a handle of their own (`posts.rs`, `audit.rs`, ...), reached from a [`SqliteTx`];
//! the backend-neutral facades in [`crate::store`] forward to them, and carry the docs.
//!
//! Opening is careful: a file that is not a Countersign database, one from a newer build, or
//! a damaged one gives a clear error before anything is written to it.
//!
//! This module also maps `rusqlite`'s errors onto [`Error`], and holds the value conversions
//! (instants as INTEGER milliseconds, UUIDs as text) the handles share.

mod approvals;
mod audit;
mod comments;
mod inbox;
mod media;
mod members;
mod outbox;
mod posts;
mod publishing;
pub(crate) mod replica;
mod roster;
mod workspace;

use std::path::{Path, PathBuf};
use std::time::Duration;

use jiff::Timestamp;
use rusqlite::config::DbConfig;
use rusqlite::{Connection, ErrorCode, OpenFlags, TransactionBehavior};
use uuid::Uuid;

pub(super) use approvals::Approvals;
pub(super) use audit::AuditLog;
pub(super) use comments::{Comments, Reviews};
pub(super) use inbox::Inbox;
pub(super) use media::MediaFiles;
pub(super) use members::Members;
pub(super) use outbox::Outbox;
pub(super) use posts::Posts;
pub(super) use publishing::Publishing;
pub(super) use roster::RosterLog;
pub(super) use workspace::Workspace;

use crate::error::{Error, Result};

/// "CSG1": marks a SQLite file as a Countersign workspace.
const APPLICATION_ID: i32 = 0x4353_4731;

/// Numbered migrations; `PRAGMA user_version` records how many have run.
const MIGRATIONS: &[&str] = &[
    include_str!("migrations/0001_init.sql"),
    include_str!("migrations/0002_connection.sql"),
    include_str!("migrations/0003_signed_approvals.sql"),
    include_str!("migrations/0004_publishing.sql"),
    include_str!("migrations/0005_proofs.sql"),
    include_str!("migrations/0006_team.sql"),
    include_str!("migrations/0007_outbox.sql"),
    include_str!("migrations/0008_receipts.sql"),
    include_str!("migrations/0009_inbox.sql"),
    include_str!("migrations/0010_duty.sql"),
    include_str!("migrations/0011_search_words.sql"),
];

/// The schema version this build writes.
pub const SCHEMA_VERSION: i64 = MIGRATIONS.len() as i64;

/// One connection to a workspace database file.
#[derive(Debug)]
pub(super) struct SqliteStore {
    conn: Connection,
    path: PathBuf,
}

impl SqliteStore {
    pub fn create(path: &Path) -> Result<SqliteStore> {
        if path.exists() {
            return Err(Error::AlreadyInitialized {
                dir: path.parent().unwrap_or(path).to_path_buf(),
            });
        }
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)
                .map_err(|e| Error::io(format!("cannot create {}", dir.display()), e))?;
        }
        let conn = Connection::open(path).map_err(|e| map_open_error(path, e))?;
        conn.pragma_update(None, "application_id", APPLICATION_ID)
            .map_err(|e| map_open_error(path, e))?;
        let mut store = SqliteStore {
            conn,
            path: path.to_path_buf(),
        };
        store.configure()?;
        store.migrate(0)?;
        Ok(store)
    }

    // Nothing is written before `check_identity` has passed.
    pub fn open(path: &Path) -> Result<SqliteStore> {
        SqliteStore::open_checked(path, false)
    }

    /// Opens the file of a workspace, as [`SqliteStore::open`] does, but refuses one that holds
    /// no workspace yet (an `init` that stopped half-way, or a file copied without its `-wal`
    /// while Countersign ran) before anything is written: migrating it first would change a
    /// file the open then refuses.
    pub fn open_workspace(path: &Path) -> Result<SqliteStore> {
        SqliteStore::open_checked(path, true)
    }

    fn open_checked(path: &Path, workspace: bool) -> Result<SqliteStore> {
        if !path.is_file() {
            return Err(Error::NoWorkspace {
                dir: path.parent().unwrap_or(path).to_path_buf(),
            });
        }
        let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_URI
            | OpenFlags::SQLITE_OPEN_NO_MUTEX;
        let conn = Connection::open_with_flags(path, flags).map_err(|e| map_open_error(path, e))?;
        // Closing a connection folds its WAL into the file. A refused open must change
        // nothing, and the `-wal` beside a damaged file may hold a crashed run's last writes:
        // no checkpoint on close until the file has passed every check.
        conn.set_db_config(DbConfig::SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, true)
            .map_err(|e| map_open_error(path, e))?;
        let store = SqliteStore {
            conn,
            path: path.to_path_buf(),
        };
        let found = store.check_identity()?;
        if workspace && !store.holds_workspace(found)? {
            return Err(Error::NoWorkspace {
                dir: path.parent().unwrap_or(path).to_path_buf(),
            });
        }
        let mut store = store;
        store.configure()?;
        store.migrate(found)?;
        store
            .conn
            .set_db_config(DbConfig::SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, false)
            .map_err(|e| map_open_error(path, e))?;
        Ok(store)
    }

    /// Whether the file (at schema `version`) has its workspace row, read as the app reads it
    /// (so a damaged row or table is told now, before anything is written). Reads only.
    fn holds_workspace(&self, version: i64) -> Result<bool> {
        if version == 0 {
            return Ok(false);
        }
        let account = Workspace { conn: &self.conn }.account();
        match account {
            Ok(found) => Ok(found.is_some()),
            // The row is there but does not read as one: a value or a column was damaged.
            Err(Error::Storage(detail)) => Err(Error::Corrupt {
                path: self.path.clone(),
                detail,
            }),
            Err(e) => Err(locate(&self.path, e)),
        }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Checks that the file is ours, not newer than this build, and readable. Returns its
    /// schema version. Reads only.
    fn check_identity(&self) -> Result<i64> {
        let path = &self.path;
        let read = |sql: &str| -> Result<i64> {
            self.conn
                .query_row(sql, [], |r| r.get(0))
                .map_err(|e| map_check_error(path, e))
        };
        let app_id = read("PRAGMA application_id")?;
        let version = read("PRAGMA user_version")?;
        if app_id != APPLICATION_ID as i64 {
            let tables = read("SELECT count(*) FROM sqlite_schema")?;
            let detail = if tables == 0 && version == 0 {
                "it is empty".to_string()
            } else {
                "it is a SQLite database of another program".to_string()
            };
            return Err(Error::NotADatabase {
                path: path.clone(),
                detail,
            });
        }
        if version > SCHEMA_VERSION {
            return Err(Error::SchemaTooNew {
                path: path.clone(),
                found: version,
                known: SCHEMA_VERSION,
            });
        }
        // Reading the schema and the first rows of every table and index catches most damage
        // up front, at a cost that does not grow with the number of posts (a full
        // `quick_check` reads every page: seconds on a large history, at every start).
        self.touch_every_tree()
            .map_err(|e| map_check_error(path, e))?;
        Ok(version)
    }

    /// Reads the first entry of every table and index, so a damaged root page shows now.
    fn touch_every_tree(&self) -> rusqlite::Result<()> {
        let mut stmt = self.conn.prepare(
            "SELECT type, name, tbl_name FROM sqlite_schema
             WHERE type IN ('table', 'index') AND name NOT LIKE 'sqlite_%'
               AND sql IS NOT NULL AND sql NOT LIKE 'CREATE VIRTUAL%'",
        )?;
        let trees: Vec<(String, String, String)> = stmt
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
            .collect::<rusqlite::Result<_>>()?;
        for (kind, name, table) in trees {
            let q = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
            let sql = if kind == "index" {
                format!(
                    "SELECT 1 FROM {} INDEXED BY {} LIMIT 1",
                    q(&table),
                    q(&name)
                )
            } else {
                format!("SELECT 1 FROM {} LIMIT 1", q(&name))
            };
            // Not every index can serve a plain scan (partial indexes): skip those.
            match self.conn.prepare(&sql) {
                Ok(mut s) => {
                    let mut rows = s.query([])?;
                    rows.next()?;
                }
                Err(rusqlite::Error::SqliteFailure(e, _))
                    if e.code == ErrorCode::Unknown && kind == "index" => {}
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    fn configure(&mut self) -> Result<()> {
        let path = self.path.clone();
        let conn = &self.conn;
        (|| -> rusqlite::Result<()> {
            conn.busy_timeout(Duration::from_secs(5))?;
            conn.pragma_update(None, "foreign_keys", true)?;
            // WAL lets readers (the app window) and one writer (the publisher) work at once.
            let _mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
            conn.pragma_update(None, "synchronous", "NORMAL")?;
            Ok(())
        })()
        .map_err(|e| map_open_error(&path, e))
    }

    fn migrate(&mut self, from: i64) -> Result<()> {
        if from >= SCHEMA_VERSION {
            return Ok(());
        }
        let path = self.path.clone();
        // A migration may rebuild a table others refer to (SQLite's way to change a CHECK):
        // foreign keys are off while it runs, and checked as a whole before it commits. The
        // setting only takes effect outside a transaction.
        self.conn
            .pragma_update(None, "foreign_keys", false)
            .map_err(|e| map_open_error(&path, e))?;
        let migrated = self.migrate_in_tx();
        self.conn
            .pragma_update(None, "foreign_keys", true)
            .map_err(|e| map_open_error(&path, e))?;
        migrated
    }

    fn migrate_in_tx(&mut self) -> Result<()> {
        let path = self.path.clone();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(|e| map_open_error(&path, e))?;
        // Another process may have migrated while we waited for the write lock: read again.
        let from: i64 = tx
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .map_err(|e| map_open_error(&path, e))?;
        for (i, sql) in MIGRATIONS.iter().enumerate().skip(from as usize) {
            tx.execute_batch(sql)
                .map_err(|e| map_open_error(&path, e))?;
            tx.pragma_update(None, "user_version", i as i64 + 1)
                .map_err(|e| map_open_error(&path, e))?;
        }
        let broken: i64 = tx
            .query_row("SELECT count(*) FROM pragma_foreign_key_check", [], |r| {
                r.get(0)
            })
            .map_err(|e| map_open_error(&path, e))?;
        if broken > 0 {
            return Err(Error::Corrupt {
                path: path.clone(),
                detail: format!("{broken} rows refer to rows that do not exist"),
            });
        }
        tx.commit().map_err(|e| map_open_error(&path, e))
    }

    pub fn read<T>(&mut self, f: impl FnOnce(SqliteTx<'_>) -> Result<T>) -> Result<T> {
        self.run(TransactionBehavior::Deferred, f)
    }

    // Takes the write lock at the start (`BEGIN IMMEDIATE`), so that checks made inside `f`
    // still hold when it commits.
    pub fn write<T>(&mut self, f: impl FnOnce(SqliteTx<'_>) -> Result<T>) -> Result<T> {
        self.run(TransactionBehavior::Immediate, f)
    }

    fn run<T>(
        &mut self,
        behavior: TransactionBehavior,
        f: impl FnOnce(SqliteTx<'_>) -> Result<T>,
    ) -> Result<T> {
        let path = self.path.clone();
        let tx = self
            .conn
            .transaction_with_behavior(behavior)
            .map_err(|e| locate(&path, e.into()))?;
        let out = f(SqliteTx { conn: &tx }).map_err(|e| locate(&path, e))?;
        tx.commit().map_err(|e| locate(&path, e.into()))?;
        Ok(out)
    }

    // SQLite's online backup: other processes may keep using the file meanwhile.
    pub fn backup_to(&self, dest: &Path) -> Result<()> {
        if dest.exists() {
            return Err(Error::io(
                format!("{} already exists", dest.display()),
                std::io::Error::from(std::io::ErrorKind::AlreadyExists),
            ));
        }
        let mut target = Connection::open(dest).map_err(Error::from)?;
        {
            let backup =
                rusqlite::backup::Backup::new(&self.conn, &mut target).map_err(Error::from)?;
            backup
                .run_to_completion(256, Duration::from_millis(5), None)
                .map_err(Error::from)?;
        }
        // A backup is a single self-contained file: fold its WAL back in.
        let _mode: String = target
            .query_row("PRAGMA journal_mode = DELETE", [], |r| r.get(0))
            .map_err(Error::from)?;
        Ok(())
    }
}

/// A SQLite transaction, and the handle to each table on it.
#[derive(Debug, Clone, Copy)]
pub(super) struct SqliteTx<'c> {
    conn: &'c Connection,
}

impl<'c> SqliteTx<'c> {
    pub fn workspace(self) -> Workspace<'c> {
        Workspace { conn: self.conn }
    }
    pub fn members(self) -> Members<'c> {
        Members { conn: self.conn }
    }
    pub fn posts(self) -> Posts<'c> {
        Posts { conn: self.conn }
    }
    pub fn publishing(self) -> Publishing<'c> {
        Publishing { conn: self.conn }
    }
    pub fn approvals(self) -> Approvals<'c> {
        Approvals { conn: self.conn }
    }
    pub fn comments(self) -> Comments<'c> {
        Comments { conn: self.conn }
    }
    pub fn reviews(self) -> Reviews<'c> {
        Reviews { conn: self.conn }
    }
    pub fn audit(self) -> AuditLog<'c> {
        AuditLog { conn: self.conn }
    }
    pub fn roster(self) -> RosterLog<'c> {
        RosterLog { conn: self.conn }
    }
    pub fn media(self) -> MediaFiles<'c> {
        MediaFiles { conn: self.conn }
    }
    pub fn outbox(self) -> Outbox<'c> {
        Outbox { conn: self.conn }
    }
    pub fn inbox(self) -> Inbox<'c> {
        Inbox { conn: self.conn }
    }
}

impl From<rusqlite::Error> for Error {
    fn from(e: rusqlite::Error) -> Self {
        match e.sqlite_error_code() {
            Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => Error::Busy,
            Some(ErrorCode::DatabaseCorrupt) => Error::Corrupt {
                path: PathBuf::new(),
                detail: e.to_string(),
            },
            Some(ErrorCode::NotADatabase) => Error::NotADatabase {
                path: PathBuf::new(),
                detail: e.to_string(),
            },
            _ => Error::Storage(e.to_string()),
        }
    }
}

/// Fills in the file's path on errors that name it.
fn locate(path: &Path, e: Error) -> Error {
    match e {
        Error::Corrupt { path: p, detail } if p.as_os_str().is_empty() => Error::Corrupt {
            path: path.to_path_buf(),
            detail,
        },
        Error::NotADatabase { path: p, detail } if p.as_os_str().is_empty() => {
            Error::NotADatabase {
                path: path.to_path_buf(),
                detail,
            }
        }
        e => e,
    }
}

fn map_open_error(path: &Path, e: rusqlite::Error) -> Error {
    match e.sqlite_error_code() {
        Some(ErrorCode::NotADatabase) => Error::NotADatabase {
            path: path.to_path_buf(),
            detail: "it is not a SQLite database".into(),
        },
        Some(ErrorCode::CannotOpen | ErrorCode::PermissionDenied | ErrorCode::ReadOnly) => {
            Error::io(
                format!("cannot open {}", path.display()),
                std::io::Error::other(e.to_string()),
            )
        }
        _ => locate(path, Error::from(e)),
    }
}

/// Errors while checking a file before anything is written: a query that fails on an
/// untouched file of ours ("unsupported file format", "no such column", a malformed schema) says
/// its header or schema was damaged, so it is refused as damaged rather than as a storage error.
fn map_check_error(path: &Path, e: rusqlite::Error) -> Error {
    match e.sqlite_error_code() {
        Some(ErrorCode::Unknown | ErrorCode::SchemaChanged | ErrorCode::TooBig) => Error::Corrupt {
            path: path.to_path_buf(),
            detail: e.to_string(),
        },
        _ => map_open_error(path, e),
    }
}

// --- value conversions shared by the handles -------------------------------------------------

fn ms(t: Timestamp) -> i64 {
    t.as_millisecond()
}

fn ts(ms: i64) -> rusqlite::Result<Timestamp> {
    Timestamp::from_millisecond(ms)
        .map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))
}

fn uuid(s: &str) -> rusqlite::Result<Uuid> {
    Uuid::parse_str(s).map_err(|e| rusqlite::Error::ToSqlConversionFailure(Box::new(e)))
}

fn bad_value(what: &str, value: &str) -> rusqlite::Error {
    rusqlite::Error::ToSqlConversionFailure(
        format!("unexpected {what} {value:?} in the database").into(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn migrations_run_from_an_empty_database() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("w.sqlite");
        let store = SqliteStore::create(&path).unwrap();
        let v: i64 = store
            .conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(v, SCHEMA_VERSION);
        let mode: String = store
            .conn
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))
            .unwrap();
        assert_eq!(mode, "wal");
        let fk: i64 = store
            .conn
            .query_row("PRAGMA foreign_keys", [], |r| r.get(0))
            .unwrap();
        assert_eq!(fk, 1);
        drop(store);
        // Reopening runs nothing new and keeps the version.
        let store = SqliteStore::open(&path).unwrap();
        let v: i64 = store
            .conn
            .query_row("PRAGMA user_version", [], |r| r.get(0))
            .unwrap();
        assert_eq!(v, SCHEMA_VERSION);
    }

    #[test]
    fn a_missing_file_is_not_created() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nope.sqlite");
        assert_eq!(SqliteStore::open(&path).unwrap_err().code(), "no_workspace");
        assert!(!path.exists());
    }

    #[test]
    fn foreign_and_broken_files_are_refused_unchanged() {
        let dir = tempfile::tempdir().unwrap();
        let text = dir.path().join("notes.sqlite");
        std::fs::write(
            &text,
            b"these are my notes, not a database, but long enough to look like a header",
        )
        .unwrap();
        let before = std::fs::read(&text).unwrap();
        assert_eq!(
            SqliteStore::open(&text).unwrap_err().code(),
            "not_a_database"
        );
        assert_eq!(std::fs::read(&text).unwrap(), before);

        let other = dir.path().join("other.sqlite");
        {
            let c = Connection::open(&other).unwrap();
            c.execute_batch("CREATE TABLE t (x); INSERT INTO t VALUES (1);")
                .unwrap();
        }
        let before = std::fs::read(&other).unwrap();
        let err = SqliteStore::open(&other).unwrap_err();
        assert_eq!(err.code(), "not_a_database");
        assert!(err.to_string().contains("another program"), "{err}");
        assert_eq!(std::fs::read(&other).unwrap(), before);
    }

    #[test]
    fn a_newer_schema_is_refused_unchanged() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("w.sqlite");
        {
            let s = SqliteStore::create(&path).unwrap();
            s.conn
                .pragma_update(None, "user_version", SCHEMA_VERSION + 1)
                .unwrap();
            s.conn
                .pragma_update(None, "journal_mode", "DELETE")
                .unwrap();
        }
        let before = std::fs::read(&path).unwrap();
        let err = SqliteStore::open(&path).unwrap_err();
        assert_eq!(err.code(), "schema_too_new");
        assert_eq!(std::fs::read(&path).unwrap(), before);
    }
}
