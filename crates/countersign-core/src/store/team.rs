//! Team mode's store: writes run on the team server, reads come from this laptop's replica.
//!
//! A [`TeamStore`] is the laptop's SQLite file (the same schema as a solo workspace, so every
//! handle, History's full-text search and offline reading work unchanged) plus a connection to
//! the team's PostgreSQL server, logged in as this member's own database role.
//!
//! A write runs the use case exactly as in solo mode, on the local file, inside a server
//! transaction that holds the workspace lock from the start:
//!
//! 1. on the server: `BEGIN`, take the workspace lock, read the server's clock, and pull every
//!    change after this file's high-water mark (one round trip); apply them here, so the use
//!    case sees the server as it stands while nobody else can write;
//! 2. run the use case on the local file, with capture triggers noting what it changes;
//! 3. on the server: apply those row changes, checked by the server's own rules (roles,
//!    row-level security, the chain and status triggers), pull again to pick up what the
//!    server stamped, and `COMMIT` (one more round trip);
//! 4. commit the local file and apply the pulled rows.
//!
//! So a write costs two round trips plus the local work, and the domain rules run once, in
//! core, on the same SQL as solo mode: the server holds no copy of them beyond its coarse
//! guards. Why not a second set of handles speaking PostgreSQL: every one of them would be a
//! second copy of the SQL to keep in step, and each act would cost a round trip per statement.
//!
//! If anything fails, neither side keeps the change. If the laptop dies after the server
//! committed, the next pull brings the change back: the server is the record.

use std::path::Path;
use std::sync::Arc;

use serde_json::{Map, Value};

use super::pg::server::{Heads, PgServer, ServerLogin};
use super::sqlite::SqliteStore;
use super::sqlite::replica::Columns;
use crate::clock::ServerClock;
use crate::error::{Error, Result};

/// A table both sides keep.
#[derive(Debug)]
pub(crate) struct Table {
    pub name: &'static str,
    /// Its key, on both sides (for posts the uuid, not the local search row number).
    pub key: &'static [&'static str],
    /// Rows are only ever added (the audit trail, the roster, versions).
    pub append_only: bool,
    /// Columns that are this laptop's own business: neither sent nor pulled.
    pub local: &'static [&'static str],
    /// Columns the server fills in: pulled, never sent.
    pub server: &'static [&'static str],
}

impl Table {
    /// Whether a pulled value of this column is written here.
    pub fn pulled(&self, col: &str) -> bool {
        col != "row_seq" && !(self.name == "posts" && col == "seq") && !self.local.contains(&col)
    }

    /// Whether a local change of this column is sent to the server.
    pub fn shipped(&self, col: &str) -> bool {
        self.pulled(col) && !self.server.contains(&col)
    }
}

const fn table(name: &'static str, key: &'static [&'static str]) -> Table {
    Table {
        name,
        key,
        append_only: false,
        local: &[],
        server: &[],
    }
}

const fn append_only(name: &'static str, key: &'static [&'static str]) -> Table {
    Table {
        append_only: true,
        ..table(name, key)
    }
}

/// The shared tables, parents before children: changes go to the server in this order.
/// Rate-limit budgets are not among them: each laptop has its own X grant.
pub(crate) const TABLES: &[Table] = &[
    Table {
        // How this laptop reaches X is its own (its own grant, its own connection state); the
        // account it posts to, and the roster's genesis, are the team's.
        local: &["x_sandbox_url", "x_client_id", "x_username", "x_connection"],
        server: &["genesis_hash"],
        ..table("workspace", &["id"])
    },
    Table {
        server: &["db_role"],
        ..table("members", &["id"])
    },
    append_only("media", &["hash"]),
    table("posts", &["id"]),
    append_only("post_versions", &["post_id", "version"]),
    append_only("parts", &["post_id", "version", "idx"]),
    append_only("part_media", &["post_id", "version", "idx", "position"]),
    Table {
        server: &["received_at"],
        ..table("approvals", &["id"])
    },
    table("reviews", &["post_id", "member_id"]),
    append_only("comments", &["id"]),
    append_only("roster", &["seq"]),
    table("key_requests", &["member_id"]),
    append_only("published_parts", &["post_id", "idx"]),
    table("queue_slots", &["id"]),
    table("devices", &["device"]),
    // Conversations after posts: an answer names its post.
    table("conversations", &["id"]),
    append_only("messages", &["x_id"]),
    table("answers", &["post_id"]),
    table("inbox", &["id"]),
    Table {
        server: &["received_at"],
        ..append_only("audit", &["seq"])
    },
];

/// What a write changed in one row.
#[derive(Debug, Clone)]
pub(crate) struct Change {
    pub table: &'static Table,
    pub op: Op,
    /// The row as it is now (for a removal: as it was), every local column.
    pub row: Map<String, Value>,
    /// For an update, the columns whose value changed.
    pub changed: Vec<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Op {
    Insert,
    Update,
    Delete,
}

/// How this laptop stands with the server, for `team status`.
#[derive(Debug, Clone)]
pub struct ReplicaState {
    pub server: String,
    pub online: bool,
    /// Why not, when offline.
    pub offline_because: Option<String>,
    /// The last server change applied here.
    pub high_water: i64,
    /// How many server changes this laptop has not pulled yet (`None` when offline).
    pub behind: Option<i64>,
    /// When this process last pulled from the server (`None`: not yet): how fresh the replica
    /// is, by this laptop's clock.
    pub pulled_at: Option<jiff::Timestamp>,
    /// How many rows other than laptops' heartbeats this process has applied: it moves when
    /// there is something new to show, where `high_water` moves every few seconds.
    pub content_seen: u64,
}

/// The rows among `rows` that are not laptops' heartbeats (the `devices` table, written by
/// every running publisher every few seconds).
fn content_rows(rows: &[(i64, String, Value)]) -> u64 {
    rows.iter()
        .filter(|(_, tbl, _)| tbl.trim_start_matches("deleted:") != "devices")
        .count() as u64
}

/// The replica and its server.
#[derive(Debug)]
pub(super) struct TeamStore {
    replica: SqliteStore,
    columns: Columns,
    login: ServerLogin,
    server: Option<PgServer>,
    /// Why the last attempt to reach the server failed.
    offline: Option<String>,
    clock: Arc<ServerClock>,
    /// Audit entries other laptops wrote, pulled since the app last asked (see
    /// [`TeamStore::take_heard`]).
    heard: Vec<Value>,
    /// When the last pull (or write, which pulls first) came back.
    pulled_at: Option<jiff::Timestamp>,
    /// See [`ReplicaState::content_seen`].
    content_seen: u64,
}

impl TeamStore {
    pub fn open(path: &Path, login: ServerLogin, clock: Arc<ServerClock>) -> Result<TeamStore> {
        let mut replica = SqliteStore::open(path)?;
        let columns = replica.start_capture()?;
        let mut store = TeamStore {
            replica,
            columns,
            login,
            server: None,
            offline: None,
            clock,
            heard: Vec::new(),
            pulled_at: None,
            content_seen: 0,
        };
        // Offline is a state, not a failure: the replica serves reads until the server is back.
        if let Err(e) = store.pull() {
            tracing::info!("team server not reached at open: {e}");
        }
        Ok(store)
    }

    pub fn path(&self) -> &Path {
        self.replica.path()
    }

    pub fn backup_to(&self, dest: &Path) -> Result<()> {
        self.replica.backup_to(dest)
    }

    pub fn replica(&mut self) -> &mut SqliteStore {
        &mut self.replica
    }

    fn connected(&mut self, what: &'static str) -> Result<&mut PgServer> {
        if self.server.is_none() {
            match PgServer::connect(&self.login) {
                Ok(s) => {
                    self.server = Some(s);
                    self.offline = None;
                }
                Err(e) => {
                    self.offline = Some(e.to_string());
                    return Err(unreachable(&self.login, e, what));
                }
            }
        }
        self.server
            .as_mut()
            .ok_or_else(|| Error::Internal("no server connection".into()))
    }

    /// Forgets a connection that failed, so the next act reconnects.
    pub fn drop_if_broken(&mut self, e: &Error) {
        if matches!(e, Error::ServerUnreachable { .. })
            || self.server.as_ref().is_some_and(PgServer::is_closed)
        {
            self.server = None;
            self.offline = Some(e.to_string());
        }
    }

    /// Pulls what changed on the server since this file last did.
    pub fn pull(&mut self) -> Result<usize> {
        let hw = self.replica.high_water()?;
        let clock = self.clock.clone();
        let pulled = self
            .connected("pulling")
            .and_then(|s| s.pull(hw, &clock).map_err(|e| e.located("pulling")));
        let (rows, heads) = match pulled {
            Ok(pulled) => pulled,
            Err(e) => {
                self.drop_if_broken(&e);
                return Err(e);
            }
        };
        self.check_heads(heads)?;
        let heard = self.replica.apply_pulled(&self.columns, &rows)?;
        self.pulled_at = Some(jiff::Timestamp::now());
        self.content_seen += content_rows(&rows);
        // The first pull brings the whole history: nothing in it is news.
        if hw > 0 {
            self.heard.extend(heard);
        }
        Ok(rows.len())
    }

    pub fn write<T>(
        &mut self,
        f: impl FnOnce(super::sqlite::SqliteTx<'_>) -> Result<T>,
    ) -> Result<T> {
        let out = self.write_once(f);
        if let Err(e) = &out {
            self.drop_if_broken(e);
        }
        out
    }

    fn write_once<T>(
        &mut self,
        f: impl FnOnce(super::sqlite::SqliteTx<'_>) -> Result<T>,
    ) -> Result<T> {
        let hw = self.replica.high_water()?;
        let clock = self.clock.clone();
        let server = self.connected("this change")?;
        let (rows, heads) = server
            .begin_write(hw, &clock)
            .map_err(|e| e.located("this change"))?;
        if let Err(e) = self.check_heads(heads) {
            if let Some(s) = self.server.as_mut() {
                s.rollback();
            }
            return Err(e);
        }
        let TeamStore {
            replica,
            columns,
            server,
            heard,
            pulled_at,
            content_seen,
            ..
        } = self;
        let server = server
            .as_mut()
            .ok_or_else(|| Error::Internal("no server connection".into()))?;
        match replica.apply_pulled(columns, &rows) {
            Ok(news) => {
                heard.extend(news);
                *pulled_at = Some(jiff::Timestamp::now());
                *content_seen += content_rows(&rows);
            }
            Err(e) => {
                server.rollback();
                return Err(e);
            }
        }
        let mut stamped = Vec::new();
        let out = replica.write_shipping(columns, f, |changes| {
            stamped = server
                .ship_and_commit(changes, replica_hw_after(&rows, hw))
                .map_err(|e| e.located("this change"))?;
            Ok(())
        });
        match out {
            Ok(out) => {
                // Committed on the server: what it stamped comes here now, or with the next pull.
                match replica.apply_pulled(columns, &stamped) {
                    Ok(news) => {
                        heard.extend(news);
                        *content_seen += content_rows(&stamped);
                    }
                    Err(e) => tracing::warn!("the replica will catch up at the next pull: {e}"),
                }
                Ok(out)
            }
            Err(e) => {
                server.rollback();
                Err(e)
            }
        }
    }

    /// Refuses a server whose audit trail or roster ends before this file's: it lost entries
    /// this laptop holds (a cut tail). Nothing that server says is trusted from then on.
    fn check_heads(&self, server: Heads) -> Result<()> {
        let here = self.replica.chain_heads()?;
        for (what, ours, theirs) in [
            ("audit trail", here.audit, server.audit),
            ("roster", here.roster, server.roster),
        ] {
            if theirs < ours {
                return Err(Error::ServerUntrusted {
                    reason: format!(
                        "its {what} ends at entry {theirs}, but this laptop holds it up to \
                         entry {ours}: entries were removed on the server"
                    ),
                });
            }
        }
        Ok(())
    }

    /// Compares this laptop's whole audit trail and roster with the server's, entry for entry
    /// (one round trip, a digest each): the server refusing to extend what it holds, or
    /// cutting its tail, is found on every pull; this finds entries removed or rewritten in
    /// the middle, which leave both heads where they were. What publishes runs it first.
    pub fn check_trail(&mut self) -> Result<()> {
        let (heads, ours) = self.replica.trail_digests()?;
        let theirs = match self
            .connected("checking the trail")
            .and_then(|s| s.trail_digests(heads))
        {
            Ok(t) => t,
            Err(e) => {
                self.drop_if_broken(&e);
                return Err(e);
            }
        };
        for ((what, upto), (ours, theirs)) in
            [("audit trail", heads.audit), ("roster", heads.roster)]
                .into_iter()
                .zip(ours.iter().zip(theirs.iter()))
        {
            if ours != theirs {
                return Err(Error::ServerUntrusted {
                    reason: format!(
                        "its {what} up to entry {upto} is not the one this laptop holds ({} \
                         entries there, {} here): entries were removed or rewritten on the server",
                        theirs.0, ours.0
                    ),
                });
            }
        }
        Ok(())
    }

    /// The audit entries other laptops wrote that this file pulled since the last call.
    pub fn take_heard(&mut self) -> Vec<Value> {
        std::mem::take(&mut self.heard)
    }

    pub fn state(&mut self) -> ReplicaState {
        let high_water = self.replica.high_water().unwrap_or(0);
        let behind = self
            .connected("status")
            .and_then(|s| s.head())
            .ok()
            .map(|head| (head - high_water).max(0));
        ReplicaState {
            server: self.login.describe(),
            online: behind.is_some(),
            offline_because: if behind.is_some() {
                None
            } else {
                self.offline.clone()
            },
            high_water,
            behind,
            pulled_at: self.pulled_at,
            content_seen: self.content_seen,
        }
    }

    /// The live server connection, for team acts that are not table writes (logins, keys).
    pub fn server(&mut self, what: &'static str) -> Result<&mut PgServer> {
        self.connected(what)
    }

    /// Starts listening for the team's changes on a connection of its own.
    pub fn listen(
        &self,
        on_change: impl Fn() + Send + 'static,
    ) -> super::pg::listen::ChangeListener {
        super::pg::listen::ChangeListener::start(self.login.clone(), on_change)
    }
}

/// The high-water mark the local file will have once `rows` are applied.
fn replica_hw_after(rows: &[(i64, String, Value)], hw: i64) -> i64 {
    rows.iter().map(|r| r.0).max().unwrap_or(hw).max(hw)
}

fn unreachable(login: &ServerLogin, e: Error, what: &'static str) -> Error {
    match e {
        Error::ServerUnreachable { .. }
        | Error::ServerTooNew { .. }
        | Error::ServerRefused { .. }
        | Error::ServerCertificate { .. }
        | Error::TeamSetup(_) => e,
        other => Error::ServerUnreachable {
            server: login.describe(),
            detail: other.to_string(),
            what,
        },
    }
}
