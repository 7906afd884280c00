//! The durable schedule: what is due, the publisher's bookkeeping per post, the posts in the
//! queue, the calendar, and the brand's weekly queue slots.

use std::collections::HashSet;

use jiff::Timestamp;
use jiff::civil::{Time, Weekday};
use rusqlite::{Connection, OptionalExtension, params};
use serde::Serialize;
use uuid::Uuid;

use super::{bad_value, ms, ts, uuid};
use crate::error::Result;
use crate::model::Status;

/// The publisher's bookkeeping for one post, all of it in the post's row (and its parts').
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PublishState {
    /// When the publisher claimed the post (scheduled → publishing).
    pub claimed_at: Option<Timestamp>,
    /// Set just before a create request went to X and not yet cleared: its outcome is unknown.
    pub in_flight_at: Option<Timestamp>,
    /// Not before this instant (a backoff, or a rate limit's reset).
    pub next_attempt_at: Option<Timestamp>,
    pub server_errors: u32,
    pub retries: u32,
    /// X's ids of the parts already posted, in order.
    pub parts: Vec<String>,
}

/// A post on the calendar: scheduled (or missed, or waiting for a check) at its time, or
/// posted at the time it went out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CalendarItem {
    pub id: Uuid,
    pub status: Status,
    pub author: String,
    /// The first part's text.
    pub text: String,
    pub parts: u32,
    /// The scheduled instant, or when it was posted.
    pub at: Timestamp,
    /// The zone the time was given in.
    pub zone: Option<String>,
    /// Scheduled through the queue.
    pub queued: bool,
    pub post_url: Option<String>,
}

/// A weekly posting slot: a weekday and a wall time in the brand's zone.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct QueueSlot {
    pub id: Uuid,
    /// `monday` .. `sunday`.
    #[serde(serialize_with = "weekday_name")]
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub weekday: Weekday,
    /// `HH:MM`.
    #[serde(serialize_with = "hh_mm")]
    #[cfg_attr(feature = "ts", ts(type = "string"))]
    pub time: Time,
}

fn weekday_name<S: serde::Serializer>(w: &Weekday, s: S) -> std::result::Result<S::Ok, S::Error> {
    s.serialize_str(&format!("{w:?}").to_lowercase())
}

fn hh_mm<S: serde::Serializer>(t: &Time, s: S) -> std::result::Result<S::Ok, S::Error> {
    s.serialize_str(&t.strftime("%H:%M").to_string())
}

/// The schedule and the publisher's bookkeeping.
#[derive(Debug)]
pub struct Publishing<'c> {
    pub(super) conn: &'c Connection,
}

fn opt_ts(v: Option<i64>) -> rusqlite::Result<Option<Timestamp>> {
    v.map(ts).transpose()
}

impl Publishing<'_> {
    /// Posts the publisher should work on at `now`: scheduled ones whose time has come, and
    /// claimed ones whose wait is over. Oldest due first.
    pub fn due(&self, now: Timestamp) -> Result<Vec<Uuid>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id FROM (
                 SELECT id, scheduled_at AS t, seq FROM posts
                 WHERE status = 'scheduled' AND scheduled_at <= ?1
                 UNION ALL
                 SELECT id, coalesce(next_attempt_at, 0) AS t, seq FROM posts
                 WHERE status = 'publishing' AND coalesce(next_attempt_at, 0) <= ?1)
             ORDER BY t, seq",
        )?;
        let rows = stmt.query_map([ms(now)], |r| uuid(&r.get::<_, String>(0)?))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The earliest instant anything will be due, if anything is waiting.
    pub fn next_due(&self) -> Result<Option<Timestamp>> {
        let t: Option<i64> = self.conn.query_row(
            "SELECT min(t) FROM (
                 SELECT min(scheduled_at) AS t FROM posts WHERE status = 'scheduled'
                 UNION ALL
                 SELECT min(coalesce(next_attempt_at, 0)) FROM posts WHERE status = 'publishing')",
            [],
            |r| r.get(0),
        )?;
        Ok(opt_ts(t)?)
    }

    /// Scheduled posts whose time passed before `before`: candidates for `missed`.
    pub fn overdue(&self, before: Timestamp) -> Result<Vec<Uuid>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id FROM posts WHERE status = 'scheduled' AND scheduled_at < ?1
             ORDER BY scheduled_at, seq",
        )?;
        let rows = stmt.query_map([ms(before)], |r| uuid(&r.get::<_, String>(0)?))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    pub fn state(&self, id: Uuid) -> Result<PublishState> {
        let key = id.to_string();
        let mut state = self
            .conn
            .query_row(
                "SELECT claimed_at, in_flight_at, next_attempt_at, server_errors, retries
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

    /// Saves the bookkeeping columns (not the parts: see [`Publishing::record_part`]).
    pub fn save_state(&self, id: Uuid, s: &PublishState) -> Result<()> {
        self.conn.execute(
            "UPDATE posts SET claimed_at = ?2, in_flight_at = ?3, next_attempt_at = ?4,
                 server_errors = ?5, retries = ?6
             WHERE id = ?1",
            params![
                id.to_string(),
                s.claimed_at.map(ms),
                s.in_flight_at.map(ms),
                s.next_attempt_at.map(ms),
                s.server_errors,
                s.retries,
            ],
        )?;
        Ok(())
    }

    /// Records that part `idx` is on X as `x_id`.
    pub fn record_part(&self, id: Uuid, idx: usize, x_id: &str, at: Timestamp) -> Result<()> {
        self.conn.execute(
            "INSERT INTO published_parts (post_id, idx, x_id, at) VALUES (?1, ?2, ?3, ?4)",
            params![id.to_string(), idx as i64, x_id, ms(at)],
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

    /// The posts in the queue (scheduled into a slot), in order.
    pub fn queue(&self) -> Result<Vec<(Uuid, Timestamp)>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, scheduled_at FROM posts
             WHERE status = 'scheduled' AND queued = 1 ORDER BY scheduled_at, seq",
        )?;
        let rows = stmt.query_map([], |r| Ok((uuid(&r.get::<_, String>(0)?)?, ts(r.get(1)?)?)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Instants after `after` already taken by a post waiting to go out.
    pub fn taken(&self, after: Timestamp) -> Result<HashSet<Timestamp>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT scheduled_at FROM posts
             WHERE status IN ('scheduled', 'publishing') AND scheduled_at > ?1",
        )?;
        let rows = stmt.query_map([ms(after)], |r| ts(r.get(0)?))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Posts with a time in `[from, to)`: by their scheduled time, or by when they went out.
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

    /// Adds a slot; `false` when the same weekday and time is already a slot.
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

    /// Removes a slot; `false` when there was none with that id.
    pub fn remove_slot(&self, id: Uuid) -> Result<bool> {
        let n = self
            .conn
            .execute("DELETE FROM queue_slots WHERE id = ?1", [id.to_string()])?;
        Ok(n == 1)
    }
}
