//! Signed approvals against a real SQLite file and the real OS keychain: every tampering the
//! issue names is refused by the claim-time check, with its reason, and secrets stay in the
//! keychain.
#![allow(clippy::unwrap_used)]

mod common;

use std::path::PathBuf;
use std::sync::Arc;

use common::{PASS, member, pass};
use countersign_core::AccountChange;
use countersign_core::keys::{self, KeySecret};
use countersign_core::secrets::{MemorySecrets, SecretStore, SecretString};
use countersign_core::{
    App, DraftInput, Edit, Error, InitOptions, ManualClock, PartInput, Role, Status, When,
};
use jiff::SignedDuration;
use uuid::Uuid;

struct Fixture {
    dir: tempfile::TempDir,
    app: App,
    clock: Arc<ManualClock>,
    secrets: MemorySecrets,
    parts: countersign_core::Parts,
}

/// Ada (admin, genesis) signs in Ann and Cat (contributors) and Bob (approver).
fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(ManualClock::new("2031-01-10T08:00:00Z".parse().unwrap()));
    let (parts, secrets) = common::parts(clock.clone());
    let app = App::init(
        dir.path(),
        InitOptions {
            handle: "acme".into(),
            timezone: Some("Europe/Berlin".into()),
            ..Default::default()
        },
        parts.clone(),
    )
    .unwrap();
    app.add_member(None, member("Ada", Role::Admin)).unwrap();
    app.unlock("Ada", &pass()).unwrap();
    for (name, role) in [
        ("Ann", Role::Contributor),
        ("Cat", Role::Contributor),
        ("Bob", Role::Approver),
    ] {
        app.add_member(Some("Ada"), member(name, role)).unwrap();
    }
    app.unlock("Bob", &pass()).unwrap();
    Fixture {
        dir,
        app,
        clock,
        secrets,
        parts,
    }
}

impl Fixture {
    fn db(&self) -> PathBuf {
        self.dir.path().join("countersign.sqlite")
    }

    fn sql(&self) -> rusqlite::Connection {
        rusqlite::Connection::open(self.db()).unwrap()
    }

    fn in_review(&self, author: &str, text: &str) -> Uuid {
        common::in_review(&self.app, author, text)
    }

    fn scheduled(&self, text: &str) -> Uuid {
        let id = self.in_review("Ann", text);
        self.app.approve(id, "Bob", None).unwrap();
        let when = When {
            wall: "2031-01-12 09:00".into(),
            zone: None,
            fold: None,
        };
        self.app.schedule(id, "Bob", when).unwrap();
        id
    }

    /// Runs the claim-time check, expects a refusal, and checks what it left behind.
    fn refused(&self, id: Uuid) -> String {
        let err = self.app.check_before_publish(id).unwrap_err();
        assert_eq!(err.code(), "approval_invalid");
        let view = self.app.post(id).unwrap();
        assert_eq!(view.post.status, Status::NeedsCheck);
        let reason = view.post.status_reason.unwrap();
        assert!(err.to_string().contains(&reason));
        let trail = self.app.audit_trail(Some(id)).unwrap();
        let last = trail.last().unwrap();
        assert_eq!(last.action, "publish_refused");
        assert!(last.detail.contains(&reason));
        let report = self.app.audit_verify().unwrap();
        assert!(report.first_broken.is_none(), "{report:?}");
        reason
    }

    /// Ada, the admin, turns solo mode on or off.
    fn solo(&self, on: bool) {
        let change = AccountChange {
            solo_mode: Some(on),
            ..Default::default()
        };
        self.app.update_account("Ada", change).unwrap();
    }

    fn member_id(&self, name: &str) -> String {
        self.app.member(name).unwrap().id.to_string()
    }
}

#[test]
fn an_untouched_signed_approval_passes_the_claim_time_check() {
    let f = fixture();
    let id = f.scheduled("hello");
    let a = f.app.check_before_publish(id).unwrap();
    assert_eq!(a.approver.name, "Bob");
    assert_eq!(a.signature.as_ref().unwrap().len(), 128);
    assert_eq!(f.app.post(id).unwrap().post.status, Status::Scheduled);
}

#[test]
fn text_changed_with_sql_is_refused() {
    let f = fixture();
    let id = f.scheduled("the original words");
    f.sql()
        .execute(
            "UPDATE parts SET text = 'other words' WHERE post_id = ?1",
            [id.to_string()],
        )
        .unwrap();
    assert!(f.refused(id).contains("content differs"));
}

#[test]
fn an_approval_row_inserted_with_sql_is_refused() {
    let f = fixture();
    // Bob's fingerprint is public once he has approved anything.
    f.scheduled("an honest approval");
    let id = f.in_review("Ann", "never approved");
    let view = f.app.post(id).unwrap();
    let digest = countersign_core::content::digest("acme", &view.post.content, "AN", None);
    let bob = f.member_id("Bob");
    let c = f.sql();
    // A forger knows Bob's public fingerprint and can compute the digest, but cannot sign.
    let fp: String = c
        .query_row("SELECT key_fingerprint FROM approvals LIMIT 1", [], |r| {
            r.get(0)
        })
        .unwrap();
    c.execute(
        "INSERT INTO approvals (id, post_id, member_id, version, digest, at, key_fingerprint, signature)
         VALUES (?1, ?2, ?3, 1, ?4, ?5, ?6, ?7)",
        rusqlite::params![
            Uuid::now_v7().to_string(),
            id.to_string(),
            bob,
            digest,
            f.app.now().as_millisecond(),
            fp,
            "ab".repeat(64)
        ],
    )
    .unwrap();
    c.execute(
        "UPDATE posts SET status = 'approved' WHERE id = ?1",
        [id.to_string()],
    )
    .unwrap();
    assert!(f.refused(id).contains("signature does not verify"));
}

#[test]
fn an_unsigned_approval_row_is_refused() {
    let f = fixture();
    let id = f.scheduled("hello");
    f.sql()
        .execute(
            "UPDATE approvals SET signature = NULL WHERE post_id = ?1",
            [id.to_string()],
        )
        .unwrap();
    assert!(f.refused(id).contains("not signed"));
}

#[test]
fn a_swapped_approver_is_refused() {
    let f = fixture();
    let id = f.scheduled("hello");
    f.sql()
        .execute(
            "UPDATE approvals SET member_id = ?2 WHERE post_id = ?1",
            [id.to_string(), f.member_id("Ada")],
        )
        .unwrap();
    assert!(
        f.refused(id)
            .contains("not signed with the key the roster gave Ada")
    );
}

#[test]
fn a_time_moved_with_sql_is_refused() {
    let f = fixture();
    // Only the post's time: the approval no longer matches it.
    let id = f.scheduled("hello");
    f.sql()
        .execute(
            "UPDATE posts SET scheduled_at = scheduled_at - 3600000 WHERE id = ?1",
            [id.to_string()],
        )
        .unwrap();
    assert!(f.refused(id).contains("scheduled time differs"));

    // The post's and the approval's time, and a digest recomputed to match: the signature
    // still covers the old time.
    let id = f.scheduled("hello again");
    let post = f.app.post(id).unwrap().post;
    let moved = post.scheduled.unwrap().at - SignedDuration::from_hours(1);
    let digest = countersign_core::content::digest("acme", &post.content, "AN", Some(moved));
    let c = f.sql();
    c.execute(
        "UPDATE posts SET scheduled_at = ?2 WHERE id = ?1",
        rusqlite::params![id.to_string(), moved.as_millisecond()],
    )
    .unwrap();
    c.execute(
        "UPDATE approvals SET scheduled_at = ?2, digest = ?3 WHERE post_id = ?1",
        rusqlite::params![id.to_string(), moved.as_millisecond(), digest],
    )
    .unwrap();
    assert!(f.refused(id).contains("signature does not verify"));
}

#[test]
fn an_approval_replayed_from_another_post_is_refused() {
    let f = fixture();
    let approved = f.scheduled("same words");
    let other = f.in_review("Ann", "same words");
    let c = f.sql();
    // Same content, same time: only the post id in the signed statement differs.
    c.execute(
        "UPDATE posts SET status = 'scheduled',
             scheduled_at = (SELECT scheduled_at FROM posts WHERE id = ?2),
             scheduled_zone = 'Europe/Berlin' WHERE id = ?1",
        [other.to_string(), approved.to_string()],
    )
    .unwrap();
    c.execute(
        "INSERT INTO approvals (id, post_id, member_id, version, digest, scheduled_at, at, solo,
                                edited, key_fingerprint, signature)
         SELECT ?1, ?2, member_id, version, digest, scheduled_at, at, solo, edited,
                key_fingerprint, signature
         FROM approvals WHERE post_id = ?3 AND voided_at IS NULL",
        [
            Uuid::now_v7().to_string(),
            other.to_string(),
            approved.to_string(),
        ],
    )
    .unwrap();
    assert!(f.refused(other).contains("signature does not verify"));
    // The original still goes out.
    f.app.check_before_publish(approved).unwrap();
}

#[test]
fn a_contributor_promoted_in_the_members_table_does_not_count() {
    let f = fixture();
    f.sql()
        .execute(
            "UPDATE members SET role = 'approver' WHERE name = 'Cat'",
            [],
        )
        .unwrap();
    let id = f.in_review("Ann", "approved by a fake approver");
    // The act itself checks the signed roster, and says that it disagrees with the table.
    let err = f.app.approve(id, "Cat", None).unwrap_err();
    assert_eq!(err.code(), "roster_disagrees");
    let msg = err.to_string();
    assert!(
        msg.contains("Cat is approver in the members table but contributor in the signed roster"),
        "{msg}"
    );
    assert_eq!(f.app.post(id).unwrap().post.status, Status::InReview);
    // Acts that need a role refuse alike.
    let err = f.app.request_changes(id, "Cat", "no").unwrap_err();
    assert_eq!(err.code(), "roster_disagrees");
}

#[test]
fn a_roster_changed_behind_countersigns_back_is_reported_and_does_not_count() {
    let f = fixture();
    let earlier = f.scheduled("approved before the roster was changed");
    let id = f.in_review("Ann", "approved by Cat");
    let c = f.sql();
    c.execute_batch(
        "DROP TRIGGER roster_no_update;
         UPDATE roster SET role = 'approver' WHERE name = 'Cat';
         UPDATE members SET role = 'approver' WHERE name = 'Cat';",
    )
    .unwrap();
    // Nothing is countersigned against a roster that does not hold, and the refusal names
    // where it was altered rather than who is missing from it.
    let err = f.app.approve(id, "Cat", None).unwrap_err();
    assert_eq!(err.code(), "roster_altered");
    assert!(
        err.to_string()
            .contains("the signed roster was altered at entry 3"),
        "{err}"
    );
    // Nor is anything published on it: Bob's approval was fine, but the roster it rests on
    // was changed.
    assert!(
        f.refused(earlier)
            .contains("the signed roster was altered at entry 3")
    );
    let report = f.app.audit_verify().unwrap();
    assert!(!report.ok);
    let broken = report.roster_broken.unwrap();
    assert!(broken.reason.contains("Cat"), "{}", broken.reason);
}

#[test]
fn only_admin_signed_roster_entries_count() {
    let f = fixture();
    // Added without an admin's signature: recorded, but their approvals do not count.
    f.app
        .add_member(None, member("Dan", Role::Approver))
        .unwrap();
    f.app.unlock("Dan", &pass()).unwrap();
    let id = f.in_review("Ann", "dan approves");
    f.app.approve(id, "Dan", None).unwrap();
    assert!(f.refused(id).contains("Dan was not in the signed roster"));

    // An admin signs Dan in; approvals from then on count, the earlier one still does not.
    f.clock.advance(SignedDuration::from_mins(1));
    f.app.set_role("Ada", "Dan", Role::Approver, None).unwrap();
    let roster = f.app.roster().unwrap();
    let dan: Vec<_> = roster.iter().filter(|l| l.name == "Dan").collect();
    assert_eq!(
        dan.iter().map(|l| l.counts).collect::<Vec<_>>(),
        [false, true]
    );
    f.clock.advance(SignedDuration::from_mins(1));
    let id = f.in_review("Ann", "dan approves again");
    f.app.approve(id, "Dan", None).unwrap();
    f.app.check_before_publish(id).unwrap();
    // An admin added without a signature cannot sign others in until an admin signs them in.
    f.app.add_member(None, member("Eve", Role::Admin)).unwrap();
    f.app.unlock("Eve", &pass()).unwrap();
    assert_eq!(
        f.app
            .add_member(Some("Eve"), member("Fay", Role::Contributor))
            .unwrap_err()
            .code(),
        "signer_not_in_roster"
    );
    f.app.set_role("Ada", "Eve", Role::Admin, None).unwrap();
    f.app
        .add_member(Some("Eve"), member("Fay", Role::Contributor))
        .unwrap();
    assert!(f.app.audit_verify().unwrap().ok);
    // Contributors cannot sign the roster.
    assert_eq!(
        f.app
            .set_role("Ann", "Cat", Role::Approver, Some(pass()))
            .unwrap_err()
            .code(),
        "role_not_allowed"
    );
}

#[test]
fn four_eyes_is_checked_at_claim_time() {
    let f = fixture();
    // Solo mode is for a lone admin: Bob, the other approver, leaves first.
    f.app.deactivate_member("Ada", "Bob").unwrap();
    f.solo(true);
    let id = f.in_review("Ada", "solo post");
    f.app.approve(id, "Ada", None).unwrap();
    f.app.check_before_publish(id).unwrap();
    f.solo(false);
    assert!(f.refused(id).contains("Ada approved their own post"));
}

/// The screens show buttons from `PostView::may`: it must say what the acts themselves allow,
/// four-eyes and solo mode included.
#[test]
fn what_a_viewer_may_do_is_what_the_acts_allow() {
    let f = fixture();
    let may = |id, who| f.app.post_view(id, Some(who)).unwrap().may.unwrap();

    let anns = f.in_review("Ann", "Ann's words");
    assert!(f.app.post(anns).unwrap().may.is_none());
    let ann = may(anns, "Ann");
    assert!(ann.edit.allowed && ann.comment.allowed && ann.drop.allowed);
    assert!(!ann.submit.allowed, "already in review");
    assert_eq!(ann.approve.code.as_deref(), Some("role_not_allowed"));
    assert!(ann.approve.reason.as_deref().unwrap().contains("Ann"));
    let cat = may(anns, "Cat");
    assert_eq!(cat.edit.code.as_deref(), Some("not_author"));
    assert!(may(anns, "Bob").approve.allowed);

    // Ada's own post: no approve for her, and the reason is the act's own refusal.
    let adas = f.in_review("Ada", "Ada's words");
    let ada = may(adas, "Ada");
    assert!(!ada.approve.allowed && !ada.schedule.allowed);
    assert_eq!(ada.approve.code.as_deref(), Some("self_approval"));
    let refusal = f.app.approve(adas, "Ada", None).unwrap_err();
    assert_eq!(ada.approve.reason, Some(refusal.to_string()));

    // An approver's edit of someone else's post is theirs too: Bob may not countersign it.
    let edit = Edit::Text {
        part: 1,
        text: "Ann's words, sharpened by Bob".into(),
    };
    f.app.edit(anns, "Bob", edit).unwrap();
    let bob = may(anns, "Bob");
    assert!(!bob.approve.allowed);
    let refusal = f.app.approve(anns, "Bob", None).unwrap_err();
    assert_eq!(bob.approve.code.as_deref(), Some(refusal.code()));

    // Solo mode, with nobody else to countersign: Ada may approve her own post, and does.
    f.app.deactivate_member("Ada", "Bob").unwrap();
    f.solo(true);
    assert!(may(adas, "Ada").approve.allowed);
    f.app.approve(adas, "Ada", None).unwrap();
    let after = may(adas, "Ada");
    assert!(after.schedule.allowed && !after.approve.allowed);
    assert_eq!(after.approve.code.as_deref(), Some("invalid_transition"));
}

#[test]
fn passphrases_are_asked_for_and_checked() {
    let f = fixture();
    // A fresh process has nothing unlocked.
    let app = App::open(f.dir.path(), f.parts.clone()).unwrap();
    let id = f.in_review("Ann", "needs Bob");
    let err = app.approve(id, "Bob", None).unwrap_err();
    assert_eq!(err.code(), "passphrase_required");
    let err = app
        .unlock("Bob", &SecretString::new("not the passphrase"))
        .unwrap_err();
    assert_eq!(err.code(), "wrong_passphrase");
    assert!(matches!(err, Error::WrongPassphrase { .. }));
    app.unlock("Bob", &pass()).unwrap();
    app.approve(id, "Bob", None).unwrap();
    // Contributors need none.
    app.comment(id, "Ann", "thanks").unwrap();
    // An unlocked key expires.
    let parts = f.parts.clone().with_unlock_for(std::time::Duration::ZERO);
    let app = App::open(f.dir.path(), parts).unwrap();
    app.unlock("Bob", &pass()).unwrap();
    assert_eq!(
        app.comment(id, "Bob", "hi").unwrap_err().code(),
        "passphrase_required"
    );
    // New approvers must choose a long enough passphrase.
    let mut short = member("Eve", Role::Approver);
    short.passphrase = Some(SecretString::new("short"));
    assert_eq!(
        f.app.add_member(Some("Ada"), short).unwrap_err().code(),
        "passphrase_too_short"
    );
    let mut none = member("Eve", Role::Approver);
    none.passphrase = None;
    assert_eq!(
        f.app.add_member(Some("Ada"), none).unwrap_err().code(),
        "new_passphrase_required"
    );
}

#[test]
fn a_rekeyed_member_keeps_old_approvals_verifiable() {
    let f = fixture();
    let old = f.scheduled("before the rekey");
    f.clock.advance(SignedDuration::from_mins(1));
    let line = f
        .app
        .rekey(
            "Ada",
            "Bob",
            Some(SecretString::new("Bob's new passphrase")),
        )
        .unwrap();
    assert!(line.counts);
    f.app.check_before_publish(old).unwrap();
    assert_eq!(
        f.app.unlock("Bob", &pass()).unwrap_err().code(),
        "wrong_passphrase"
    );
    f.app
        .unlock("Bob", &SecretString::new("Bob's new passphrase"))
        .unwrap();
    f.clock.advance(SignedDuration::from_mins(1));
    let new = f.scheduled("after the rekey");
    f.app.check_before_publish(new).unwrap();
    assert!(f.app.audit_verify().unwrap().ok);
}

#[test]
fn a_workspace_from_before_keys_starts_with_its_admin_rekeying_themselves() {
    let f = fixture();
    // As a workspace made before migration 0003 would be: no roster, no keys.
    let ws: String = f
        .sql()
        .query_row("SELECT workspace_id FROM workspace", [], |r| r.get(0))
        .unwrap();
    f.sql()
        .execute_batch("DROP TRIGGER roster_no_delete; DELETE FROM roster;")
        .unwrap();
    for m in f.app.members().unwrap() {
        f.secrets
            .delete(&format!("member-key/{ws}/{}", m.id))
            .unwrap();
    }
    // Such a workspace was never pinned on this machine either.
    f.secrets.delete(&format!("roster-pin/{ws}")).unwrap();
    let app = App::open(f.dir.path(), f.parts.clone()).unwrap();
    assert_eq!(
        app.rekey("Ada", "Bob", Some(pass())).unwrap_err().code(),
        "member_key_missing"
    );
    assert!(app.rekey("Ada", "Ada", Some(pass())).unwrap().counts);
    app.unlock("Ada", &pass()).unwrap();
    assert!(app.rekey("Ada", "Bob", Some(pass())).unwrap().counts);
    assert!(app.rekey("Ada", "Ann", None).unwrap().counts);
    app.unlock("Bob", &pass()).unwrap();
    let id = {
        let input = DraftInput {
            parts: vec![PartInput {
                text: "after the upgrade".into(),
                media: vec![],
            }],
            ..Default::default()
        };
        let id = app.create_draft("Ann", input).unwrap().id;
        app.submit(id, "Ann").unwrap();
        id
    };
    app.approve(id, "Bob", None).unwrap();
    app.check_before_publish(id).unwrap();
}

#[test]
fn the_audit_export_verifies_and_any_changed_byte_fails() {
    let f = fixture();
    let id = f.scheduled("for the record");
    f.app.comment(id, "Ann", "looks good").unwrap();
    let report = f.app.audit_verify().unwrap();
    assert!(report.ok, "{report:?}");
    let trail = f.app.audit_trail(None).unwrap();
    assert!(
        trail
            .iter()
            .filter(|e| e.actor_id.is_some())
            .all(|e| e.signature.is_some())
    );

    let file = f.dir.path().join("audit.jsonl");
    let n = f.app.audit_export(&file).unwrap();
    assert_eq!(n as usize, trail.len());
    assert!(App::verify_audit_export(&file).unwrap().ok);
    assert_eq!(
        f.app.audit_export(&file).unwrap_err().code(),
        "io",
        "an export never overwrites a file"
    );

    let bytes = std::fs::read(&file).unwrap();
    let changed = f.dir.path().join("changed.jsonl");
    let step = (bytes.len() / 400).max(1);
    for i in (0..bytes.len()).step_by(step) {
        let mut b = bytes.clone();
        b[i] = if b[i] == b'0' { b'1' } else { b'0' };
        std::fs::write(&changed, &b).unwrap();
        let r = App::verify_audit_export(&changed);
        assert!(
            r.map(|r| !r.ok).unwrap_or(true),
            "changing byte {i} ({:?}) went unnoticed",
            bytes[i] as char
        );
    }
}

#[test]
fn private_keys_and_passphrases_stay_in_the_keychain() {
    let f = fixture();
    let id = f.scheduled("secret keeping");
    let mut errors = Vec::new();
    errors.push(
        f.app
            .unlock("Bob", &SecretString::new("wrong passphrase!"))
            .unwrap_err(),
    );
    errors.push(
        App::open(f.dir.path(), f.parts.clone())
            .unwrap()
            .approve(id, "Bob", None)
            .unwrap_err(),
    );
    f.sql()
        .execute(
            "UPDATE parts SET text = 'x' WHERE post_id = ?1",
            [id.to_string()],
        )
        .unwrap();
    errors.push(f.app.check_before_publish(id).unwrap_err());
    let export = f.dir.path().join("audit.jsonl");
    f.app.audit_export(&export).unwrap();

    // Every private key, as hex and as raw bytes, from the keychain itself.
    let ws: String = f
        .sql()
        .query_row("SELECT workspace_id FROM workspace", [], |r| r.get(0))
        .unwrap();
    let mut secrets: Vec<Vec<u8>> = vec![PASS.as_bytes().to_vec()];
    for m in f.app.members().unwrap() {
        let stored = f
            .secrets
            .get(&format!("member-key/{ws}/{}", m.id))
            .unwrap()
            .unwrap();
        let key = match keys::read(&m.name, &stored).unwrap() {
            KeySecret::Plain(k) => k,
            KeySecret::Sealed(s) => keys::unseal(&m.name, &s, &pass()).unwrap(),
        };
        let raw = key.secret_bytes();
        secrets.push(raw.to_vec());
        secrets.push(hex::encode(*raw).into_bytes());
        secrets.push(hex::encode_upper(*raw).into_bytes());
    }
    assert_eq!(secrets.len(), 1 + 3 * 4);

    let mut places: Vec<(String, Vec<u8>)> = Vec::new();
    for name in [
        "countersign.sqlite",
        "countersign.sqlite-wal",
        "audit.jsonl",
    ] {
        if let Ok(b) = std::fs::read(f.dir.path().join(name)) {
            places.push((name.into(), b));
        }
    }
    for e in &errors {
        places.push((
            format!("error {}", e.code()),
            format!("{e} {e:?}").into_bytes(),
        ));
    }
    places.push(("app".into(), format!("{:?}", f.app).into_bytes()));
    for (place, bytes) in &places {
        for s in &secrets {
            assert!(
                !bytes.windows(s.len()).any(|w| w == s.as_slice()),
                "a secret leaked into {place}"
            );
        }
    }
}
