//! The `audit` table: appending chained entries and reading them back in order. The methods'
//! contracts are documented on the facade, [`crate::store::AuditLog`].

use jiff::Timestamp;
use rusqlite::{Connection, OptionalExtension, Row, params};
use uuid::Uuid;

use super::{ms, ts, uuid};
use crate::audit::{AuditEntry, GENESIS};
use crate::error::Result;
use crate::store::NewAuditEntry;

#[derive(Debug)]
pub struct AuditLog<'c> {
    pub(super) conn: &'c Connection,
}

const COLUMNS: &str = "seq, at, actor_id, actor_name, action, post_id, version, digest, detail, \
                       prev_hash, hash, public_key, signature";

fn entry(r: &Row<'_>) -> rusqlite::Result<AuditEntry> {
    Ok(AuditEntry {
        seq: r.get(0)?,
        at: ts(r.get(1)?)?,
        actor_id: r
            .get::<_, Option<String>>(2)?
            .as_deref()
            .map(uuid)
            .transpose()?,
        actor_name: r.get(3)?,
        action: r.get(4)?,
        post_id: r
            .get::<_, Option<String>>(5)?
            .as_deref()
            .map(uuid)
            .transpose()?,
        version: r.get(6)?,
        digest: r.get(7)?,
        detail: r.get(8)?,
        prev_hash: r.get(9)?,
        hash: r.get(10)?,
        public_key: r.get(11)?,
        signature: r.get(12)?,
    })
}

impl AuditLog<'_> {
    pub fn append(&self, new: NewAuditEntry<'_>, at: Timestamp) -> Result<AuditEntry> {
        let last = self
            .conn
            .query_row(
                "SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1",
                [],
                |r| Ok((r.get::<_, i64>(0)?, r.get::<_, String>(1)?)),
            )
            .optional()?;
        let (prev_seq, prev_hash) = last.unwrap_or((0, GENESIS.to_string()));
        let mut e = AuditEntry {
            seq: prev_seq + 1,
            at,
            actor_id: new.actor.map(|m| m.id),
            actor_name: new
                .actor
                .map(|m| m.name.clone())
                .unwrap_or_else(|| "workspace".into()),
            action: new.action.to_string(),
            post_id: new.post_id,
            version: new.version,
            digest: new.digest.map(str::to_string),
            detail: new.detail.to_string(),
            prev_hash,
            hash: String::new(),
            public_key: None,
            signature: None,
        };
        e.seal(new.key);
        self.conn.execute(
            &format!("INSERT INTO audit ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)"),
            params![
                e.seq,
                ms(e.at),
                e.actor_id.map(|u| u.to_string()),
                e.actor_name,
                e.action,
                e.post_id.map(|u| u.to_string()),
                e.version,
                e.digest,
                e.detail,
                e.prev_hash,
                e.hash,
                e.public_key,
                e.signature
            ],
        )?;
        Ok(e)
    }

    pub fn all(&self) -> Result<Vec<AuditEntry>> {
        let mut stmt = self
            .conn
            .prepare(&format!("SELECT {COLUMNS} FROM audit ORDER BY seq"))?;
        let rows = stmt.query_map([], entry)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    pub fn for_post(&self, post_id: Uuid) -> Result<Vec<AuditEntry>> {
        let mut stmt = self.conn.prepare(&format!(
            "SELECT {COLUMNS} FROM audit WHERE post_id = ?1 ORDER BY seq"
        ))?;
        let rows = stmt.query_map([post_id.to_string()], entry)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}
