//! The `members` table. Members are deactivated, never deleted. The methods' contracts are
//! documented on the facade, [`crate::store::Members`].

use jiff::Timestamp;
use rusqlite::{Connection, OptionalExtension, Row, params};
use uuid::Uuid;

use super::{bad_value, ms, ts, uuid};
use crate::error::Result;
use crate::model::{Member, Role};
use crate::store::members::name_key;

#[derive(Debug)]
pub struct Members<'c> {
    pub(super) conn: &'c Connection,
}

const COLUMNS: &str = "id, name, initials, role, active, created_at";

pub(super) fn from_row(r: &Row<'_>, offset: usize) -> rusqlite::Result<Member> {
    let role: String = r.get(offset + 3)?;
    Ok(Member {
        id: uuid(&r.get::<_, String>(offset)?)?,
        name: r.get(offset + 1)?,
        initials: r.get(offset + 2)?,
        role: Role::parse(&role).ok_or_else(|| bad_value("role", &role))?,
        active: r.get(offset + 4)?,
        created_at: ts(r.get(offset + 5)?)?,
    })
}

impl Members<'_> {
    pub fn insert(&self, m: &Member) -> Result<bool> {
        let n = self.conn.execute(
            "INSERT INTO members (id, name, name_key, initials, role, active, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
             ON CONFLICT (name_key) DO NOTHING",
            params![
                m.id.to_string(),
                m.name,
                name_key(&m.name),
                m.initials,
                m.role.as_str(),
                m.active,
                ms(m.created_at)
            ],
        )?;
        Ok(n == 1)
    }

    pub fn by_name(&self, name: &str) -> Result<Option<Member>> {
        Ok(self
            .conn
            .query_row(
                &format!("SELECT {COLUMNS} FROM members WHERE name_key = ?1"),
                [name_key(name)],
                |r| from_row(r, 0),
            )
            .optional()?)
    }

    pub fn by_id(&self, id: Uuid) -> Result<Option<Member>> {
        Ok(self
            .conn
            .query_row(
                &format!("SELECT {COLUMNS} FROM members WHERE id = ?1"),
                [id.to_string()],
                |r| from_row(r, 0),
            )
            .optional()?)
    }

    pub fn list(&self) -> Result<Vec<Member>> {
        let mut stmt = self.conn.prepare(&format!(
            "SELECT {COLUMNS} FROM members ORDER BY created_at, name"
        ))?;
        let rows = stmt.query_map([], |r| from_row(r, 0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    pub fn deactivate(&self, id: Uuid, at: Timestamp) -> Result<()> {
        self.conn.execute(
            "UPDATE members SET active = 0, deactivated_at = ?2 WHERE id = ?1",
            params![id.to_string(), ms(at)],
        )?;
        Ok(())
    }

    pub fn active_reviewers(&self) -> Result<u32> {
        Ok(self.conn.query_row(
            "SELECT count(*) FROM members WHERE role IN ('approver', 'admin') AND active = 1",
            [],
            |r| r.get(0),
        )?)
    }

    pub fn set_role(&self, id: Uuid, role: Role) -> Result<()> {
        self.conn.execute(
            "UPDATE members SET role = ?2 WHERE id = ?1",
            params![id.to_string(), role.as_str()],
        )?;
        Ok(())
    }

    pub fn active_admins(&self) -> Result<u32> {
        Ok(self.conn.query_row(
            "SELECT count(*) FROM members WHERE role = 'admin' AND active = 1",
            [],
            |r| r.get(0),
        )?)
    }

    pub fn offer_key(&self, id: Uuid, public_key: &str, at: Timestamp) -> Result<()> {
        self.conn.execute(
            "INSERT INTO key_requests (member_id, public_key, at) VALUES (?1, ?2, ?3)
             ON CONFLICT (member_id) DO UPDATE SET public_key = excluded.public_key, at = excluded.at",
            params![id.to_string(), public_key, ms(at)],
        )?;
        Ok(())
    }

    pub fn laptop_seen(
        &self,
        device: &str,
        member: Uuid,
        can_publish: bool,
        at: Timestamp,
    ) -> Result<()> {
        self.conn.execute(
            "INSERT INTO devices (device, member_id, can_publish, last_seen) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (device) DO UPDATE SET can_publish = excluded.can_publish,
                 last_seen = excluded.last_seen",
            params![device, member.to_string(), can_publish, ms(at)],
        )?;
        Ok(())
    }

    pub fn laptops(&self) -> Result<Vec<crate::store::Laptop>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT d.device, m.name, d.can_publish, d.last_seen FROM devices d
             JOIN members m ON m.id = d.member_id ORDER BY d.last_seen DESC",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(crate::store::Laptop {
                device: r.get(0)?,
                member: r.get(1)?,
                can_publish: r.get(2)?,
                last_seen: ts(r.get(3)?)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    pub fn offered_key(&self, id: Uuid) -> Result<Option<(String, Timestamp)>> {
        let row: Option<(String, i64)> = self
            .conn
            .query_row(
                "SELECT public_key, at FROM key_requests WHERE member_id = ?1",
                [id.to_string()],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()?;
        Ok(match row {
            Some((k, at)) => Some((k, ts(at)?)),
            None => None,
        })
    }
}
