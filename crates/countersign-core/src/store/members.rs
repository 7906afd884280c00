//! The members facade: the people in the workspace, deactivated but never deleted.

use jiff::Timestamp;
use uuid::Uuid;

use super::sqlite;
use crate::error::Result;
use crate::model::{Member, Role};

/// The key names are unique under: case-insensitive, surrounding space ignored. Every backend
/// keys names by it, so the same two names collide everywhere.
pub(super) fn name_key(name: &str) -> String {
    name.trim().to_lowercase()
}

/// The workspace's members.
#[derive(Debug)]
pub struct Members<'t>(pub(super) MembersImpl<'t>);

#[derive(Debug)]
pub(super) enum MembersImpl<'t> {
    Sqlite(sqlite::Members<'t>),
}

impl Members<'_> {
    /// Records the public key a member's new laptop offers (team mode: an admin admits it
    /// after comparing fingerprints). A newer offer replaces an older one.
    pub fn offer_key(&self, id: Uuid, public_key: &str, at: Timestamp) -> Result<()> {
        match &self.0 {
            MembersImpl::Sqlite(h) => h.offer_key(id, public_key, at),
        }
    }

    /// Records that `device`, `member`'s laptop, was up at `at` (and whether it publishes).
    pub fn laptop_seen(
        &self,
        device: &str,
        member: Uuid,
        can_publish: bool,
        at: Timestamp,
    ) -> Result<()> {
        match &self.0 {
            MembersImpl::Sqlite(h) => h.laptop_seen(device, member, can_publish, at),
        }
    }

    /// The team's laptops, the most recently seen first.
    pub fn laptops(&self) -> Result<Vec<crate::store::Laptop>> {
        match &self.0 {
            MembersImpl::Sqlite(h) => h.laptops(),
        }
    }

    /// The key a member's laptop offered, and when; `None` if none.
    pub fn offered_key(&self, id: Uuid) -> Result<Option<(String, Timestamp)>> {
        match &self.0 {
            MembersImpl::Sqlite(h) => h.offered_key(id),
        }
    }

    /// Adds a member. Returns `false` when the name is taken, whatever its case and surrounding
    /// space.
    pub fn insert(&self, m: &Member) -> Result<bool> {
        match &self.0 {
            MembersImpl::Sqlite(h) => h.insert(m),
        }
    }

    /// The member with this name, in any case and with surrounding space ignored.
    pub fn by_name(&self, name: &str) -> Result<Option<Member>> {
        match &self.0 {
            MembersImpl::Sqlite(h) => h.by_name(name),
        }
    }

    /// The member with this id, active or not.
    pub fn by_id(&self, id: Uuid) -> Result<Option<Member>> {
        match &self.0 {
            MembersImpl::Sqlite(h) => h.by_id(id),
        }
    }

    /// Everyone, in the order they joined.
    pub fn list(&self) -> Result<Vec<Member>> {
        match &self.0 {
            MembersImpl::Sqlite(h) => h.list(),
        }
    }

    /// Marks the member inactive as of `at`; their rows stay, so history keeps who did what.
    pub fn deactivate(&self, id: Uuid, at: Timestamp) -> Result<()> {
        match &self.0 {
            MembersImpl::Sqlite(h) => h.deactivate(id, at),
        }
    }

    /// Active members who may review (approvers and admins).
    pub fn active_reviewers(&self) -> Result<u32> {
        match &self.0 {
            MembersImpl::Sqlite(h) => h.active_reviewers(),
        }
    }

    /// Gives the member a new role.
    pub fn set_role(&self, id: Uuid, role: Role) -> Result<()> {
        match &self.0 {
            MembersImpl::Sqlite(h) => h.set_role(id, role),
        }
    }

    /// Active admins: the use cases never let the last one go.
    pub fn active_admins(&self) -> Result<u32> {
        match &self.0 {
            MembersImpl::Sqlite(h) => h.active_admins(),
        }
    }
}
