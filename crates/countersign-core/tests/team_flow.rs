//! Team mode through core, on a real PostgreSQL: a workspace goes up to a team server, members
//! are invited, join from their own data dirs (each with its own secrets) and are admitted, and
//! what one laptop does is what every other one reads. Domain-level: the laptops here are Apps
//! in one process; the CLI's team tests run them as separate processes on the real keychain.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
#[path = "pg/harness.rs"]
mod pg;

use std::sync::Arc;
use std::time::Duration;

use countersign_core::audit::ServerCopy;
use countersign_core::clock::Clock;
use countersign_core::secrets::SecretString;
use countersign_core::store::ServerLogin;
use countersign_core::{App, ManualClock, Parts, Role, Status, When};
use jiff::{SignedDuration, Timestamp};

use common::{in_review, parts, pass, team};

/// The operator's login, as `team init` takes it.
fn operator(db: &pg::TestDb) -> ServerLogin {
    let (user, password) = db.operator();
    ServerLogin {
        host: "127.0.0.1".into(),
        port: pg::cluster().port(),
        database: db.name.clone(),
        user,
        password: SecretString::new(password),
        tls: countersign_core::store::Tls::Loopback,
    }
}

struct Laptop {
    _dir: tempfile::TempDir,
    app: App,
    parts: Parts,
}

fn clock() -> Arc<ManualClock> {
    Arc::new(ManualClock::new("2026-12-03T09:00:00Z".parse().unwrap()))
}

/// A new laptop for `name`, joined with `bundle` and admitted by Ada on `admin`.
fn join(admin: &App, name: &str, role: Role) -> Laptop {
    join_on(admin, name, role, clock())
}

/// [`join`], on a laptop whose clock is `local`.
fn join_on(admin: &App, name: &str, role: Role, local: Arc<ManualClock>) -> Laptop {
    let bundle = admin
        .invite("Ada", name, role, Duration::from_secs(3600))
        .unwrap()
        .encode()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (p, _) = parts(local);
    let joined = App::join(
        dir.path(),
        p.clone(),
        bundle.expose(),
        name,
        role.reviews().then(pass),
    )
    .unwrap();
    assert_eq!(joined.fingerprint.len(), 64);
    admin.sync().unwrap();
    admin.admit("Ada", name, &joined.fingerprint).unwrap();
    let app = App::open(dir.path(), p.clone()).unwrap();
    if role.reviews() {
        app.unlock(name, &pass()).unwrap();
    }
    Laptop {
        _dir: dir,
        app,
        parts: p,
    }
}

fn started() -> (pg::TestDb, common::Team, App, Parts) {
    let db = pg::database();
    let ada = team("UTC", clock(), &[]);
    let p = ada.parts.clone();
    let solo = App::open(ada.dir.path(), p.clone()).unwrap();
    solo.unlock("Ada", &pass()).unwrap();
    let started = solo.start_team(operator(&db), "Ada").unwrap();
    assert_eq!(started.genesis_hash.len(), 64);
    let app = App::open(ada.dir.path(), p.clone()).unwrap();
    assert!(app.is_team());
    app.unlock("Ada", &pass()).unwrap();
    (db, ada, app, p)
}

#[test]
#[ignore = "needs PostgreSQL (the Debian package): scripts/test.sh runs it"]
fn a_contributor_drafts_on_her_laptop_and_an_approver_countersigns_on_his() {
    let (_db, _ada, ada, _) = started();
    let cleo = join(&ada, "Cleo", Role::Contributor);
    let ben = join(&ada, "Ben", Role::Approver);

    let id = in_review(&cleo.app, "Cleo", "Hello from Cleo's laptop");
    ben.app.sync().unwrap();
    let seen = ben.app.post(id).unwrap();
    assert_eq!(seen.post.content.parts[0].text, "Hello from Cleo's laptop");
    ben.app.approve(id, "Ben", None).unwrap();

    ada.sync().unwrap();
    cleo.app.sync().unwrap();
    for app in [&ada, &cleo.app, &ben.app] {
        let v = app.post(id).unwrap();
        assert_eq!(
            v.post.status,
            countersign_core::Status::Approved,
            "on every laptop"
        );
        assert!(app.verify_for_publish(id).is_ok() || v.post.scheduled.is_none());
    }
    let report = cleo.app.audit_verify().unwrap();
    assert!(
        report.ok,
        "the audit trail verifies on a contributor's laptop: {report:?}"
    );
}

#[test]
#[ignore = "needs PostgreSQL (the Debian package): scripts/test.sh runs it"]
fn an_approver_cannot_countersign_his_own_post_even_on_the_server() {
    let (_db, _ada, ada, _) = started();
    let ben = join(&ada, "Ben", Role::Approver);
    let id = in_review(&ben.app, "Ben", "Ben's own");
    let e = ben.app.approve(id, "Ben", None).unwrap_err();
    assert_eq!(e.code(), "self_approval");
}

/// The server's clock, read straight from it.
fn server_now(db: &pg::TestDb) -> Timestamp {
    let ms: i64 = db
        .superuser()
        .query_one(
            "SELECT (extract(epoch FROM clock_timestamp()) * 1000)::bigint",
            &[],
        )
        .unwrap()
        .get(0);
    Timestamp::from_millisecond(ms).unwrap()
}

fn near(a: Timestamp, b: Timestamp, within: SignedDuration) -> bool {
    a.duration_since(b).abs() <= within
}

#[test]
#[ignore = "needs PostgreSQL (the Debian package): scripts/test.sh runs it"]
fn a_laptop_ten_minutes_ahead_keeps_the_servers_time() {
    let (db, _ada, ada, _) = started();
    let cleo = join(&ada, "Cleo", Role::Contributor);
    let ahead = Arc::new(ManualClock::new(
        Timestamp::now() + SignedDuration::from_mins(10),
    ));
    let ben = join_on(&ada, "Ben", Role::Approver, ahead.clone());
    let id = in_review(&cleo.app, "Cleo", "On the server's time");
    ben.app.sync().unwrap();

    let server = server_now(&db);
    assert!(
        !near(ahead.now(), server, SignedDuration::from_mins(9)),
        "the laptop's own clock is ten minutes ahead"
    );
    assert!(
        near(ben.app.now(), server, SignedDuration::from_secs(5)),
        "Ben's laptop reckons the server's time: {} vs {server}",
        ben.app.now()
    );
    // The approval is stamped with the server's time, not the laptop's.
    let approved = ben.app.approve(id, "Ben", None).unwrap();
    assert!(near(
        approved.updated_at,
        server_now(&db),
        SignedDuration::from_secs(5)
    ));
    let view = ben.app.post(id).unwrap();
    let at = view.approval.as_ref().expect("an approval").at;
    assert!(
        near(at, server_now(&db), SignedDuration::from_secs(5)),
        "{at}"
    );

    // Scheduled five minutes ahead by the server: not due now, although the laptop's own
    // clock is already past it.
    let when = server_now(&db) + SignedDuration::from_mins(6);
    assert!(ahead.now() > when);
    ben.app.schedule(id, "Ben", utc(when)).unwrap();
    let due = ben
        .app
        .next_due()
        .unwrap()
        .expect("the post is due some time");
    assert!(due > ben.app.now(), "not due yet by the server's clock");
    assert_eq!(ben.app.post(id).unwrap().post.status, Status::Scheduled);
}

#[test]
#[ignore = "needs PostgreSQL (the Debian package): scripts/test.sh runs it"]
fn an_older_build_refuses_a_newer_server_schema_and_still_reads() {
    let (db, ada_ws, _ada, p) = started();
    db.superuser()
        .batch_execute("INSERT INTO cs.schema_version VALUES (99, '0099_from_the_future', 0)")
        .unwrap();
    // A laptop opening afresh: it still reads its replica, and every act says why it cannot.
    let ada = App::open(ada_ws.dir.path(), p).unwrap();
    assert_eq!(ada.sync().unwrap_err().code(), "server_too_new");
    assert!(
        !ada.members().unwrap().is_empty(),
        "the replica still serves reads"
    );
    let e = ada
        .create_draft("Ada", countersign_core::DraftInput::default())
        .unwrap_err();
    assert_eq!(e.code(), "server_too_new", "{e}");
}

#[test]
#[ignore = "needs PostgreSQL (the Debian package): scripts/test.sh runs it"]
fn a_laptop_gone_silent_mid_write_frees_the_workspace_within_the_timeout() {
    let (db, _ada, ada, _) = started();
    let cleo = join(&ada, "Cleo", Role::Contributor);
    // A session that took the workspace lock and then went quiet (a laptop lost mid-write).
    let mut stuck = db.superuser();
    stuck
        .batch_execute("BEGIN; SELECT pg_advisory_xact_lock(7262)")
        .unwrap();
    let started = std::time::Instant::now();
    let mut tries = 0;
    let id = loop {
        tries += 1;
        match cleo.app.create_draft(
            "Cleo",
            countersign_core::DraftInput {
                parts: vec![countersign_core::PartInput {
                    text: "after the silence".into(),
                    media: vec![],
                }],
                ..Default::default()
            },
        ) {
            Ok(p) => break p.id,
            Err(e) => {
                assert_eq!(e.code(), "busy", "{e}");
                assert!(
                    started.elapsed() < Duration::from_secs(40),
                    "the lock was never freed"
                );
            }
        }
    };
    let waited = started.elapsed();
    println!("the workspace was free again after {waited:?} ({tries} tries)");
    // The server's idle-in-transaction timeout (15 s) ended the silent session.
    assert!(
        waited >= Duration::from_secs(9),
        "the lock did hold: {waited:?}"
    );
    assert!(waited < Duration::from_secs(26), "{waited:?}");
    assert!(stuck.is_closed() || stuck.batch_execute("SELECT 1").is_err());
    ada.sync().unwrap();
    assert_eq!(ada.post(id).unwrap().post.status, Status::Draft);
}

/// Forges as the database's superuser: triggers off (so no rule stops it), and stamps the rows
/// so every laptop pulls them.
fn forge(db: &pg::TestDb, sql: &str) {
    db.superuser()
        .batch_execute(&format!(
            "BEGIN; SET LOCAL session_replication_role = replica; {sql}; COMMIT"
        ))
        .unwrap();
}

#[test]
#[ignore = "needs PostgreSQL (the Debian package): scripts/test.sh runs it"]
fn the_superusers_forgeries_are_refused_by_every_laptop() {
    let (db, _ada, ada, _) = started();
    let cleo = join(&ada, "Cleo", Role::Contributor);
    let ben = join(&ada, "Ben", Role::Approver);
    let ben_id = ben.app.member("Ben").unwrap().id;

    // A forged approval of Cleo's post, in Ben's name, and the post set to go.
    let id = in_review(&cleo.app, "Cleo", "Never countersigned");
    let cleo_id = cleo.app.member("Cleo").unwrap().id;
    let digest = "00".repeat(32);
    forge(
        &db,
        &format!(
            "INSERT INTO cs.approvals (id, post_id, member_id, version, digest, scheduled_at, at,
                 key_fingerprint, signature, author_id, roster_seq, roster_hash, row_seq)
             VALUES (gen_random_uuid(), '{id}', '{ben_id}', 1, '{digest}', 0, 0, 'ff', 'ff',
                 '{cleo_id}', 1, 'ff', nextval('cs.change_seq'));
             UPDATE cs.posts SET status = 'scheduled', scheduled_at = 0,
                 row_seq = nextval('cs.change_seq') WHERE id = '{id}'"
        ),
    );
    // Ben's own post with its author flipped to Cleo, so that his approval looks four-eyed.
    let own = in_review(&ben.app, "Ben", "Ben's own words");
    forge(
        &db,
        &format!(
            "UPDATE cs.posts SET author_id = '{cleo_id}', row_seq = nextval('cs.change_seq')
             WHERE id = '{own}'"
        ),
    );
    // A real approval of Cleo's next post, re-pointed to a version nobody approved.
    let moved = in_review(&cleo.app, "Cleo", "Approved as version 1");
    ben.app.sync().unwrap();
    ben.app.approve(moved, "Ben", None).unwrap();
    forge(
        &db,
        &format!(
            "INSERT INTO cs.post_versions (post_id, version, editor_id, at, signature,
                 reply_settings, author_id, row_seq)
             SELECT post_id, 2, editor_id, at, signature, reply_settings, author_id,
                 nextval('cs.change_seq') FROM cs.post_versions WHERE post_id = '{moved}';
             INSERT INTO cs.parts SELECT post_id, 2, idx, 'Something nobody approved'
                 FROM cs.parts WHERE post_id = '{moved}' AND version = 1;
             UPDATE cs.approvals SET version = 2, row_seq = nextval('cs.change_seq')
                 WHERE post_id = '{moved}';
             UPDATE cs.posts SET version = 2, row_seq = nextval('cs.change_seq')
                 WHERE id = '{moved}'"
        ),
    );
    for app in [&ada, &cleo.app, &ben.app] {
        app.sync().unwrap();
        assert!(
            app.verify_for_publish(id).is_err(),
            "a forged approval never counts"
        );
        assert!(
            app.verify_for_publish(moved).is_err(),
            "an approval re-pointed to another version never counts"
        );
        // Every laptop's audit verify reports a post on its way out whose approval fails.
        let report = app.audit_verify().unwrap();
        let broken = report.post_broken.expect("a post whose approval fails");
        assert!([id, moved].contains(&broken.post_id), "{broken:?}");
    }
    // Ben's laptop, about to publish them, refuses both: needs a check, audited.
    for post in [id, moved] {
        let e = ben.app.check_before_publish(post).unwrap_err();
        assert_eq!(e.code(), "approval_invalid", "{e}");
    }
    for app in [&ada, &cleo.app, &ben.app] {
        app.sync().unwrap();
        for post in [id, moved] {
            assert_eq!(app.post(post).unwrap().post.status, Status::NeedsCheck);
            assert!(
                app.audit_trail(Some(post))
                    .unwrap()
                    .iter()
                    .any(|e| e.action == "publish_refused"),
                "the refusal is in the trail every laptop holds"
            );
        }
    }
    let e = ben.app.approve(own, "Ben", None).unwrap_err();
    assert!(
        ["authorship_unproven", "self_approval"].contains(&e.code()),
        "a flipped author is found out: {e}"
    );

    // An audit entry rewritten on the server: every laptop that holds it refuses the copy.
    forge(
        &db,
        "UPDATE cs.audit SET detail = '{\"forged\":true}', row_seq = nextval('cs.change_seq')
         WHERE seq = 2",
    );
    for app in [&ada, &cleo.app, &ben.app] {
        assert_eq!(app.sync().unwrap_err().code(), "server_untrusted");
        let report = app.audit_verify().unwrap();
        assert!(
            report.first_broken.is_none() && report.roster_broken.is_none(),
            "each laptop's own copy still verifies: {report:?}"
        );
        assert!(
            matches!(report.server_copy, Some(ServerCopy::Differs(_))),
            "and the server's is reported: {report:?}"
        );
    }
    // Nothing more is written through that server from these laptops.
    let e = ada
        .invite("Ada", "Dan", Role::Contributor, Duration::from_secs(60))
        .unwrap_err();
    assert_eq!(e.code(), "server_untrusted", "{e}");
}

/// The superuser's rewrites of history, each on a server of its own: every laptop's audit
/// verify reports the server's copy as differing, and nothing more is written through it.
#[test]
#[ignore = "needs PostgreSQL (the Debian package): scripts/test.sh runs it"]
fn the_superusers_rewritten_or_cut_history_is_reported_by_every_laptop() {
    let forgeries = [
        (
            "audit rows removed",
            "DELETE FROM cs.audit WHERE seq IN (SELECT seq FROM cs.audit ORDER BY seq LIMIT 2 OFFSET 3)",
        ),
        (
            "the audit trail's tail cut off",
            "DELETE FROM cs.audit WHERE seq > (SELECT max(seq) - 2 FROM cs.audit)",
        ),
        (
            "an audit row rewritten",
            "UPDATE cs.audit SET detail = '{\"forged\":true}', row_seq = nextval('cs.change_seq')
             WHERE seq = 2",
        ),
        (
            "the roster's tail cut off",
            "DELETE FROM cs.roster WHERE seq = (SELECT max(seq) FROM cs.roster)",
        ),
        (
            "the roster rewritten from a new genesis",
            "UPDATE cs.roster SET prev_hash = md5(prev_hash) || md5(prev_hash),
                 hash = md5(hash) || md5(hash), row_seq = nextval('cs.change_seq')",
        ),
    ];
    for (what, sql) in forgeries {
        let (db, _ada, ada, _) = started();
        let cleo = join(&ada, "Cleo", Role::Contributor);
        let ben = join(&ada, "Ben", Role::Approver);
        let id = in_review(&cleo.app, "Cleo", "Written before the forgery");
        for app in [&ada, &cleo.app, &ben.app] {
            app.sync().unwrap();
            let report = app.audit_verify().unwrap();
            assert!(report.ok, "{what}: before: {report:?}");
            assert_eq!(report.server_copy, Some(ServerCopy::Matches), "{what}");
        }
        forge(&db, sql);
        for app in [&ada, &cleo.app, &ben.app] {
            let report = app.audit_verify().unwrap();
            assert!(!report.ok, "{what}: {report:?}");
            assert!(
                matches!(report.server_copy, Some(ServerCopy::Differs(_))),
                "{what}: {report:?}"
            );
        }
        // Nothing is published through it: what publishes compares the whole trail first.
        for app in [&ada, &ben.app] {
            let e = app.check_before_publish(id).unwrap_err();
            assert_eq!(e.code(), "server_untrusted", "{what}: {e}");
        }
        // A laptop writes nothing more through a server that rewrote or cut what it holds.
        // Entries removed from the middle leave both heads as they were: the trail comparison
        // (audit verify, and before publishing) finds them.
        let approve = ben.app.approve(id, "Ben", None);
        if what == "audit rows removed" {
            println!("{what}: reported by every laptop's audit verify; publishing refused");
            continue;
        }
        let e = approve.unwrap_err();
        assert!(
            ["server_untrusted", "server_refused", "roster_altered"].contains(&e.code()),
            "{what}: {e}"
        );
        println!(
            "{what}: reported by every laptop's audit verify; Ben's approve refused: {}",
            e.code()
        );
    }
}

/// Opens the laptop in `dir` again with its team server at `port` (a closed port: offline).
fn reopen_at(dir: &std::path::Path, p: &Parts, port: u16, unlock: Option<&str>) -> App {
    let file = dir.join("team.json");
    let mut cfg: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    cfg["port"] = serde_json::json!(port);
    std::fs::write(&file, serde_json::to_vec_pretty(&cfg).unwrap()).unwrap();
    let app = App::open(dir, p.clone()).unwrap();
    if let Some(name) = unlock {
        app.unlock(name, &pass()).unwrap();
    }
    app
}

/// A port nothing listens on.
fn closed_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

fn words(t: &str) -> countersign_core::DraftInput {
    countersign_core::DraftInput {
        parts: vec![countersign_core::PartInput {
            text: t.into(),
            media: vec![],
        }],
        ..Default::default()
    }
}

#[test]
#[ignore = "needs PostgreSQL (the Debian package): scripts/test.sh runs it"]
fn offline_acts_wait_in_the_outbox_and_replay_once_with_a_compare_and_set() {
    use countersign_core::Edit;
    let (_db, ada_team, ada, _) = started();
    let cleo = join(&ada, "Cleo", Role::Contributor);
    let menu = cleo
        .app
        .create_draft("Cleo", words("Menu, first"))
        .unwrap()
        .id;
    let hours = cleo
        .app
        .create_draft("Cleo", words("Hours, first"))
        .unwrap()
        .id;
    let p = cleo.parts.clone();
    let dir = cleo._dir.path().to_path_buf();
    let online = pg::cluster().port();
    let off = reopen_at(&dir, &p, closed_port(), None);

    // Offline: a new draft, edited twice before it is sent, submitted and commented on.
    let train = off.create_draft("Cleo", words("Train, one")).unwrap().id;
    off.edit(
        train,
        "Cleo",
        Edit::Text {
            part: 1,
            text: "Train, two".into(),
        },
    )
    .unwrap();
    off.submit(train, "Cleo").unwrap();
    off.edit(
        train,
        "Cleo",
        Edit::Text {
            part: 1,
            text: "Train, three".into(),
        },
    )
    .unwrap();
    off.comment(train, "Cleo", "Written offline").unwrap();
    // An edit of a post Ada changes meanwhile, and a submit of another she changes.
    off.edit(
        menu,
        "Cleo",
        Edit::Text {
            part: 1,
            text: "Menu, Cleo offline".into(),
        },
    )
    .unwrap();
    off.submit(hours, "Cleo").unwrap();
    // A new file cannot wait: its bytes must reach the server first. It says so.
    let png = dir.join("pixel.png");
    std::fs::write(&png, common::tiny_png()).unwrap();
    let mut with_file = words("With a picture");
    with_file.parts[0]
        .media
        .push(countersign_core::MediaInput::File {
            path: png,
            alt_text: "a pixel".into(),
        });
    let e = off.create_draft("Cleo", with_file).unwrap_err();
    assert_eq!(e.code(), "server_unreachable");
    assert!(
        e.to_string().contains("attaching a new file needs it"),
        "{e}"
    );

    let waiting = off.outbox().unwrap();
    let acts: Vec<&str> = waiting.iter().map(|w| w.act.as_str()).collect();
    assert_eq!(
        acts,
        [
            "draft", "edit", "submit", "edit", "comment", "edit", "submit"
        ],
        "each act waits in order: {waiting:?}"
    );
    // What waits shows in place on this laptop.
    let v = off.post(train).unwrap();
    assert_eq!(v.post.content.parts[0].text, "Train, three");
    assert_eq!(v.post.status, Status::InReview);
    assert_eq!(v.comments.len(), 1);
    assert!(
        off.posts(Some(Status::InReview))
            .unwrap()
            .iter()
            .any(|s| s.id == train && s.text == "Train, three")
    );
    assert_eq!(off.team_status().unwrap().waiting, 7);

    // An approver offline: approving and scheduling need the server, and say so.
    let ada_off = reopen_at(
        ada_team.dir.path(),
        &ada_team.parts,
        closed_port(),
        Some("Ada"),
    );
    let e = ada_off.approve(train, "Ada", None).unwrap_err();
    assert_eq!(e.code(), "server_unreachable");
    assert!(e.to_string().contains("approving needs it"), "{e}");
    drop(ada_off);
    let ada = reopen_at(ada_team.dir.path(), &ada_team.parts, online, Some("Ada"));

    // Meanwhile Ada, online, rewords both of Cleo's posts.
    for (id, text) in [(menu, "Menu, Ada"), (hours, "Hours, Ada")] {
        ada.edit(
            id,
            "Ada",
            Edit::Text {
                part: 1,
                text: text.into(),
            },
        )
        .unwrap();
    }
    drop(off);

    // Back online, two processes on Cleo's laptop replay at once: each act lands once.
    let a = reopen_at(&dir, &p, online, None);
    let b = App::open(&dir, p.clone()).unwrap();
    let (ra, rb) = std::thread::scope(|s| {
        let ta = s.spawn(|| a.send_outbox().unwrap());
        let tb = s.spawn(|| b.send_outbox().unwrap());
        (ta.join().unwrap(), tb.join().unwrap())
    });
    let refused: std::collections::HashSet<_> = ra
        .refused
        .iter()
        .chain(&rb.refused)
        .map(|w| (w.post_id, w.act))
        .collect();
    assert_eq!(
        refused.into_iter().collect::<Vec<_>>(),
        [(hours, countersign_core::store::OutboxAct::Submit)],
        "only the submit of a post changed meanwhile is refused: {ra:?} {rb:?}"
    );
    ada.sync().unwrap();
    let train_now = ada.post(train).unwrap();
    assert_eq!(train_now.post.content.parts[0].text, "Train, three");
    assert_eq!(train_now.post.status, Status::InReview);
    assert_eq!(
        train_now.post.version, 3,
        "the draft and both its edits went up"
    );
    assert_eq!(train_now.comments.len(), 1);
    // Ada's wording stands; Cleo's is a conflict copy, hers, naming the post.
    assert_eq!(
        ada.post(menu).unwrap().post.content.parts[0].text,
        "Menu, Ada"
    );
    let copies: Vec<_> = ada
        .posts(Some(Status::Draft))
        .unwrap()
        .into_iter()
        .filter(|s| s.text == "Menu, Cleo offline")
        .collect();
    assert_eq!(copies.len(), 1, "{copies:?}");
    let copy = ada.post(copies[0].id).unwrap().post;
    assert_eq!(copy.author.name, "Cleo");
    assert!(
        copy.status_reason
            .unwrap()
            .starts_with(&format!("Conflict copy of post {menu}"))
    );
    // Cleo settles the copy from her laptop: its text carried over to the post (a new version,
    // by her), the copy dropped; a post that is no copy is refused.
    let view = a.post(copies[0].id).unwrap();
    assert_eq!(view.copy_of, Some(menu));
    // What differs is shown: Ada's word out, Cleo's offline words in.
    let differs = view.copy_diff.expect("a conflict copy shows what differs");
    let said = |change: countersign_core::diff::Change| -> String {
        differs[0]
            .spans
            .iter()
            .filter(|s| s.change == change)
            .map(|s| s.text.as_str())
            .collect()
    };
    assert!(
        said(countersign_core::diff::Change::Removed).contains("Ada"),
        "{differs:?}"
    );
    assert!(
        said(countersign_core::diff::Change::Added).contains("Cleo offline"),
        "{differs:?}"
    );
    assert!(a.post(menu).unwrap().copy_diff.is_none());
    let carried = a.settle_copy(copies[0].id, "Cleo", true).unwrap();
    assert_eq!(carried.id, menu);
    assert_eq!(carried.content.parts[0].text, "Menu, Cleo offline");
    assert_eq!(a.post(copies[0].id).unwrap().post.status, Status::Dropped);
    assert_eq!(
        a.settle_copy(menu, "Cleo", false).unwrap_err().code(),
        "invalid_input"
    );
    // The refused submit stays, with why, until Cleo drops it; hours keeps Ada's words.
    let left = a.outbox().unwrap();
    assert_eq!(left.len(), 1, "{left:?}");
    assert!(
        left[0]
            .refused
            .as_deref()
            .unwrap()
            .contains("changed on the team server"),
        "{left:?}"
    );
    assert_eq!(ada.post(hours).unwrap().post.status, Status::Draft);
    assert_eq!(a.team_status().unwrap().refused, 1);
    a.drop_waiting(left[0].seq).unwrap();
    assert!(a.outbox().unwrap().is_empty());
    // Sending again sends nothing more.
    let again = a.send_outbox().unwrap();
    assert_eq!((again.sent, again.refused.len()), (0, 0));
    assert!(ada.audit_verify().unwrap().ok);
}

#[test]
#[ignore = "needs PostgreSQL (the Debian package): scripts/test.sh runs it"]
fn an_approvers_offline_acts_wait_for_his_key_and_keep_their_order() {
    let (_db, _ada_team, ada, _) = started();
    let cleo = join(&ada, "Cleo", Role::Contributor);
    let ben = join(&ada, "Ben", Role::Approver);
    let id = in_review(&cleo.app, "Cleo", "Ben will comment");
    ben.app.sync().unwrap();
    let dir = ben._dir.path().to_path_buf();
    let online = pg::cluster().port();

    // Offline, Ben comments; his key is sealed, but the comment waits without it.
    let off = reopen_at(&dir, &ben.parts, closed_port(), Some("Ben"));
    off.comment(id, "Ben", "First, from the train").unwrap();
    drop(off);
    // Back online in a process where his key is locked: nothing is sent, nothing refused.
    let locked = reopen_at(&dir, &ben.parts, online, None);
    let e = locked.send_outbox().unwrap_err();
    assert_eq!(e.code(), "passphrase_required", "{e}");
    let (_, sent) = locked.sync_and_send().unwrap();
    assert_eq!((sent.sent, sent.waiting, sent.refused.len()), (0, 1, 0));
    // A second comment made now waits behind the first rather than overtaking it.
    let second = locked.comment(id, "Ben", "Second").unwrap();
    assert_eq!(second.text, "Second");
    assert_eq!(locked.waiting_to_send().unwrap(), 2);
    locked.unlock("Ben", &pass()).unwrap();
    let sent = locked.send_outbox().unwrap();
    assert_eq!((sent.sent, sent.waiting), (2, 0));
    cleo.app.sync().unwrap();
    let said: Vec<String> = cleo
        .app
        .post(id)
        .unwrap()
        .comments
        .into_iter()
        .map(|c| c.text)
        .collect();
    assert_eq!(said, ["First, from the train", "Second"]);
}

/// How many of this database's Countersign connections are (and are not) TLS, as the server
/// sees them.
fn tls_connections(db: &pg::TestDb) -> (i64, i64) {
    let row = db
        .superuser()
        .query_one(
            "SELECT count(*) FILTER (WHERE s.ssl), count(*) FILTER (WHERE NOT s.ssl)
             FROM pg_stat_activity a JOIN pg_stat_ssl s USING (pid)
             WHERE a.datname = $1 AND a.application_name = 'countersign'",
            &[&db.name],
        )
        .unwrap();
    (row.get(0), row.get(1))
}

/// Rewrites one field of the laptop's `team.json`.
fn set_team_field(dir: &std::path::Path, field: &str, value: serde_json::Value) {
    let file = dir.join("team.json");
    let mut cfg: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    cfg[field] = value;
    std::fs::write(&file, serde_json::to_vec_pretty(&cfg).unwrap()).unwrap();
}

#[test]
#[ignore = "needs PostgreSQL (the Debian package) and openssl: scripts/test.sh runs it"]
fn the_team_server_is_reached_over_tls_verified_in_full() {
    use countersign_core::store::Tls;
    let db = pg::database();
    let ada_team = team("UTC", clock(), &[]);
    let p = ada_team.parts.clone();
    let solo = App::open(ada_team.dir.path(), p.clone()).unwrap();
    solo.unlock("Ada", &pass()).unwrap();
    let ca = pg::cluster().ca_pem();
    assert!(ca.contains("BEGIN CERTIFICATE"), "the harness made its CA");
    let op = ServerLogin {
        host: "localhost".into(),
        tls: Tls::Ca(ca.clone()),
        ..operator(&db)
    };
    solo.start_team(op, "Ada").unwrap();
    let ada = App::open(ada_team.dir.path(), p.clone()).unwrap();
    ada.unlock("Ada", &pass()).unwrap();
    assert!(ada.team_status().unwrap().online);

    // The invite carries the CA; the new laptop checks the server against it, and so does
    // every connection after.
    let cleo = join(&ada, "Cleo", Role::Contributor);
    let id = cleo.app.create_draft("Cleo", words("Over TLS")).unwrap().id;
    ada.sync().unwrap();
    assert_eq!(ada.post(id).unwrap().post.content.parts[0].text, "Over TLS");
    let (tls, plain) = tls_connections(&db);
    assert!(tls >= 2, "Ada's and Cleo's connections are TLS: {tls}");
    assert_eq!(plain, 0, "no connection goes without");

    // The same server under an address its certificate does not name: refused, nothing sent,
    // and not mistaken for being offline (nothing waits in the outbox).
    let dir = cleo._dir.path().to_path_buf();
    drop(cleo.app);
    set_team_field(&dir, "host", serde_json::json!("127.0.0.1"));
    let wrong_host = App::open(&dir, cleo.parts.clone()).unwrap();
    let e = wrong_host
        .create_draft("Cleo", words("To the wrong name"))
        .unwrap_err();
    assert_eq!(e.code(), "server_certificate", "{e}");
    assert!(e.to_string().contains("Nothing was sent"), "{e}");
    assert_eq!(wrong_host.waiting_to_send().unwrap(), 0);
    drop(wrong_host);

    // Signed by a CA this laptop does not trust: refused as well.
    set_team_field(&dir, "host", serde_json::json!("localhost"));
    set_team_field(
        &dir,
        "tls",
        serde_json::json!({"roots": "ca", "pem": pg::cluster().other_ca_pem()}),
    );
    let other_ca = App::open(&dir, cleo.parts.clone()).unwrap();
    let e = other_ca.sync().unwrap_err();
    assert_eq!(e.code(), "server_certificate", "{e}");
    drop(other_ca);

    // Without TLS to a server that is not on this machine: refused before dialling.
    set_team_field(&dir, "host", serde_json::json!("team.example.com"));
    set_team_field(&dir, "tls", serde_json::json!({"roots": "loopback"}));
    let e = App::open(&dir, cleo.parts.clone())
        .unwrap()
        .sync()
        .unwrap_err();
    assert!(e.to_string().contains("without TLS"), "{e}");

    // Back with the right CA, the laptop works again.
    set_team_field(&dir, "host", serde_json::json!("localhost"));
    set_team_field(&dir, "tls", serde_json::json!({"roots": "ca", "pem": ca}));
    let again = App::open(&dir, cleo.parts.clone()).unwrap();
    again.create_draft("Cleo", words("Back")).unwrap();
}

#[test]
#[ignore = "needs PostgreSQL (the Debian package): scripts/test.sh runs it"]
fn logins_expire_with_their_invite_and_follow_the_members_role() {
    use countersign_core::team::invite::Invite;
    let (db, _ada_team, ada, _) = started();

    // An invite nobody used: its one-time login stops working when the invite does, by the
    // server's clock, whatever a laptop's clock says.
    let unused = ada
        .invite("Ada", "Dan", Role::Contributor, Duration::from_secs(2))
        .unwrap();
    let bundle = Invite::decode(
        unused.encode().unwrap().expose(),
        "2026-12-03T09:00:00Z".parse().unwrap(),
    )
    .unwrap();
    let login = |invite: &Invite| db.connect_as(&invite.login, invite.password.expose());
    assert!(login(&bundle).is_ok(), "usable while the invite lasts");
    // A laptop that joins in time keeps working after the invite's time has passed.
    let cleo = join_short(&ada, "Cleo");
    std::thread::sleep(Duration::from_secs(3));
    let Err(e) = login(&bundle) else {
        panic!("the invite's login has expired")
    };
    let why = e.as_db_error().map(|d| d.message().to_string());
    assert!(
        why.as_deref()
            .is_some_and(|m| m.contains("password authentication failed")),
        "{e:?}"
    );
    cleo.app.sync().unwrap();
    cleo.app.create_draft("Cleo", words("Still here")).unwrap();
    let e = ada
        .invite(
            "Ada",
            "Eve",
            Role::Contributor,
            Duration::from_secs(31 * 24 * 3600),
        )
        .unwrap_err();
    assert_eq!(e.code(), "invalid_input", "{e}");

    // Promoted to admin, Cleo's login joins the admins: she can invite. Demoted, it cannot.
    ada.set_role("Ada", "Cleo", Role::Admin, Some(pass()))
        .unwrap();
    let cleo_app = App::open(cleo._dir.path(), cleo.parts.clone()).unwrap();
    cleo_app.sync().unwrap();
    cleo_app.unlock("Cleo", &pass()).unwrap();
    cleo_app
        .invite("Cleo", "Finn", Role::Contributor, Duration::from_secs(600))
        .unwrap();
    ada.sync().unwrap();
    ada.set_role("Ada", "Cleo", Role::Contributor, None)
        .unwrap();
    cleo_app.sync().unwrap();
    assert!(
        cleo_app
            .invite("Cleo", "Gus", Role::Contributor, Duration::from_secs(600))
            .is_err()
    );
    let groups: Vec<String> = db
        .superuser()
        .query(
            "SELECT g.rolname::text FROM pg_auth_members am
             JOIN pg_roles g ON g.oid = am.roleid JOIN pg_roles m ON m.oid = am.member
             JOIN cs.members cm ON cm.db_role = m.rolname WHERE cm.name = 'Cleo'",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(groups.len(), 1, "{groups:?}");
    assert!(groups[0].ends_with("_contributor"), "{groups:?}");

    // Deactivated, her login no longer logs in at all.
    ada.sync().unwrap();
    ada.deactivate_member("Ada", "Cleo").unwrap();
    let e = App::open(cleo._dir.path(), cleo.parts.clone())
        .unwrap()
        .sync()
        .unwrap_err();
    assert!(e.to_string().contains("not permitted to log in"), "{e}");
}

/// [`join`] with an invite that lasts 3 s.
fn join_short(admin: &App, name: &str) -> Laptop {
    let bundle = admin
        .invite("Ada", name, Role::Contributor, Duration::from_secs(3))
        .unwrap()
        .encode()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (p, _) = parts(clock());
    let joined = App::join(dir.path(), p.clone(), bundle.expose(), name, None).unwrap();
    admin.sync().unwrap();
    admin.admit("Ada", name, &joined.fingerprint).unwrap();
    let app = App::open(dir.path(), p.clone()).unwrap();
    Laptop {
        _dir: dir,
        app,
        parts: p,
    }
}

#[test]
#[ignore = "needs PostgreSQL (the Debian package): scripts/test.sh runs it"]
fn what_another_laptop_did_is_told_here_as_if_done_here() {
    use countersign_core::Event;
    let (_db, _ada_team, ada, _) = started();
    let cleo = join(&ada, "Cleo", Role::Contributor);
    let ben = join(&ada, "Ben", Role::Approver);
    let bens_events = ben.app.subscribe();
    let cleos_events = cleo.app.subscribe();
    let heard = |rx: &std::sync::mpsc::Receiver<Event>| -> Vec<Event> { rx.try_iter().collect() };

    // Cleo submits on her laptop: Ben's laptop hears a post waits for review once it pulls.
    let id = in_review(&cleo.app, "Cleo", "For Ben's eyes");
    heard(&cleos_events);
    assert!(
        heard(&bens_events).is_empty(),
        "nothing until Ben's laptop pulls"
    );
    ben.app.sync().unwrap();
    assert_eq!(
        heard(&bens_events),
        [Event::NeedsReview {
            post_id: id,
            author: "Cleo".into()
        }]
    );
    // Ben asks for changes: Cleo's laptop hears it; Ben's own act is not told twice on his.
    ben.app
        .request_changes(id, "Ben", "Shorter, please")
        .unwrap();
    heard(&bens_events);
    cleo.app.sync().unwrap();
    assert_eq!(
        heard(&cleos_events),
        [Event::ChangesRequested {
            post_id: id,
            by: "Ben".into()
        }]
    );
    ben.app.sync().unwrap();
    assert!(
        heard(&bens_events).is_empty(),
        "his own act comes back as nothing new"
    );
    // A laptop joining late is not told the whole history.
    let dan = join(&ada, "Dan", Role::Contributor);
    let dans_events = dan.app.subscribe();
    dan.app.sync().unwrap();
    assert!(heard(&dans_events).is_empty());
}

#[test]
#[ignore = "needs PostgreSQL (the Debian package): scripts/test.sh runs it"]
fn a_due_post_with_no_publisher_seen_is_warned_of() {
    let (db, _ada_team, ada, _) = started();
    let cleo = join(&ada, "Cleo", Role::Contributor);
    let ben = join(&ada, "Ben", Role::Approver);
    let id = in_review(&cleo.app, "Cleo", "Due, with nobody to send it");
    ben.app.sync().unwrap();
    ben.app.approve(id, "Ben", None).unwrap();
    ben.app
        .schedule(
            id,
            "Ben",
            utc(server_now(&db) + SignedDuration::from_mins(30)),
        )
        .unwrap();
    cleo.app.sync().unwrap();
    let status = cleo.app.team_status().unwrap();
    assert!(status.next_due.is_some(), "{status:?}");
    let warning = status.warning.expect("no publishing laptop has been seen");
    assert!(
        warning.contains("no laptop has published yet") && warning.contains("countersign run"),
        "{warning}"
    );
    // A laptop that can publish says it is up: the warning goes.
    ada.seen(true).unwrap();
    cleo.app.sync().unwrap();
    let status = cleo.app.team_status().unwrap();
    assert_eq!(status.warning, None, "{status:?}");
    assert!(status.publisher_last_seen.is_some());
    assert!(
        status.pulled_at.is_some(),
        "the replica's freshness is known"
    );
    assert!(status.admitted, "{status:?}");
}

/// `at` as a wall time in UTC, to the minute, as a person schedules it.
fn utc(at: Timestamp) -> When {
    When {
        wall: at
            .to_zoned(jiff::tz::TimeZone::UTC)
            .strftime("%Y-%m-%d %H:%M")
            .to_string(),
        zone: Some("UTC".into()),
        fold: None,
    }
}

#[test]
#[ignore = "needs PostgreSQL (the Debian package): scripts/test.sh runs it"]
fn a_conversation_is_heard_on_the_publishing_laptop_and_answered_from_another() {
    use countersign_core::conversation::{ConversationState, InboxQuery};
    use countersign_core::model::ReplyTarget;

    let (_db, _ada, ada, _) = started();
    let cleo = join(&ada, "Cleo", Role::Contributor);
    let ben = join(&ada, "Ben", Role::Approver);
    let rt = tokio::runtime::Runtime::new().unwrap();
    // The sandbox hosts the workspace's own account, @acme.
    let sandbox = x_sandbox::Sandbox::start_blocking(x_sandbox::SandboxConfig {
        user: x_sandbox::SandboxUser {
            username: "acme".into(),
            name: "Acme".into(),
            ..Default::default()
        },
        ..Default::default()
    })
    .unwrap();
    let url = sandbox.base_url();
    let mention = sandbox
        .mention("maya_runs", "@acme is it vegan?", None)
        .unwrap();
    sandbox.dm("tom_bakes", "Where is my order?").unwrap();

    // The admin connected the brand's account (as on the Sandbox from the first run); Ben's
    // laptop holds a grant of its own and reads the inbox; the server keeps what it heard.
    rt.block_on(ada.connect(
        Some("Ada"),
        countersign_core::x_account::Target::Sandbox(url.clone()),
        |_| Ok(()),
    ))
    .unwrap();
    ben.app.sync().unwrap();
    rt.block_on(ben.app.connect(
        None,
        countersign_core::x_account::Target::Sandbox(url.clone()),
        |_| Ok(()),
    ))
    .unwrap();
    let told = cleo.app.subscribe();
    let poll = rt.block_on(ben.app.poll_inbox()).unwrap();
    assert_eq!((poll.mentions, poll.dms), (1, 1));
    // A contributor's laptop holds no grant: it reads nothing from X.
    assert!(rt.block_on(cleo.app.poll_inbox()).is_err());

    // Cleo sees it on her laptop (and, on duty, is told of both), takes it and drafts the
    // answer there.
    cleo.app.sync().unwrap();
    let heard: Vec<String> = told
        .try_iter()
        .filter_map(|e| match e {
            countersign_core::Event::Heard {
                handle, on_duty, ..
            } if on_duty == vec!["Cleo".to_string()] => Some(handle),
            _ => None,
        })
        .collect();
    assert_eq!(heard.len(), 2, "Cleo's laptop tells her of both: {heard:?}");
    let open = cleo
        .app
        .inbox(&InboxQuery {
            open: true,
            ..InboxQuery::default()
        })
        .unwrap();
    assert_eq!(open.len(), 2);
    let maya = open
        .iter()
        .find(|c| c.person.handle == "maya_runs")
        .unwrap()
        .clone();
    cleo.app.take(&maya.id, "Cleo").unwrap();
    let answer = cleo
        .app
        .answer(&maya.id, "Cleo", "Yes, fully vegan!")
        .unwrap();
    assert_eq!(
        answer.content.reply,
        Some(ReplyTarget::Post {
            x_id: mention.clone()
        })
    );
    cleo.app.submit(answer.id, "Cleo").unwrap();

    // Ada's laptop sees who is answering; Ben countersigns and his laptop sends it.
    ada.sync().unwrap();
    let seen = ada.conversation(&maya.id).unwrap();
    // Ada's replica pulled the message before its conversation (taken since, so its row moved
    // on): it is searchable all the same.
    let found = ada
        .inbox(&InboxQuery {
            search: Some("vegan".into()),
            ..InboxQuery::default()
        })
        .unwrap();
    assert_eq!(found.len(), 1, "search on a replica finds the message");
    assert_eq!(seen.assignee.unwrap().name, "Cleo");
    assert_eq!(seen.answers, vec![answer.id]);
    ben.app.sync().unwrap();
    ben.app.approve_and_send(answer.id, "Ben").unwrap();
    let report = rt
        .block_on(
            ben.app
                .publish_due(&countersign_core::publish::PublishOptions::default()),
        )
        .unwrap();
    assert_eq!(report.posted, vec![answer.id], "{report:?}");

    let replies: Vec<_> = sandbox
        .posts()
        .into_iter()
        .filter(|p| p.text == "Yes, fully vegan!")
        .collect();
    assert_eq!(replies.len(), 1);
    assert_eq!(replies[0].reply_to.as_deref(), Some(mention.as_str()));
    for app in [&ada, &cleo.app] {
        app.sync().unwrap();
        let v = app.conversation(&maya.id).unwrap();
        assert_eq!(v.conversation.state, ConversationState::Answered);
        assert!(app.audit_verify().unwrap().ok);
    }
    // Nothing is read twice: the cursor is the team's, not the laptop's.
    let again = rt.block_on(ben.app.poll_inbox()).unwrap();
    assert_eq!((again.mentions, again.dms), (0, 0));
}

#[test]
#[ignore = "needs PostgreSQL (the Debian package): scripts/test.sh runs it"]
fn what_is_posted_or_lost_elsewhere_reaches_the_laptops_that_should_hear() {
    use countersign_core::Event;
    let (_db, _ada_team, ada, _) = started();
    let cleo = join(&ada, "Cleo", Role::Contributor);
    let dan = join(&ada, "Dan", Role::Contributor);
    let ben = join(&ada, "Ben", Role::Approver);
    let rt = tokio::runtime::Runtime::new().unwrap();
    let sandbox = x_sandbox::Sandbox::start_blocking(x_sandbox::SandboxConfig::default()).unwrap();
    ben.app.sync().unwrap();
    // Every reviewer's laptop may connect its own grant (the window shows it the buttons); a
    // contributor's never holds one. Ben is an approver, not an admin: no account changes.
    // The first connection says which X account is the brand's: an admin's to make.
    let first = ben.app.viewer_may("Ben").unwrap().connect_here;
    assert!(!first.allowed && first.reason.unwrap().contains("an admin connects"));
    let target = countersign_core::x_account::Target::Sandbox(sandbox.base_url());
    assert_eq!(
        rt.block_on(ben.app.connect(None, target.clone(), |_| Ok(())))
            .unwrap_err()
            .code(),
        "team_setup"
    );
    rt.block_on(ada.connect(Some("Ada"), target, |_| Ok(())))
        .unwrap();
    ben.app.sync().unwrap();
    let may = ben.app.viewer_may("Ben").unwrap();
    assert!(may.connect_here.allowed && !may.change_account.allowed);
    assert!(ada.viewer_may("Ada").unwrap().connect_here.allowed);
    let refused = cleo.app.viewer_may("Cleo").unwrap().connect_here;
    assert!(!refused.allowed && refused.reason.unwrap().contains("contributor"));
    rt.block_on(ben.app.connect(
        None,
        countersign_core::x_account::Target::Sandbox(sandbox.base_url()),
        |_| Ok(()),
    ))
    .unwrap();
    // Connected, Ben's laptop is one the team sees can publish.
    ada.sync().unwrap();
    let laptops = ada.team_status().unwrap().laptops;
    assert!(
        laptops.iter().any(|l| l.member == "Ben" && l.can_publish),
        "{laptops:?}"
    );
    assert!(ben.app.team_status().unwrap().publishes_here);
    assert!(!cleo.app.team_status().unwrap().publishes_here);
    let (adas, cleos, dans) = (ada.subscribe(), cleo.app.subscribe(), dan.app.subscribe());
    let heard = |rx: &std::sync::mpsc::Receiver<Event>| -> Vec<Event> { rx.try_iter().collect() };

    // Cleo's post waits for review: the reviewers' laptops interrupt their members, the
    // author's and another contributor's do not (their windows still show it).
    let id = in_review(&cleo.app, "Cleo", "Posted from Ben's laptop");
    let review = Event::NeedsReview {
        post_id: id,
        author: "Cleo".into(),
    };
    ada.sync().unwrap();
    dan.app.sync().unwrap();
    assert_eq!(heard(&adas), std::slice::from_ref(&review));
    assert_eq!(heard(&dans), std::slice::from_ref(&review));
    assert!(ada.notifies_here(&review));
    assert!(ben.app.notifies_here(&review));
    assert!(!cleo.app.notifies_here(&review), "her own post");
    assert!(
        !dan.app.notifies_here(&review),
        "a contributor does not review"
    );

    // Ben's laptop posts it: everyone's window hears it; the author and the reviewers are told.
    ben.app.approve_and_send(id, "Ben").unwrap();
    let report = rt
        .block_on(
            ben.app
                .publish_due(&countersign_core::publish::PublishOptions::default()),
        )
        .unwrap();
    assert_eq!(report.posted, vec![id], "{report:?}");
    for (app, rx) in [(&ada, &adas), (&cleo.app, &cleos), (&dan.app, &dans)] {
        app.sync().unwrap();
        let posted: Vec<Event> = heard(rx)
            .into_iter()
            .filter(|e| matches!(e, Event::Posted { .. }))
            .collect();
        assert!(
            matches!(&posted[..], [Event::Posted { post_id, url }] if *post_id == id && !url.is_empty()),
            "{posted:?}"
        );
        assert_eq!(
            app.notifies_here(&posted[0]),
            !std::ptr::eq(app, &dan.app),
            "Dan neither wrote it nor decides about it"
        );
    }
    // A failure, a miss or a check goes to those who decide, and to the author.
    for e in [
        Event::Failed {
            post_id: id,
            reason: "X refused it.".into(),
        },
        Event::NeedsCheck {
            post_id: id,
            reason: "Look on X.".into(),
        },
        Event::Missed {
            post_id: id,
            at: Timestamp::UNIX_EPOCH,
        },
    ] {
        assert!(ada.notifies_here(&e) && ben.app.notifies_here(&e));
        assert!(cleo.app.notifies_here(&e), "the author");
        assert!(!dan.app.notifies_here(&e));
    }

    // X refuses Ben's grant: his laptop says so to him; the others hear whose laptop it is, and
    // the admin is told.
    // Each laptop keeps its grant under its own device's name.
    let token_key = format!(
        "{}/{}",
        ben.app.connection().unwrap().token_key(),
        ben.app.team_status().unwrap().device
    );
    ben.parts
        .secrets
        .set(
            &token_key,
            &SecretString::new(
                serde_json::json!({
                    "access_token": "revoked-access",
                    "refresh_token": "revoked-refresh",
                    "expires_at": "2000-01-01T00:00:00Z",
                    "scope": "tweet.read tweet.write users.read offline.access media.write"
                })
                .to_string(),
            ),
        )
        .unwrap();
    let bens = ben.app.subscribe();
    let status = rt.block_on(ben.app.account_status(true)).unwrap();
    assert!(status.check_error.is_some(), "{status:?}");
    let own = Event::NeedsReconnect { laptop_of: None };
    assert_eq!(heard(&bens), std::slice::from_ref(&own));
    assert!(ben.app.notifies_here(&own));
    let elsewhere = Event::NeedsReconnect {
        laptop_of: Some("Ben".into()),
    };
    for (app, rx, told) in [(&ada, &adas, true), (&dan.app, &dans, false)] {
        app.sync().unwrap();
        assert_eq!(heard(rx), std::slice::from_ref(&elsewhere));
        assert_eq!(app.notifies_here(&elsewhere), told);
    }
    ben.app.sync().unwrap();
    assert!(
        !heard(&bens)
            .iter()
            .any(|e| matches!(e, Event::NeedsReconnect { .. })),
        "his own laptop is not told its own loss twice"
    );

    // Ben disconnects his laptop (an approver may, his own grant): the team sees it stop.
    rt.block_on(ben.app.disconnect(Some("Ben"))).unwrap();
    ada.sync().unwrap();
    let laptops = ada.team_status().unwrap().laptops;
    assert!(
        laptops.iter().any(|l| l.member == "Ben" && !l.can_publish),
        "{laptops:?}"
    );
    assert!(!ben.app.team_status().unwrap().publishes_here);
    // A contributor's laptop holds nothing to disconnect, and is refused before anything.
    assert_eq!(
        rt.block_on(cleo.app.disconnect(Some("Cleo")))
            .unwrap_err()
            .code(),
        "team_setup"
    );
}
