//! What core's integration tests share: parts with in-memory secrets (domain tests need no
//! keychain), and members with passphrases.
#![allow(dead_code, clippy::unwrap_used)]

use std::sync::Arc;

use countersign_core::secrets::{MemorySecrets, SecretString};
use countersign_core::{ManualClock, NewMember, Parts, Role};

/// Every approver's and admin's passphrase in these tests.
pub const PASS: &str = "a test passphrase";

pub fn pass() -> SecretString {
    SecretString::new(PASS)
}

/// The parts a domain test's workspace runs on: `clock`, and secrets in memory that every
/// clone of the parts shares (so a reopened workspace finds its keys). No keychain daemon is
/// needed; the real keychain has its own tests (`keychain.rs` here, and the CLI's).
pub fn parts(clock: Arc<ManualClock>) -> (Parts, MemorySecrets) {
    let secrets = MemorySecrets::new();
    let parts = Parts {
        secrets: Arc::new(secrets.clone()),
        ..Parts::in_memory(clock)
    };
    (parts, secrets)
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
