//! The invite bundle: what an admin gives a new member so their laptop can join the team.
//!
//! It names the server (host, port, database, how to verify its TLS certificate), the member's
//! own database login with a one-time password (replaced on first connect), the workspace id,
//! the hash of the roster's first entry (the genesis the new laptop pins, so a server that
//! shows another roster is refused) and the inviting admin's key fingerprint, read out to
//! compare. The bundle travels as one line of text, `countersign-invite-v1:` followed by
//! base64url JSON, so it survives chat and mail. It carries a secret (the one-time password):
//! it is a [`SecretString`] when encoded, and its `Debug` never shows the password.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};
use crate::model::Role;
use crate::secrets::SecretString;

/// What every bundle starts with; the number is the format's version.
pub const PREFIX: &str = "countersign-invite-v1:";

/// The longest bundle text accepted (a CA certificate chain included), so a pasted file of
/// junk is refused at once.
pub const MAX_LEN: usize = 64 * 1024;

pub use crate::store::{Tls, is_loopback};

/// Writes a bundle to a new file at `path` that only its owner can read (the bundle holds a
/// one-time password), never over an existing file.
pub fn save(path: &std::path::Path, bundle: &str) -> Result<()> {
    use std::io::Write as _;
    use std::os::unix::fs::OpenOptionsExt as _;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .map_err(|e| Error::io(format!("cannot create {}", path.display()), e))?;
    f.write_all(format!("{bundle}\n").as_bytes())
        .map_err(|e| Error::io(format!("cannot write {}", path.display()), e))
}

/// [`save`]s `member`'s bundle in `dir` as `countersign-invite-<member>.txt` (with a number
/// added when that name is taken), and returns the file's path.
pub fn save_in(dir: &std::path::Path, member: &str, bundle: &str) -> Result<std::path::PathBuf> {
    let stem: String = member
        .trim()
        .chars()
        .map(|c| {
            if c.is_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .collect();
    for n in 1..=99 {
        let name = match n {
            1 => format!("countersign-invite-{stem}.txt"),
            n => format!("countersign-invite-{stem}-{n}.txt"),
        };
        let path = dir.join(name);
        match save(&path, bundle) {
            Err(Error::Io { source, .. }) if source.kind() == std::io::ErrorKind::AlreadyExists => {
            }
            done => return done.map(|()| path),
        }
    }
    Err(Error::io(
        format!(
            "cannot find a free file name for the invite in {}",
            dir.display()
        ),
        std::io::Error::from(std::io::ErrorKind::AlreadyExists),
    ))
}

/// An invitation to one member, as the inviting admin's laptop made it.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Invite {
    pub host: String,
    pub port: u16,
    pub database: String,
    pub tls: Tls,
    /// The member's own database login role.
    pub login: String,
    /// The one-time password of that login; the joining laptop replaces it at once.
    #[serde(with = "secret")]
    pub password: SecretString,
    pub workspace_id: String,
    /// The hash of the roster's first entry: the genesis the new laptop pins.
    pub genesis_hash: String,
    /// The inviting admin's key fingerprint, to compare out loud.
    pub admin_fingerprint: String,
    pub member: String,
    pub role: Role,
    /// After this the bundle is refused (the server forgets the login too).
    pub expires_at: Timestamp,
}

/// What a pasted bundle says, before anything is joined: shown to the person joining so they
/// can check it is the invite they expect (the admin's fingerprint above all). No secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct InvitePreview {
    pub member: String,
    pub role: Role,
    /// `host:port/database`.
    pub server: String,
    pub workspace_id: String,
    pub admin_fingerprint: String,
    pub expires_at: Timestamp,
}

/// Reads a bundle as [`Invite::decode`] does (refusing a broken or expired one) and tells
/// what it holds, without its one-time password.
pub fn preview(bundle: &str, now: Timestamp) -> Result<InvitePreview> {
    let i = Invite::decode(bundle, now)?;
    Ok(InvitePreview {
        server: format!("{}:{}/{}", i.host, i.port, i.database),
        member: i.member,
        role: i.role,
        workspace_id: i.workspace_id,
        admin_fingerprint: i.admin_fingerprint,
        expires_at: i.expires_at,
    })
}

impl std::fmt::Debug for Invite {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Invite")
            .field(
                "server",
                &format_args!("{}:{}/{}", self.host, self.port, self.database),
            )
            .field("login", &self.login)
            .field("password", &self.password)
            .field("workspace_id", &self.workspace_id)
            .field("member", &self.member)
            .field("role", &self.role)
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

impl Invite {
    /// The bundle as one line of text. It holds the one-time password: hand it over as a
    /// secret (the file the CLI writes is readable by its owner only).
    pub fn encode(&self) -> Result<SecretString> {
        let json = serde_json::to_vec(self).map_err(|e| Error::Internal(e.to_string()))?;
        Ok(SecretString::new(format!(
            "{PREFIX}{}",
            URL_SAFE_NO_PAD.encode(json)
        )))
    }

    /// Reads a bundle as a person pasted or opened it, and checks that it is usable at `now`.
    /// Every refusal says what is wrong with it; nothing in it is trusted beyond that (the
    /// joining laptop still checks the server's roster against `genesis_hash`).
    pub fn decode(text: &str, now: Timestamp) -> Result<Invite> {
        let bad = |detail: &str| Error::InviteUnusable {
            detail: detail.to_string(),
        };
        if text.len() > MAX_LEN {
            return Err(bad(
                "it is far longer than an invite; was the wrong file chosen?",
            ));
        }
        let text = text.trim();
        let Some(body) = text.strip_prefix(PREFIX) else {
            return Err(if text.starts_with("countersign-invite-") {
                bad("it was made by a newer Countersign; update Countersign to join")
            } else {
                bad("it is not a Countersign invite (it should start with countersign-invite-v1:)")
            });
        };
        let json = URL_SAFE_NO_PAD
            .decode(body.trim_end_matches('='))
            .map_err(|_| bad("it is damaged: part of it is missing or was changed"))?;
        let invite: Invite = serde_json::from_slice(&json)
            .map_err(|_| bad("it is damaged: its contents cannot be read"))?;
        invite.check(now)?;
        Ok(invite)
    }

    fn check(&self, now: Timestamp) -> Result<()> {
        let bad = |detail: String| Err(Error::InviteUnusable { detail });
        let name_like = |s: &str| {
            !s.is_empty()
                && s.len() <= 63
                && s.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        };
        if self.host.is_empty()
            || self.host.len() > 253
            || !self
                .host
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'))
        {
            return bad(format!("its server {:?} is not a host name", self.host));
        }
        if self.port == 0 {
            return bad("its server port is 0".into());
        }
        if !name_like(&self.database) || !name_like(&self.login) {
            return bad("its database or login name is not usable".into());
        }
        if self.password.expose().is_empty() {
            return bad("it carries no password".into());
        }
        if let Tls::Ca(pem) = &self.tls
            && !pem.contains("-----BEGIN CERTIFICATE-----")
        {
            return bad("its CA certificate is not a PEM certificate".into());
        }
        if self.tls == Tls::Loopback && !is_loopback(&self.host) {
            return bad(format!(
                "it would connect to {} without TLS; only a server on this machine may go without",
                self.host
            ));
        }
        let hex64 = |s: &str| s.len() == 64 && s.chars().all(|c| c.is_ascii_hexdigit());
        if !hex64(&self.genesis_hash) || !hex64(&self.admin_fingerprint) {
            return bad("its roster genesis or the admin's fingerprint is malformed".into());
        }
        if self.workspace_id.trim().is_empty() || self.member.trim().is_empty() {
            return bad("it names no workspace or no member".into());
        }
        if self.expires_at <= now {
            return bad(format!(
                "it expired at {}; ask the admin for a new one",
                self.expires_at
            ));
        }
        Ok(())
    }
}

/// Serializes the one-time password inside the bundle (and only there).
mod secret {
    use serde::{Deserialize, Deserializer, Serializer};

    use crate::secrets::SecretString;

    pub fn serialize<S: Serializer>(s: &SecretString, out: S) -> Result<S::Ok, S::Error> {
        out.serialize_str(s.expose())
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<SecretString, D::Error> {
        String::deserialize(d).map(SecretString::new)
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_saved_bundle_is_private_and_never_overwrites() {
        use std::os::unix::fs::PermissionsExt as _;
        let dir = tempfile::tempdir().unwrap();
        let first = super::save_in(dir.path(), "Ana Lima", "countersign-invite-v1:a").unwrap();
        let second = super::save_in(dir.path(), "Ana Lima", "countersign-invite-v1:b").unwrap();
        assert!(
            first.ends_with("countersign-invite-ana-lima.txt"),
            "{first:?}"
        );
        assert!(
            second.ends_with("countersign-invite-ana-lima-2.txt"),
            "{second:?}"
        );
        assert_eq!(
            std::fs::read_to_string(&first).unwrap(),
            "countersign-invite-v1:a\n"
        );
        let mode = std::fs::metadata(&second).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    use super::*;

    fn invite() -> Invite {
        Invite {
            host: "db.acme.example".into(),
            port: 5432,
            database: "countersign".into(),
            tls: Tls::System,
            login: "cs_m_0123".into(),
            password: SecretString::new("one-time-7f3a"),
            workspace_id: "ws-1".into(),
            genesis_hash: "ab".repeat(32),
            admin_fingerprint: "cd".repeat(32),
            member: "Carol".into(),
            role: Role::Contributor,
            expires_at: "2031-01-08T00:00:00Z".parse().unwrap(),
        }
    }

    fn now() -> Timestamp {
        "2031-01-01T00:00:00Z".parse().unwrap()
    }

    #[test]
    fn a_bundle_round_trips_and_never_prints_its_password() {
        let i = invite();
        let text = i.encode().unwrap();
        assert!(text.expose().starts_with(PREFIX));
        assert_eq!(Invite::decode(text.expose(), now()).unwrap(), i);
        // Pasted with stray whitespace, or padded, it still reads.
        let padded = format!("  {}==\n", text.expose());
        assert_eq!(Invite::decode(&padded, now()).unwrap(), i);
        assert!(!format!("{i:?}").contains("one-time-7f3a"));
        assert!(!format!("{text:?}").contains("one-time-7f3a"));
    }

    #[test]
    fn unusable_bundles_say_why() {
        let code = |text: &str| {
            let e = Invite::decode(text, now()).unwrap_err();
            assert_eq!(e.code(), "invite_unusable");
            e.to_string()
        };
        assert!(code("hello").contains("not a Countersign invite"));
        assert!(code("countersign-invite-v2:abc").contains("newer Countersign"));
        assert!(code("countersign-invite-v1:!!!").contains("damaged"));
        assert!(code(&format!("{PREFIX}{}", URL_SAFE_NO_PAD.encode("{}"))).contains("damaged"));
        assert!(code(&"x".repeat(MAX_LEN + 1)).contains("far longer"));

        let with = |f: &dyn Fn(&mut Invite)| {
            let mut i = invite();
            f(&mut i);
            code(i.encode().unwrap().expose())
        };
        assert!(with(&|i| i.expires_at = now()).contains("expired"));
        assert!(with(&|i| i.genesis_hash = "nothex".into()).contains("genesis"));
        assert!(with(&|i| i.host = "db host; rm".into()).contains("not a host name"));
        assert!(with(&|i| i.port = 0).contains("port"));
        assert!(with(&|i| i.login = "x'; DROP".into()).contains("login"));
        assert!(with(&|i| i.tls = Tls::Ca("not a cert".into())).contains("PEM"));
        assert!(with(&|i| i.password = SecretString::new("")).contains("no password"));
    }

    #[test]
    fn any_changed_character_is_refused_or_changes_nothing_silently() {
        let text = invite().encode().unwrap().expose().to_string();
        let body = PREFIX.len();
        for i in (body..text.len()).step_by(7) {
            let mut bytes = text.clone().into_bytes();
            bytes[i] = if bytes[i] == b'A' { b'B' } else { b'A' };
            let changed = String::from_utf8(bytes).unwrap();
            // Never a panic; either refused with a reason, or read as a (different) bundle
            // that still passed every check.
            if let Ok(read) = Invite::decode(&changed, now()) {
                read.check(now()).unwrap();
            }
        }
    }
}
