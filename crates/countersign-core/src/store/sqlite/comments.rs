//! The `comments` table, and `reviews`: the version each reviewer last reviewed. The methods'
//! contracts are documented on the facades, [`crate::store::Comments`] and
//! [`crate::store::Reviews`].

use jiff::Timestamp;
use rusqlite::{Connection, OptionalExtension, params};
use uuid::Uuid;

use super::{members, ms, ts, uuid};
use crate::error::Result;
use crate::model::Comment;

#[derive(Debug)]
pub struct Comments<'c> {
    pub(super) conn: &'c Connection,
}

impl Comments<'_> {
    pub fn insert(&self, c: &Comment) -> Result<()> {
        self.conn.execute(
            "INSERT INTO comments (id, post_id, member_id, version, text, at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![c.id.to_string(), c.post_id.to_string(), c.author.id.to_string(), c.version, c.text, ms(c.at)],
        )?;
        Ok(())
    }

    pub fn for_post(&self, post_id: Uuid) -> Result<Vec<Comment>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT c.id, c.post_id, c.version, c.text, c.at,
                    m.id, m.name, m.initials, m.role, m.active, m.created_at
             FROM comments c JOIN members m ON m.id = c.member_id
             WHERE c.post_id = ?1 ORDER BY c.at, c.rowid",
        )?;
        let rows = stmt.query_map([post_id.to_string()], |r| {
            Ok(Comment {
                id: uuid(&r.get::<_, String>(0)?)?,
                post_id: uuid(&r.get::<_, String>(1)?)?,
                version: r.get(2)?,
                text: r.get(3)?,
                at: ts(r.get(4)?)?,
                author: members::from_row(r, 5)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}

#[derive(Debug)]
pub struct Reviews<'c> {
    pub(super) conn: &'c Connection,
}

impl Reviews<'_> {
    pub fn record(
        &self,
        post_id: Uuid,
        member_id: Uuid,
        version: u32,
        at: Timestamp,
    ) -> Result<()> {
        self.conn.execute(
            "INSERT INTO reviews (post_id, member_id, version, at) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (post_id, member_id) DO UPDATE SET version = excluded.version, at = excluded.at",
            params![post_id.to_string(), member_id.to_string(), version, ms(at)],
        )?;
        Ok(())
    }

    pub fn last(&self, post_id: Uuid, member_id: Uuid) -> Result<Option<u32>> {
        Ok(self
            .conn
            .query_row(
                "SELECT version FROM reviews WHERE post_id = ?1 AND member_id = ?2",
                params![post_id.to_string(), member_id.to_string()],
                |r| r.get(0),
            )
            .optional()?)
    }
}
