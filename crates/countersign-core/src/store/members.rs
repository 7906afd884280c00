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
