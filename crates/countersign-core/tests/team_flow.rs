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

use countersign_core::secrets::SecretString;
use countersign_core::store::ServerLogin;
use countersign_core::{App, ManualClock, Parts, Role};

use common::{in_review, parts, pass, team};

/// What the operator does once: a login that owns the database and may create roles.
fn operator(db: &pg::TestDb) -> ServerLogin {
    let (user, password) = (format!("op_{}", db.tag), pg::random_tag());
    let verifier = postgres_protocol::password::scram_sha_256(password.as_bytes());
    db.superuser()
        .batch_execute(&format!(
            "CREATE ROLE {user} LOGIN CREATEROLE PASSWORD '{verifier}';
             ALTER DATABASE {} OWNER TO {user};",
            db.name
        ))
        .unwrap();
    ServerLogin {
        host: "127.0.0.1".into(),
        port: pg::cluster().port(),
        database: db.name.clone(),
        user,
        password: SecretString::new(password),
    }
}

struct Laptop {
    _dir: tempfile::TempDir,
    app: App,
}

fn clock() -> Arc<ManualClock> {
    Arc::new(ManualClock::new("2026-12-03T09:00:00Z".parse().unwrap()))
}

/// A new laptop for `name`, joined with `bundle` and admitted by Ada on `admin`.
fn join(admin: &App, name: &str, role: Role) -> Laptop {
    let bundle = admin
        .invite("Ada", name, role, Duration::from_secs(3600))
        .unwrap()
        .encode()
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (p, _) = parts(clock());
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
    let app = App::open(dir.path(), p).unwrap();
    if role.reviews() {
        app.unlock(name, &pass()).unwrap();
    }
    Laptop { _dir: dir, app }
}

fn started() -> (pg::TestDb, common::Team, App, Parts) {
    let db = pg::database();
    let ada = team("UTC", clock(), &[]);
    let p = ada.parts.clone();
    let started = App::start_team(ada.dir.path(), p.clone(), operator(&db), "Ada").unwrap();
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
