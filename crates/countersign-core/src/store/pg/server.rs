//! The connection to the team server, and every statement this laptop sends it.
//!
//! One blocking `postgres` client per process, logged in as the member's own role. Statements
//! that run inside a write are sent as one simple-protocol batch per step (begin, lock, clock
//! and pull; then changes, pull and commit), so a write costs two round trips whatever it
//! changes. The
//! only values spliced into those batches are numbers and JSON documents inside a dollar quote
//! whose tag the document is checked not to contain; table and column names come from
//! [`crate::store::team::TABLES`] and the server's own catalogue, never from input.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use postgres::config::SslMode;
use postgres::{Client, NoTls, SimpleQueryMessage};
use rustls_pki_types::CertificateDer;
use rustls_pki_types::pem::PemObject;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use uuid::Uuid;

use super::migrations::{MIGRATIONS, SCHEMA_VERSION, render};
use crate::clock::ServerClock;
use crate::error::{Error, Result};
use crate::secrets::SecretString;
use crate::store::team::{Change, Op, TABLES};

/// How a laptop checks the team server's certificate. With TLS it is always `verify-full`: the
/// certificate must chain to these roots and name the host the laptop dialled.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "roots", content = "pem")]
pub enum Tls {
    /// The trusted roots of this machine (a managed PostgreSQL with a public certificate).
    System,
    /// This CA certificate, PEM (a self-hosted server with its own CA).
    Ca(String),
    /// No TLS: only for a server on this very machine (a loopback address), where there is no
    /// network to protect; refused for any other host.
    #[default]
    Loopback,
}

/// Whether `host` is this machine (where a server without TLS is acceptable).
pub fn is_loopback(host: &str) -> bool {
    let h = host.trim_start_matches('[').trim_end_matches(']');
    h == "localhost"
        || h.parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// Where the team server is and who this laptop logs in as. The password is the login's
/// secret; it comes from the keychain and is never written anywhere else.
#[derive(Clone)]
pub struct ServerLogin {
    pub host: String,
    pub port: u16,
    pub database: String,
    pub user: String,
    pub password: SecretString,
    pub tls: Tls,
}

impl std::fmt::Debug for ServerLogin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ServerLogin({}, {})", self.describe(), self.user)
    }
}

impl ServerLogin {
    /// The operator's login for `team init`, from `postgres://OPERATOR@HOST:PORT/DATABASE`, the
    /// password asked for separately (never in the address), and the server's CA certificate
    /// (PEM) when it has its own. Without a CA, a server on this machine is reached without TLS
    /// and any other is checked against this machine's trusted roots; verify-full either way.
    pub fn operator(url: &str, password: SecretString, ca: Option<String>) -> Result<ServerLogin> {
        let bad = |why: &str| Error::InvalidInput {
            detail: format!(
                "{url:?} is not a server address ({why}): use postgres://OPERATOR@HOST:PORT/DATABASE"
            ),
        };
        let parsed = url::Url::parse(url.trim()).map_err(|_| bad("unreadable"))?;
        if !matches!(parsed.scheme(), "postgres" | "postgresql") {
            return Err(bad("it must start with postgres://"));
        }
        if parsed.password().is_some() {
            return Err(bad(
                "leave the password out; it is asked for on its own and never kept",
            ));
        }
        let user = parsed.username();
        let host = parsed.host_str().ok_or_else(|| bad("no host"))?;
        let database = parsed.path().trim_start_matches('/');
        if user.is_empty() || database.is_empty() {
            return Err(bad("it needs the operator's login and the database"));
        }
        let host = host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_string();
        let tls = match ca.filter(|c| !c.trim().is_empty()) {
            Some(pem) if !pem.contains("-----BEGIN CERTIFICATE-----") => {
                return Err(Error::InvalidInput {
                    detail: "the CA certificate is not a PEM certificate (it should start with \
                             -----BEGIN CERTIFICATE-----)"
                        .into(),
                });
            }
            Some(pem) => Tls::Ca(pem),
            None if is_loopback(&host) => Tls::Loopback,
            None => Tls::System,
        };
        Ok(ServerLogin {
            host,
            port: parsed.port().unwrap_or(5432),
            database: database.to_string(),
            user: user.to_string(),
            password,
            tls,
        })
    }

    /// `host:port/database`, for people (no user, no password).
    pub fn describe(&self) -> String {
        format!("{}:{}/{}", self.host, self.port, self.database)
    }
}

/// A change pulled from the server: its commit-ordered number, its table (or
/// `deleted:<table>`), and the row as JSON.
pub(crate) type Pulled = (i64, String, Value);

pub struct PgServer {
    client: Client,
    describe: String,
    /// The columns each shared table has on the server.
    columns: BTreeMap<String, BTreeSet<String>>,
}

impl std::fmt::Debug for PgServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PgServer({})", self.describe)
    }
}

impl PgServer {
    /// Connects, and refuses a server whose schema is newer than this build's.
    pub fn connect(login: &ServerLogin) -> Result<PgServer> {
        let mut server = PgServer::connect_only(login)?;
        let found = server.schema_version()?;
        if found > i64::from(SCHEMA_VERSION) {
            return Err(Error::ServerTooNew {
                server: login.describe(),
                found,
                known: i64::from(SCHEMA_VERSION),
            });
        }
        if found == 0 {
            return Err(Error::TeamSetup(format!(
                "{} has no Countersign workspace yet; the admin sets it up with countersign team init",
                login.describe()
            )));
        }
        server.load_columns()?;
        Ok(server)
    }

    /// Connects without looking at the schema (the operator, before migrating).
    pub fn connect_only(login: &ServerLogin) -> Result<PgServer> {
        let describe = login.describe();
        let mut config = postgres::Config::new();
        config
            .host(&login.host)
            .port(login.port)
            .dbname(&login.database)
            .user(&login.user)
            .password(login.password.expose())
            .application_name("countersign")
            .connect_timeout(Duration::from_secs(5))
            .keepalives_idle(Duration::from_secs(10));
        let client = match &login.tls {
            Tls::Loopback if is_loopback(&login.host) => config.connect(NoTls),
            Tls::Loopback => {
                return Err(Error::TeamSetup(format!(
                    "{describe} is not on this machine, and this laptop would reach it without \
                     TLS; share the workspace with the server's CA (team init --ca FILE) or \
                     through a server with a publicly trusted certificate"
                )));
            }
            roots => config
                .ssl_mode(SslMode::Require)
                .connect(verify_full(roots, &describe)?),
        }
        .map_err(|e| server_error(&describe, e))?;
        Ok(PgServer {
            client,
            describe,
            columns: BTreeMap::new(),
        })
    }

    /// This connection, listening for the team's changes from now on (see [`super::listen`]).
    pub fn listen_for_changes(mut self) -> Result<postgres::Client> {
        self.client
            .batch_execute("LISTEN cs_changes")
            .map_err(|e| self.fail(e))?;
        Ok(self.client)
    }

    pub fn is_closed(&self) -> bool {
        self.client.is_closed()
    }

    fn fail(&self, e: postgres::Error) -> Error {
        server_error(&self.describe, e)
    }

    fn schema_version(&mut self) -> Result<i64> {
        let exists: bool = self
            .client
            .query_one("SELECT to_regclass('cs.schema_version') IS NOT NULL", &[])
            .map_err(|e| self.fail(e))?
            .get(0);
        if !exists {
            return Ok(0);
        }
        let row = self
            .client
            .query_one(
                "SELECT coalesce(max(version), 0)::bigint FROM cs.schema_version",
                &[],
            )
            .map_err(|e| self.fail(e))?;
        Ok(row.get(0))
    }

    fn load_columns(&mut self) -> Result<()> {
        let rows = self
            .client
            .query(
                "SELECT table_name::text, column_name::text FROM information_schema.columns
                 WHERE table_schema = 'cs'",
                &[],
            )
            .map_err(|e| self.fail(e))?;
        self.columns.clear();
        for r in rows {
            self.columns
                .entry(r.get::<_, String>(0))
                .or_default()
                .insert(r.get(1));
        }
        Ok(())
    }

    fn batch(&mut self, sql: &str) -> Result<Vec<Vec<Option<String>>>> {
        let messages = self.client.simple_query(sql).map_err(|e| self.fail(e))?;
        Ok(messages
            .into_iter()
            .filter_map(|m| match m {
                SimpleQueryMessage::Row(r) => {
                    Some((0..r.len()).map(|i| r.get(i).map(str::to_string)).collect())
                }
                _ => None,
            })
            .collect())
    }

    /// Reads what the batch's `'n'` and `'c'` rows said: the server's clock, and changes.
    fn clock_and_changes(
        &self,
        rows: Vec<Vec<Option<String>>>,
        measure: Option<(&ServerClock, jiff::Timestamp)>,
    ) -> Result<Vec<Pulled>> {
        let received = measure.map(|(c, _)| c.local_now());
        let mut out = Vec::new();
        for r in rows {
            match (
                r.first().cloned().flatten().as_deref(),
                r.get(1).cloned().flatten(),
            ) {
                (Some("n"), Some(ms)) => {
                    let server = ms
                        .parse::<i64>()
                        .ok()
                        .and_then(|ms| jiff::Timestamp::from_millisecond(ms).ok());
                    if let (Some(server), Some((clock, sent)), Some(received)) =
                        (server, measure, received)
                    {
                        clock.measured(server, sent, received);
                    }
                }
                (Some("c"), Some(seq)) => {
                    let body = r.get(2).cloned().flatten().unwrap_or_default();
                    let (tbl, data) = body.split_once('|').ok_or_else(|| bad_change(&body))?;
                    let seq = seq.parse().map_err(|_| bad_change(&body))?;
                    let data = serde_json::from_str(data).map_err(|_| bad_change(&body))?;
                    out.push((seq, tbl.to_string(), data));
                }
                _ => {}
            }
        }
        Ok(out)
    }

    /// Pulls every change after `hw`, outside any write; with the chains' heads.
    pub fn pull(&mut self, hw: i64, clock: &ServerClock) -> Result<(Vec<Pulled>, Heads)> {
        let sent = clock.local_now();
        let rows = self.batch(&format!("{NOW}; {HEADS}; {}", changes_since(hw)))?;
        let heads = heads(&rows)?;
        Ok((self.clock_and_changes(rows, Some((clock, sent)))?, heads))
    }

    /// How many changes the server has after `hw`.
    /// How many entries the audit trail and the roster hold up to the given entries, and a
    /// digest of their hashes in order (see [`trail_digest`]): computed on the server, so a
    /// laptop compares its whole copy in one round trip and a few bytes.
    pub fn trail_digests(&mut self, upto: Heads) -> Result<[(i64, String); 2]> {
        let digest = |table: &str, upto: &str| {
            format!(
                "SELECT count(*), coalesce(encode(sha256(convert_to(
                     string_agg(hash, ',' ORDER BY seq), 'UTF8')), 'hex'), '')
                 FROM cs.{table} WHERE seq <= {upto}"
            )
        };
        let row = self
            .client
            .query_one(
                &format!(
                    "SELECT a.*, r.* FROM ({}) a, ({}) r",
                    digest("audit", "$1"),
                    digest("roster", "$2")
                ),
                &[&upto.audit, &upto.roster],
            )
            .map_err(|e| self.fail(e))?;
        Ok([(row.get(0), row.get(1)), (row.get(2), row.get(3))])
    }

    pub fn head(&mut self) -> Result<i64> {
        let row = self
            .client
            .query_one(
                "SELECT coalesce(max(row_seq), 0) FROM cs.changes_since(0)",
                &[],
            )
            .map_err(|e| self.fail(e))?;
        Ok(row.get(0))
    }

    /// Begins a write: the workspace lock, the server's clock, the chains' heads, and what
    /// changed after `hw`.
    pub fn begin_write(&mut self, hw: i64, clock: &ServerClock) -> Result<(Vec<Pulled>, Heads)> {
        let sent = clock.local_now();
        let rows = self
            .batch(&format!(
                "BEGIN; SELECT pg_advisory_xact_lock(7262); {NOW}; {HEADS}; {}",
                changes_since(hw)
            ))
            .and_then(|rows| {
                let heads = heads(&rows)?;
                Ok((self.clock_and_changes(rows, Some((clock, sent)))?, heads))
            });
        if rows.is_err() {
            self.rollback();
        }
        rows
    }

    /// Applies a write's changes, pulls what the server stamped on them, and commits.
    pub fn ship_and_commit(&mut self, changes: &[Change], hw: i64) -> Result<Vec<Pulled>> {
        let mut sql = self.statements(changes, false)?;
        sql.push_str(&changes_since(hw));
        sql.push_str("; COMMIT");
        let rows = self.batch(&sql)?;
        self.clock_and_changes(rows, None)
    }

    /// Ends a write that failed. A broken connection rolls back by itself.
    pub fn rollback(&mut self) {
        let _ = self.client.batch_execute("ROLLBACK");
    }

    /// The SQL that applies `changes`: inserts in table order, then updates, then removals.
    /// `whole`: every column both sides have, the server's own too (the operator's upload).
    fn statements(&self, changes: &[Change], whole: bool) -> Result<String> {
        let mut sql = String::new();
        for op in [Op::Insert, Op::Update, Op::Delete] {
            for t in TABLES {
                let Some(remote) = self.columns.get(t.name) else {
                    continue;
                };
                let sendable = |c: &str| {
                    (if whole { t.pulled(c) } else { t.shipped(c) }) && remote.contains(c)
                };
                // Group rows by the columns they send (updates differ), keeping order.
                let mut groups: Vec<(Vec<String>, Vec<Value>)> = Vec::new();
                for c in changes
                    .iter()
                    .filter(|c| c.op == op && c.table.name == t.name)
                {
                    let cols: Vec<String> = match op {
                        // (A server column the upload has no value for is the server's to fill.)
                        Op::Insert => c
                            .row
                            .iter()
                            .filter(|(k, v)| {
                                sendable(k) && !(t.server.contains(&k.as_str()) && v.is_null())
                            })
                            .map(|(k, _)| k.clone())
                            .collect(),
                        Op::Update => c
                            .changed
                            .iter()
                            .filter(|k| sendable(k) && !t.key.contains(&k.as_str()))
                            .cloned()
                            .collect(),
                        Op::Delete => Vec::new(),
                    };
                    if op == Op::Update && cols.is_empty() {
                        continue;
                    }
                    let mut row = Map::new();
                    for k in t
                        .key
                        .iter()
                        .map(|k| k.to_string())
                        .chain(cols.iter().cloned())
                    {
                        if let Some(v) = c.row.get(&k) {
                            row.insert(k, v.clone());
                        }
                    }
                    match groups.iter_mut().find(|g| g.0 == cols) {
                        Some(g) => g.1.push(Value::Object(row)),
                        None => groups.push((cols, vec![Value::Object(row)])),
                    }
                }
                for (cols, rows) in groups {
                    let n = rows.len();
                    let json = quoted(&Value::Array(rows).to_string());
                    let from = format!(
                        "jsonb_populate_recordset(NULL::cs.{}, {json}::jsonb)",
                        t.name
                    );
                    let names = cols.iter().map(|c| ident(c)).collect::<Vec<_>>().join(", ");
                    let matched = t
                        .key
                        .iter()
                        .map(|k| format!("t.{k} = r.{k}", k = ident(k)))
                        .collect::<Vec<_>>()
                        .join(" AND ");
                    let stmt = match op {
                        Op::Insert => format!(
                            "INSERT INTO cs.{} ({names}) SELECT {names} FROM {from}",
                            t.name
                        ),
                        Op::Update => format!(
                            "UPDATE cs.{} AS t SET {} FROM {from} AS r WHERE {matched} RETURNING 1",
                            t.name,
                            cols.iter()
                                .map(|c| format!("{c} = r.{c}", c = ident(c)))
                                .collect::<Vec<_>>()
                                .join(", ")
                        ),
                        Op::Delete => format!(
                            "DELETE FROM cs.{} AS t USING {from} AS r WHERE {matched} RETURNING 1",
                            t.name
                        ),
                    };
                    // Row-level security hides a row it will not let this member change, so an
                    // update or removal that matched fewer rows than sent was refused.
                    match op {
                        Op::Insert => sql.push_str(&stmt),
                        _ => sql.push_str(&format!(
                            "WITH done AS ({stmt}) SELECT cs.expect_rows((SELECT count(*) FROM done), {n}, '{}')",
                            t.name
                        )),
                    }
                    sql.push_str("; ");
                }
            }
        }
        Ok(sql)
    }

    // --- team acts that are not table writes ---------------------------------------------------

    /// Applies every migration the server has not run yet, each in its own transaction under
    /// the workspace lock. Returns how many ran. The operator's login only.
    pub fn migrate(&mut self, tag: &str) -> Result<usize> {
        let mut ran = 0;
        for (i, m) in MIGRATIONS.iter().enumerate() {
            let sql = render(m, tag)
                .ok_or_else(|| Error::Internal(format!("{tag:?} is not a workspace tag")))?;
            self.client
                .batch_execute("BEGIN; SELECT pg_advisory_xact_lock(7262)")
                .map_err(|e| self.fail(e))?;
            let at = match self.schema_version() {
                Ok(v) => v,
                Err(e) => {
                    self.rollback();
                    return Err(e);
                }
            };
            if at as usize > i {
                self.rollback();
                continue;
            }
            if let Err(e) = self.client.batch_execute(&sql) {
                self.rollback();
                return Err(self.fail(e));
            }
            self.client
                .batch_execute("COMMIT")
                .map_err(|e| self.fail(e))?;
            ran += 1;
        }
        self.load_columns()?;
        Ok(ran)
    }

    /// Uploads a whole workspace as the owner (the operator at team init), in one transaction.
    pub fn upload(&mut self, tag: &str, everything: &[Change]) -> Result<()> {
        let owner = format!("cs_{tag}_owner");
        let sql = format!(
            "BEGIN; SELECT pg_advisory_xact_lock(7262); SET LOCAL ROLE {}; {} COMMIT",
            ident(&owner),
            self.statements(everything, true)?
        );
        if let Err(e) = self.client.batch_execute(&sql) {
            self.rollback();
            return Err(self.fail(e));
        }
        Ok(())
    }

    /// Makes the first admin's login (the operator, as the owner). Returns the role's name.
    pub fn create_login(&mut self, tag: &str, member: Uuid, verifier: &str) -> Result<String> {
        let owner = format!("cs_{tag}_owner");
        self.client
            .batch_execute(&format!("BEGIN; SET LOCAL ROLE {}", ident(&owner)))
            .map_err(|e| self.fail(e))?;
        let out = self.client.query_one(
            "SELECT cs.create_login($1, $2)::text",
            &[&member, &verifier],
        );
        match out {
            Ok(row) => {
                self.client
                    .batch_execute("COMMIT")
                    .map_err(|e| self.fail(e))?;
                Ok(row.get(0))
            }
            Err(e) => {
                self.rollback();
                Err(self.fail(e))
            }
        }
    }

    /// An admin invites a member: their login, with a one-time password's verifier.
    pub fn invite(&mut self, member: Uuid, verifier: &str, valid_secs: i64) -> Result<String> {
        let row = self
            .client
            .query_one(
                "SELECT cs.invite($1, $2, $3)::text",
                &[&member, &verifier, &valid_secs],
            )
            .map_err(|e| self.fail(e))?;
        Ok(row.get(0))
    }

    /// Replaces this login's one-time password (a joining laptop, at once), and lifts the
    /// invite's time limit from it. Takes a SCRAM verifier, so no password reaches the server's
    /// logs.
    pub fn replace_password(&mut self, verifier: &str) -> Result<()> {
        self.client
            .execute("SELECT cs.joined($1)", &[&verifier])
            .map(|_| ())
            .map_err(|e| self.fail(e))
    }

    /// Keeps a media file's bytes on the server, in chunks under its content hash, in one
    /// transaction; chunks already there are kept as they are (the same hash, the same bytes).
    pub fn put_media(&mut self, hash: &str, bytes: &[u8]) -> Result<()> {
        let mut tx = self
            .client
            .transaction()
            .map_err(|e| server_error(&self.describe, e))?;
        let insert = tx
            .prepare(
                "INSERT INTO cs.media_chunks (hash, n, data) VALUES ($1, $2, $3)
                 ON CONFLICT (hash, n) DO NOTHING",
            )
            .map_err(|e| server_error(&self.describe, e))?;
        for (n, chunk) in bytes.chunks(MEDIA_CHUNK).enumerate() {
            let n = i32::try_from(n).map_err(|_| Error::Internal("a media file too big".into()))?;
            tx.execute(&insert, &[&hash, &n, &chunk])
                .map_err(|e| server_error(&self.describe, e))?;
        }
        tx.commit().map_err(|e| server_error(&self.describe, e))
    }

    /// A media file's bytes as the server keeps them (`None`: it has none under `hash`). The
    /// caller checks the hash: the server is not trusted with content either.
    pub fn get_media(&mut self, hash: &str) -> Result<Option<Vec<u8>>> {
        let rows = self
            .client
            .query(
                "SELECT data FROM cs.media_chunks WHERE hash = $1 ORDER BY n",
                &[&hash],
            )
            .map_err(|e| self.fail(e))?;
        if rows.is_empty() {
            return Ok(None);
        }
        let mut out = Vec::new();
        for r in rows {
            out.extend_from_slice(r.get::<_, &[u8]>(0));
        }
        Ok(Some(out))
    }

    /// Every audit and roster entry on the server, as (`seq`, `hash`), each in `seq` order.
    pub fn chains(&mut self) -> Result<Chains> {
        let rows = self
            .client
            .query(
                "SELECT 'audit', seq, hash FROM cs.audit
                 UNION ALL SELECT 'roster', seq, hash FROM cs.roster ORDER BY 1, 2",
                &[],
            )
            .map_err(|e| self.fail(e))?;
        let mut chains = Chains::default();
        for r in rows {
            let entry = (r.get::<_, i64>(1), r.get::<_, String>(2));
            match r.get::<_, &str>(0) {
                "audit" => chains.audit.push(entry),
                _ => chains.roster.push(entry),
            }
        }
        Ok(chains)
    }

    /// This login's member id (`cs.me()`), if the server counts it as an active member.
    pub fn me(&mut self) -> Result<Option<Uuid>> {
        let row = self
            .client
            .query_one("SELECT cs.me()", &[])
            .map_err(|e| self.fail(e))?;
        Ok(row.get(0))
    }
}

/// The audit trail's and the roster's entries as the server holds them: (`seq`, `hash`).
#[derive(Debug, Clone, Default)]
pub struct Chains {
    pub audit: Vec<(i64, String)>,
    pub roster: Vec<(i64, String)>,
}

/// How media bytes are cut for the server: rows of 1 MiB.
const MEDIA_CHUNK: usize = 1 << 20;

/// The last `seq` of the audit trail and of the roster on the server: a laptop that holds
/// more than the server does knows the server lost entries (a cut tail).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Heads {
    pub audit: i64,
    pub roster: i64,
}

/// The heads row every pull and write reads.
const HEADS: &str = "SELECT 'h', (SELECT coalesce(max(seq), 0) FROM cs.audit)::text, \
                     (SELECT coalesce(max(seq), 0) FROM cs.roster)::text";

fn heads(rows: &[Vec<Option<String>>]) -> Result<Heads> {
    let row = rows
        .iter()
        .find(|r| r.first().cloned().flatten().as_deref() == Some("h"))
        .ok_or_else(|| Error::Storage("the server sent no chain heads".into()))?;
    let num = |i: usize| {
        row.get(i)
            .cloned()
            .flatten()
            .and_then(|v| v.parse::<i64>().ok())
            .ok_or_else(|| Error::Storage("the server sent unreadable chain heads".into()))
    };
    Ok(Heads {
        audit: num(1)?,
        roster: num(2)?,
    })
}

/// The clock row every pull and write begins with.
const NOW: &str = "SELECT 'n', cs.now_ms()::text, NULL";

fn changes_since(hw: i64) -> String {
    format!("SELECT 'c', row_seq::text, tbl || '|' || data::text FROM cs.changes_since({hw})")
}

fn bad_change(body: &str) -> Error {
    let shown: String = body.chars().take(80).collect();
    Error::Storage(format!(
        "the team server sent an unreadable change: {shown}"
    ))
}

/// A JSON document as a dollar-quoted literal, with a tag the document does not contain.
fn quoted(json: &str) -> String {
    let mut tag = String::from("j");
    let mut n = 0u32;
    while json.contains(&format!("${tag}$")) {
        n += 1;
        tag = format!("j{n}");
    }
    format!("${tag}${json}${tag}$")
}

/// A column or role name, quoted. Names come from the schema and the catalogue, never input.
fn ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

/// What went wrong with the server, in words for the person who hit it.
/// A TLS connector that checks the server's certificate against `roots` and the host name
/// (libpq's `verify-full`).
fn verify_full(roots: &Tls, server: &str) -> Result<tokio_postgres_rustls::MakeRustlsConnect> {
    let unreadable = |e: &dyn std::fmt::Display| {
        Error::TeamSetup(format!(
            "the CA certificate for {server} is not a readable PEM certificate ({e}); ask your \
             admin for the server's CA file"
        ))
    };
    let mut store = rustls::RootCertStore::empty();
    match roots {
        Tls::Ca(pem) => {
            for cert in CertificateDer::pem_slice_iter(pem.as_bytes()) {
                let cert = cert.map_err(|e| unreadable(&e))?;
                store.add(cert).map_err(|e| unreadable(&e))?;
            }
        }
        Tls::System => {
            // This machine's bundle where it keeps one (what its own tools trust); Mozilla's
            // roots, built in, where it keeps none.
            for path in [
                "/etc/ssl/certs/ca-certificates.crt",
                "/etc/pki/tls/certs/ca-bundle.crt",
                "/etc/ssl/cert.pem",
            ] {
                if let Ok(certs) = CertificateDer::pem_file_iter(path) {
                    for cert in certs.flatten() {
                        let _ = store.add(cert);
                    }
                    if !store.is_empty() {
                        break;
                    }
                }
            }
            if store.is_empty() {
                store.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
            }
        }
        Tls::Loopback => {}
    }
    if store.is_empty() {
        return Err(unreadable(&"it holds no certificate"));
    }
    let config = rustls::ClientConfig::builder_with_provider(std::sync::Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .map_err(|e| Error::Internal(format!("TLS setup: {e}")))?
    .with_root_certificates(store)
    .with_no_client_auth();
    Ok(tokio_postgres_rustls::MakeRustlsConnect::new(config))
}

/// The digest a trail is compared by: SHA-256 of its entries' hashes in order, joined by
/// commas, as hex (empty for no entries). The server computes the same in SQL.
pub(crate) fn trail_digest<'a>(hashes: impl Iterator<Item = &'a str>) -> String {
    use sha2::Digest as _;
    let joined: Vec<&str> = hashes.collect();
    if joined.is_empty() {
        return String::new();
    }
    hex::encode(sha2::Sha256::digest(joined.join(",").as_bytes()))
}

/// Whether a connection failed on the server's certificate (untrusted, wrong host, expired).
fn certificate_refused(e: &postgres::Error) -> Option<String> {
    let mut source: Option<&(dyn std::error::Error + 'static)> = std::error::Error::source(e);
    while let Some(s) = source {
        if let Some(tls) = s.downcast_ref::<rustls::Error>() {
            return matches!(tls, rustls::Error::InvalidCertificate(_)).then(|| tls.to_string());
        }
        if let Some(io) = s.downcast_ref::<std::io::Error>()
            && let Some(tls) = io.get_ref().and_then(|i| i.downcast_ref::<rustls::Error>())
        {
            return matches!(tls, rustls::Error::InvalidCertificate(_)).then(|| tls.to_string());
        }
        source = s.source();
    }
    None
}

pub(crate) fn server_error(server: &str, e: postgres::Error) -> Error {
    if let Some(detail) = certificate_refused(&e) {
        return Error::ServerCertificate {
            server: server.to_string(),
            detail,
        };
    }
    let Some(db) = e.as_db_error() else {
        return Error::ServerUnreachable {
            server: server.to_string(),
            detail: e.to_string(),
            what: "this",
        };
    };
    let code = db.code().code();
    match code {
        // serialization failure, deadlock, lock timeout: someone else holds the workspace
        "40001" | "40P01" | "55P03" => Error::Busy,
        // the login was refused
        // a wrong password: the login's (an invite's one-time password replaced, or reset)
        "28P01" => Error::LoginRefused {
            server: server.to_string(),
            detail: db.message().to_string(),
        },
        // refused before any password: the server's access rules, or a login that may not log in
        "28000" => Error::TeamSetup(format!(
            "the team server {server} would not let this laptop log in ({}); ask the admin who \
             runs it",
            db.message()
        )),
        // lost in the middle: an admin shut the connection, or the server restarts
        // or it is out of room for now (too many connections), or gave up on this
        // session (a statement or idle-in-transaction timeout): nothing was done, try again
        c if c.starts_with("57") || c.starts_with("08") || c.starts_with("53") || c == "25P03" => {
            Error::ServerUnreachable {
                server: server.to_string(),
                detail: db.message().to_string(),
                what: "this",
            }
        }
        _ => Error::ServerRefused {
            reason: db.message().to_string(),
        },
    }
}

impl Error {
    /// Names the act that needed the server in an unreachable-server error.
    pub(crate) fn located(self, what: &'static str) -> Error {
        match self {
            Error::ServerUnreachable { server, detail, .. } => Error::ServerUnreachable {
                server,
                detail,
                what,
            },
            other => other,
        }
    }
}
