//! The publishing facade: the durable schedule, what is due, the publisher's bookkeeping per
//! post, the posts in the queue, the calendar, and the brand's weekly queue slots.

use std::collections::HashSet;

use jiff::Timestamp;
use uuid::Uuid;

use super::sqlite;
use super::{CalendarItem, PublishState, QueueSlot};
use crate::error::Result;

/// The schedule and the publisher's bookkeeping.
#[derive(Debug)]
pub struct Publishing<'t>(pub(super) PublishingImpl<'t>);

#[derive(Debug)]
pub(super) enum PublishingImpl<'t> {
    Sqlite(sqlite::Publishing<'t>),
}

impl Publishing<'_> {
    /// Posts the publisher should work on at `now`: scheduled ones whose time has come, and
    /// claimed ones whose wait is over. Oldest due first.
    ///
    /// `device` is this laptop (team mode): a post another laptop holds the claim on is due
    /// here only once that claim's lease has run out as well.
    pub fn due(&self, now: Timestamp, device: Option<&str>) -> Result<Vec<Uuid>> {
        match &self.0 {
            PublishingImpl::Sqlite(h) => h.due(now, device),
        }
    }

    /// The earliest instant anything will be due, if anything is waiting.
    pub fn next_due(&self, device: Option<&str>) -> Result<Option<Timestamp>> {
        match &self.0 {
            PublishingImpl::Sqlite(h) => h.next_due(device),
        }
    }

    /// Scheduled posts whose time passed before `before`: candidates for `missed`.
    pub fn overdue(&self, before: Timestamp) -> Result<Vec<Uuid>> {
        match &self.0 {
            PublishingImpl::Sqlite(h) => h.overdue(before),
        }
    }

    /// Whether an X id (a post's part, or an answer's direct message) is recorded as published
    /// for some post.
    pub fn is_recorded(&self, x_id: &str) -> Result<bool> {
        match &self.0 {
            PublishingImpl::Sqlite(h) => h.is_recorded(x_id),
        }
    }

    /// The publisher's bookkeeping for the post, with the parts already on X; all empty for a
    /// post never claimed (or no post at all).
    pub fn state(&self, id: Uuid) -> Result<PublishState> {
        match &self.0 {
            PublishingImpl::Sqlite(h) => h.state(id),
        }
    }

    /// Saves the bookkeeping columns (not the parts: see [`Publishing::record_part`]).
    pub fn save_state(&self, id: Uuid, s: &PublishState) -> Result<()> {
        match &self.0 {
            PublishingImpl::Sqlite(h) => h.save_state(id, s),
        }
    }

    /// Records that part `idx` is on X as `x_id`. `by` is who published it (the claimant, or the person who marked it posted), under the post's current claim epoch. Recording the same part twice is an error:
    /// a part is never posted twice.
    pub fn record_part(
        &self,
        id: Uuid,
        idx: usize,
        x_id: &str,
        at: Timestamp,
        by: Option<Uuid>,
    ) -> Result<()> {
        match &self.0 {
            PublishingImpl::Sqlite(h) => h.record_part(id, idx, x_id, at, by),
        }
    }

    /// Marks the post as scheduled through the queue (its time is a queue slot), or not.
    pub fn set_queued(&self, id: Uuid, queued: bool) -> Result<()> {
        match &self.0 {
            PublishingImpl::Sqlite(h) => h.set_queued(id, queued),
        }
    }

    /// The posts in the queue (scheduled into a slot), in order.
    pub fn queue(&self) -> Result<Vec<(Uuid, Timestamp)>> {
        match &self.0 {
            PublishingImpl::Sqlite(h) => h.queue(),
        }
    }

    /// Instants after `after` already taken by a post waiting to go out.
    pub fn taken(&self, after: Timestamp) -> Result<HashSet<Timestamp>> {
        match &self.0 {
            PublishingImpl::Sqlite(h) => h.taken(after),
        }
    }

    /// Posts with a time in `[from, to)`: by their scheduled time, or by when they went out.
    /// Dropped and rejected posts are not on it.
    pub fn calendar(&self, from: Timestamp, to: Timestamp) -> Result<Vec<CalendarItem>> {
        match &self.0 {
            PublishingImpl::Sqlite(h) => h.calendar(from, to),
        }
    }

    /// The weekly queue slots, Monday first, then by time of day.
    pub fn slots(&self) -> Result<Vec<QueueSlot>> {
        match &self.0 {
            PublishingImpl::Sqlite(h) => h.slots(),
        }
    }

    /// Adds a slot; `false` when the same weekday and time is already a slot.
    pub fn add_slot(&self, slot: &QueueSlot, now: Timestamp) -> Result<bool> {
        match &self.0 {
            PublishingImpl::Sqlite(h) => h.add_slot(slot, now),
        }
    }

    /// Removes a slot; `false` when there was none with that id.
    pub fn remove_slot(&self, id: Uuid) -> Result<bool> {
        match &self.0 {
            PublishingImpl::Sqlite(h) => h.remove_slot(id),
        }
    }
}
