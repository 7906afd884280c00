//! The one publish-time check, against a real SQLite file tampered with directly.
#![allow(clippy::unwrap_used)]

mod common;

use std::sync::Arc;

use countersign_core::secrets::SecretString;
use countersign_core::store::ImportedPost;
use countersign_core::{
    App, DraftInput, Edit, Event, InitOptions, ManualClock, NewMember, PartInput, Role, Status,
    When,
};
use jiff::{SignedDuration, Timestamp};
use uuid::Uuid;

struct Fixture {
    _dir: tempfile::TempDir,
    db: std::path::PathBuf,
    app: App,
    clock: Arc<ManualClock>,
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(ManualClock::new("2031-01-10T08:00:00Z".parse().unwrap()));
    let (parts, _) = common::parts(clock.clone());
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
    // Ada, the first admin, signs her own genesis entry; she signs the others in.
    let pass = SecretString::new("a test passphrase");
    for (name, role, by) in [
        ("Ada", Role::Admin, None),
        ("Ann", Role::Contributor, Some("Ada")),
        ("Bob", Role::Approver, Some("Ada")),
    ] {
        app.add_member(
            by,
            NewMember {
                name: name.into(),
                role,
                initials: None,
                passphrase: role.reviews().then(|| pass.clone()),
            },
        )
        .unwrap();
        if role.reviews() {
            app.unlock(name, &pass).unwrap();
        }
    }
    Fixture {
        db: dir.path().join("countersign.sqlite"),
        _dir: dir,
        app,
        clock,
    }
}

fn thread(texts: &[&str]) -> DraftInput {
    DraftInput {
        parts: texts
            .iter()
            .map(|t| PartInput {
                text: t.to_string(),
                media: vec![],
            })
            .collect(),
        ..Default::default()
    }
}

fn scheduled(f: &Fixture, texts: &[&str]) -> Uuid {
    let id = f.app.create_draft("Ann", thread(texts)).unwrap().id;
    f.app.submit(id, "Ann").unwrap();
    f.app.approve(id, "Bob", None).unwrap();
    let when = When {
        wall: "2031-01-12 09:00".into(),
        zone: None,
        fold: None,
    };
    f.app.schedule(id, "Bob", when).unwrap();
    id
}

fn reason(f: &Fixture, id: Uuid) -> String {
    let err = f.app.verify_for_publish(id).unwrap_err();
    assert_eq!(err.code(), "approval_invalid");
    err.to_string()
}

#[test]
fn an_untouched_approval_verifies() {
    let f = fixture();
    let id = scheduled(&f, &["one", "two"]);
    let approval = f.app.verify_for_publish(id).unwrap();
    assert_eq!(approval.approver.name, "Bob");
    assert_eq!(
        approval.scheduled_at,
        Some("2031-01-12T08:00:00Z".parse().unwrap())
    );
}

#[test]
fn text_changed_with_sql_is_caught() {
    let f = fixture();
    let id = scheduled(&f, &["one", "two"]);
    let conn = rusqlite::Connection::open(&f.db).unwrap();
    conn.execute(
        "UPDATE parts SET text = 'two, and a surprise' WHERE post_id = ?1 AND idx = 1",
        [id.to_string()],
    )
    .unwrap();
    assert!(reason(&f, id).contains("content differs"));
}

#[test]
fn a_moved_time_is_caught() {
    let f = fixture();
    let id = scheduled(&f, &["one"]);
    let conn = rusqlite::Connection::open(&f.db).unwrap();
    conn.execute(
        "UPDATE posts SET scheduled_at = scheduled_at - 3600000 WHERE id = ?1",
        [id.to_string()],
    )
    .unwrap();
    assert!(reason(&f, id).contains("scheduled time"));
}

#[test]
fn a_status_flipped_with_sql_is_not_an_approval() {
    let f = fixture();
    let id = f
        .app
        .create_draft("Ann", thread(&["never reviewed"]))
        .unwrap()
        .id;
    let conn = rusqlite::Connection::open(&f.db).unwrap();
    conn.execute(
        "UPDATE posts SET status = 'scheduled' WHERE id = ?1",
        [id.to_string()],
    )
    .unwrap();
    assert!(reason(&f, id).contains("no approval"));
}

#[test]
fn edits_void_approvals_and_approver_edits_are_recorded() {
    let f = fixture();
    let events = f.app.subscribe();
    let id = scheduled(&f, &["one"]);
    f.app
        .edit(
            id,
            "Ann",
            Edit::Text {
                part: 1,
                text: "one!".into(),
            },
        )
        .unwrap();
    let view = f.app.post(id).unwrap();
    assert_eq!(view.post.status, Status::InReview);
    assert!(view.approval.is_none());
    assert!(f.app.verify_for_publish(id).is_err());
    // The time is kept; re-approving it countersigns content and time together.
    let post = f
        .app
        .approve(
            id,
            "Bob",
            Some(Edit::Text {
                part: 1,
                text: "One!".into(),
            }),
        )
        .unwrap();
    assert_eq!(post.status, Status::Scheduled);
    let approval = f.app.verify_for_publish(id).unwrap();
    assert!(approval.edited);
    assert_eq!(approval.version, 3);

    let seen: Vec<Event> = events.try_iter().collect();
    assert!(
        seen.iter()
            .any(|e| matches!(e, Event::ApprovalVoided { post_id, .. } if *post_id == id))
    );
    assert!(
        seen.iter()
            .any(|e| matches!(e, Event::NeedsReview { post_id, .. } if *post_id == id))
    );
    assert!(
        seen.iter()
            .any(|e| matches!(e, Event::Scheduled { post_id, .. } if *post_id == id))
    );
}

#[test]
fn approving_after_the_time_passed_clears_it() {
    let f = fixture();
    let id = scheduled(&f, &["one"]);
    f.app
        .edit(
            id,
            "Ann",
            Edit::Text {
                part: 1,
                text: "one (fixed)".into(),
            },
        )
        .unwrap();
    f.clock.advance(SignedDuration::from_hours(72));
    let post = f.app.approve(id, "Bob", None).unwrap();
    assert_eq!(post.status, Status::Approved);
    assert!(post.scheduled.is_none());
    f.app.verify_for_publish(id).unwrap();
}

#[test]
fn history_search_finds_posted_text() {
    let f = fixture();
    let ada = f.app.member("Ada").unwrap();
    let at: Timestamp = "2030-05-01T10:00:00Z".parse().unwrap();
    let items = [
        "Summer sale is here",
        "Café opening in Zürich",
        "Nothing to see",
    ]
    .iter()
    .enumerate()
    .map(|(i, t)| ImportedPost {
        id: Uuid::now_v7(),
        author_id: ada.id,
        parts: vec![t.to_string(), "second part mentions zebras".into()],
        created_at: at,
        posted_at: at + SignedDuration::from_mins(i as i64),
        post_url: Some(format!("https://x.com/acme/status/{i}")),
    })
    .collect();
    assert_eq!(f.app.import_history("Ada", items).unwrap(), 3);
    assert_eq!(f.app.history(None, 10).unwrap().len(), 3);
    assert_eq!(
        f.app.history(Some("sale"), 10).unwrap()[0].parts[0],
        "Summer sale is here"
    );
    // Diacritics fold, prefixes match, later parts are searched too.
    assert_eq!(f.app.history(Some("zurich"), 10).unwrap().len(), 1);
    assert_eq!(f.app.history(Some("zebra"), 10).unwrap().len(), 3);
    assert_eq!(f.app.history(Some("caf open"), 10).unwrap().len(), 1);
    assert!(f.app.history(Some("\"(* NEAR"), 10).unwrap().is_empty());
    // Newest first.
    assert_eq!(
        f.app.history(None, 1).unwrap()[0].parts[0],
        "Nothing to see"
    );
    assert!(f.app.audit_verify().unwrap().ok);
}
