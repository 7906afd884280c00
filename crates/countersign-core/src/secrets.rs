//! The OS keychain: the only place Countersign keeps secrets (X tokens, private keys).
//!
//! One narrow API — [`Keychain::get`], [`Keychain::set`], [`Keychain::delete`] — over the
//! `keyring` crate, which talks to the macOS Keychain, the Windows Credential Manager, or a
//! Secret Service (gnome-keyring, KWallet) on Linux. Entries live under a service name
//! namespaced by app id and channel (`app.countersign.release`, `.dev`, `.test`), so secrets made
//! while developing or testing never mix with a release install's.
//!
//! Core reaches secrets only through the [`SecretStore`] port: [`Keychain`] is the OS keychain
//! every binary uses, and [`MemorySecrets`] keeps them in this process for domain tests, which
//! then need no keyring daemon. Adapters choose one and hand it to [`crate::App`].
//!
//! Platform failures become stable error codes with a message that says what to do: no
//! keychain running, keychain locked, access denied. Secret values travel in [`SecretString`],
//! whose `Debug` and `Display` print `[redacted]`, so a secret cannot reach a log or an error
//! message by accident.

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::path::PathBuf;
use std::sync::{Arc, Condvar, Mutex};

use crate::error::{Error, Result};

/// Held while a secret is being refreshed (X rotates its refresh token on every use, so two
/// processes refreshing one grant at once would lock each other out); released on drop.
pub type RefreshGuard = Box<dyn std::any::Any + Send>;

/// Where secrets live: get, set, delete, and a lock around refreshing one.
pub trait SecretStore: fmt::Debug + Send + Sync {
    /// The secret stored under `key`, or `None` when there is none.
    fn get(&self, key: &str) -> Result<Option<SecretString>>;
    fn set(&self, key: &str, value: &SecretString) -> Result<()>;
    /// Removes the secret; removing one that is not there is not an error.
    fn delete(&self, key: &str) -> Result<()>;
    /// Waits until nobody else (in any process that shares this store) refreshes `key`, and
    /// holds that off until the guard is dropped.
    fn lock_refresh(&self, key: &str) -> Result<RefreshGuard>;
}

/// The app id every service name starts with.
pub const APP_ID: &str = "app.countersign";

/// A secret value. Printing it, with `{}` or `{:?}`, shows `[redacted]`; use
/// [`SecretString::expose`] at the one place the value is really needed.
#[derive(Clone, PartialEq, Eq)]
pub struct SecretString(String);

impl SecretString {
    pub fn new(value: impl Into<String>) -> Self {
        SecretString(value.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for SecretString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl fmt::Display for SecretString {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

/// Which install the secrets belong to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Channel {
    Release,
    Dev,
    Test,
}

impl Channel {
    /// The channel a name (`release`, `dev` or `test`: the adapters pass what
    /// `COUNTERSIGN_CHANNEL` says) chooses; with none, or another, `dev` for debug builds and
    /// `release` for release builds. Core itself reads no environment.
    pub fn named(name: Option<&str>) -> Channel {
        match name {
            Some("release") => Channel::Release,
            Some("dev") => Channel::Dev,
            Some("test") => Channel::Test,
            _ if cfg!(debug_assertions) => Channel::Dev,
            _ => Channel::Release,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Release => "release",
            Channel::Dev => "dev",
            Channel::Test => "test",
        }
    }
}

/// Secrets under one service name.
#[derive(Debug, Clone)]
pub struct Keychain {
    service: String,
}

impl Keychain {
    /// The keychain entries of one install channel.
    pub fn new(channel: Channel) -> Self {
        Keychain {
            service: format!("{APP_ID}.{}", channel.as_str()),
        }
    }

    /// The service name entries are stored under.
    pub fn service(&self) -> &str {
        &self.service
    }

    /// Writes, reads back and removes a probe entry: proves the keychain works end to end.
    pub fn check(&self) -> Result<()> {
        let key = format!("probe-{}", uuid::Uuid::now_v7());
        let value = SecretString::new(format!("probe-value-{}", uuid::Uuid::now_v7().simple()));
        self.set(&key, &value)?;
        let back = self.get(&key);
        self.delete(&key)?;
        match back? {
            Some(v) if v == value => Ok(()),
            _ => Err(Error::KeychainFailed {
                detail: "a value written could not be read back".into(),
            }),
        }
    }

    fn entry(&self, key: &str) -> Result<keyring::Entry> {
        keyring::Entry::new(&self.service, key).map_err(classify)
    }

    /// The lock file for refreshing `key`: one per service and entry, in the machine's temp
    /// folder, so every process of this install (app, CLI, publisher) meets at the same file.
    /// It holds no data.
    fn lock_path(&self, key: &str) -> PathBuf {
        let safe: String = key
            .chars()
            .map(|c| {
                if c.is_ascii_alphanumeric() || c == '-' {
                    c
                } else {
                    '_'
                }
            })
            .collect();
        std::env::temp_dir().join(format!("{}-{safe}.lock", self.service))
    }
}

impl SecretStore for Keychain {
    fn get(&self, key: &str) -> Result<Option<SecretString>> {
        match self.entry(key)?.get_password() {
            Ok(v) => Ok(Some(SecretString(v))),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(classify(e)),
        }
    }

    fn set(&self, key: &str, value: &SecretString) -> Result<()> {
        self.entry(key)?
            .set_password(value.expose())
            .map_err(classify)
    }

    fn delete(&self, key: &str) -> Result<()> {
        match self.entry(key)?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(classify(e)),
        }
    }

    fn lock_refresh(&self, key: &str) -> Result<RefreshGuard> {
        let path = self.lock_path(key);
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(|e| Error::io(format!("cannot open {}", path.display()), e))?;
        // Blocks until no other process holds it; released when the file is closed.
        file.lock()
            .map_err(|e| Error::io(format!("cannot lock {}", path.display()), e))?;
        Ok(Box::new(file))
    }
}

/// Secrets kept in this process only, for domain tests: nothing is written anywhere, and a
/// clone shares the same entries (as two handles to one keychain would).
#[derive(Debug, Clone, Default)]
pub struct MemorySecrets {
    entries: Arc<Mutex<HashMap<String, SecretString>>>,
    refreshing: Arc<(Mutex<HashSet<String>>, Condvar)>,
}

impl MemorySecrets {
    pub fn new() -> Self {
        MemorySecrets::default()
    }

    /// The keys held now, sorted (tests check what was stored, never the values).
    pub fn keys(&self) -> Vec<String> {
        let mut keys: Vec<String> = self.entries().keys().cloned().collect();
        keys.sort();
        keys
    }

    fn entries(&self) -> std::sync::MutexGuard<'_, HashMap<String, SecretString>> {
        self.entries.lock().unwrap_or_else(|p| p.into_inner())
    }
}

impl SecretStore for MemorySecrets {
    fn get(&self, key: &str) -> Result<Option<SecretString>> {
        Ok(self.entries().get(key).cloned())
    }

    fn set(&self, key: &str, value: &SecretString) -> Result<()> {
        self.entries().insert(key.to_string(), value.clone());
        Ok(())
    }

    fn delete(&self, key: &str) -> Result<()> {
        self.entries().remove(key);
        Ok(())
    }

    fn lock_refresh(&self, key: &str) -> Result<RefreshGuard> {
        let (held, freed) = &*self.refreshing;
        let mut held = held.lock().unwrap_or_else(|p| p.into_inner());
        while held.contains(key) {
            held = freed.wait(held).unwrap_or_else(|p| p.into_inner());
        }
        held.insert(key.to_string());
        Ok(Box::new(MemoryRefresh {
            refreshing: self.refreshing.clone(),
            key: key.to_string(),
        }))
    }
}

/// Releases a [`MemorySecrets`] refresh lock when dropped.
struct MemoryRefresh {
    refreshing: Arc<(Mutex<HashSet<String>>, Condvar)>,
    key: String,
}

impl Drop for MemoryRefresh {
    fn drop(&mut self) {
        let (held, freed) = &*self.refreshing;
        held.lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&self.key);
        freed.notify_all();
    }
}

/// Sorts a platform failure into the three things a person can act on. The platform's own
/// text is kept as detail; it never contains the secret (keyring errors carry no values).
fn classify(e: keyring::Error) -> Error {
    let detail = e.to_string();
    let lower = detail.to_lowercase();
    match e {
        keyring::Error::NoDefaultStore => Error::KeychainUnavailable { detail },
        keyring::Error::NoStorageAccess(_) if lower.contains("denied") => {
            Error::KeychainDenied { detail }
        }
        keyring::Error::NoStorageAccess(_) => Error::KeychainLocked { detail },
        _ if lower.contains("locked") || lower.contains("unlock") => {
            Error::KeychainLocked { detail }
        }
        _ if lower.contains("denied")
            || lower.contains("dismissed")
            || lower.contains("not authorized") =>
        {
            Error::KeychainDenied { detail }
        }
        _ if lower.contains("dbus")
            || lower.contains("d-bus")
            || lower.contains("service") && lower.contains("unknown") =>
        {
            Error::KeychainUnavailable { detail }
        }
        _ => Error::KeychainFailed { detail },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_never_print() {
        let s = SecretString::new("hunter2-token");
        assert_eq!(format!("{s}"), "[redacted]");
        assert_eq!(format!("{s:?}"), "[redacted]");
        assert_eq!(format!("{:?}", Some(s.clone())), "Some([redacted])");
        assert_eq!(s.expose(), "hunter2-token");
    }

    #[test]
    fn memory_secrets_keep_values_and_serialise_refreshes() {
        let s = MemorySecrets::new();
        assert_eq!(s.get("a").unwrap(), None);
        s.set("a", &SecretString::new("one")).unwrap();
        assert_eq!(s.clone().get("a").unwrap(), Some(SecretString::new("one")));
        s.delete("a").unwrap();
        s.delete("a").unwrap();
        assert!(s.keys().is_empty());

        let guard = s.lock_refresh("t").unwrap();
        let other = s.clone();
        let waited = std::thread::spawn(move || {
            let started = std::time::Instant::now();
            drop(other.lock_refresh("t").unwrap());
            started.elapsed()
        });
        std::thread::sleep(std::time::Duration::from_millis(100));
        drop(guard);
        let waited = waited.join().unwrap();
        assert!(waited >= std::time::Duration::from_millis(90), "{waited:?}");
    }

    #[test]
    fn channels_never_share_a_service() {
        let names: Vec<String> = [Channel::Release, Channel::Dev, Channel::Test]
            .into_iter()
            .map(|c| Keychain::new(c).service().to_string())
            .collect();
        assert_eq!(
            names,
            [
                "app.countersign.release",
                "app.countersign.dev",
                "app.countersign.test"
            ]
        );
    }
}
