//! What core's integration tests share: the real keychain (or a skip with the reason when a
//! machine has none and the suite does not demand one), and members with passphrases.
#![allow(dead_code, clippy::unwrap_used)]

use countersign_core::secrets::{Channel, Keychain, SecretString};
use countersign_core::{NewMember, Role};

/// Every approver's and admin's passphrase in these tests.
pub const PASS: &str = "a test passphrase";

pub fn pass() -> SecretString {
    SecretString::new(PASS)
}

/// The OS keychain on the test channel. `None` (with the reason printed) when this machine
/// has none, unless `COUNTERSIGN_REQUIRE_KEYCHAIN` is set, as `scripts/test.sh` does: then a
/// missing keychain fails the test instead of skipping it.
pub fn keychain_or_skip() -> Option<Keychain> {
    let k = Keychain::new(Channel::Test);
    match k.check() {
        Ok(()) => Some(k),
        Err(e) if std::env::var_os("COUNTERSIGN_REQUIRE_KEYCHAIN").is_none() => {
            eprintln!("skipped: no keychain here ({})", e.code());
            None
        }
        Err(e) => panic!("the keychain must work under scripts/test.sh: {e}"),
    }
}

/// A new member; approvers and admins get [`PASS`].
pub fn member(name: &str, role: Role) -> NewMember {
    NewMember {
        name: name.into(),
        role,
        initials: None,
        passphrase: role.reviews().then(pass),
    }
}
