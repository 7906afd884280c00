//! The outbox facade: acts a team laptop made while its server was away, in the order they
//! were made, until they are sent (or a person drops one the server would not take).
//!
//! Only this laptop's file keeps it: the outbox is never sent as rows. Its acts reach the
//! server by being replayed through the normal use cases (see `app/outbox.rs`).

use super::rows::Queued;
use super::sqlite;
use crate::error::Result;

/// This laptop's outbox.
#[derive(Debug)]
pub struct Outbox<'t>(pub(super) OutboxImpl<'t>);

#[derive(Debug)]
pub(super) enum OutboxImpl<'t> {
    Sqlite(sqlite::Outbox<'t>),
}

impl Outbox<'_> {
    /// Adds an act at the end (its `seq` is ignored); returns its place.
    pub fn add(&self, q: &Queued) -> Result<i64> {
        match &self.0 {
            OutboxImpl::Sqlite(h) => h.add(q),
        }
    }

    /// Every act waiting or refused, oldest first.
    pub fn all(&self) -> Result<Vec<Queued>> {
        match &self.0 {
            OutboxImpl::Sqlite(h) => h.all(),
        }
    }

    /// Marks an act as refused by the server, with why; it stays until a person drops it.
    pub fn refuse(&self, seq: i64, reason: &str) -> Result<()> {
        match &self.0 {
            OutboxImpl::Sqlite(h) => h.refuse(seq, reason),
        }
    }

    /// Removes an act (sent, or dropped by a person); whether it was there.
    pub fn remove(&self, seq: i64) -> Result<bool> {
        match &self.0 {
            OutboxImpl::Sqlite(h) => h.remove(seq),
        }
    }
}
