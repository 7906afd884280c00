//! The OS keychain: the only place Countersign keeps secrets (X tokens, private keys).
//!
//! One narrow API — [`Keychain::get`], [`Keychain::set`], [`Keychain::delete`] — over the
//! `keyring` crate, which talks to the macOS Keychain, the Windows Credential Manager, or a
//! Secret Service (gnome-keyring, KWallet) on Linux. Entries live under a service name
//! namespaced by app id and channel (`app.countersign.release`, `.dev`, `.test`), so secrets made
//! while developing or testing never mix with a release install's.
//!
//! Platform failures become stable error codes with a message that says what to do: no
//! keychain running, keychain locked, access denied. Secret values travel in [`SecretString`],
//! whose `Debug` and `Display` print `[redacted]`, so a secret cannot reach a log or an error
//! message by accident.

use std::fmt;

use crate::error::{Error, Result};

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
    /// `COUNTERSIGN_CHANNEL` (release, dev or test) when set; otherwise `dev` for debug builds and
    /// `release` for release builds.
    pub fn from_env() -> Channel {
        match std::env::var("COUNTERSIGN_CHANNEL").as_deref() {
            Ok("release") => Channel::Release,
            Ok("dev") => Channel::Dev,
            Ok("test") => Channel::Test,
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
    pub fn new(channel: Channel) -> Self {
        Keychain {
            service: format!("{APP_ID}.{}", channel.as_str()),
        }
    }

    /// The service name entries are stored under.
    pub fn service(&self) -> &str {
        &self.service
    }

    /// The secret stored under `key`, or `None` when there is none.
    pub fn get(&self, key: &str) -> Result<Option<SecretString>> {
        match self.entry(key)?.get_password() {
            Ok(v) => Ok(Some(SecretString(v))),
            Err(keyring::Error::NoEntry) => Ok(None),
            Err(e) => Err(classify(e)),
        }
    }

    pub fn set(&self, key: &str, value: &SecretString) -> Result<()> {
        self.entry(key)?
            .set_password(value.expose())
            .map_err(classify)
    }

    /// Removes the secret; removing one that is not there is not an error.
    pub fn delete(&self, key: &str) -> Result<()> {
        match self.entry(key)?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(classify(e)),
        }
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
