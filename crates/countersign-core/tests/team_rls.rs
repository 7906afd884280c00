//! Team mode's server rules, probed with raw SQL on a real PostgreSQL server: each member
//! connects as their own login role and tries what they must not do (design §4.3, §4.7 item 6).
//! The schema is exactly what core ships (`src/store/pg/migrations`), applied by the migrator.
//!
//! Needs the PostgreSQL server binaries; `scripts/test.sh` installs them and runs these.
#![allow(
    clippy::unwrap_used,
    reason = "the helpers are test code: a panic fails the test"
)]

#[path = "../src/store/pg/migrations.rs"]
#[allow(dead_code, reason = "shared with core, which uses other parts")]
mod migrations;
#[path = "pg/harness.rs"]
mod pg;

use std::thread;
use std::time::{Duration, Instant};

use pg::{Client, TestDb};
use postgres::error::SqlState;
use uuid::Uuid;

/// A workspace: the migrator, and a login for each member, made the way `cs.invite` makes them.
struct Team {
    db: TestDb,
    prefix: String,
    migrator: Client,
    ada: Member, // admin
    bob: Member, // approver
    ann: Member, // contributor
}

struct Member {
    id: Uuid,
    role: String,
    c: Client,
}

fn verifier(password: &str) -> String {
    postgres_protocol::password::scram_sha_256(password.as_bytes())
}

/// What the operator does once: a migrator login that owns the database and may create roles.
fn provision(db: &TestDb, prefix: &str) -> (String, String) {
    let (user, password) = (format!("{prefix}_migrator"), pg::random_tag());
    db.superuser()
        .batch_execute(&format!(
            "CREATE ROLE {user} LOGIN CREATEROLE PASSWORD '{}';
             ALTER DATABASE {} OWNER TO {user};",
            verifier(&password),
            db.name
        ))
        .unwrap();
    (user, password)
}

/// The apply step: each migration not yet recorded, in its own transaction, under the workspace
/// lock. Returns how many ran.
fn migrate(c: &mut Client, tag: &str) -> Result<usize, postgres::Error> {
    let mut ran = 0;
    for (i, m) in migrations::MIGRATIONS.iter().enumerate() {
        let mut tx = c.transaction()?;
        tx.execute("SELECT pg_advisory_xact_lock(7262)", &[])?;
        let exists: bool = tx
            .query_one("SELECT to_regclass('cs.schema_version') IS NOT NULL", &[])?
            .get(0);
        let at: i32 = if exists {
            tx.query_one(
                "SELECT coalesce(max(version), 0) FROM cs.schema_version",
                &[],
            )?
            .get(0)
        } else {
            0
        };
        if at as usize > i {
            continue;
        }
        tx.batch_execute(&migrations::render(m, tag).expect("a valid tag"))?;
        tx.commit()?;
        ran += 1;
    }
    Ok(ran)
}

fn now_ms(c: &mut Client) -> i64 {
    c.query_one("SELECT cs.now_ms()", &[]).unwrap().get(0)
}

fn add_member(admin: &mut Client, id: Uuid, name: &str, role: &str) {
    admin
        .execute(
            "INSERT INTO cs.members (id, name, name_key, initials, role, created_at)
             VALUES ($1, $2, lower($2), left($2, 1), $3, cs.now_ms())",
            &[&id, &name, &role],
        )
        .unwrap();
}

fn login(db: &TestDb, role: &str, password: &str, id: Uuid) -> Member {
    let c = db
        .connect_as(role, password)
        .unwrap_or_else(|e| panic!("{role}: {e}"));
    Member {
        id,
        role: role.to_owned(),
        c,
    }
}

fn team() -> Team {
    let db = pg::database();
    let prefix = migrations::role_prefix(&db.tag).unwrap();
    let (user, password) = provision(&db, &prefix);
    let mut migrator = db.connect_as(&user, &password).unwrap();
    assert_eq!(
        migrate(&mut migrator, &db.tag).unwrap(),
        migrations::MIGRATIONS.len()
    );

    // Team init (operator): the workspace row, the first admin, the roster's genesis, her login.
    let ada_id = Uuid::now_v7();
    migrator
        .batch_execute(
            "INSERT INTO cs.workspace (id, workspace_id, created_at, handle, display_name, timezone, genesis_hash)
             VALUES (1, 'ws', 0, 'brand', 'Brand', 'Europe/Berlin', repeat('a', 64))",
        )
        .unwrap();
    add_member(&mut migrator, ada_id, "Ada", "admin");
    migrator
        .execute(
            "INSERT INTO cs.roster (seq, member_id, name, role, public_key, active, at, prev_hash, hash)
             VALUES (1, $1, 'Ada', 'admin', 'pk-ada', true, 0, repeat('0', 64), repeat('a', 64))",
            &[&ada_id],
        )
        .unwrap();
    let ada_pw = pg::random_tag();
    let ada_role: String = migrator
        .query_one(
            "SELECT cs.create_login($1, $2)::text",
            &[&ada_id, &verifier(&ada_pw)],
        )
        .unwrap()
        .get(0);
    let mut ada = login(&db, &ada_role, &ada_pw, ada_id);

    // Ada invites the others, each with a verifier of their one-time password.
    let mut invite = |name: &str, kind: &str| -> Member {
        let id = Uuid::now_v7();
        add_member(&mut ada.c, id, name, kind);
        let pw = pg::random_tag();
        let role: String = ada
            .c
            .query_one(
                "SELECT cs.invite($1, $2, 3600)::text",
                &[&id, &verifier(&pw)],
            )
            .unwrap()
            .get(0);
        login(&db, &role, &pw, id)
    };
    let bob = invite("Bob", "approver");
    let ann = invite("Ann", "contributor");
    Team {
        db,
        prefix,
        migrator,
        ada,
        bob,
        ann,
    }
}

/// A post by `author`, version 1, as a draft (with its version row and one part).
fn draft(author: &mut Member) -> Uuid {
    let id = Uuid::now_v7();
    let me = author.id;
    let mut tx = author.c.transaction().unwrap();
    tx.execute(
        "INSERT INTO cs.posts (id, author_id, status, version, created_at, updated_at)
         VALUES ($1, $2, 'draft', 1, cs.now_ms(), cs.now_ms())",
        &[&id, &me],
    )
    .unwrap();
    tx.execute(
        "INSERT INTO cs.post_versions (post_id, version, editor_id, at, signature, reply_settings,
           author_id, content_digest, editor_signature)
         VALUES ($1, 1, $2, cs.now_ms(), false, 'everyone', $2, 'd1', 'sig')",
        &[&id, &me],
    )
    .unwrap();
    tx.execute(
        "INSERT INTO cs.parts (post_id, version, idx, text) VALUES ($1, 1, 0, 'hello')",
        &[&id],
    )
    .unwrap();
    tx.execute(
        "UPDATE cs.posts SET status = 'in_review' WHERE id = $1",
        &[&id],
    )
    .unwrap();
    tx.commit().unwrap();
    id
}

/// `reviewer` countersigns version 1 of `post` (author `author`) for `at`, and schedules it.
fn approve_and_schedule(reviewer: &mut Member, post: Uuid, author: Uuid, at: i64) {
    let me = reviewer.id;
    let mut tx = reviewer.c.transaction().unwrap();
    insert_approval(&mut tx, post, me, author, Some(at)).unwrap();
    tx.execute(
        "UPDATE cs.posts SET status = 'approved' WHERE id = $1",
        &[&post],
    )
    .unwrap();
    let n = tx
        .execute(
            "UPDATE cs.posts SET status = 'scheduled', scheduled_at = $2 WHERE id = $1",
            &[&post, &at],
        )
        .unwrap();
    assert_eq!(n, 1);
    tx.commit().unwrap();
}

fn insert_approval(
    c: &mut impl postgres::GenericClient,
    post: Uuid,
    member: Uuid,
    author: Uuid,
    at: Option<i64>,
) -> Result<u64, postgres::Error> {
    c.execute(
        "INSERT INTO cs.approvals (id, post_id, member_id, version, digest, scheduled_at, at,
           key_fingerprint, signature, author_id, roster_seq, roster_hash)
         VALUES ($1, $2, $3, 1, 'd1', $4, cs.now_ms(), 'fp', 'sig', $5, 1, repeat('a', 64))",
        &[&Uuid::now_v7(), &post, &member, &at, &author],
    )
}

/// The error's SQLSTATE and message, asserting it is what the rule says.
#[track_caller]
fn refused<T: std::fmt::Debug>(r: Result<T, postgres::Error>, code: &SqlState, text: &str) {
    let e = r.expect_err(&format!("expected a refusal containing {text:?}"));
    let db = e
        .as_db_error()
        .unwrap_or_else(|| panic!("not a server error: {e}"));
    assert_eq!(db.code(), code, "{}", db.message());
    assert!(
        db.message().contains(text),
        "{:?} does not contain {text:?}",
        db.message()
    );
}

const RLS: &str = "new row violates row-level security policy";

#[test]
#[ignore = "needs PostgreSQL (the Debian package postgresql): scripts/test.sh installs it"]
fn the_schema_version_is_recorded_and_migrating_twice_is_a_no_op() {
    let t0 = Instant::now();
    let mut t = team();
    eprintln!(
        "cluster started in {:?}; team set up in {:?}",
        pg::cluster().started_in,
        t0.elapsed()
    );
    let rows = t
        .migrator
        .query(
            "SELECT version, name FROM cs.schema_version ORDER BY version",
            &[],
        )
        .unwrap();
    let got: Vec<(i32, String)> = rows.iter().map(|r| (r.get(0), r.get(1))).collect();
    assert_eq!(
        got,
        vec![
            (1, "0001_team".to_owned()),
            (2, "0002_replica".to_owned()),
            (3, "0003_media".to_owned()),
            (4, "0004_logins".to_owned()),
            (5, "0005_inbox".to_owned()),
            (6, "0006_pull_indexes".to_owned())
        ]
    );
    assert_eq!(migrations::SCHEMA_VERSION, 6);
    assert_eq!(
        migrate(&mut t.migrator, &t.db.tag).unwrap(),
        0,
        "a second apply runs nothing"
    );
    assert_eq!(
        t.migrator
            .query("SELECT 1 FROM cs.schema_version", &[])
            .unwrap()
            .len(),
        migrations::MIGRATIONS.len()
    );
    // Members read it (a laptop refuses a newer server), and every session gets the timeouts.
    let v: i32 = t
        .ann
        .c
        .query_one("SELECT max(version) FROM cs.schema_version", &[])
        .unwrap()
        .get(0);
    assert_eq!(v, migrations::SCHEMA_VERSION);
    for (setting, want) in [
        ("idle_in_transaction_session_timeout", "15s"),
        ("lock_timeout", "10s"),
    ] {
        let got: String = t
            .bob
            .c
            .query_one(&format!("SHOW {setting}"), &[])
            .unwrap()
            .get(0);
        assert_eq!(got, want, "{setting}");
    }
    // The owner is not a login role; members are not in it.
    let owner_login: bool = t
        .migrator
        .query_one(
            "SELECT rolcanlogin FROM pg_roles WHERE rolname = $1",
            &[&format!("{}_owner", t.prefix)],
        )
        .unwrap()
        .get(0);
    assert!(!owner_login);
    let owner: String = t
        .migrator
        .query_one("SELECT tableowner::text FROM pg_tables WHERE schemaname = 'cs' AND tablename = 'posts'", &[])
        .unwrap()
        .get(0);
    assert_eq!(owner, format!("{}_owner", t.prefix));
    let no_rls: i64 = t
        .migrator
        .query_one(
            "SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                    WHERE n.nspname = 'cs' AND c.relkind = 'r' AND NOT c.relrowsecurity",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(no_rls, 0, "every table has row-level security");
}

#[test]
#[ignore = "needs PostgreSQL (the Debian package postgresql): scripts/test.sh installs it"]
fn a_contributor_with_raw_sql_cannot_countersign_or_rewrite_history() {
    let mut t = team();
    let (ann, bob) = (t.ann.id, t.bob.id);
    let own = draft(&mut t.ann);
    let c = &mut t.ann.c;

    // Approve: as herself, or naming Bob.
    refused(
        insert_approval(c, own, ann, ann, None),
        &SqlState::INSUFFICIENT_PRIVILEGE,
        RLS,
    );
    refused(
        insert_approval(c, own, bob, ann, None),
        &SqlState::INSUFFICIENT_PRIVILEGE,
        RLS,
    );
    // Set any countersigned or publishing status.
    for status in ["approved", "scheduled", "posted"] {
        refused(
            c.execute(
                "UPDATE cs.posts SET status = $2, scheduled_at = 1 WHERE id = $1",
                &[&own, &status],
            ),
            &SqlState::INSUFFICIENT_PRIVILEGE,
            &format!("only a reviewer may set {status}"),
        );
    }
    refused(
        c.execute(
            "UPDATE cs.posts SET status = 'publishing', claimed_by = $2, claim_epoch = claim_epoch + 1,
               lease_until = cs.now_ms() + 60000 WHERE id = $1",
            &[&own, &ann],
        ),
        &SqlState::INSUFFICIENT_PRIVILEGE,
        "illegal claim",
    );
    // Change the author (no column privilege at all; the guard would refuse too).
    refused(
        c.execute(
            "UPDATE cs.posts SET author_id = $2 WHERE id = $1",
            &[&own, &bob],
        ),
        &SqlState::INSUFFICIENT_PRIVILEGE,
        "permission denied for table posts",
    );
    // Become a reviewer, or make logins.
    refused(
        c.batch_execute(&format!("SET ROLE {}_reviewer", t.prefix)),
        &SqlState::INSUFFICIENT_PRIVILEGE,
        "permission denied to set role",
    );
    refused(
        c.query_one("SELECT cs.invite($1, $2, 3600)", &[&ann, &verifier("x")]),
        &SqlState::INSUFFICIENT_PRIVILEGE,
        "permission denied for function invite",
    );
    refused(
        c.query_one("SELECT cs.create_login($1, $2)", &[&ann, &verifier("x")]),
        &SqlState::INSUFFICIENT_PRIVILEGE,
        "permission denied for function create_login",
    );
    // Promote herself.
    refused(
        c.execute(
            "UPDATE cs.members SET role = 'admin' WHERE id = $1",
            &[&ann],
        ),
        &SqlState::INSUFFICIENT_PRIVILEGE,
        "permission denied for table members",
    );

    // The audit trail and the roster: no UPDATE or DELETE, and only entries that extend the head.
    c.execute(
        "INSERT INTO cs.audit (seq, at, actor_id, actor_name, action, detail, prev_hash, hash)
         VALUES (1, 0, $1, 'Ann', 'created', '', repeat('0', 64), repeat('1', 64))",
        &[&ann],
    )
    .unwrap();
    for sql in ["UPDATE cs.audit SET detail = 'x'", "DELETE FROM cs.audit"] {
        refused(
            c.execute(sql, &[]),
            &SqlState::INSUFFICIENT_PRIVILEGE,
            "permission denied for table audit",
        );
    }
    for sql in [
        "UPDATE cs.roster SET active = false",
        "DELETE FROM cs.roster",
    ] {
        refused(
            c.execute(sql, &[]),
            &SqlState::INSUFFICIENT_PRIVILEGE,
            "permission denied for table roster",
        );
    }
    refused(
        c.execute(
            "INSERT INTO cs.roster (seq, member_id, name, role, public_key, active, at, signer_id, prev_hash, hash)
             VALUES (2, $1, 'Ann', 'admin', 'pk', true, 0, $1, repeat('a', 64), repeat('b', 64))",
            &[&ann],
        ),
        &SqlState::INSUFFICIENT_PRIVILEGE,
        "permission denied for table roster",
    );
    for (seq, prev) in [
        (3_i64, "1".repeat(64)),
        (2, "f".repeat(64)),
        (1, "0".repeat(64)),
    ] {
        refused(
            c.execute(
                "INSERT INTO cs.audit (seq, at, actor_id, actor_name, action, detail, prev_hash, hash)
                 VALUES ($2, 0, $1, 'Ann', 'forged', '', $3, repeat('2', 64))",
                &[&ann, &seq, &prev],
            ),
            &SqlState::T_R_SERIALIZATION_FAILURE,
            "does not extend the head 1",
        );
    }
    // Nor as someone else.
    refused(
        c.execute(
            "INSERT INTO cs.audit (seq, at, actor_id, actor_name, action, detail, prev_hash, hash)
             VALUES (2, 0, $1, 'Bob', 'approved', '', repeat('1', 64), repeat('2', 64))",
            &[&bob],
        ),
        &SqlState::INSUFFICIENT_PRIVILEGE,
        RLS,
    );
    // Even the owner (the migrator) cannot rewrite it: the table is append-only.
    refused(
        t.migrator.execute("UPDATE cs.audit SET detail = 'x'", &[]),
        &SqlState::INSUFFICIENT_PRIVILEGE,
        "audit is append-only",
    );

    // Once Bob has scheduled her post she cannot claim it, re-time it, or alter his approval.
    let at = now_ms(&mut t.bob.c);
    approve_and_schedule(&mut t.bob, own, ann, at);
    let c = &mut t.ann.c;
    refused(
        c.execute(
            "UPDATE cs.posts SET status = 'publishing', claimed_by = $2, claim_epoch = claim_epoch + 1,
               lease_until = cs.now_ms() + 60000 WHERE id = $1",
            &[&own, &ann],
        ),
        &SqlState::INSUFFICIENT_PRIVILEGE,
        "illegal claim",
    );
    refused(
        c.execute(
            "UPDATE cs.posts SET scheduled_at = scheduled_at + 1 WHERE id = $1",
            &[&own],
        ),
        &SqlState::INSUFFICIENT_PRIVILEGE,
        "only a reviewer may set scheduled",
    );
    refused(
        c.execute(
            "UPDATE cs.approvals SET signature = 'forged' WHERE post_id = $1",
            &[&own],
        ),
        &SqlState::INSUFFICIENT_PRIVILEGE,
        "permission denied for table approvals",
    );
    // What she may do: edit it, which sends it back to review.
    let n = c
        .execute("UPDATE cs.posts SET status = 'in_review', version = 2, scheduled_at = NULL WHERE id = $1", &[&own])
        .unwrap();
    assert_eq!(n, 1);
}

#[test]
#[ignore = "needs PostgreSQL (the Debian package postgresql): scripts/test.sh installs it"]
fn an_approver_countersigns_others_posts_never_their_own() {
    let mut t = team();
    let (ann, bob) = (t.ann.id, t.bob.id);
    let anns = draft(&mut t.ann);
    let bobs = draft(&mut t.bob);
    let at = now_ms(&mut t.bob.c) + 60_000;
    approve_and_schedule(&mut t.bob, anns, ann, at);
    let status: String = t
        .ann
        .c
        .query_one("SELECT status FROM cs.posts WHERE id = $1", &[&anns])
        .unwrap()
        .get(0);
    assert_eq!(status, "scheduled");

    let c = &mut t.bob.c;
    refused(
        insert_approval(c, bobs, bob, bob, None),
        &SqlState::INSUFFICIENT_PRIVILEGE,
        RLS,
    );
    // An approval that lies about the author is refused too.
    refused(
        insert_approval(c, bobs, bob, ann, None),
        &SqlState::INSUFFICIENT_PRIVILEGE,
        RLS,
    );
    refused(
        c.execute(
            "UPDATE cs.posts SET status = 'approved' WHERE id = $1",
            &[&bobs],
        ),
        &SqlState::INSUFFICIENT_PRIVILEGE,
        "only a reviewer with an approval of version 1 may set approved",
    );
    // Ada's approval of Bob's post does not let Bob schedule it: only Ada's own does.
    insert_approval(&mut t.ada.c, bobs, t.ada.id, bob, Some(at)).unwrap();
    let c = &mut t.bob.c;
    refused(
        c.execute(
            "UPDATE cs.posts SET status = 'scheduled', scheduled_at = $2 WHERE id = $1",
            &[&bobs, &at],
        ),
        &SqlState::INSUFFICIENT_PRIVILEGE,
        "only a reviewer with an approval of version 1 may set scheduled",
    );
    // Re-timing Ann's post needs an approval of the new time.
    refused(
        c.execute(
            "UPDATE cs.posts SET scheduled_at = scheduled_at + 1 WHERE id = $1",
            &[&anns],
        ),
        &SqlState::INSUFFICIENT_PRIVILEGE,
        "only a reviewer with an approval of version 1 may set scheduled",
    );
    // The signature of an approval never changes; voiding is the only update.
    refused(
        c.execute(
            "UPDATE cs.approvals SET signature = 'x' WHERE post_id = $1",
            &[&anns],
        ),
        &SqlState::INSUFFICIENT_PRIVILEGE,
        "permission denied for table approvals",
    );
    // Approving a version that is not the current one.
    refused(
        c.execute(
            "INSERT INTO cs.approvals (id, post_id, member_id, version, digest, at, author_id, roster_seq)
             VALUES ($1, $2, $3, 7, 'd', 0, $4, 1)",
            &[&Uuid::now_v7(), &anns, &bob, &ann],
        ),
        &SqlState::INSUFFICIENT_PRIVILEGE,
        RLS,
    );
    // Solo approvals are refused outright in team mode.
    refused(
        c.execute(
            "INSERT INTO cs.approvals (id, post_id, member_id, version, digest, at, author_id, roster_seq, solo)
             VALUES ($1, $2, $3, 1, 'd', 0, $4, 1, true)",
            &[&Uuid::now_v7(), &anns, &bob, &ann],
        ),
        &SqlState::CHECK_VIOLATION,
        "approvals_solo_check",
    );
}

#[test]
#[ignore = "needs PostgreSQL (the Debian package postgresql): scripts/test.sh installs it"]
fn only_an_admin_invites_and_only_with_a_scram_verifier() {
    let mut t = team();
    let id = Uuid::now_v7();
    add_member(&mut t.ada.c, id, "Cat", "approver");
    refused(
        t.bob
            .c
            .query_one("SELECT cs.invite($1, $2, 3600)", &[&id, &verifier("x")]),
        &SqlState::INSUFFICIENT_PRIVILEGE,
        "permission denied for function invite",
    );
    refused(
        t.ada
            .c
            .query_one("SELECT cs.invite($1, $2, 3600)", &[&id, &"plain password"]),
        &SqlState::INVALID_PARAMETER_VALUE,
        "takes a SCRAM-SHA-256 verifier",
    );
    // Inviting again someone whose laptop never joined gives their login a new one-time
    // password (a lost bundle); once their key is in the roster, never.
    let again: String = t
        .ada
        .c
        .query_one(
            "SELECT cs.invite($1, $2, 3600)::text",
            &[&t.ann.id, &verifier("x")],
        )
        .unwrap()
        .get(0);
    assert_eq!(again, t.ann.role);
    let mut owner = t.db.superuser();
    owner
        .execute(
            "INSERT INTO cs.roster (seq, member_id, name, role, public_key, active, at, prev_hash, hash)
             VALUES ((SELECT coalesce(max(seq), 0) + 1 FROM cs.roster), $1, 'Ann', 'contributor',
                     'aa', true, 0, coalesce((SELECT hash FROM cs.roster ORDER BY seq DESC LIMIT 1),
                     repeat('0', 64)), 'bb')",
            &[&t.ann.id],
        )
        .unwrap();
    refused(
        t.ada.c.query_one(
            "SELECT cs.invite($1, $2, 3600)",
            &[&t.ann.id, &verifier("x")],
        ),
        &SqlState::DUPLICATE_OBJECT,
        "has joined already",
    );
    // Nobody sets db_role by hand: an admin cannot point a member at someone else's login.
    refused(
        t.ada.c.execute(
            "UPDATE cs.members SET db_role = $2 WHERE id = $1",
            &[&id, &t.bob.role],
        ),
        &SqlState::INSUFFICIENT_PRIVILEGE,
        "permission denied for table members",
    );
    let pw = pg::random_tag();
    let role: String = t
        .ada
        .c
        .query_one(
            "SELECT cs.invite($1, $2, 3600)::text",
            &[&id, &verifier(&pw)],
        )
        .unwrap()
        .get(0);
    assert_eq!(role, format!("{}_m_{}", t.prefix, id.simple()));
    let mut cat = t.db.connect_as(&role, &pw).unwrap();
    let me: Uuid = cat.query_one("SELECT cs.me()", &[]).unwrap().get(0);
    assert_eq!(me, id);
    // A deactivated member is nobody, even with a live login.
    t.ada
        .c
        .execute("UPDATE cs.members SET active = false WHERE id = $1", &[&id])
        .unwrap();
    let me: Option<Uuid> = cat.query_one("SELECT cs.me()", &[]).unwrap().get(0);
    assert_eq!(me, None);
    // The wrong password does not get in.
    let Err(e) = t.db.connect_as(&role, "wrong") else {
        panic!("a wrong password got in");
    };
    assert_eq!(e.code(), Some(&SqlState::INVALID_PASSWORD), "{e}");
}

const CLAIM: &str = "UPDATE cs.posts SET status = 'publishing', claimed_by = cs.me(),
      claim_epoch = claim_epoch + 1, claimed_at = cs.now_ms(), lease_until = cs.now_ms() + $1
    WHERE id IN (SELECT id FROM cs.posts WHERE status = 'scheduled' AND scheduled_at <= cs.now_ms()
                 ORDER BY scheduled_at FOR UPDATE SKIP LOCKED LIMIT 1)
    RETURNING id, claim_epoch";

fn record_part(c: &mut Client, post: Uuid, me: Uuid, epoch: i32) -> Result<u64, postgres::Error> {
    c.execute(
        "INSERT INTO cs.published_parts (post_id, idx, x_id, at, by_member, claim_epoch)
         VALUES ($1, 0, 'x1', cs.now_ms(), $2, $3)",
        &[&post, &me, &epoch],
    )
}

#[test]
#[ignore = "needs PostgreSQL (the Debian package postgresql): scripts/test.sh installs it"]
fn a_claim_wins_once_is_fenced_and_is_taken_over_only_after_its_lease() {
    let mut t = team();
    let (ann, ada, bob) = (t.ann.id, t.ada.id, t.bob.id);
    let post = draft(&mut t.ann);
    let at = now_ms(&mut t.bob.c);
    approve_and_schedule(&mut t.bob, post, ann, at);
    let lease: i64 = 1500;

    // Bob claims inside a transaction; while it is open, Ada's claim skips the row (0, no wait).
    let mut tx = t.bob.c.transaction().unwrap();
    let won = tx.query(CLAIM, &[&lease]).unwrap();
    assert_eq!(won.len(), 1);
    let (id, epoch): (Uuid, i32) = (won[0].get(0), won[0].get(1));
    assert_eq!((id, epoch), (post, 1));
    let started = Instant::now();
    assert_eq!(t.ada.c.query(CLAIM, &[&lease]).unwrap().len(), 0);
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "SKIP LOCKED does not wait"
    );
    tx.commit().unwrap();
    assert_eq!(
        t.ada.c.query(CLAIM, &[&lease]).unwrap().len(),
        0,
        "the claim wins once"
    );
    assert_eq!(t.bob.c.query(CLAIM, &[&lease]).unwrap().len(), 0);

    // While Bob's lease is live, Ada can neither finish, record a part, nor take over.
    let c = &mut t.ada.c;
    refused(
        c.execute(
            "UPDATE cs.posts SET status = 'posted', posted_at = cs.now_ms() WHERE id = $1",
            &[&post],
        ),
        &SqlState::INSUFFICIENT_PRIVILEGE,
        "is claimed by another publisher",
    );
    refused(
        c.execute(
            "UPDATE cs.posts SET status = 'needs_check' WHERE id = $1",
            &[&post],
        ),
        &SqlState::INSUFFICIENT_PRIVILEGE,
        "is claimed by another publisher",
    );
    refused(
        record_part(c, post, ada, 1),
        &SqlState::INSUFFICIENT_PRIVILEGE,
        RLS,
    );
    refused(
        record_part(c, post, bob, 1),
        &SqlState::INSUFFICIENT_PRIVILEGE,
        RLS,
    );
    let takeover = "UPDATE cs.posts SET claimed_by = cs.me(), claim_epoch = claim_epoch + 1,
                      lease_until = cs.now_ms() + 60000 WHERE id = $1 AND status = 'publishing'";
    refused(
        c.execute(takeover, &[&post]),
        &SqlState::INSUFFICIENT_PRIVILEGE,
        "has not expired",
    );
    // Nor can a contributor, whose post it is.
    refused(
        t.ann.c.execute(
            "UPDATE cs.posts SET status = 'in_review', version = 2 WHERE id = $1",
            &[&post],
        ),
        &SqlState::INSUFFICIENT_PRIVILEGE,
        "is claimed by another publisher",
    );
    // Bob, the claimant, records his first part.
    assert_eq!(record_part(&mut t.bob.c, post, bob, 1).unwrap(), 1);

    // After the lease, Ada takes over at epoch 2 (skipping an epoch is refused).
    thread::sleep(Duration::from_millis(lease as u64 + 200));
    let c = &mut t.ada.c;
    refused(
        c.execute(
            "UPDATE cs.posts SET claimed_by = cs.me(), claim_epoch = claim_epoch + 2,
               lease_until = cs.now_ms() + 60000 WHERE id = $1",
            &[&post],
        ),
        &SqlState::INSUFFICIENT_PRIVILEGE,
        "illegal takeover",
    );
    assert_eq!(c.execute(takeover, &[&post]).unwrap(), 1);
    let (by, epoch): (Uuid, i32) = {
        let r = c
            .query_one(
                "SELECT claimed_by, claim_epoch FROM cs.posts WHERE id = $1",
                &[&post],
            )
            .unwrap();
        (r.get(0), r.get(1))
    };
    assert_eq!((by, epoch), (ada, 2));

    // Bob's writes are fenced now: his epoch matches nothing, and he is no longer the claimant.
    let b = &mut t.bob.c;
    refused(
        record_part(b, post, bob, 1),
        &SqlState::INSUFFICIENT_PRIVILEGE,
        RLS,
    );
    let fenced = b
        .execute(
            "UPDATE cs.posts SET status = 'posted', posted_at = cs.now_ms() WHERE id = $1 AND claim_epoch = 1",
            &[&post],
        )
        .unwrap();
    assert_eq!(fenced, 0);
    refused(
        b.execute(
            "UPDATE cs.posts SET status = 'posted' WHERE id = $1",
            &[&post],
        ),
        &SqlState::INSUFFICIENT_PRIVILEGE,
        "is claimed by another publisher",
    );
    refused(
        b.execute(
            "UPDATE cs.posts SET in_flight_at = cs.now_ms() WHERE id = $1",
            &[&post],
        ),
        &SqlState::INSUFFICIENT_PRIVILEGE,
        "is claimed by another publisher",
    );

    // Ada carries on: the next part at her epoch, then posted.
    let c = &mut t.ada.c;
    c.execute(
        "INSERT INTO cs.published_parts (post_id, idx, x_id, at, by_member, claim_epoch)
         VALUES ($1, 1, 'x2', cs.now_ms(), $2, 2)",
        &[&post, &ada],
    )
    .unwrap();
    let n = c
        .execute(
            "UPDATE cs.posts SET status = 'posted', posted_at = cs.now_ms() WHERE id = $1 AND claim_epoch = 2",
            &[&post],
        )
        .unwrap();
    assert_eq!(n, 1);
}

#[test]
#[ignore = "needs PostgreSQL (the Debian package postgresql): scripts/test.sh installs it"]
fn a_dropped_connection_frees_the_workspace_lock() {
    let mut t = team();
    let mut sup = t.db.superuser();
    let mut tx = t.bob.c.transaction().unwrap();
    tx.execute("SELECT cs.lock()", &[]).unwrap();
    let pid: i32 = tx.query_one("SELECT pg_backend_pid()", &[]).unwrap().get(0);

    // Ada waits for the lock in her own transaction...
    let mut ada = std::mem::replace(&mut t.ada.c, t.db.superuser());
    let waiter = thread::spawn(move || {
        let mut tx = ada.transaction().unwrap();
        let asked = Instant::now();
        tx.execute("SELECT cs.lock()", &[]).map(|_| asked.elapsed())
    });
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let waiting: i64 = sup
            .query_one(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted",
                &[],
            )
            .unwrap()
            .get(0);
        if waiting == 1 {
            break;
        }
        assert!(Instant::now() < deadline, "Ada never waited for the lock");
        thread::sleep(Duration::from_millis(20));
    }
    // ...until Bob's laptop drops off mid-transaction.
    let killed: bool = sup
        .query_one("SELECT pg_terminate_backend($1)", &[&pid])
        .unwrap()
        .get(0);
    assert!(killed);
    let waited = waiter.join().unwrap().expect("Ada gets the lock");
    assert!(waited < Duration::from_secs(15), "took {waited:?}");
    eprintln!("the lock came free {waited:?} after Ada asked");
    // Bob's transaction is gone with his connection: the server said so (57P01), or the
    // socket was already closed, depending on which the client saw first.
    let e = tx.commit().unwrap_err();
    let terminated = e.code() == Some(&SqlState::ADMIN_SHUTDOWN);
    assert!(
        terminated || e.is_closed() || e.to_string().contains("communicating"),
        "{e}"
    );
}

#[test]
#[ignore = "needs PostgreSQL (the Debian package postgresql): scripts/test.sh installs it"]
fn conversations_are_heard_by_reviewers_and_taken_by_members_only_for_themselves() {
    let mut t = team();
    let (ann, bob) = (t.ann.id, t.bob.id);
    let open = |c: &mut Client, id: &str| {
        c.execute(
            "INSERT INTO cs.conversations (id, kind, person_id, person_handle, person_name, state,
               last_at, updated_at) VALUES ($1, 'dm', '7', 'maya', 'Maya', 'new', 1, 1)",
            &[&id],
        )
    };
    // A contributor's laptop reads nothing from X: it cannot open a conversation or add a
    // message; a reviewer's can.
    refused(
        open(&mut t.ann.c, "d:7-1"),
        &SqlState::INSUFFICIENT_PRIVILEGE,
        RLS,
    );
    open(&mut t.bob.c, "d:7-1").unwrap();
    open(&mut t.bob.c, "d:8-1").unwrap();
    refused(
        t.ann.c.execute(
            "INSERT INTO cs.messages (x_id, conversation_id, author_id, text, at)
             VALUES ('5', 'd:7-1', '7', 'hi', 1)",
            &[],
        ),
        &SqlState::INSUFFICIENT_PRIVILEGE,
        RLS,
    );
    t.bob
        .c
        .execute(
            "INSERT INTO cs.messages (x_id, conversation_id, author_id, text, at)
             VALUES ('5', 'd:7-1', '7', 'hi', 1)",
            &[],
        )
        .unwrap();
    refused(
        t.bob.c.execute(
            "UPDATE cs.messages SET text = 'forged' WHERE x_id = '5'",
            &[],
        ),
        &SqlState::INSUFFICIENT_PRIVILEGE,
        "permission denied",
    );

    // Ann takes one for herself; she cannot give one to Bob, nor take Bob's, nor mark one
    // answered; a reviewer assigns freely.
    t.ann
        .c
        .execute(
            "UPDATE cs.conversations SET assignee_id = $1, state = 'assigned' WHERE id = 'd:7-1'",
            &[&ann],
        )
        .unwrap();
    refused(
        t.ann.c.execute(
            "UPDATE cs.conversations SET assignee_id = $1, state = 'assigned' WHERE id = 'd:8-1'",
            &[&bob],
        ),
        &SqlState::INSUFFICIENT_PRIVILEGE,
        "only a reviewer gives",
    );
    t.bob
        .c
        .execute(
            "UPDATE cs.conversations SET assignee_id = $1, state = 'assigned' WHERE id = 'd:8-1'",
            &[&bob],
        )
        .unwrap();
    refused(
        t.ann.c.execute(
            "UPDATE cs.conversations SET assignee_id = $1 WHERE id = 'd:8-1'",
            &[&ann],
        ),
        &SqlState::INSUFFICIENT_PRIVILEGE,
        "someone else answers",
    );
    refused(
        t.ann.c.execute(
            "UPDATE cs.conversations SET state = 'answered' WHERE id = 'd:7-1'",
            &[],
        ),
        &SqlState::INSUFFICIENT_PRIVILEGE,
        "marks a conversation answered",
    );
    refused(
        t.bob.c.execute(
            "UPDATE cs.conversations SET person_id = '9' WHERE id = 'd:7-1'",
            &[],
        ),
        &SqlState::INSUFFICIENT_PRIVILEGE,
        "never changes",
    );
    t.ann
        .c
        .execute(
            "UPDATE cs.conversations SET state = 'closed', note = 'spam' WHERE id = 'd:7-1'",
            &[],
        )
        .unwrap();

    // How often the inbox is read: an admin's; the cursors: a reviewer's.
    t.bob
        .c
        .execute(
            "INSERT INTO cs.inbox (id, mentions_since, reads_month, reads) VALUES (1, '10', '2026-12', 1)",
            &[],
        )
        .unwrap();
    refused(
        t.bob.c.execute("UPDATE cs.inbox SET poll_minutes = 0", &[]),
        &SqlState::INSUFFICIENT_PRIVILEGE,
        "only an admin",
    );
    t.ada
        .c
        .execute("UPDATE cs.inbox SET poll_minutes = 0", &[])
        .unwrap();
    let changed = t
        .ann
        .c
        .execute("UPDATE cs.inbox SET mentions_since = '11'", &[])
        .unwrap();
    assert_eq!(changed, 0, "a contributor moves no cursor");
}
