//! A team laptop's publishing key: what signs the audit entries its publisher writes.
//!
//! In team mode every publisher entry (claimed, posted, failed, needs check, refused, missed)
//! names the member and the laptop that wrote it, and is signed, so nobody with only database
//! access can pass a forged `posted` off as a laptop's. The member's own key cannot sign them:
//! a reviewer's key is sealed with their passphrase, and an always-on publisher runs with
//! nobody at the keyboard. So a reviewer's laptop that holds its own X grant has a key of its
//! own, kept in its keychain under a device-scoped name. The member announces it once, signed
//! with their own key (`publisher_key_added`); `audit verify` accepts it for publisher entries
//! only, never for a member's other acts.

use jiff::Timestamp;
use serde_json::json;

use super::App;
use crate::acts::{Acts, AuditNote};
use crate::audit::AuditAction;
use crate::error::{Error, Result};
use crate::keys::{self, KeySecret, MemberKey};
use crate::signer::{Prepared, Signer};
use crate::store::Tx;

/// The keychain entry of a team laptop's publishing key.
fn entry(workspace_id: &str, device: &str) -> String {
    format!("publisher-key/{workspace_id}/{device}")
}

/// A publishing key about to be announced, and the member's key that signs the announcement.
#[derive(Debug)]
pub(crate) struct Announcement {
    key: MemberKey,
    device: String,
    member: Prepared,
}

impl Announcement {
    /// Records it: `publisher_key_added`, signed by the laptop's member.
    pub(crate) fn record(&self, tx: &Tx<'_>, now: Timestamp, member_id: uuid::Uuid) -> Result<()> {
        let m = tx.members().by_id(member_id)?.ok_or_else(|| {
            Error::TeamSetup("this laptop's member is not in the workspace".into())
        })?;
        let signer = self.member.signer(m)?;
        let public_key = self.key.public_hex();
        tx.record(
            now,
            AuditNote::by(&signer, AuditAction::PublisherKeyAdded).detail(json!({
                "member_id": signer.member.id, "public_key": public_key,
                "fingerprint": self.key.fingerprint(), "laptop": self.device,
            })),
        )
    }
}

impl App {
    /// The signer of this laptop's publisher entries: the laptop's member with its publishing
    /// key. `None` on a solo workspace (its publisher is the workspace itself), and on a team
    /// laptop whose publishing key the trail has not announced: its entries then name nobody.
    pub(crate) fn publisher_signer(&self) -> Result<Option<Signer>> {
        let Some(team) = &self.team else {
            return Ok(None);
        };
        let cached = self
            .publisher_key
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone();
        let key = match cached {
            Some(k) => k,
            None => {
                let Some(key) = self.stored_publisher_key(&team.workspace_id, &team.device)? else {
                    return Ok(None);
                };
                // Only a key the trail announced signs: anything else would break every
                // laptop's `audit verify`.
                let pk = key.public_hex();
                if !self.read(|tx| announced(tx, team.member_id, &pk))? {
                    return Ok(None);
                }
                *self.publisher_key.lock().unwrap_or_else(|p| p.into_inner()) = Some(key.clone());
                key
            }
        };
        let member = self.read(|tx| tx.members().by_id(team.member_id))?;
        Ok(member.map(|member| Signer { member, key }))
    }

    /// Team mode, before a reviewer's laptop takes an X grant: its publishing key (made and
    /// kept in the keychain now if it has none) when the trail has not announced it yet, with
    /// the member's own key to sign the announcement. Refused early, before X is asked
    /// anything, when the member's key needs their passphrase or an admin has not admitted it.
    pub(crate) fn publisher_key_to_announce(&self) -> Result<Option<Announcement>> {
        let Some(team) = &self.team else {
            return Ok(None);
        };
        let pin = self.pin()?;
        let (ws, member, admitted) = self.read(|tx| {
            let ws = tx.workspace().id()?;
            let m = tx.members().by_id(team.member_id)?.ok_or_else(|| {
                Error::TeamSetup("this laptop's member is not in the workspace".into())
            })?;
            let holds = tx.trusted_roster(pin.as_ref())?.current().remove(&m.id);
            let offered = tx.members().offered_key(m.id)?.map(|(k, _)| k);
            let admitted = match (holds, offered) {
                (Some(h), Some(offered)) => h.public_key == offered,
                (Some(_), None) => true,
                (None, _) => false,
            };
            Ok((ws, m, admitted))
        })?;
        if !admitted {
            return Err(Error::TeamSetup(format!(
                "an admin has not admitted {}'s key on this laptop yet; until then nothing it \
                 signs counts and it cannot publish. Read your fingerprint out to an admin \
                 (countersign team admit {} --fingerprint …)",
                member.name, member.name
            )));
        }
        if self.needs_passphrase(&member.name)? {
            return Err(Error::PassphraseRequired { name: member.name });
        }
        let key = match self.stored_publisher_key(&ws, &team.device)? {
            Some(k) => k,
            None => self.new_publisher_key(&ws, &team.device)?,
        };
        let pk = key.public_hex();
        if self.read(|tx| announced(tx, team.member_id, &pk))? {
            return Ok(None);
        }
        let member = self.prepare(&member.name)?;
        Ok(Some(Announcement {
            key,
            device: team.device.clone(),
            member,
        }))
    }

    /// `team init` on a workspace already connected to X: the admin's laptop keeps its grant,
    /// so it gets its publishing key now, announced in the trail before it is uploaded.
    pub(crate) fn announce_first_publisher_key(
        &self,
        admin: &crate::model::Member,
        device: &str,
    ) -> Result<()> {
        let connected = self.connection()?.state == crate::connection::ConnectionState::Connected;
        if !connected {
            return Ok(());
        }
        let ws = self.read(|tx| tx.workspace().id())?;
        let key = self.new_publisher_key(&ws, device)?;
        let name = entry(&ws, device);
        let a = Announcement {
            key,
            device: device.to_string(),
            member: self.prepare(&admin.name)?,
        };
        let now = self.now();
        self.write(|tx| a.record(tx, now, admin.id))
            .inspect_err(|_| {
                let _ = self.keys.secrets().delete(&name);
            })
    }
}

impl App {
    /// The laptop's publishing key as its keychain keeps it, if it has one.
    fn stored_publisher_key(&self, workspace_id: &str, device: &str) -> Result<Option<MemberKey>> {
        let Some(stored) = self.keys.secrets().get(&entry(workspace_id, device))? else {
            return Ok(None);
        };
        match keys::read("this laptop's publisher", &stored)? {
            KeySecret::Plain(k) => Ok(Some(k)),
            KeySecret::Sealed(_) => Err(Error::MemberKeyUnreadable {
                name: "this laptop's publisher".into(),
            }),
        }
    }

    /// Makes the laptop's publishing key and keeps it in its keychain.
    fn new_publisher_key(&self, workspace_id: &str, device: &str) -> Result<MemberKey> {
        let key = MemberKey::generate();
        self.keys
            .secrets()
            .set(&entry(workspace_id, device), &keys::keep_plain(&key))?;
        Ok(key)
    }
}

/// Whether the trail announced `public_key` as `member_id`'s publishing key.
fn announced(tx: &Tx<'_>, member_id: uuid::Uuid, public_key: &str) -> Result<bool> {
    Ok(tx.audit().all()?.iter().any(|e| {
        e.action == AuditAction::PublisherKeyAdded.as_str()
            && e.actor_id == Some(member_id)
            && serde_json::from_str::<serde_json::Value>(&e.detail)
                .is_ok_and(|d| d["public_key"] == public_key)
    }))
}
