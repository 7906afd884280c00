//! The roster: the signed list of who holds which role with which public key. It, not the
//! `members` table, decides whose approvals count.
//!
//! Each entry states one member's name, role, public key and whether they are active, and is
//! chained by hash to the entry before it. An entry counts when it is signed:
//!
//! - by an admin who, by the entries that counted before it, is an active admin (their key
//!   then is the one that must verify); or
//! - as the genesis: while no admin counts yet, an admin's own entry signed with their own key.
//!
//! Entries nobody signed (members added with no admin acting) are kept but do not count until
//! an admin signs a new entry for that member. Because each signature covers the previous
//! entry's hash, entries cannot be removed, reordered or slipped in before a signed one.

use std::collections::HashMap;

use jiff::Timestamp;
use serde::Serialize;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::audit::GENESIS;
use crate::keys::{self, MemberKey};
use crate::model::Role;

/// One line of the roster, as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RosterEntry {
    pub seq: i64,
    pub member_id: Uuid,
    pub name: String,
    pub role: Role,
    /// Ed25519 public key, hex.
    pub public_key: String,
    pub active: bool,
    pub at: Timestamp,
    /// Solo mode as this entry sets it (`v2` entries); `None` leaves it as it was.
    pub solo: Option<bool>,
    /// The admin who signed, if anyone did.
    pub signer_id: Option<Uuid>,
    pub signature: Option<String>,
    pub prev_hash: String,
    pub hash: String,
}

impl RosterEntry {
    /// The hash this entry must carry. `workspace_id` binds it to one workspace, so an entry
    /// cannot be copied into another. An entry that sets solo mode uses the `v2` encoding,
    /// which adds it as the last field; the others keep `v1`, so old rosters still verify.
    pub fn expected_hash(&self, workspace_id: &str) -> String {
        let solo = self.solo.map(|on| if on { "solo" } else { "four-eyes" });
        let (seq, member, at) = (
            self.seq.to_string(),
            self.member_id.to_string(),
            self.at.as_millisecond().to_string(),
        );
        let signer = self.signer_id.map(|u| u.to_string()).unwrap_or_default();
        let mut fields = vec![
            if solo.is_some() {
                "countersign/roster/v2"
            } else {
                "countersign/roster/v1"
            },
            workspace_id,
            &seq,
            &self.prev_hash,
            &member,
            &self.name,
            self.role.as_str(),
            &self.public_key,
            if self.active { "active" } else { "inactive" },
            &at,
            &signer,
        ];
        fields.extend(solo);
        hex::encode(Sha256::digest(keys::statement(&fields)))
    }

    /// Fills in `hash` and, when a signer is given, `signer_id` and `signature`.
    pub fn seal(&mut self, workspace_id: &str, signer: Option<(Uuid, &MemberKey)>) {
        self.signer_id = signer.map(|(id, _)| id);
        self.hash = self.expected_hash(workspace_id);
        self.signature = signer.map(|(_, k)| k.sign(&signed_bytes(&self.hash)));
    }
}

/// What a roster signature signs: the entry's hash, under its own domain.
fn signed_bytes(hash: &str) -> Vec<u8> {
    keys::statement(&["countersign/roster-signature/v1", hash])
}

/// Whether an entry counts, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "standing", content = "detail", rename_all = "snake_case")]
pub enum Standing {
    /// Signed by an admin in the roster.
    Signed,
    /// The first admin's entry, signed with their own key.
    Genesis,
    /// Nobody signed it; it does not count.
    Unsigned,
    /// Its signature or its place in the chain does not hold; it does not count.
    Invalid(String),
}

impl Standing {
    pub fn counts(&self) -> bool {
        matches!(self, Standing::Signed | Standing::Genesis)
    }
}

/// What a machine remembers of a roster it trusted: the hash of its first entry (the genesis)
/// and its head then (the high-water mark). Kept outside the workspace database, so whoever
/// can edit the database cannot move it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct RosterPin {
    pub genesis: String,
    pub seq: i64,
    pub hash: String,
    /// Posts still on their way when this machine first pinned, written before versions were
    /// signed: only these may rest on the stored author. Every other post must prove it.
    #[serde(default)]
    pub unsigned_posts: Vec<uuid::Uuid>,
}

/// A member as the counted roster has them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Holder {
    pub member_id: Uuid,
    pub name: String,
    pub role: Role,
    pub public_key: String,
    pub active: bool,
}

/// The roster, checked.
#[derive(Debug, Clone, Default)]
pub struct Roster {
    entries: Vec<(RosterEntry, Standing)>,
}

impl Roster {
    /// Checks every entry in `seq` order.
    pub fn check(workspace_id: &str, entries: Vec<RosterEntry>) -> Roster {
        let mut out = Vec::with_capacity(entries.len());
        let mut state: HashMap<Uuid, Holder> = HashMap::new();
        let mut prev = GENESIS.to_string();
        let mut prev_seq = 0;
        let mut broken = false;
        for e in entries {
            let standing = if broken {
                Standing::Invalid("an earlier roster entry was changed or removed".into())
            } else if e.seq != prev_seq + 1 || e.prev_hash != prev {
                broken = true;
                Standing::Invalid("its link to the previous roster entry does not hold".into())
            } else if e.hash != e.expected_hash(workspace_id) {
                broken = true;
                Standing::Invalid("its contents do not match its hash".into())
            } else {
                standing(&e, &state)
            };
            if standing.counts() {
                state.insert(e.member_id, holder(&e));
            }
            prev = e.hash.clone();
            prev_seq = e.seq;
            out.push((e, standing));
        }
        Roster { entries: out }
    }

    pub fn entries(&self) -> &[(RosterEntry, Standing)] {
        &self.entries
    }

    /// Who held what at `at`, by the entries that count.
    pub fn at(&self, at: Timestamp) -> HashMap<Uuid, Holder> {
        let mut state = HashMap::new();
        for (e, s) in &self.entries {
            if s.counts() && e.at <= at {
                state.insert(e.member_id, holder(e));
            }
        }
        state
    }

    /// Who held what once the first `seq` entries were in, by the entries that count.
    pub fn upto(&self, seq: i64) -> HashMap<Uuid, Holder> {
        let mut state = HashMap::new();
        for (e, s) in &self.entries {
            if s.counts() && e.seq <= seq {
                state.insert(e.member_id, holder(e));
            }
        }
        state
    }

    /// Every public key the counted roster ever gave a member, oldest first.
    pub fn keys_of(&self, member_id: Uuid) -> Vec<String> {
        let mut keys: Vec<String> = Vec::new();
        for (e, s) in &self.entries {
            if s.counts() && e.member_id == member_id && !keys.contains(&e.public_key) {
                keys.push(e.public_key.clone());
            }
        }
        keys
    }

    /// Who holds what now.
    pub fn current(&self) -> HashMap<Uuid, Holder> {
        let mut state = HashMap::new();
        for (e, s) in &self.entries {
            if s.counts() {
                state.insert(e.member_id, holder(e));
            }
        }
        state
    }

    /// The latest entry for a member, counted or not: its key is the member's current key.
    pub fn latest(&self, member_id: Uuid) -> Option<&(RosterEntry, Standing)> {
        self.entries
            .iter()
            .rev()
            .find(|(e, _)| e.member_id == member_id)
    }

    /// The first entry that does not hold, with why: the roster was altered there.
    pub fn broken(&self) -> Option<(i64, String)> {
        self.entries.iter().find_map(|(e, s)| match s {
            Standing::Invalid(reason) => Some((e.seq, reason.clone())),
            _ => None,
        })
    }

    /// Whether solo mode is on: the latest counted entry that set it says so. Off when no
    /// entry ever did (a workspace setting in the database alone does not count).
    pub fn solo(&self) -> bool {
        self.entries
            .iter()
            .rev()
            .filter(|(_, s)| s.counts())
            .find_map(|(e, _)| e.solo)
            .unwrap_or(false)
    }

    /// The pin for this roster as it stands: its genesis and its head.
    pub fn pin(&self) -> Option<RosterPin> {
        let first = self.entries.first()?;
        let last = self.entries.last()?;
        Some(RosterPin {
            genesis: first.0.hash.clone(),
            seq: last.0.seq,
            hash: last.0.hash.clone(),
            unsigned_posts: Vec::new(),
        })
    }

    /// Checks the roster against what this machine pinned before: the same first entry, and
    /// the pinned head still in place. A roster rewritten from a new genesis, or cut short
    /// (say, a deactivation removed), fails here even when every entry in it verifies.
    pub fn check_pin(&self, pin: &RosterPin) -> Result<(), String> {
        let genesis = self.entries.first().map(|(e, _)| e.hash.as_str());
        if genesis != Some(pin.genesis.as_str()) {
            return Err(
                "the signed roster was rewritten: it no longer starts with the entry this \
                 machine pinned"
                    .into(),
            );
        }
        let head = usize::try_from(pin.seq - 1)
            .ok()
            .and_then(|i| self.entries.get(i));
        match head {
            Some((e, _)) if e.seq == pin.seq && e.hash == pin.hash => Ok(()),
            Some(_) => Err(format!(
                "the signed roster was altered: entry {} is not the one this machine saw",
                pin.seq
            )),
            None => Err(format!(
                "the signed roster was cut short: it ends at entry {}, but this machine saw \
                 entry {}",
                self.entries.len(),
                pin.seq
            )),
        }
    }

    /// How many members are active now with a role that `role` accepts.
    pub fn active(&self, role: impl Fn(Role) -> bool) -> usize {
        self.current()
            .values()
            .filter(|h| h.active && role(h.role))
            .count()
    }

    pub fn has_admin(&self) -> bool {
        self.current()
            .values()
            .any(|h| h.active && h.role == Role::Admin)
    }
}

fn holder(e: &RosterEntry) -> Holder {
    Holder {
        member_id: e.member_id,
        name: e.name.clone(),
        role: e.role,
        public_key: e.public_key.clone(),
        active: e.active,
    }
}

fn standing(e: &RosterEntry, state: &HashMap<Uuid, Holder>) -> Standing {
    let (Some(signer), Some(sig)) = (e.signer_id, e.signature.as_deref()) else {
        return Standing::Unsigned;
    };
    let message = signed_bytes(&e.hash);
    if let Some(admin) = state.get(&signer) {
        if !(admin.active && admin.role == Role::Admin) {
            return Standing::Invalid(format!("{} was not an active admin", admin.name));
        }
        return if keys::verify(&admin.public_key, &message, sig) {
            Standing::Signed
        } else {
            Standing::Invalid("the admin's signature does not verify".into())
        };
    }
    let no_admin = !state.values().any(|h| h.active && h.role == Role::Admin);
    if no_admin && signer == e.member_id && e.role == Role::Admin && e.active {
        return if keys::verify(&e.public_key, &message, sig) {
            Standing::Genesis
        } else {
            Standing::Invalid("the genesis signature does not verify".into())
        };
    }
    Standing::Invalid("it is signed by someone who is not an admin in the roster".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    const WS: &str = "ws1";

    struct Chain {
        entries: Vec<RosterEntry>,
    }

    impl Chain {
        fn push(
            &mut self,
            id: Uuid,
            role: Role,
            key: &MemberKey,
            signer: Option<(Uuid, &MemberKey)>,
        ) {
            let (seq, prev) = match self.entries.last() {
                Some(l) => (l.seq + 1, l.hash.clone()),
                None => (1, GENESIS.to_string()),
            };
            let mut e = RosterEntry {
                seq,
                member_id: id,
                name: format!("m{seq}"),
                role,
                public_key: key.public_hex(),
                active: true,
                at: Timestamp::from_second(1_900_000_000 + seq).unwrap(),
                solo: None,
                signer_id: None,
                signature: None,
                prev_hash: prev,
                hash: String::new(),
            };
            e.seal(WS, signer);
            self.entries.push(e);
        }
    }

    #[test]
    fn genesis_then_admin_signed_entries_count() {
        let (ada, bob, eve) = (Uuid::now_v7(), Uuid::now_v7(), Uuid::now_v7());
        let (ka, kb, ke) = (
            MemberKey::generate(),
            MemberKey::generate(),
            MemberKey::generate(),
        );
        let mut c = Chain { entries: vec![] };
        c.push(ada, Role::Admin, &ka, Some((ada, &ka)));
        c.push(bob, Role::Approver, &kb, Some((ada, &ka)));
        c.push(eve, Role::Approver, &ke, None);
        // Eve signs herself in as an admin: a second genesis is not possible.
        c.push(eve, Role::Admin, &ke, Some((eve, &ke)));
        let r = Roster::check(WS, c.entries.clone());
        let standings: Vec<_> = r.entries().iter().map(|(_, s)| s.counts()).collect();
        assert_eq!(standings, [true, true, false, false]);
        assert!(r.current().contains_key(&bob));
        assert!(!r.current().contains_key(&eve));

        // Changing a counted entry breaks it and everything after it.
        let mut tampered = c.entries;
        tampered[1].role = Role::Admin;
        let r = Roster::check(WS, tampered);
        assert!(!r.entries()[1].1.counts());
        assert!(!r.current().contains_key(&bob));
    }
}
