//! The roster log facade: appending signed roster entries and reading them back in order. The
//! chain and its checks are [`crate::roster`].

use super::sqlite;
use crate::error::Result;
use crate::roster::RosterEntry;

/// The signed roster: append-only.
#[derive(Debug)]
pub struct RosterLog<'t>(pub(super) RosterLogImpl<'t>);

#[derive(Debug)]
pub(super) enum RosterLogImpl<'t> {
    Sqlite(sqlite::RosterLog<'t>),
}

impl RosterLog<'_> {
    /// The last entry's sequence number and hash, to chain the next one to.
    pub fn last(&self) -> Result<Option<(i64, String)>> {
        match &self.0 {
            RosterLogImpl::Sqlite(h) => h.last(),
        }
    }

    /// Appends an entry the caller has chained and signed. An entry whose sequence number is
    /// taken is refused.
    pub fn insert(&self, e: &RosterEntry) -> Result<()> {
        match &self.0 {
            RosterLogImpl::Sqlite(h) => h.insert(e),
        }
    }

    /// Every entry in chain order.
    pub fn all(&self) -> Result<Vec<RosterEntry>> {
        match &self.0 {
            RosterLogImpl::Sqlite(h) => h.all(),
        }
    }
}
