//! What makes a data dir a team laptop: `team.json`, beside the replica.
//!
//! It says which server, which database login, which member and which laptop (a device id made
//! when this data dir joined). It holds no secret: the login's password is in the keychain as
//! `pg-login/<workspace>/<device>`, so several laptops (or several data dirs in a test) share
//! one keychain without stepping on each other.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::{Error, Result};
use crate::secrets::SecretString;
use crate::store::{ServerLogin, Tls};

/// The file's name in the data dir.
pub const FILE: &str = "team.json";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TeamConfig {
    pub host: String,
    pub port: u16,
    pub database: String,
    /// This member's own database login role.
    pub login: String,
    pub workspace_id: String,
    /// The roster's first entry, as the invite (or team init) gave it: pinned.
    pub genesis_hash: String,
    /// The member this laptop acts for by default, and publishes as.
    pub member_id: Uuid,
    /// This laptop (this data dir).
    pub device: String,
    /// How the server's certificate is checked (a file from before TLS: loopback, no TLS).
    #[serde(default)]
    pub tls: Tls,
}

impl TeamConfig {
    pub fn path(dir: &Path) -> PathBuf {
        dir.join(FILE)
    }

    /// The data dir's team file, or `None` for a solo workspace.
    pub fn load(dir: &Path) -> Result<Option<TeamConfig>> {
        let path = TeamConfig::path(dir);
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => return Err(Error::io(format!("cannot read {}", path.display()), e)),
        };
        serde_json::from_str(&text).map(Some).map_err(|e| {
            Error::TeamSetup(format!(
                "{} is damaged ({e}); restore it from a backup, or join the team again in a new \
                 folder with a fresh invite",
                path.display()
            ))
        })
    }

    /// Writes the file whole or not at all (a temporary file renamed over it).
    pub fn save(&self, dir: &Path) -> Result<()> {
        let path = TeamConfig::path(dir);
        let tmp = dir.join(format!("{FILE}.tmp"));
        let text =
            serde_json::to_string_pretty(self).map_err(|e| Error::Internal(e.to_string()))?;
        std::fs::write(&tmp, text + "\n")
            .and_then(|()| std::fs::rename(&tmp, &path))
            .map_err(|e| Error::io(format!("cannot write {}", path.display()), e))
    }

    /// The keychain entry that holds this laptop's database password.
    pub fn login_key(&self) -> String {
        login_key(&self.workspace_id, &self.device)
    }

    pub fn server_login(&self, password: SecretString) -> ServerLogin {
        ServerLogin {
            host: self.host.clone(),
            port: self.port,
            database: self.database.clone(),
            user: self.login.clone(),
            password,
            tls: self.tls.clone(),
        }
    }
}

/// The keychain entry for a laptop's database password.
pub fn login_key(workspace_id: &str, device: &str) -> String {
    format!("pg-login/{workspace_id}/{device}")
}

/// A fresh random password for a database login (the one-time invite password, or the one a
/// laptop replaces it with): 32 bytes, URL-safe base64.
pub fn new_password() -> SecretString {
    use base64::Engine;
    let mut bytes = [0u8; 32];
    rand_core::RngCore::fill_bytes(&mut rand_core::OsRng, &mut bytes);
    SecretString::new(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes))
}

/// The SCRAM-SHA-256 verifier of a password: what the server stores, so no password reaches it.
pub fn verifier(password: &SecretString) -> String {
    postgres_protocol::password::scram_sha_256(password.expose().as_bytes())
}
