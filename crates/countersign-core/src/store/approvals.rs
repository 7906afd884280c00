//! The approvals facade: countersignatures, each bound to a digest, voided (never deleted)
//! when the content or time they vouch for changes.

use jiff::Timestamp;
use uuid::Uuid;

use super::sqlite;
use crate::error::Result;
use crate::model::Approval;

/// The countersignatures on posts.
#[derive(Debug)]
pub struct Approvals<'t>(pub(super) ApprovalsImpl<'t>);

#[derive(Debug)]
pub(super) enum ApprovalsImpl<'t> {
    Sqlite(sqlite::Approvals<'t>),
}

impl Approvals<'_> {
    /// Keeps an approval, in force until it is voided.
    pub fn insert(&self, a: &Approval) -> Result<()> {
        match &self.0 {
            ApprovalsImpl::Sqlite(h) => h.insert(a),
        }
    }

    /// The approval in force: the latest one not voided (the last inserted, among equal times).
    pub fn current(&self, post_id: Uuid) -> Result<Option<Approval>> {
        match &self.0 {
            ApprovalsImpl::Sqlite(h) => h.current(post_id),
        }
    }

    /// Voids every approval in force on the post. Returns how many were voided.
    pub fn void(&self, post_id: Uuid, at: Timestamp, reason: &str) -> Result<usize> {
        match &self.0 {
            ApprovalsImpl::Sqlite(h) => h.void(post_id, at, reason),
        }
    }
}
