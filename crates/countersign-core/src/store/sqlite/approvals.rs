//! The `approvals` table: countersignatures, each bound to a digest, voided (never deleted)
//! when the content or time they vouch for changes. The methods' contracts are documented on
//! the facade, [`crate::store::Approvals`].

use jiff::Timestamp;
use rusqlite::{Connection, OptionalExtension, params};
use uuid::Uuid;

use super::{members, ms, ts, uuid};
use crate::approval::Statement;
use crate::error::Result;
use crate::model::Approval;

#[derive(Debug)]
pub struct Approvals<'c> {
    pub(super) conn: &'c Connection,
}

impl Approvals<'_> {
    pub fn insert(&self, a: &Approval) -> Result<()> {
        self.conn.execute(
            "INSERT INTO approvals (id, post_id, member_id, version, digest, scheduled_at, at, solo, edited,
                                    key_fingerprint, signature, author_id, roster_seq, roster_hash)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
            params![
                a.id.to_string(),
                a.post_id.to_string(),
                a.approver.id.to_string(),
                a.version,
                a.digest,
                a.scheduled_at.map(ms),
                ms(a.at),
                a.solo,
                a.edited,
                a.key_fingerprint,
                a.signature,
                a.statement.as_ref().map(|st| st.author_id.to_string()),
                a.statement.as_ref().map(|st| st.roster_seq),
                a.statement.as_ref().map(|st| st.roster_hash.clone())
            ],
        )?;
        Ok(())
    }

    pub fn current(&self, post_id: Uuid) -> Result<Option<Approval>> {
        Ok(self
            .conn
            .query_row(
                "SELECT a.id, a.post_id, a.version, a.digest, a.scheduled_at, a.at, a.solo, a.edited,
                        a.key_fingerprint, a.signature, m.id, m.name, m.initials, m.role, m.active, m.created_at,
                        a.author_id, a.roster_seq, a.roster_hash
                 FROM approvals a JOIN members m ON m.id = a.member_id
                 WHERE a.post_id = ?1 AND a.voided_at IS NULL
                 ORDER BY a.at DESC, a.rowid DESC LIMIT 1",
                [post_id.to_string()],
                |r| {
                    Ok(Approval {
                        id: uuid(&r.get::<_, String>(0)?)?,
                        post_id: uuid(&r.get::<_, String>(1)?)?,
                        version: r.get(2)?,
                        digest: r.get(3)?,
                        scheduled_at: r.get::<_, Option<i64>>(4)?.map(ts).transpose()?,
                        at: ts(r.get(5)?)?,
                        solo: r.get(6)?,
                        edited: r.get(7)?,
                        key_fingerprint: r.get(8)?,
                        signature: r.get(9)?,
                        approver: members::from_row(r, 10)?,
                        statement: statement(
                            r.get::<_, Option<String>>(16)?,
                            r.get(17)?,
                            r.get(18)?,
                        )?,
                    })
                },
            )
            .optional()?)
    }

    pub fn void(&self, post_id: Uuid, at: Timestamp, reason: &str) -> Result<usize> {
        Ok(self.conn.execute(
            "UPDATE approvals SET voided_at = ?2, void_reason = ?3 WHERE post_id = ?1 AND voided_at IS NULL",
            params![post_id.to_string(), ms(at), reason],
        )?)
    }
}

/// The `v2` part of an approval row: all three columns, or none (a `v1` approval).
fn statement(
    author: Option<String>,
    roster_seq: Option<i64>,
    roster_hash: Option<String>,
) -> rusqlite::Result<Option<Statement>> {
    Ok(match (author, roster_seq, roster_hash) {
        (Some(a), Some(seq), Some(hash)) => Some(Statement {
            author_id: uuid(&a)?,
            roster_seq: seq,
            roster_hash: hash,
        }),
        _ => None,
    })
}
