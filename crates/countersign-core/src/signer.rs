//! Members' keys: where they are kept, how approvers' keys are sealed, and the ones a person
//! unlocked in this process.
//!
//! Every act a member makes is signed with their key, so every use case needs a [`Signer`].
//! Getting one may read the secret store (a keychain prompt on some systems) and unsealing runs
//! Argon2 on purpose slowly, so both happen *before* a write transaction starts: a use case
//! calls [`MemberKeys::prepare`] first and takes the signer from the [`Prepared`] inside the
//! transaction, after its own checks, so a refusal still comes before "passphrase required".

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use uuid::Uuid;

use crate::error::{Error, Result};
use crate::keys::{self, KdfCost, KeySecret, MemberKey};
use crate::model::{Member, Role};
use crate::roster::RosterPin;
use crate::secrets::{SecretStore, SecretString};

/// A member with their unsealed key: every act a member makes is signed with it.
#[derive(Debug)]
pub(crate) struct Signer {
    pub(crate) member: Member,
    pub(crate) key: MemberKey,
}

/// A signer looked up before a transaction, handed out once inside it, with what this machine
/// pinned of the signed roster (read from the secret store at the same time).
#[derive(Debug)]
pub(crate) struct Prepared {
    member_id: Option<Uuid>,
    key: Mutex<Option<Result<MemberKey>>>,
    pin: Option<RosterPin>,
}

impl Prepared {
    /// The roster pin every role check inside the transaction holds the roster to.
    pub(crate) fn pin(&self) -> Option<&RosterPin> {
        self.pin.as_ref()
    }

    /// Whether a key was found and is usable now (not sealed and locked, not missing): what a
    /// background task checks before it starts an act it could not sign.
    pub(crate) fn ready(&self) -> bool {
        matches!(
            self.key.lock().unwrap_or_else(|p| p.into_inner()).as_ref(),
            Some(Ok(_))
        )
    }

    /// The signer for `member` (as the transaction read them), or why there is none. The key
    /// must have been prepared for this very member.
    pub(crate) fn signer(&self, member: Member) -> Result<Signer> {
        if self.member_id != Some(member.id) {
            return Err(Error::MemberKeyMissing { name: member.name });
        }
        let taken = self
            .key
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take()
            .ok_or_else(|| Error::MemberKeyMissing {
                name: member.name.clone(),
            })?;
        Ok(Signer {
            member,
            key: taken?,
        })
    }
}

/// The keychain entry that holds a member's private key.
pub(crate) fn key_entry(workspace_id: &str, member_id: Uuid) -> String {
    format!("member-key/{workspace_id}/{member_id}")
}

/// Members' keys in the secret store, and the ones unlocked in this process.
#[derive(Debug)]
pub(crate) struct MemberKeys {
    secrets: Arc<dyn SecretStore>,
    kdf: KdfCost,
    /// Keys unsealed with a passphrase, kept for `unlock_for` so a person is not asked for
    /// every act. In this process only; never written anywhere.
    unlocked: Mutex<HashMap<Uuid, (MemberKey, Instant)>>,
    unlock_for: Duration,
}

impl MemberKeys {
    pub(crate) fn new(secrets: Arc<dyn SecretStore>, kdf: KdfCost, unlock_for: Duration) -> Self {
        MemberKeys {
            secrets,
            kdf,
            unlocked: Mutex::new(HashMap::new()),
            unlock_for,
        }
    }

    pub(crate) fn secrets(&self) -> &Arc<dyn SecretStore> {
        &self.secrets
    }

    /// How keys are sealed, and how long an unsealed one stays usable.
    pub(crate) fn costs(&self) -> (KdfCost, Duration) {
        (self.kdf, self.unlock_for)
    }

    fn unlocked(&self) -> MutexGuard<'_, HashMap<Uuid, (MemberKey, Instant)>> {
        self.unlocked.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// What the secret store holds for `m`.
    pub(crate) fn stored(&self, workspace_id: &str, m: &Member) -> Result<SecretString> {
        self.secrets
            .get(&key_entry(workspace_id, m.id))?
            .ok_or_else(|| Error::MemberKeyMissing {
                name: m.name.clone(),
            })
    }

    /// Keeps `kept` as `member_id`'s key.
    pub(crate) fn store(
        &self,
        workspace_id: &str,
        member_id: Uuid,
        kept: &SecretString,
    ) -> Result<()> {
        self.secrets.set(&key_entry(workspace_id, member_id), kept)
    }

    /// Removes a key that never made it into the workspace (its transaction failed).
    pub(crate) fn discard(&self, workspace_id: &str, member_id: Uuid) {
        if let Err(e) = self.secrets.delete(&key_entry(workspace_id, member_id)) {
            tracing::warn!("could not remove an unused member key: {e}");
        }
    }

    /// Opens `m`'s sealed key with their passphrase and keeps it usable for a while. A
    /// contributor's key needs no passphrase; unlocking it does nothing.
    pub(crate) fn unlock(&self, workspace_id: &str, m: &Member, pass: &SecretString) -> Result<()> {
        let stored = self.stored(workspace_id, m)?;
        if let KeySecret::Sealed(sealed) = keys::read(&m.name, &stored)? {
            let key = keys::unseal(&m.name, &sealed, pass)?;
            self.unlocked()
                .insert(m.id, (key, Instant::now() + self.unlock_for));
        }
        Ok(())
    }

    /// Whether acting as `m` needs their passphrase first: their key is sealed and not
    /// unlocked in this process.
    pub(crate) fn needs_passphrase(&self, workspace_id: &str, m: &Member) -> Result<bool> {
        if let Some((_, until)) = self.unlocked().get(&m.id)
            && *until > Instant::now()
        {
            return Ok(false);
        }
        let stored = self.stored(workspace_id, m)?;
        Ok(matches!(
            keys::read(&m.name, &stored)?,
            KeySecret::Sealed(_)
        ))
    }

    /// Forgets every unsealed key.
    pub(crate) fn lock(&self) {
        self.unlocked().clear();
    }

    /// Forgets one member's unsealed key (it was replaced).
    pub(crate) fn forget(&self, member_id: Uuid) {
        self.unlocked().remove(&member_id);
    }

    /// `m`'s key: from the unlock cache, or the secret store if it is not sealed.
    pub(crate) fn key(&self, workspace_id: &str, m: &Member) -> Result<MemberKey> {
        {
            let mut cache = self.unlocked();
            match cache.get(&m.id) {
                Some((key, until)) if *until > Instant::now() => return Ok(key.clone()),
                Some(_) => {
                    cache.remove(&m.id);
                }
                None => {}
            }
        }
        match keys::read(&m.name, &self.stored(workspace_id, m)?)? {
            KeySecret::Plain(key) => Ok(key),
            KeySecret::Sealed(_) => Err(Error::PassphraseRequired {
                name: m.name.clone(),
            }),
        }
    }

    /// Looks `m`'s key up now, outside any transaction; the outcome waits in [`Prepared`].
    pub(crate) fn prepare(
        &self,
        workspace_id: &str,
        m: &Member,
        pin: Option<RosterPin>,
    ) -> Prepared {
        Prepared {
            member_id: Some(m.id),
            key: Mutex::new(Some(self.key(workspace_id, m))),
            pin,
        }
    }

    /// A [`Prepared`] that yields no key: nobody acts (the workspace itself), or the actor is
    /// unknown and the transaction will say so.
    pub(crate) fn nobody(pin: Option<RosterPin>) -> Prepared {
        Prepared {
            member_id: None,
            key: Mutex::new(None),
            pin,
        }
    }

    /// What the secret store keeps for a member in `role`: sealed for approvers and admins.
    /// Sealing runs Argon2 on purpose slowly: call it before a write transaction.
    pub(crate) fn seal_for_role(
        &self,
        name: &str,
        role: Role,
        key: &MemberKey,
        pass: Option<&SecretString>,
    ) -> Result<SecretString> {
        if !role.reviews() {
            return Ok(keys::keep_plain(key));
        }
        let pass = pass.ok_or_else(|| Error::NewPassphraseRequired {
            name: name.to_string(),
            role,
        })?;
        keys::check_new_passphrase(name, pass)?;
        keys::seal(key, pass, self.kdf)
    }
}
