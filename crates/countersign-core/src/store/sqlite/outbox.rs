//! The `outbox` table: acts made while the team server was away. The methods' contracts are
//! documented on the facade, [`crate::store::Outbox`].

use rusqlite::{Connection, params};

use super::{bad_value, ms, ts, uuid};
use crate::error::Result;
use crate::model::Status;
use crate::store::rows::{OutboxAct, Queued};

#[derive(Debug)]
pub struct Outbox<'c> {
    pub(super) conn: &'c Connection,
}

impl Outbox<'_> {
    pub fn add(&self, q: &Queued) -> Result<i64> {
        self.conn.execute(
            "INSERT INTO outbox (act, actor, post_id, base_version, base_status, item_id, body, made_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![
                q.act.as_str(),
                q.actor,
                q.post_id.to_string(),
                q.base.map(|b| b.0),
                q.base.map(|b| b.1.as_str()),
                q.item_id.to_string(),
                q.body,
                ms(q.made_at)
            ],
        )?;
        Ok(self.conn.last_insert_rowid())
    }

    pub fn all(&self) -> Result<Vec<Queued>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, act, actor, post_id, base_version, base_status, item_id, body, made_at, refused
             FROM outbox ORDER BY id",
        )?;
        let rows = stmt.query_map([], |r| {
            let act: String = r.get(1)?;
            let base_version: Option<u32> = r.get(4)?;
            let base_status: Option<String> = r.get(5)?;
            let base = match (base_version, base_status) {
                (Some(v), Some(s)) => {
                    Some((v, Status::parse(&s).ok_or_else(|| bad_value("status", &s))?))
                }
                _ => None,
            };
            Ok(Queued {
                seq: r.get(0)?,
                act: OutboxAct::parse(&act).ok_or_else(|| bad_value("outbox act", &act))?,
                actor: r.get(2)?,
                post_id: uuid(&r.get::<_, String>(3)?)?,
                base,
                item_id: uuid(&r.get::<_, String>(6)?)?,
                body: r.get(7)?,
                made_at: ts(r.get(8)?)?,
                refused: r.get(9)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    pub fn refuse(&self, seq: i64, reason: &str) -> Result<()> {
        self.conn.execute(
            "UPDATE outbox SET refused = ?2 WHERE id = ?1",
            params![seq, reason],
        )?;
        Ok(())
    }

    pub fn remove(&self, seq: i64) -> Result<bool> {
        Ok(self
            .conn
            .execute("DELETE FROM outbox WHERE id = ?1", [seq])?
            == 1)
    }
}
