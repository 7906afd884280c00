//! Someone with the database (a malicious database admin, anyone holding the SQLite file, later
//! the team's PostgreSQL server) edits columns that used to be trusted. Each edit must be
//! refused before anything reaches X, with a reason that says what was changed: the
//! countersignature rests on signatures and on what this machine pinned, never on a column.
#![allow(clippy::unwrap_used)]

mod common;

use std::sync::Arc;

use countersign_core::audit::GENESIS;
use countersign_core::keys::{self, MemberKey};
use countersign_core::roster::RosterEntry;
use countersign_core::secrets::{MemorySecrets, SecretStore};
use countersign_core::{App, ManualClock, Role, Status};
use jiff::Timestamp;
use uuid::Uuid;

struct Fixture {
    dir: tempfile::TempDir,
    app: App,
    secrets: MemorySecrets,
}

/// Ada (admin, genesis), Ann (contributor) and Bob (approver), signed in by Ada; with
/// `lone_admin`, Ada and Ann only.
fn fixture(lone_admin: bool) -> Fixture {
    let clock = Arc::new(ManualClock::new("2031-01-10T08:00:00Z".parse().unwrap()));
    let mut others = vec![("Ann", Role::Contributor)];
    if !lone_admin {
        others.push(("Bob", Role::Approver));
    }
    let common::Team {
        dir, app, secrets, ..
    } = common::team("Europe/Berlin", clock, &others);
    Fixture { dir, app, secrets }
}

impl Fixture {
    fn sql(&self) -> rusqlite::Connection {
        rusqlite::Connection::open(self.dir.path().join("countersign.sqlite")).unwrap()
    }

    fn workspace_id(&self) -> String {
        self.sql()
            .query_row("SELECT workspace_id FROM workspace", [], |r| r.get(0))
            .unwrap()
    }

    fn in_review(&self, author: &str, text: &str) -> Uuid {
        common::in_review(&self.app, author, text)
    }

    /// The tampered post never goes out: either the countersignature itself is refused (the
    /// reason must name what was changed), or the claim-time check refuses it, moves it to
    /// `needs_check` and says why. Returns the reason given.
    fn never_published(
        &self,
        approve: impl FnOnce() -> countersign_core::Result<()>,
        id: Uuid,
    ) -> String {
        if let Err(e) = approve() {
            assert_ne!(
                self.app.post(id).unwrap().post.status,
                Status::Approved,
                "a refused countersignature changes nothing"
            );
            return format!("{} [{}]", e, e.code());
        }
        let err = self.app.check_before_publish(id).unwrap_err();
        assert_eq!(err.code(), "approval_invalid");
        let post = self.app.post(id).unwrap().post;
        assert_eq!(post.status, Status::NeedsCheck);
        post.status_reason.unwrap()
    }

    fn member_id(&self, name: &str) -> Uuid {
        self.app.member(name).unwrap().id
    }
}

impl Fixture {
    /// Bob writes a post of his own; the database then says Ann wrote it and saved it, with
    /// `versions` set on its version rows as well. Returns why Bob's approval never publishes.
    fn flip_author_then_approve(&self, versions: &str) -> String {
        let id = self.in_review("Bob", "Bob's own words, approved by Bob");
        let ann = self.member_id("Ann").to_string();
        let c = self.sql();
        c.execute(
            "UPDATE posts SET author_id = ?1 WHERE id = ?2",
            [&ann, &id.to_string()],
        )
        .unwrap();
        c.execute(
            &format!("UPDATE post_versions SET editor_id = ?1{versions} WHERE post_id = ?2"),
            [&ann, &id.to_string()],
        )
        .unwrap();
        assert_eq!(self.app.post(id).unwrap().post.author.name, "Ann");
        self.never_published(|| self.app.approve(id, "Bob", None).map(drop), id)
    }
}

#[test]
fn an_author_flipped_by_sql_does_not_make_a_self_approval_four_eyed() {
    let reason = fixture(false).flip_author_then_approve("");
    assert!(reason.contains("[authorship_unproven]"), "{reason}");
    assert!(
        reason.contains("version 1 does not carry a valid signature of the member who saved it"),
        "{reason}"
    );
}

#[test]
fn an_author_flipped_with_the_signatures_stripped_is_refused_too() {
    // As if the post were from before versions were signed: it is not, and this machine
    // pinned which posts were.
    let reason = fixture(false).flip_author_then_approve(
        ", author_id = NULL, content_digest = NULL, editor_signature = NULL",
    );
    assert!(
        reason.contains("its first version carries no signature of the member who wrote it"),
        "{reason}"
    );
}

#[test]
fn a_roster_rewritten_from_a_new_genesis_is_refused() {
    let f = fixture(false);
    let ws = f.workspace_id();
    let id = f.in_review("Ann", "approved by an admin the team never had");
    // Eve: a member row, a key in this machine's secret store, and a whole new roster that
    // starts with her own self-signed admin entry. Every entry in it verifies.
    let eve = Uuid::now_v7();
    let key = MemberKey::generate();
    let c = f.sql();
    c.execute(
        "INSERT INTO members (id, name, name_key, initials, role, active, created_at)
         VALUES (?1, 'Eve', 'eve', 'EV', 'admin', 1, 1924243200000)",
        [eve.to_string()],
    )
    .unwrap();
    f.secrets
        .set(&format!("member-key/{ws}/{eve}"), &keys::keep_plain(&key))
        .unwrap();
    let mut genesis = RosterEntry {
        seq: 1,
        member_id: eve,
        name: "Eve".into(),
        role: Role::Admin,
        public_key: key.public_hex(),
        active: true,
        at: Timestamp::from_millisecond(1_924_243_200_000).unwrap(),
        solo: None,
        signer_id: None,
        signature: None,
        prev_hash: GENESIS.into(),
        hash: String::new(),
    };
    genesis.seal(&ws, Some((eve, &key)));
    c.execute_batch("DROP TRIGGER roster_no_delete; DELETE FROM roster;")
        .unwrap();
    c.execute(
        "INSERT INTO roster (seq, member_id, name, role, public_key, active, at, signer_id,
                             signature, prev_hash, hash)
         VALUES (1, ?1, 'Eve', 'admin', ?2, 1, ?3, ?1, ?4, ?5, ?6)",
        rusqlite::params![
            eve.to_string(),
            genesis.public_key,
            genesis.at.as_millisecond(),
            genesis.signature,
            genesis.prev_hash,
            genesis.hash
        ],
    )
    .unwrap();
    let reason = f.never_published(|| f.app.approve(id, "Eve", None).map(drop), id);
    assert!(
        reason.contains("the signed roster was rewritten"),
        "{reason}"
    );
}

#[test]
fn a_roster_cut_short_does_not_bring_back_a_deactivated_approver() {
    let f = fixture(false);
    let id = f.in_review("Ann", "approved by someone who left");
    f.app.deactivate_member("Ada", "Bob").unwrap();
    // The deactivation is cut off the roster's tail, and Bob is active again in the table.
    f.sql()
        .execute_batch(
            "DROP TRIGGER roster_no_delete;
             DELETE FROM roster WHERE seq = (SELECT max(seq) FROM roster);
             UPDATE members SET active = 1, deactivated_at = NULL WHERE name = 'Bob';",
        )
        .unwrap();
    let reason = f.never_published(|| f.app.approve(id, "Bob", None).map(drop), id);
    assert!(
        reason.contains("the signed roster was cut short"),
        "{reason}"
    );
}

#[test]
fn solo_mode_switched_on_by_sql_does_not_let_an_admin_approve_their_own_post() {
    let f = fixture(true);
    let id = f.in_review("Ada", "Ada's own words");
    f.sql()
        .execute("UPDATE workspace SET solo_mode = 1", [])
        .unwrap();
    let reason = f.never_published(|| f.app.approve(id, "Ada", None).map(drop), id);
    assert!(
        reason.contains("Ada wrote this post and cannot countersign it"),
        "{reason}"
    );
}

#[test]
fn a_contributor_promoted_by_sql_cannot_approve() {
    let f = fixture(false);
    let id = f.in_review("Bob", "approved by a fake approver");
    f.sql()
        .execute(
            "UPDATE members SET role = 'approver' WHERE name = 'Ann'",
            [],
        )
        .unwrap();
    // Refused by the act itself, saying that the table and the signed roster disagree.
    let err = f.app.approve(id, "Ann", None).unwrap_err();
    assert_eq!(err.code(), "roster_disagrees");
    assert!(
        err.to_string()
            .contains("Ann is approver in the members table but contributor in the signed roster"),
        "{err}"
    );
    assert_eq!(f.app.post(id).unwrap().post.status, Status::InReview);
}
