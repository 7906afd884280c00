//! The SQLite half of team mode: this file as the server's replica.
//!
//! Two jobs, both mechanical (no domain rule lives here):
//!
//! - **Capture.** While a use case writes, temporary triggers note which rows of the shared
//!   tables it inserted, changed or removed, and what a changed row was before. [`changes`]
//!   turns that into [`Change`]s for the server to apply in the same transaction.
//! - **Apply.** Rows pulled from the server are written over the local ones by primary key
//!   (append-only tables only ever gain rows), the search index of every changed post is
//!   rebuilt, and the high-water mark moves on, all in one transaction.
//!
//! Rows are carried as JSON objects keyed by column name; only the columns both sides share
//! travel ([`crate::store::team::TABLES`] says which tables, and which columns stay local).

use std::collections::{BTreeMap, HashSet};

use rusqlite::types::Value as SqlValue;
use rusqlite::{Connection, OptionalExtension, params_from_iter};
use serde_json::{Map, Value};

use super::SqliteStore;
use crate::error::{Error, Result};
use crate::store::pg::server::Heads;
use crate::store::team::{Change, Op, TABLES, Table};

/// The columns of each shared table in this file, in declaration order.
pub(crate) type Columns = BTreeMap<&'static str, Vec<String>>;

impl SqliteStore {
    /// Installs the capture triggers on this connection (temporary: they exist only for it) and
    /// returns the shared tables' columns.
    pub(crate) fn start_capture(&mut self) -> Result<Columns> {
        let mut columns = Columns::new();
        let mut sql = String::from(
            "CREATE TEMP TABLE IF NOT EXISTS cs_changes (
                 n   INTEGER PRIMARY KEY,
                 tbl TEXT NOT NULL,
                 pk  TEXT NOT NULL,
                 op  TEXT NOT NULL,
                 old TEXT,
                 UNIQUE (tbl, pk)
             );",
        );
        for t in TABLES {
            let cols = table_columns(&self.conn, t.name)?;
            let obj = |row: &str| {
                let pairs: Vec<String> = cols
                    .iter()
                    .map(|c| format!("'{c}', {row}.\"{c}\""))
                    .collect();
                format!("json_object({})", pairs.join(", "))
            };
            let pk = |row: &str| {
                let items: Vec<String> = t.key.iter().map(|c| format!("{row}.\"{c}\"")).collect();
                format!("json_array({})", items.join(", "))
            };
            // The first note of a row wins: an insert stays an insert, and an update keeps the
            // row as it was before the transaction.
            for (suffix, when, op, row, old) in [
                ("i", "INSERT", "i", "NEW", "NULL".to_string()),
                ("u", "UPDATE", "u", "OLD", obj("OLD")),
                ("d", "DELETE", "d", "OLD", obj("OLD")),
            ] {
                sql.push_str(&format!(
                    "DROP TRIGGER IF EXISTS temp.cs_{name}_{suffix};
                     CREATE TEMP TRIGGER cs_{name}_{suffix} AFTER {when} ON main.{name} BEGIN
                       INSERT OR IGNORE INTO cs_changes (tbl, pk, op, old)
                       VALUES ('{name}', {pk}, '{op}', {old});
                     END;",
                    name = t.name,
                    pk = pk(row),
                ));
            }
            columns.insert(t.name, cols);
        }
        self.conn.execute_batch(&sql)?;
        Ok(columns)
    }

    /// The last `seq` of this file's audit trail and of its roster.
    pub(crate) fn chain_heads(&self) -> Result<Heads> {
        Ok(self.conn.query_row(
            "SELECT (SELECT coalesce(max(seq), 0) FROM audit),
                    (SELECT coalesce(max(seq), 0) FROM roster)",
            [],
            |r| {
                Ok(Heads {
                    audit: r.get(0)?,
                    roster: r.get(1)?,
                })
            },
        )?)
    }

    /// How many entries this file's audit trail and roster hold, with the digest of their
    /// hashes in order ([`crate::store::pg::server::trail_digest`]), and where each ends.
    pub(crate) fn trail_digests(&self) -> Result<(Heads, [(i64, String); 2])> {
        let heads = self.chain_heads()?;
        let mut out = Vec::with_capacity(2);
        for table in ["audit", "roster"] {
            let mut stmt = self
                .conn
                .prepare(&format!("SELECT hash FROM {table} ORDER BY seq"))?;
            let hashes: Vec<String> = stmt
                .query_map([], |r| r.get(0))?
                .collect::<rusqlite::Result<_>>()?;
            out.push((
                hashes.len() as i64,
                crate::store::pg::server::trail_digest(hashes.iter().map(String::as_str)),
            ));
        }
        let second = out.pop().unwrap_or_default();
        let first = out.pop().unwrap_or_default();
        Ok((heads, [first, second]))
    }

    /// The last server change this file has applied (0: none yet).
    pub(crate) fn high_water(&self) -> Result<i64> {
        Ok(self
            .conn
            .query_row("SELECT high_water FROM replica WHERE id = 1", [], |r| {
                r.get(0)
            })
            .optional()?
            .unwrap_or(0))
    }

    /// Applies changes pulled from the server, in their order, in one transaction.
    /// Applies rows pulled from the server. Returns the audit entries that were new to this
    /// file: what other laptops did since the last pull (this laptop's own come back as rows it
    /// holds already).
    pub(crate) fn apply_pulled(
        &mut self,
        columns: &Columns,
        rows: &[(i64, String, Value)],
    ) -> Result<Vec<Value>> {
        let mut heard = Vec::new();
        if rows.is_empty() {
            return Ok(heard);
        }
        let tx = self.conn.transaction()?;
        // A row may come before the row it refers to (a post's row moves on with every change;
        // its versions do not), so foreign keys are checked at commit.
        tx.pragma_update(None, "defer_foreign_keys", true)?;
        let mut reindex = HashSet::new();
        let mut messages = HashSet::new();
        let mut high = 0;
        for (seq, tbl, data) in rows {
            high = high.max(*seq);
            if let Some(removed) = tbl.strip_prefix("deleted:") {
                let t = table(removed)?;
                delete(&tx, t, data)?;
                continue;
            }
            let t = table(tbl)?;
            let Value::Object(row) = data else {
                return Err(Error::Storage(format!(
                    "the server sent a {tbl} row that is not an object"
                )));
            };
            let new = upsert(&tx, t, &columns[t.name], row)?;
            if new && t.name == "audit" {
                heard.push(data.clone());
            }
            if matches!(t.name, "posts" | "post_versions" | "parts")
                && let Some(Value::String(id)) =
                    row.get(if t.name == "posts" { "id" } else { "post_id" })
            {
                reindex.insert(id.clone());
            }
            // A message may come before its conversation (whose row moves on with every take
            // or answer): it is indexed once both are here.
            if t.name == "messages"
                && let Some(Value::String(x_id)) = row.get("x_id")
            {
                messages.insert(x_id.clone());
            }
        }
        for id in reindex {
            reindex_post(&tx, &id)?;
        }
        for x_id in messages {
            reindex_message(&tx, &x_id)?;
        }
        tx.execute(
            "INSERT INTO replica (id, high_water) VALUES (1, ?1)
             ON CONFLICT (id) DO UPDATE SET high_water = max(high_water, excluded.high_water)",
            [high],
        )?;
        tx.execute("DELETE FROM temp.cs_changes", [])?;
        tx.commit()?;
        Ok(heard)
    }

    /// Runs `f` in a write transaction with capture on, then hands what it changed to `ship`
    /// (which applies it on the server and commits there); commits here only if both succeed.
    pub(crate) fn write_shipping<T>(
        &mut self,
        columns: &Columns,
        f: impl FnOnce(super::SqliteTx<'_>) -> Result<T>,
        ship: impl FnOnce(&[Change]) -> Result<()>,
    ) -> Result<T> {
        let tx = self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        tx.execute("DELETE FROM temp.cs_changes", [])?;
        let out = f(super::SqliteTx { conn: &tx })?;
        let changes = changes(&tx, columns)?;
        ship(&changes)?;
        tx.execute("DELETE FROM temp.cs_changes", [])?;
        tx.commit()?;
        Ok(out)
    }

    /// Every row of the shared tables, as inserts: what `team init` uploads.
    pub(crate) fn everything(&self, columns: &Columns) -> Result<Vec<Change>> {
        let mut out = Vec::new();
        for t in TABLES {
            let cols = &columns[t.name];
            let order: Vec<String> = t.key.iter().map(|c| format!("\"{c}\"")).collect();
            let sql = format!(
                "SELECT {} FROM main.{} ORDER BY {}",
                json_object(cols),
                t.name,
                if t.name == "posts" {
                    "seq".to_string()
                } else {
                    order.join(", ")
                }
            );
            let mut stmt = self.conn.prepare(&sql)?;
            let rows = stmt.query_map([], |r| r.get::<_, String>(0))?;
            for row in rows {
                out.push(Change {
                    table: t,
                    op: Op::Insert,
                    row: parse_object(&row?)?,
                    changed: Vec::new(),
                });
            }
        }
        Ok(out)
    }

    /// Records the roster's genesis hash in the workspace row (team init, before uploading).
    pub(crate) fn set_genesis(&self, hash: &str) -> Result<()> {
        self.conn.execute(
            "UPDATE workspace SET genesis_hash = ?1 WHERE id = 1",
            [hash],
        )?;
        Ok(())
    }
}

fn table(name: &str) -> Result<&'static Table> {
    TABLES
        .iter()
        .find(|t| t.name == name)
        .ok_or_else(|| Error::Storage(format!("the server sent rows of an unknown table {name:?}")))
}

fn table_columns(conn: &Connection, name: &str) -> Result<Vec<String>> {
    let mut stmt = conn.prepare(&format!("PRAGMA main.table_info({name})"))?;
    let cols = stmt
        .query_map([], |r| r.get::<_, String>(1))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(cols)
}

fn json_object(cols: &[String]) -> String {
    let pairs: Vec<String> = cols.iter().map(|c| format!("'{c}', \"{c}\"")).collect();
    format!("json_object({})", pairs.join(", "))
}

fn parse_object(text: &str) -> Result<Map<String, Value>> {
    match serde_json::from_str(text) {
        Ok(Value::Object(m)) => Ok(m),
        _ => Err(Error::Internal(format!(
            "a captured row is not a JSON object: {text}"
        ))),
    }
}

/// What the current transaction changed in the shared tables.
fn changes(conn: &Connection, columns: &Columns) -> Result<Vec<Change>> {
    let mut noted = conn.prepare("SELECT tbl, pk, op, old FROM temp.cs_changes ORDER BY n")?;
    let noted = noted
        .query_map([], |r| {
            Ok((
                r.get::<_, String>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, Option<String>>(3)?,
            ))
        })?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    let mut out = Vec::new();
    for (tbl, pk, op, old) in noted {
        let t = table(&tbl)?;
        let key: Vec<Value> = serde_json::from_str(&pk)
            .map_err(|e| Error::Internal(format!("a captured key is unreadable: {e}")))?;
        let now = current(conn, t, &columns[t.name], &key)?;
        let old = old.as_deref().map(parse_object).transpose()?;
        match (op.as_str(), now, old) {
            ("i", Some(row), _) => out.push(Change {
                table: t,
                op: Op::Insert,
                row,
                changed: Vec::new(),
            }),
            // Inserted and removed again: nothing happened.
            ("i", None, _) => {}
            (_, None, Some(old)) => out.push(Change {
                table: t,
                op: Op::Delete,
                row: old,
                changed: Vec::new(),
            }),
            (_, Some(row), Some(old)) => {
                let changed: Vec<String> = row
                    .iter()
                    .filter(|(c, v)| old.get(c.as_str()) != Some(v))
                    .map(|(c, _)| c.clone())
                    .collect();
                if !changed.is_empty() {
                    out.push(Change {
                        table: t,
                        op: Op::Update,
                        row,
                        changed,
                    });
                }
            }
            _ => {
                return Err(Error::Internal(format!(
                    "an unreadable change note on {tbl}"
                )));
            }
        }
    }
    Ok(out)
}

fn sql_value(v: &Value) -> SqlValue {
    match v {
        Value::Null => SqlValue::Null,
        Value::Bool(b) => SqlValue::Integer(i64::from(*b)),
        Value::Number(n) => match n.as_i64() {
            Some(i) => SqlValue::Integer(i),
            None => SqlValue::Real(n.as_f64().unwrap_or(0.0)),
        },
        Value::String(s) => SqlValue::Text(s.clone()),
        other => SqlValue::Text(other.to_string()),
    }
}

fn key_clause(t: &Table) -> String {
    let parts: Vec<String> = t.key.iter().map(|c| format!("\"{c}\" = ?")).collect();
    parts.join(" AND ")
}

fn current(
    conn: &Connection,
    t: &Table,
    cols: &[String],
    key: &[Value],
) -> Result<Option<Map<String, Value>>> {
    let sql = format!(
        "SELECT {} FROM main.{} WHERE {}",
        json_object(cols),
        t.name,
        key_clause(t)
    );
    let text: Option<String> = conn
        .query_row(&sql, params_from_iter(key.iter().map(sql_value)), |r| {
            r.get(0)
        })
        .optional()?;
    text.as_deref().map(parse_object).transpose()
}

/// Writes one pulled row; returns whether it was new to this file (an append-only row this
/// laptop did not hold).
fn upsert(
    conn: &Connection,
    t: &Table,
    local: &[String],
    row: &Map<String, Value>,
) -> Result<bool> {
    let cols: Vec<&String> = local
        .iter()
        .filter(|c| row.contains_key(c.as_str()) && t.pulled(c))
        .collect();
    let names: Vec<String> = cols.iter().map(|c| format!("\"{c}\"")).collect();
    let marks = vec!["?"; cols.len()].join(", ");
    let conflict = t
        .key
        .iter()
        .map(|c| format!("\"{c}\""))
        .collect::<Vec<_>>()
        .join(", ");
    let action = if t.append_only {
        "DO NOTHING".to_string()
    } else {
        let sets: Vec<String> = cols
            .iter()
            .filter(|c| !t.key.contains(&c.as_str()))
            .map(|c| format!("\"{c}\" = excluded.\"{c}\""))
            .collect();
        if sets.is_empty() {
            "DO NOTHING".to_string()
        } else {
            format!("DO UPDATE SET {}", sets.join(", "))
        }
    };
    let sql = format!(
        "INSERT INTO main.{} ({}) VALUES ({marks}) ON CONFLICT ({conflict}) {action}",
        t.name,
        names.join(", ")
    );
    let written = conn.prepare_cached(&sql)?.execute(params_from_iter(
        cols.iter().map(|c| sql_value(&row[c.as_str()])),
    ))?;
    if written == 0 && t.append_only && !t.server.is_empty() {
        // The server's stamps on a row this laptop wrote (an audit entry's receipt time) come
        // back after it: they fill in what is missing, and change nothing else.
        for col in cols.iter().filter(|c| t.server.contains(&c.as_str())) {
            conn.prepare_cached(&format!(
                "UPDATE main.{} SET \"{col}\" = ? WHERE {} AND \"{col}\" IS NULL",
                t.name,
                key_clause(t)
            ))?
            .execute(params_from_iter(
                std::iter::once(sql_value(&row[col.as_str()])).chain(
                    t.key
                        .iter()
                        .map(|k| row.get(*k).map(sql_value).unwrap_or(SqlValue::Null)),
                ),
            ))?;
        }
    }
    if written == 0 && t.append_only {
        // A row this laptop already has can only come back the same: the server showing a
        // different one rewrote history (the audit trail, the roster, a version).
        let key: Vec<Value> = t
            .key
            .iter()
            .map(|k| row.get(*k).cloned().unwrap_or(Value::Null))
            .collect();
        let local = current(conn, t, local, &key)?.unwrap_or_default();
        let differs = cols
            .iter()
            .filter(|c| t.shipped(c))
            // (compared as stored: the server's booleans are this file's 0 and 1)
            .find(|c| local.get(c.as_str()).map(sql_value) != row.get(c.as_str()).map(sql_value));
        if let Some(col) = differs {
            return Err(Error::ServerUntrusted {
                reason: format!(
                    "its copy of {} {} differs from this laptop's in {col}: its history was \
                     rewritten. This laptop keeps its own copy and pulls nothing more until an \
                     admin restores the server",
                    t.name,
                    Value::Array(key)
                ),
            });
        }
    }
    Ok(written == 1 && t.append_only)
}

fn delete(conn: &Connection, t: &Table, key: &Value) -> Result<()> {
    let values: Vec<SqlValue> = t
        .key
        .iter()
        .map(|c| key.get(c).map(sql_value).unwrap_or(SqlValue::Null))
        .collect();
    conn.execute(
        &format!("DELETE FROM main.{} WHERE {}", t.name, key_clause(t)),
        params_from_iter(values),
    )?;
    Ok(())
}

/// Rebuilds a post's searchable text from its current version (what `save_version` indexes).
/// A message's words in the conversation search, with its person's handle and name.
fn reindex_message(conn: &Connection, x_id: &str) -> Result<()> {
    conn.execute(
        "DELETE FROM message_search WHERE rowid = (SELECT rowid FROM messages WHERE x_id = ?1)",
        [x_id],
    )?;
    conn.execute(
        "INSERT INTO message_search (rowid, body)
         SELECT m.rowid, m.text || ' ' || c.person_handle || ' ' || c.person_name
         FROM messages m JOIN conversations c ON c.id = m.conversation_id WHERE m.x_id = ?1",
        [x_id],
    )?;
    Ok(())
}

fn reindex_post(conn: &Connection, id: &str) -> Result<()> {
    let found: Option<(i64, i64)> = conn
        .query_row("SELECT seq, version FROM posts WHERE id = ?1", [id], |r| {
            Ok((r.get(0)?, r.get(1)?))
        })
        .optional()?;
    let Some((seq, version)) = found else {
        return Ok(());
    };
    let mut stmt = conn.prepare_cached(
        "SELECT text FROM parts WHERE post_id = ?1 AND version = ?2 ORDER BY idx",
    )?;
    let texts = stmt
        .query_map(rusqlite::params![id, version], |r| r.get::<_, String>(0))?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    conn.execute("DELETE FROM post_search WHERE rowid = ?1", [seq])?;
    conn.execute(
        "INSERT INTO post_search (rowid, body) VALUES (?1, ?2)",
        rusqlite::params![seq, texts.join("\n")],
    )?;
    Ok(())
}
