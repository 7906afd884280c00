//! Use cases about the team: adding, deactivating and re-keying members, giving them roles,
//! and the signed roster those acts write.
//!
//! Keys are made, sealed (Argon2) and put into the secret store before a write transaction
//! starts, never inside one, so no keychain prompt or slow key derivation holds the store's
//! lock. When the transaction then fails, the key it brought is taken back out.

use jiff::Timestamp;
use serde::Serialize;
use serde_json::json;
use uuid::Uuid;

use super::App;
use crate::acts::{Acts, AuditNote, RosterFact};
use crate::audit::AuditAction;
use crate::error::{Error, Result};
use crate::keys::{self, KeySecret, MemberKey};
use crate::model::{Member, Role};
use crate::roster::Standing;
use crate::secrets::SecretString;
use crate::store::Tx;
use crate::workflow::AccountAction;

#[derive(Debug, Clone)]
pub struct NewMember {
    pub name: String,
    pub role: Role,
    /// Derived from the name when `None`.
    pub initials: Option<String>,
    /// The new member's own passphrase, which seals their key. Approvers and admins need one.
    pub passphrase: Option<SecretString>,
}

#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct RosterLine {
    pub seq: i64,
    pub member_id: Uuid,
    pub name: String,
    pub role: Role,
    pub public_key: String,
    pub fingerprint: String,
    pub active: bool,
    pub at: Timestamp,
    pub signer_id: Option<Uuid>,
    /// Whether this entry counts (signed by an admin in the roster, or the genesis).
    pub counts: bool,
    pub standing: Standing,
}

impl App {
    /// Adds a member. `actor`, when given, must be an active admin and is recorded as who did it.
    pub fn add_member(&self, actor: Option<&str>, new: NewMember) -> Result<Member> {
        let name = valid_member_name(&new.name)?;
        let initials = match new.initials {
            Some(i) => valid_initials(&i)?,
            None => initials_of(&name),
        };
        let now = self.now();
        let key = MemberKey::generate();
        let kept = self
            .keys
            .seal_for_role(&name, new.role, &key, new.passphrase.as_ref())?;
        let by_key = self.prepare_any(actor)?;
        let ws = self.read(|tx| tx.workspace().id())?;
        let m = Member {
            id: Uuid::now_v7(),
            name,
            initials,
            role: new.role,
            active: true,
            created_at: now,
        };
        // First into the secret store, so no member ever exists without a key; taken out
        // again if the workspace refuses them.
        self.keys.store(&ws, m.id, &kept)?;
        let added = self.write(|tx| {
            // Without an admin's signature a member is recorded but does not count in the
            // signed roster: nothing they approve is published until an admin signs them in.
            let by = tx.acting(actor, AccountAction::ManageMembers, &by_key)?;
            if !tx.members().insert(&m)? {
                return Err(Error::MemberExists {
                    name: m.name.clone(),
                });
            }
            // Who signs the roster entry: the admin acting, or, for the workspace's first
            // admin, that admin themselves (the genesis). Otherwise it is recorded unsigned
            // and does not count until an admin signs the member in. The genesis also states
            // the workspace's solo mode, which only the roster decides.
            let roster = tx.signed_roster(&ws)?;
            let genesis = by.is_none() && m.role == Role::Admin && !roster.has_admin();
            let signer = match &by {
                Some(a) => Some((a.member.id, &a.key)),
                None if genesis => Some((m.id, &key)),
                None => None,
            };
            let solo = (genesis && roster.entries().is_empty())
                .then(|| tx.account().map(|a| a.solo_mode))
                .transpose()?;
            let public_key = key.public_hex();
            let standing = tx.append_roster(
                RosterFact {
                    workspace_id: &ws,
                    member: &m,
                    public_key: &public_key,
                    solo,
                    signer,
                },
                now,
            )?;
            tx.record(
                now,
                AuditNote::by_any(by.as_ref(), AuditAction::MemberAdded).detail(json!({
                    "member_id": m.id, "name": m.name, "initials": m.initials, "role": m.role,
                    "public_key": public_key, "roster": standing,
                })),
            )
        });
        match added {
            Ok(()) => {
                self.roster_grew();
                Ok(m)
            }
            Err(e) => {
                self.keys.discard(&ws, m.id);
                Err(e)
            }
        }
    }

    /// Every member, active or not.
    pub fn members(&self) -> Result<Vec<Member>> {
        self.read(|tx| tx.members().list())
    }

    /// The member named `name`.
    pub fn member(&self, name: &str) -> Result<Member> {
        self.read(|tx| tx.member(name))
    }

    /// Deactivates a member; their history stays. Admins only; the last admin stays.
    pub fn deactivate_member(&self, actor: &str, name: &str) -> Result<Member> {
        let now = self.now();
        let key = self.prepare(actor)?;
        let m = self.write(|tx| {
            let admin =
                key.signer(tx.allowed(actor, AccountAction::ManageMembers, key.pin())?)?;
            let ws = tx.workspace().id()?;
            let mut m = tx.member(name)?;
            if !m.active {
                return Ok(m);
            }
            if m.role == Role::Admin && tx.roster_admins()? <= 1 {
                return Err(Error::LastAdmin { name: m.name });
            }
            tx.members().deactivate(m.id, now)?;
            m.active = false;
            if let Some(pk) = current_key(tx, &ws, m.id)? {
                tx.append_roster(RosterFact::by_admin(&ws, &m, &pk, &admin), now)?;
            }
            tx.record(
                now,
                AuditNote::by(&admin, AuditAction::MemberDeactivated)
                    .detail(json!({"member_id": m.id, "name": m.name})),
            )?;
            Ok(m)
        })?;
        self.roster_grew();
        Ok(m)
    }

    /// Every roster entry, oldest first, with whether it counts.
    pub fn roster(&self) -> Result<Vec<RosterLine>> {
        self.read(|tx| {
            let ws = tx.workspace().id()?;
            Ok(tx
                .signed_roster(&ws)?
                .entries()
                .iter()
                .map(|(e, s)| RosterLine {
                    seq: e.seq,
                    member_id: e.member_id,
                    name: e.name.clone(),
                    role: e.role,
                    fingerprint: keys::fingerprint(&e.public_key),
                    public_key: e.public_key.clone(),
                    active: e.active,
                    at: e.at,
                    signer_id: e.signer_id,
                    counts: s.counts(),
                    standing: s.clone(),
                })
                .collect())
        })
    }

    /// Gives a member a role, as a roster entry the acting admin signs. Also how an admin signs
    /// in a member who was added unsigned (same role). Promoting a contributor seals their key
    /// with `passphrase`, which they choose.
    pub fn set_role(
        &self,
        actor: &str,
        name: &str,
        role: Role,
        passphrase: Option<SecretString>,
    ) -> Result<Member> {
        let now = self.now();
        let key = self.prepare(actor)?;
        let (ws, target) = self.read(|tx| Ok((tx.workspace().id()?, tx.member(name)?)))?;
        // Refusals that need no key come first, so a refused promotion seals nothing.
        self.read(|tx| {
            tx.allowed(actor, AccountAction::ManageMembers, key.pin())?;
            if !target.active {
                return Err(Error::MemberInactive {
                    name: target.name.clone(),
                });
            }
            Ok(())
        })?;
        // A contributor's key is kept plain; one who now reviews must have it sealed. Sealing
        // runs Argon2 and writes the secret store: both before the transaction. In a team the
        // key is on the member's own laptop, not here: it stays as it is kept there.
        let elsewhere = self.team.as_ref().is_some_and(|t| t.member_id != target.id);
        let before = if elsewhere {
            None
        } else {
            Some(self.keys.stored(&ws, &target)?)
        };
        let reseal = match before
            .as_ref()
            .map(|b| keys::read(&target.name, b))
            .transpose()?
        {
            Some(KeySecret::Plain(k)) if role.reviews() => {
                Some(
                    self.keys
                        .seal_for_role(&target.name, role, &k, passphrase.as_ref())?,
                )
            }
            _ => None,
        };
        if let Some(sealed) = &reseal {
            self.keys.store(&ws, target.id, sealed)?;
        }
        let changed = self.write(|tx| {
            let admin =
                key.signer(tx.allowed(actor, AccountAction::ManageMembers, key.pin())?)?;
            let mut m = tx.member(name)?;
            if m.id != target.id || !m.active {
                return Err(Error::MemberInactive { name: m.name });
            }
            if m.role == Role::Admin && role != Role::Admin && tx.roster_admins()? <= 1 {
                return Err(Error::LastAdmin { name: m.name });
            }
            let pk = current_key(tx, &ws, m.id)?.ok_or_else(|| Error::MemberKeyMissing {
                name: m.name.clone(),
            })?;
            m.role = role;
            tx.members().set_role(m.id, role)?;
            let standing = tx.append_roster(RosterFact::by_admin(&ws, &m, &pk, &admin), now)?;
            tx.record(
                now,
                AuditNote::by(&admin, AuditAction::MemberRoleChanged).detail(json!({
                    "member_id": m.id, "name": m.name, "role": role, "public_key": pk,
                    "roster": standing,
                })),
            )?;
            Ok(m)
        });
        if changed.is_err() && reseal.is_some() {
            // The role did not change: put the key back as it was kept.
            self.restore_key(&ws, &target, before.as_ref());
        }
        let m = changed?;
        self.roster_grew();
        Ok(m)
    }

    /// Gives a member a new key pair (a lost passphrase or key), as a roster entry the acting
    /// admin signs. Approvals made with the old key stay verifiable: the roster keeps it.
    /// In a workspace from before member keys, an admin first re-keys themselves: that entry is
    /// the genesis.
    pub fn rekey(
        &self,
        actor: &str,
        name: &str,
        passphrase: Option<SecretString>,
    ) -> Result<RosterLine> {
        let now = self.now();
        let key = MemberKey::generate();
        let (ws, target) = self.read(|tx| Ok((tx.workspace().id()?, tx.member(name)?)))?;
        let kept = self
            .keys
            .seal_for_role(&target.name, target.role, &key, passphrase.as_ref())?;
        let admin_key = self.prepare(actor)?;
        self.read(|tx| {
            tx.allowed(actor, AccountAction::ManageMembers, admin_key.pin())
                .map(drop)
        })?;
        let before = self.keys.stored(&ws, &target).ok();
        self.keys.store(&ws, target.id, &kept)?;
        let rekeyed = self.write(|tx| {
            let admin = tx.allowed(actor, AccountAction::ManageMembers, admin_key.pin())?;
            let m = tx.member(name)?;
            // With no admin in the signed roster (a workspace made before keys existed), an
            // admin re-keying themselves signs their own genesis entry, as a first admin would.
            let genesis = admin.id == m.id && !tx.signed_roster(&ws)?.has_admin();
            let admin = if genesis {
                None
            } else {
                Some(admin_key.signer(admin)?)
            };
            let signer = match &admin {
                Some(a) => (a.member.id, &a.key),
                None => (m.id, &key),
            };
            let public_key = key.public_hex();
            let standing = tx.append_roster(
                RosterFact {
                    workspace_id: &ws,
                    member: &m,
                    public_key: &public_key,
                    solo: None,
                    signer: Some(signer),
                },
                now,
            )?;
            tx.record(
                now,
                AuditNote::by_any(admin.as_ref(), AuditAction::MemberRekeyed).detail(json!({
                    "member_id": m.id, "name": m.name, "public_key": public_key,
                    "roster": standing,
                })),
            )
        });
        if let Err(e) = rekeyed {
            // The roster still names the old key: keep that one.
            self.restore_key(&ws, &target, before.as_ref());
            return Err(e);
        }
        self.keys.forget(target.id);
        self.roster_grew();
        self.roster()?
            .into_iter()
            .rev()
            .find(|l| l.member_id == target.id)
            .ok_or_else(|| Error::Internal("the new roster entry is missing".into()))
    }
}

impl App {
    /// Puts back the key `m` had before a change the workspace then refused (or removes the
    /// new one when they had none). Best effort: the refusal is what the person hears about.
    fn restore_key(&self, workspace_id: &str, m: &Member, before: Option<&SecretString>) {
        match before {
            Some(old) => {
                if let Err(e) = self.keys.store(workspace_id, m.id, old) {
                    tracing::warn!("could not restore {}'s key: {e}", m.name);
                }
            }
            None => self.keys.discard(workspace_id, m.id),
        }
    }
}

/// The member's current public key: the one in their latest roster entry.
fn current_key(tx: &Tx<'_>, workspace_id: &str, member_id: Uuid) -> Result<Option<String>> {
    Ok(tx
        .signed_roster(workspace_id)?
        .latest(member_id)
        .map(|(e, _)| e.public_key.clone()))
}

pub(super) fn valid_member_name(name: &str) -> Result<String> {
    let n = name.trim();
    if n.is_empty() || n.chars().count() > 64 || n.chars().any(char::is_control) {
        return Err(Error::InvalidMemberName {
            name: name.to_string(),
        });
    }
    Ok(n.to_string())
}

fn valid_initials(initials: &str) -> Result<String> {
    let i = initials.trim();
    if i.is_empty() || i.chars().count() > 4 || !i.chars().all(char::is_alphanumeric) {
        return Err(Error::InvalidInitials {
            initials: initials.to_string(),
        });
    }
    Ok(i.to_uppercase())
}

/// "Jane Smith" → "JS"; "alice" → "AL".
pub(super) fn initials_of(name: &str) -> String {
    let words: Vec<&str> = name.split_whitespace().collect();
    let s: String = if words.len() > 1 {
        words
            .iter()
            .filter_map(|w| w.chars().find(|c| c.is_alphanumeric()))
            .take(3)
            .collect()
    } else {
        name.chars()
            .filter(|c| c.is_alphanumeric())
            .take(2)
            .collect()
    };
    if s.is_empty() {
        "X".into()
    } else {
        s.to_uppercase()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn initials_are_derived_from_names() {
        assert_eq!(initials_of("Jane Smith"), "JS");
        assert_eq!(initials_of("alice"), "AL");
        assert_eq!(initials_of("Mary Ann de Vries"), "MAD");
    }
}
