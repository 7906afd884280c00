//! The `roster` table: appending signed entries and reading them back in order. The methods'
//! contracts are documented on the facade, [`crate::store::RosterLog`].

use rusqlite::{Connection, OptionalExtension, Row, params};

use super::{bad_value, ms, ts, uuid};
use crate::error::Result;
use crate::model::Role;
use crate::roster::RosterEntry;

#[derive(Debug)]
pub struct RosterLog<'c> {
    pub(super) conn: &'c Connection,
}

const COLUMNS: &str = "seq, member_id, name, role, public_key, active, at, signer_id, signature, prev_hash, hash, solo";

fn entry(r: &Row<'_>) -> rusqlite::Result<RosterEntry> {
    let role: String = r.get(3)?;
    Ok(RosterEntry {
        seq: r.get(0)?,
        member_id: uuid(&r.get::<_, String>(1)?)?,
        name: r.get(2)?,
        role: Role::parse(&role).ok_or_else(|| bad_value("role", &role))?,
        public_key: r.get(4)?,
        active: r.get(5)?,
        at: ts(r.get(6)?)?,
        signer_id: r
            .get::<_, Option<String>>(7)?
            .as_deref()
            .map(uuid)
            .transpose()?,
        signature: r.get(8)?,
        prev_hash: r.get(9)?,
        hash: r.get(10)?,
        solo: r.get(11)?,
    })
}

impl RosterLog<'_> {
    pub fn last(&self) -> Result<Option<(i64, String)>> {
        Ok(self
            .conn
            .query_row(
                "SELECT seq, hash FROM roster ORDER BY seq DESC LIMIT 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?)
    }

    pub fn insert(&self, e: &RosterEntry) -> Result<()> {
        self.conn.execute(
            &format!("INSERT INTO roster ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)"),
            params![
                e.seq,
                e.member_id.to_string(),
                e.name,
                e.role.as_str(),
                e.public_key,
                e.active,
                ms(e.at),
                e.signer_id.map(|u| u.to_string()),
                e.signature,
                e.prev_hash,
                e.hash,
                e.solo
            ],
        )?;
        Ok(())
    }

    pub fn all(&self) -> Result<Vec<RosterEntry>> {
        let mut stmt = self
            .conn
            .prepare(&format!("SELECT {COLUMNS} FROM roster ORDER BY seq"))?;
        let rows = stmt.query_map([], entry)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}
