//! What core's integration tests share: parts with in-memory secrets (domain tests need no
//! keychain), and members with passphrases.
#![allow(dead_code, clippy::unwrap_used)]

use std::sync::Arc;

use countersign_core::secrets::{MemorySecrets, SecretString};
use countersign_core::{
    App, DraftInput, InitOptions, ManualClock, NewMember, PartInput, Parts, Role,
};
use uuid::Uuid;

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

/// A workspace and what it runs on.
pub struct Team {
    pub dir: tempfile::TempDir,
    pub app: App,
    pub secrets: MemorySecrets,
    pub parts: Parts,
}

/// A workspace for @acme in `zone` on `clock`: Ada (admin, the roster's genesis) signs in each
/// of `others`, and every approver's and admin's key is unlocked.
pub fn team(zone: &str, clock: Arc<ManualClock>, others: &[(&str, Role)]) -> Team {
    let dir = tempfile::tempdir().unwrap();
    let (parts, secrets) = parts(clock);
    let app = App::init(
        dir.path(),
        InitOptions {
            handle: "acme".into(),
            timezone: Some(zone.into()),
            ..Default::default()
        },
        parts.clone(),
    )
    .unwrap();
    app.add_member(None, member("Ada", Role::Admin)).unwrap();
    app.unlock("Ada", &pass()).unwrap();
    for (name, role) in others {
        app.add_member(Some("Ada"), member(name, *role)).unwrap();
        if role.reviews() {
            app.unlock(name, &pass()).unwrap();
        }
    }
    Team {
        dir,
        app,
        secrets,
        parts,
    }
}

/// A one-part post by `author`, submitted for review.
pub fn in_review(app: &App, author: &str, text: &str) -> Uuid {
    let input = DraftInput {
        parts: vec![PartInput {
            text: text.into(),
            media: vec![],
        }],
        ..Default::default()
    };
    let id = app.create_draft(author, input).unwrap().id;
    app.submit(id, author).unwrap();
    id
}

/// A 1x1 red PNG.
#[allow(dead_code)]
pub fn tiny_png() -> Vec<u8> {
    const HEX: &str = "89504e470d0a1a0a0000000d4948445200000001000000010802000000907753de0000000c4944415408d763f8cfc000000301010018dd8db00000000049454e44ae426082";
    (0..HEX.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&HEX[i..i + 2], 16).unwrap())
        .collect()
}
