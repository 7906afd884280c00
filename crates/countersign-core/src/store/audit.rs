//! The audit log facade: appending hash-chained entries and reading them back in order. The
//! chain itself (hashes, signatures, verification) is [`crate::audit`].

use jiff::Timestamp;
use uuid::Uuid;

use super::NewAuditEntry;
use super::sqlite;
use crate::audit::AuditEntry;
use crate::error::Result;

/// The audit trail: append-only.
#[derive(Debug)]
pub struct AuditLog<'t>(pub(super) AuditLogImpl<'t>);

#[derive(Debug)]
pub(super) enum AuditLogImpl<'t> {
    Sqlite(sqlite::AuditLog<'t>),
}

impl AuditLog<'_> {
    /// Appends an entry chained to the last one (the first to [`crate::audit::GENESIS`]),
    /// sealed with the actor's key when one is given. Must run in a write transaction, which
    /// holds the lock that keeps the chain linear.
    pub fn append(&self, new: NewAuditEntry<'_>, at: Timestamp) -> Result<AuditEntry> {
        match &self.0 {
            AuditLogImpl::Sqlite(h) => h.append(new, at),
        }
    }

    /// Every entry in chain order.
    pub fn all(&self) -> Result<Vec<AuditEntry>> {
        match &self.0 {
            AuditLogImpl::Sqlite(h) => h.all(),
        }
    }

    /// A post's entries in order.
    pub fn for_post(&self, post_id: Uuid) -> Result<Vec<AuditEntry>> {
        match &self.0 {
            AuditLogImpl::Sqlite(h) => h.for_post(post_id),
        }
    }
}
