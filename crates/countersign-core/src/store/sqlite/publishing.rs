//! The durable schedule: what is due, the publisher's bookkeeping per post, the posts in the
//! queue, the calendar, and the brand's weekly queue slots. The methods' contracts are
//! documented on the facade, [`crate::store::Publishing`].

use std::collections::HashSet;

use jiff::Timestamp;
use jiff::civil::{Time, Weekday};
use rusqlite::{Connection, OptionalExtension, params};
use uuid::Uuid;

use super::{bad_value, ms, ts, uuid};
use crate::error::Result;
use crate::model::Status;
use crate::store::{CalendarItem, PublishState, QueueSlot};

#[derive(Debug)]
pub struct Publishing<'c> {
    pub(super) conn: &'c Connection,
}

fn opt_ts(v: Option<i64>) -> rusqlite::Result<Option<Timestamp>> {
    v.map(ts).transpose()
}

impl Publishing<'_> {
    // A post being published is due for this laptop when its wait is over and, if another
    // laptop holds the claim, once that claim's lease has run out too.
    const RESUME_AT: &'static str = "max(coalesce(next_attempt_at, 0),
        CASE WHEN claim_device IS ?2 THEN 0 ELSE coalesce(lease_until, 0) END)";

    pub fn due(&self, now: Timestamp, device: Option<&str>) -> Result<Vec<Uuid>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT id FROM (
                 SELECT id, scheduled_at AS t, seq FROM posts
                 WHERE status = 'scheduled' AND scheduled_at <= ?1
                 UNION ALL
                 SELECT id, {r} AS t, seq FROM posts
                 WHERE status = 'publishing' AND {r} <= ?1)
             ORDER BY t, seq",
            r = Self::RESUME_AT
        ))?;
        let rows = stmt.query_map(params![ms(now), device], |r| uuid(&r.get::<_, String>(0)?))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    pub fn next_due(&self, device: Option<&str>) -> Result<Option<Timestamp>> {
        let t: Option<i64> = self.conn.query_row(
            &format!(
                "SELECT min(t) FROM (
                     SELECT min(scheduled_at) AS t FROM posts WHERE status = 'scheduled'
                     UNION ALL
                     SELECT min({}) FROM posts WHERE status = 'publishing')",
                Self::RESUME_AT.replace("?2", "?1")
            ),
            [device],
            |r| r.get(0),
        )?;
        Ok(opt_ts(t)?)
    }

    pub fn overdue(&self, before: Timestamp) -> Result<Vec<Uuid>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id FROM posts WHERE status = 'scheduled' AND scheduled_at < ?1
             ORDER BY scheduled_at, seq",
        )?;
        let rows = stmt.query_map([ms(before)], |r| uuid(&r.get::<_, String>(0)?))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    pub fn is_recorded(&self, x_id: &str) -> Result<bool> {
        Ok(self.conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM published_parts WHERE x_id = ?1)",
            [x_id],
            |r| r.get(0),
        )?)
    }

    pub fn state(&self, id: Uuid) -> Result<PublishState> {
        let key = id.to_string();
        let mut state = self
            .conn
            .query_row(
                "SELECT claimed_at, in_flight_at, next_attempt_at, server_errors, retries,
                        claimed_by, claim_device, claim_epoch, lease_until
                 FROM posts WHERE id = ?1",
                [&key],
                |r| {
                    Ok(PublishState {
                        claimed_at: opt_ts(r.get(0)?)?,
                        in_flight_at: opt_ts(r.get(1)?)?,
                        next_attempt_at: opt_ts(r.get(2)?)?,
                        server_errors: r.get(3)?,
                        retries: r.get(4)?,
                        parts: Vec::new(),
                        claimed_by: r
                            .get::<_, Option<String>>(5)?
                            .as_deref()
                            .map(uuid)
                            .transpose()?,
                        claim_device: r.get(6)?,
                        claim_epoch: r.get(7)?,
                        lease_until: opt_ts(r.get(8)?)?,
                    })
                },
            )
            .optional()?
            .unwrap_or_default();
        let mut stmt = self
            .conn
            .prepare_cached("SELECT x_id FROM published_parts WHERE post_id = ?1 ORDER BY idx")?;
        state.parts = stmt
            .query_map([&key], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        Ok(state)
    }

    pub fn save_state(&self, id: Uuid, s: &PublishState) -> Result<()> {
        self.conn.execute(
            "UPDATE posts SET claimed_at = ?2, in_flight_at = ?3, next_attempt_at = ?4,
                 server_errors = ?5, retries = ?6, claimed_by = ?7, claim_device = ?8,
                 claim_epoch = ?9, lease_until = ?10
             WHERE id = ?1",
            params![
                id.to_string(),
                s.claimed_at.map(ms),
                s.in_flight_at.map(ms),
                s.next_attempt_at.map(ms),
                s.server_errors,
                s.retries,
                s.claimed_by.map(|m| m.to_string()),
                s.claim_device,
                s.claim_epoch,
                s.lease_until.map(ms),
            ],
        )?;
        Ok(())
    }

    pub fn record_part(
        &self,
        id: Uuid,
        idx: usize,
        x_id: &str,
        at: Timestamp,
        by: Option<Uuid>,
    ) -> Result<()> {
        self.conn.execute(
            "INSERT INTO published_parts (post_id, idx, x_id, at, by_member, claim_epoch)
             SELECT ?1, ?2, ?3, ?4, ?5, claim_epoch FROM posts WHERE id = ?1",
            params![
                id.to_string(),
                idx as i64,
                x_id,
                ms(at),
                by.map(|m| m.to_string())
            ],
        )?;
        Ok(())
    }

    pub fn set_queued(&self, id: Uuid, queued: bool) -> Result<()> {
        self.conn.execute(
            "UPDATE posts SET queued = ?2 WHERE id = ?1",
            params![id.to_string(), queued],
        )?;
        Ok(())
    }

    pub fn queue(&self) -> Result<Vec<(Uuid, Timestamp)>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, scheduled_at FROM posts
             WHERE status = 'scheduled' AND queued = 1 ORDER BY scheduled_at, seq",
        )?;
        let rows = stmt.query_map([], |r| Ok((uuid(&r.get::<_, String>(0)?)?, ts(r.get(1)?)?)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    pub fn taken(&self, after: Timestamp) -> Result<HashSet<Timestamp>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT scheduled_at FROM posts
             WHERE status IN ('scheduled', 'publishing') AND scheduled_at > ?1",
        )?;
        let rows = stmt.query_map([ms(after)], |r| ts(r.get(0)?))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    pub fn calendar(&self, from: Timestamp, to: Timestamp) -> Result<Vec<CalendarItem>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT p.id, p.status, a.name, p.version,
                    (SELECT count(*) FROM parts WHERE post_id = p.id AND version = p.version),
                    (SELECT text FROM parts WHERE post_id = p.id AND version = p.version AND idx = 0),
                    CASE WHEN p.status = 'posted' THEN coalesce(p.posted_at, p.scheduled_at)
                         ELSE p.scheduled_at END AS t,
                    p.scheduled_zone, p.queued, p.post_url
             FROM posts p JOIN members a ON a.id = p.author_id
             WHERE p.status NOT IN ('dropped', 'rejected')
               AND ((p.scheduled_at >= ?1 AND p.scheduled_at < ?2)
                    OR (p.status = 'posted' AND p.posted_at >= ?1 AND p.posted_at < ?2))
             ORDER BY t, p.seq",
        )?;
        let rows = stmt.query_map(params![ms(from), ms(to)], |r| {
            let status_text: String = r.get(1)?;
            Ok(CalendarItem {
                id: uuid(&r.get::<_, String>(0)?)?,
                status: Status::parse(&status_text)
                    .ok_or_else(|| bad_value("status", &status_text))?,
                author: r.get(2)?,
                parts: r.get(4)?,
                text: r.get::<_, Option<String>>(5)?.unwrap_or_default(),
                at: ts(r.get(6)?)?,
                zone: r.get(7)?,
                queued: r.get(8)?,
                post_url: r.get(9)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    // --- queue slots ---------------------------------------------------------------------------

    pub fn slots(&self) -> Result<Vec<QueueSlot>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT id, weekday, time FROM queue_slots ORDER BY weekday, time")?;
        let rows = stmt.query_map([], |r| {
            let day: i8 = r.get(1)?;
            let time: String = r.get(2)?;
            Ok(QueueSlot {
                id: uuid(&r.get::<_, String>(0)?)?,
                weekday: Weekday::from_monday_one_offset(day)
                    .map_err(|_| bad_value("weekday", &day.to_string()))?,
                time: time
                    .parse::<Time>()
                    .map_err(|_| bad_value("slot time", &time))?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    pub fn add_slot(&self, slot: &QueueSlot, now: Timestamp) -> Result<bool> {
        let n = self.conn.execute(
            "INSERT INTO queue_slots (id, weekday, time, created_at) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT (weekday, time) DO NOTHING",
            params![
                slot.id.to_string(),
                slot.weekday.to_monday_one_offset(),
                slot.time.strftime("%H:%M:%S").to_string(),
                ms(now)
            ],
        )?;
        Ok(n == 1)
    }

    pub fn remove_slot(&self, id: Uuid) -> Result<bool> {
        let n = self
            .conn
            .execute("DELETE FROM queue_slots WHERE id = ?1", [id.to_string()])?;
        Ok(n == 1)
    }
}
