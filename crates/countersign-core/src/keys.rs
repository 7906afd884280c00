//! Member keys: each member signs what they do with an Ed25519 key that lives only in the OS
//! keychain.
//!
//! A contributor's key is kept as is. An approver's or admin's key is sealed with a passphrase
//! they chose: Argon2id turns the passphrase into a 256-bit key, XChaCha20-Poly1305 encrypts
//! the private key with it, and the keychain keeps salt, nonce, ciphertext and the Argon2
//! parameters as one JSON secret. So a stolen keychain entry alone cannot approve anything.
//!
//! Private keys travel in [`MemberKey`], whose `Debug` prints only the fingerprint.

use std::fmt;

use argon2::{Algorithm, Argon2, Params, Version};
use chacha20poly1305::aead::{Aead, KeyInit};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use ed25519_dalek::{Signature, Signer as _, SigningKey, Verifier as _, VerifyingKey};
use rand_core::{OsRng, RngCore};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

use crate::error::{Error, Result};
use crate::secrets::{Channel, SecretString};

/// The shortest passphrase Countersign accepts for sealing a key.
pub const MIN_PASSPHRASE_CHARS: usize = 8;

/// A member's private signing key, unsealed. Zeroed when dropped.
#[derive(Clone)]
pub struct MemberKey(SigningKey);

impl fmt::Debug for MemberKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "MemberKey({})", fingerprint(&self.public_hex()))
    }
}

impl MemberKey {
    pub fn generate() -> Self {
        MemberKey(SigningKey::generate(&mut OsRng))
    }

    /// The public key, 64 hex digits.
    pub fn public_hex(&self) -> String {
        hex::encode(self.0.verifying_key().as_bytes())
    }

    pub fn fingerprint(&self) -> String {
        fingerprint(&self.public_hex())
    }

    /// An Ed25519 signature over `message`, 128 hex digits.
    pub fn sign(&self, message: &[u8]) -> String {
        hex::encode(self.0.sign(message).to_bytes())
    }

    /// The raw secret bytes; only for sealing and for tests that prove they never leak.
    pub fn secret_bytes(&self) -> Zeroizing<[u8; 32]> {
        Zeroizing::new(self.0.to_bytes())
    }
}

/// SHA-256 of the raw public key, hex: what approvals are stored with.
pub fn fingerprint(public_hex: &str) -> String {
    let bytes = hex::decode(public_hex).unwrap_or_default();
    hex::encode(Sha256::digest(bytes))
}

/// Whether `signature_hex` is `public_hex`'s Ed25519 signature over `message`. Malformed hex
/// or keys are simply not valid.
///
/// Every act checks the signed roster, whose entries do not change, so the same signatures
/// are checked again and again: a signature that verified is remembered (by a hash of key,
/// message and signature together, so a changed byte anywhere is checked afresh).
pub fn verify(public_hex: &str, message: &[u8], signature_hex: &str) -> bool {
    let seen = {
        let mut h = Sha256::new();
        for part in [public_hex.as_bytes(), message, signature_hex.as_bytes()] {
            h.update((part.len() as u64).to_be_bytes());
            h.update(part);
        }
        <[u8; 32]>::from(h.finalize())
    };
    if verified()
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .contains(&seen)
    {
        return true;
    }
    let ok = verify_now(public_hex, message, signature_hex);
    if ok {
        let mut cache = verified().lock().unwrap_or_else(|p| p.into_inner());
        // Bounded: a long-running process forgets and checks again rather than grow.
        if cache.len() >= 65_536 {
            cache.clear();
        }
        cache.insert(seen);
    }
    ok
}

/// The signatures that verified in this process (see [`verify`]).
fn verified() -> &'static std::sync::Mutex<std::collections::HashSet<[u8; 32]>> {
    static VERIFIED: std::sync::OnceLock<std::sync::Mutex<std::collections::HashSet<[u8; 32]>>> =
        std::sync::OnceLock::new();
    VERIFIED.get_or_init(Default::default)
}

fn verify_now(public_hex: &str, message: &[u8], signature_hex: &str) -> bool {
    let Ok(pk) = <[u8; 32]>::try_from(hex::decode(public_hex).unwrap_or_default()) else {
        return false;
    };
    let Ok(sig) = <[u8; 64]>::try_from(hex::decode(signature_hex).unwrap_or_default()) else {
        return false;
    };
    let Ok(key) = VerifyingKey::from_bytes(&pk) else {
        return false;
    };
    key.verify(message, &Signature::from_bytes(&sig)).is_ok()
}

/// The canonical bytes of a signed statement: each field as an 8-byte big-endian length and
/// its UTF-8 bytes, so no two different field lists encode alike.
pub fn statement(fields: &[&str]) -> Vec<u8> {
    let mut out = Vec::new();
    for f in fields {
        out.extend_from_slice(&(f.len() as u64).to_be_bytes());
        out.extend_from_slice(f.as_bytes());
    }
    out
}

/// How hard Argon2id works. Release and dev builds use [`KdfCost::Standard`]; the test channel
/// uses a cheap setting so the suite stays fast (the parameters are stored with each sealed
/// key, so unsealing always uses the ones it was sealed with).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KdfCost {
    /// 64 MiB, 3 passes, 1 lane: around a third of a second on a 2-core laptop.
    Standard,
    Test,
}

impl KdfCost {
    pub fn for_channel(channel: Channel) -> KdfCost {
        match channel {
            Channel::Test => KdfCost::Test,
            _ => KdfCost::Standard,
        }
    }

    fn params(self) -> (u32, u32, u32) {
        match self {
            KdfCost::Standard => (64 * 1024, 3, 1),
            KdfCost::Test => (64, 1, 1),
        }
    }
}

/// What the keychain holds for a member, as JSON.
#[derive(Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
enum Stored {
    Plain {
        secret_key: String,
    },
    Sealed {
        kdf: String,
        m_kib: u32,
        t: u32,
        p: u32,
        salt: String,
        cipher: String,
        nonce: String,
        ciphertext: String,
    },
}

/// A key as kept in the keychain: usable as is, or sealed.
#[derive(Debug)]
pub enum KeySecret {
    Plain(MemberKey),
    Sealed(SecretString),
}

/// The keychain value for a contributor's key.
pub fn keep_plain(key: &MemberKey) -> SecretString {
    let secret = Zeroizing::new(hex::encode(*key.secret_bytes()));
    let json = serde_json::json!({"kind": "plain", "secret_key": secret.as_str()});
    SecretString::new(json.to_string())
}

/// Checks a passphrase someone chose for sealing.
pub fn check_new_passphrase(name: &str, passphrase: &SecretString) -> Result<()> {
    if passphrase.expose().chars().count() < MIN_PASSPHRASE_CHARS {
        return Err(Error::PassphraseTooShort {
            name: name.to_string(),
            min: MIN_PASSPHRASE_CHARS,
        });
    }
    Ok(())
}

/// The keychain value for an approver's or admin's key, sealed with `passphrase`.
pub fn seal(key: &MemberKey, passphrase: &SecretString, cost: KdfCost) -> Result<SecretString> {
    let (m_kib, t, p) = cost.params();
    let mut salt = [0u8; 16];
    OsRng.fill_bytes(&mut salt);
    let mut nonce = [0u8; 24];
    OsRng.fill_bytes(&mut nonce);
    let wrap = derive(passphrase, &salt, m_kib, t, p)?;
    let cipher = XChaCha20Poly1305::new(wrap.as_ref().into());
    let secret = key.secret_bytes();
    let ciphertext = cipher
        .encrypt(XNonce::from_slice(&nonce), secret.as_ref())
        .map_err(|_| Error::KeySealFailed)?;
    let stored = Stored::Sealed {
        kdf: "argon2id-v19".into(),
        m_kib,
        t,
        p,
        salt: hex::encode(salt),
        cipher: "xchacha20poly1305".into(),
        nonce: hex::encode(nonce),
        ciphertext: hex::encode(ciphertext),
    };
    let json = serde_json::to_string(&stored).map_err(|_| Error::KeySealFailed)?;
    Ok(SecretString::new(json))
}

/// Reads a keychain value: a plain key, or a sealed one still to be opened.
pub fn read(name: &str, value: &SecretString) -> Result<KeySecret> {
    let unreadable = || Error::MemberKeyUnreadable {
        name: name.to_string(),
    };
    match serde_json::from_str::<Stored>(value.expose()).map_err(|_| unreadable())? {
        Stored::Plain { secret_key } => {
            let secret_key = Zeroizing::new(secret_key);
            let bytes = Zeroizing::new(hex::decode(secret_key.as_str()).map_err(|_| unreadable())?);
            let arr: [u8; 32] = bytes.as_slice().try_into().map_err(|_| unreadable())?;
            let arr = Zeroizing::new(arr);
            Ok(KeySecret::Plain(MemberKey(SigningKey::from_bytes(&arr))))
        }
        Stored::Sealed { .. } => Ok(KeySecret::Sealed(value.clone())),
    }
}

/// Opens a sealed key with `passphrase`. A wrong passphrase is `wrong_passphrase`.
pub fn unseal(name: &str, sealed: &SecretString, passphrase: &SecretString) -> Result<MemberKey> {
    let unreadable = || Error::MemberKeyUnreadable {
        name: name.to_string(),
    };
    let Stored::Sealed {
        m_kib,
        t,
        p,
        salt,
        nonce,
        ciphertext,
        ..
    } = serde_json::from_str::<Stored>(sealed.expose()).map_err(|_| unreadable())?
    else {
        return Err(unreadable());
    };
    let salt = hex::decode(salt).map_err(|_| unreadable())?;
    let nonce = hex::decode(nonce).map_err(|_| unreadable())?;
    let ciphertext = hex::decode(ciphertext).map_err(|_| unreadable())?;
    if nonce.len() != 24 {
        return Err(unreadable());
    }
    let wrap = derive(passphrase, &salt, m_kib, t, p)?;
    let cipher = XChaCha20Poly1305::new(wrap.as_ref().into());
    let plain = Zeroizing::new(
        cipher
            .decrypt(XNonce::from_slice(&nonce), ciphertext.as_slice())
            .map_err(|_| Error::WrongPassphrase {
                name: name.to_string(),
            })?,
    );
    let arr: [u8; 32] = plain.as_slice().try_into().map_err(|_| unreadable())?;
    let arr = Zeroizing::new(arr);
    Ok(MemberKey(SigningKey::from_bytes(&arr)))
}

fn derive(
    passphrase: &SecretString,
    salt: &[u8],
    m_kib: u32,
    t: u32,
    p: u32,
) -> Result<Zeroizing<[u8; 32]>> {
    // Parameters come from the keychain entry; refuse absurd ones rather than hang or abort.
    if m_kib > 1024 * 1024 || t > 64 || p > 16 {
        return Err(Error::KeySealFailed);
    }
    let params = Params::new(m_kib, t, p, Some(32)).map_err(|_| Error::KeySealFailed)?;
    let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, params);
    let mut out = Zeroizing::new([0u8; 32]);
    argon
        .hash_password_into(passphrase.expose().as_bytes(), salt, out.as_mut())
        .map_err(|_| Error::KeySealFailed)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn signatures_verify_and_bind_the_message() {
        let k = MemberKey::generate();
        let sig = k.sign(b"hello");
        assert!(verify(&k.public_hex(), b"hello", &sig));
        assert!(!verify(&k.public_hex(), b"hellp", &sig));
        assert!(!verify(&MemberKey::generate().public_hex(), b"hello", &sig));
        assert!(!verify("zz", b"hello", &sig));
        assert!(!verify(&k.public_hex(), b"hello", "00"));
    }

    #[test]
    fn a_remembered_signature_is_not_a_pass_for_a_changed_one() {
        let k = MemberKey::generate();
        let sig = k.sign(b"approve v1");
        assert!(verify(&k.public_hex(), b"approve v1", &sig));
        // Asked again (now from memory), and with one thing changed each time.
        assert!(verify(&k.public_hex(), b"approve v1", &sig));
        assert!(!verify(&k.public_hex(), b"approve v2", &sig));
        let mut other = sig.clone().into_bytes();
        other[0] = if other[0] == b'0' { b'1' } else { b'0' };
        assert!(!verify(
            &k.public_hex(),
            b"approve v1",
            &String::from_utf8(other).unwrap()
        ));
        assert!(!verify(
            &MemberKey::generate().public_hex(),
            b"approve v1",
            &sig
        ));
    }

    #[test]
    fn sealing_round_trips_and_refuses_a_wrong_passphrase() {
        let k = MemberKey::generate();
        let pass = SecretString::new("correct horse battery");
        let sealed = seal(&k, &pass, KdfCost::Test).unwrap();
        let secret_hex = hex::encode(*k.secret_bytes());
        assert!(!sealed.expose().contains(&secret_hex));
        assert!(!sealed.expose().contains(pass.expose()));
        let KeySecret::Sealed(s) = read("Bob", &sealed).unwrap() else {
            panic!("expected a sealed key");
        };
        let back = unseal("Bob", &s, &pass).unwrap();
        assert_eq!(back.public_hex(), k.public_hex());
        let err = unseal("Bob", &s, &SecretString::new("wrong horse battery")).unwrap_err();
        assert_eq!(err.code(), "wrong_passphrase");
        assert!(!err.to_string().contains(&secret_hex));
    }

    #[test]
    fn plain_keys_round_trip_and_never_print() {
        let k = MemberKey::generate();
        let KeySecret::Plain(back) = read("Ann", &keep_plain(&k)).unwrap() else {
            panic!("expected a plain key");
        };
        assert_eq!(back.public_hex(), k.public_hex());
        let secret_hex = hex::encode(*k.secret_bytes());
        assert!(!format!("{k:?}").contains(&secret_hex));
        assert_eq!(
            read("Ann", &SecretString::new("junk")).unwrap_err().code(),
            "member_key_unreadable"
        );
    }
}
