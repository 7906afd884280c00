//! Every refusal has a stable code: each is asserted here through the real binary, and each
//! leaves the workspace as it was.
#![allow(clippy::unwrap_used)]

mod support;

use support::{PNG_1X1, Workspace};

fn team() -> Workspace {
    let w = Workspace::new();
    w.add("Ada", "admin");
    // Members are signed into the roster by an admin.
    for (name, role) in [
        ("Ann", "contributor"),
        ("Cat", "contributor"),
        ("Bob", "approver"),
    ] {
        w.ok(&["member", "add", name, "--role", role, "--as", "Ada"]);
    }
    assert_eq!(
        w.refused(&["member", "add", "Dan", "--role", "admin", "--as", "Bob"]),
        "role_not_allowed"
    );
    w
}

#[test]
#[ignore = "needs the OS keychain (a Secret Service): scripts/test.sh runs it"]
fn roles_and_states_are_enforced() {
    let w = team();
    let id = w.draft("Ann", &["Hello"]);
    assert_eq!(
        w.refused(&["approve", &id, "--as", "Bob"]),
        "invalid_transition",
        "a draft is not in review"
    );
    assert_eq!(
        w.refused(&["draft", "edit", &id, "--as", "Cat", "--text", "mine now"]),
        "not_author"
    );
    assert_eq!(w.refused(&["submit", &id, "--as", "Cat"]), "not_author");
    w.ok(&["submit", &id, "--as", "Ann"]);
    assert_eq!(
        w.refused(&["submit", &id, "--as", "Ann"]),
        "invalid_transition"
    );
    assert_eq!(
        w.refused(&["approve", &id, "--as", "Cat"]),
        "role_not_allowed"
    );
    assert_eq!(
        w.refused(&["reject", &id, "--as", "Cat", "--comment", "no"]),
        "role_not_allowed"
    );
    assert_eq!(
        w.refused(&["request-changes", &id, "--as", "Cat", "--comment", "no"]),
        "role_not_allowed"
    );
    assert_eq!(
        w.refused(&[
            "schedule",
            &id,
            "--as",
            "Ann",
            "--at",
            &support::ahead("01-01 10:00")
        ]),
        "role_not_allowed"
    );
    assert_eq!(
        w.refused(&["request-changes", &id, "--as", "Bob", "--comment", "  "]),
        "comment_required"
    );
    assert_eq!(
        w.refused(&["member", "deactivate", "Cat", "--as", "Bob"]),
        "role_not_allowed"
    );
    assert_eq!(
        w.refused(&["approve", &id, "--as", "Nobody"]),
        "unknown_member"
    );
    assert_eq!(
        w.refused(&["approve", "not-a-post-id", "--as", "Bob"]),
        "unknown_post"
    );
    assert_eq!(
        w.refused(&[
            "approve",
            "01a20171-e1d6-707a-85d4-ee8864ce9b3f",
            "--as",
            "Bob"
        ]),
        "unknown_post"
    );
    assert_eq!(w.status(&id), "in_review", "refusals change nothing");

    // Comments are for everyone.
    w.ok(&["comment", &id, "--as", "Cat", "--text", "Love it"]);
    assert_eq!(
        w.refused(&["comment", &id, "--as", "Cat", "--text", ""]),
        "empty_comment"
    );

    // Rejected is the end of the road.
    w.ok(&["reject", &id, "--as", "Bob", "--comment", "Off brand"]);
    assert_eq!(
        w.refused(&["draft", "edit", &id, "--as", "Ann", "--text", "again"]),
        "invalid_transition"
    );
    assert_eq!(
        w.refused(&["submit", &id, "--as", "Ann"]),
        "invalid_transition"
    );
}

#[test]
#[ignore = "needs the OS keychain (a Secret Service): scripts/test.sh runs it"]
fn four_eyes_and_solo_mode() {
    let w = team();
    let own = w.draft("Ada", &["From the admin"]);
    w.ok(&["submit", &own, "--as", "Ada"]);
    assert_eq!(
        w.refused(&["approve", &own, "--as", "Ada"]),
        "self_approval"
    );
    // Bob approves; Ada still may not schedule (countersign) her own post.
    w.ok(&["approve", &own, "--as", "Bob"]);
    assert_eq!(
        w.refused(&[
            "schedule",
            &own,
            "--as",
            "Ada",
            "--at",
            &support::ahead("01-01 10:00")
        ]),
        "self_approval"
    );

    // Only an admin may turn on solo mode. It lets an admin approve their own post only while
    // nobody else could: with Bob active, four-eyes still applies.
    assert_eq!(
        w.refused(&["account", "set", "--as", "Bob", "--solo", "on"]),
        "role_not_allowed"
    );
    w.ok(&["account", "set", "--as", "Ada", "--solo", "on"]);
    let second = w.draft("Ada", &["Solo approval"]);
    w.ok(&["submit", &second, "--as", "Ada"]);
    assert_eq!(
        w.refused(&["approve", &second, "--as", "Ada"]),
        "self_approval"
    );
    // Solo mode is for admins: an approver may not approve their own post either.
    let bobs = w.draft("Bob", &["Bob's"]);
    w.ok(&["submit", &bobs, "--as", "Bob"]);
    assert_eq!(
        w.refused(&["approve", &bobs, "--as", "Bob"]),
        "self_approval"
    );
    // Ada alone: now she may, and the approval shows it.
    w.ok(&["member", "deactivate", "Bob", "--as", "Ada"]);
    w.ok(&["approve", &second, "--as", "Ada"]);
    let post = w.show(&second);
    assert_eq!(post["approval"]["solo"], true);
    assert_eq!(post["solo_mode"], true);
}

#[test]
#[ignore = "needs the OS keychain (a Secret Service): scripts/test.sh runs it"]
fn an_approver_cannot_countersign_words_they_wrote() {
    let w = team();
    let id = w.draft("Ann", &["Ann's words"]);
    w.ok(&["submit", &id, "--as", "Ann"]);
    // Bob edits Ann's post, then tries to approve his own version.
    w.ok(&[
        "draft",
        "edit",
        &id,
        "--as",
        "Bob",
        "--text",
        "Bob's words now",
    ]);
    assert_eq!(w.refused(&["approve", &id, "--as", "Bob"]), "self_approval");
    // Ada, who did not write it, may approve; Bob may not schedule it either.
    w.ok(&["approve", &id, "--as", "Ada"]);
    assert_eq!(
        w.refused(&[
            "schedule",
            &id,
            "--as",
            "Bob",
            "--at",
            &support::ahead("01-01 10:00")
        ]),
        "self_approval"
    );
    // Editing while approving is allowed, and recorded on the approval.
    let other = w.draft("Ann", &["Draft two"]);
    w.ok(&["submit", &other, "--as", "Ann"]);
    w.ok(&[
        "approve",
        &other,
        "--as",
        "Bob",
        "--part",
        "1",
        "--text",
        "Draft two, tightened",
    ]);
    let post = w.show(&other);
    assert_eq!(post["approval"]["edited"], true);
    assert_eq!(post["approval"]["by"], "Bob");
    w.ok(&[
        "schedule",
        &other,
        "--as",
        "Bob",
        "--at",
        &support::ahead("01-01 10:00"),
    ]);
}

#[test]
#[ignore = "needs the OS keychain (a Secret Service): scripts/test.sh runs it"]
fn members_are_deactivated_not_deleted() {
    let w = team();
    let id = w.draft("Cat", &["Cat's draft"]);
    w.ok(&["member", "deactivate", "Cat", "--as", "Ada"]);
    let members = w.ok(&["member", "list"]);
    let cat = members
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["name"] == "Cat")
        .unwrap();
    assert_eq!(cat["active"], false);
    assert_eq!(w.show(&id)["author"], "Cat", "history keeps who did what");
    assert_eq!(
        w.refused(&["draft", "new", "--as", "Cat", "--text", "hi"]),
        "member_inactive"
    );
    assert_eq!(
        w.refused(&["comment", &id, "--as", "Cat", "--text", "hi"]),
        "member_inactive"
    );
    assert_eq!(
        w.refused(&["member", "add", "cat", "--role", "approver", "--as", "Ada"]),
        "member_exists"
    );
    assert_eq!(
        w.refused(&["member", "deactivate", "Ada", "--as", "Ada"]),
        "last_admin"
    );
    assert_eq!(
        w.refused(&[
            "member",
            "add",
            "Dee",
            "--role",
            "admin",
            "--initials",
            "D-E"
        ]),
        "invalid_initials"
    );
    assert_eq!(
        w.refused(&["member", "add", "Eve", "--role", "owner", "--as", "Ada"]),
        "invalid_input"
    );
    assert_eq!(
        w.refused(&["draft", "show"]),
        "invalid_input",
        "a missing argument too"
    );
}

#[test]
#[ignore = "needs the OS keychain (a Secret Service): scripts/test.sh runs it"]
fn content_x_would_refuse_is_kept_as_a_draft_but_not_submitted() {
    let w = team();
    let long = "a".repeat(281);
    let id = w.draft("Ann", &[&long]);
    let post = w.show(&id);
    assert_eq!(
        post["parts"][0]["valid"], false,
        "the draft is kept, and says it is too long"
    );
    assert_eq!(post["parts"][0]["weighted_length"], 281);
    assert_eq!(w.refused(&["submit", &id, "--as", "Ann"]), "too_long");
    assert_eq!(w.status(&id), "draft");
    assert_eq!(
        w.refused(&[
            "draft", "edit", &id, "--as", "Ann", "--part", "3", "--text", "x"
        ]),
        "no_such_part"
    );
    assert_eq!(
        w.refused(&["draft", "edit", &id, "--as", "Ann", "--text", &long]),
        "nothing_changed"
    );
    w.ok(&[
        "draft", "edit", &id, "--as", "Ann", "--part", "2", "--text", " ",
    ]);
    w.ok(&[
        "draft",
        "edit",
        &id,
        "--as",
        "Ann",
        "--part",
        "1",
        "--text",
        "short now",
    ]);
    assert_eq!(w.refused(&["submit", &id, "--as", "Ann"]), "empty_part");

    let texts: Vec<String> = (0..26).map(|i| format!("part {i}")).collect();
    let mut args = vec!["draft", "new", "--as", "Ann"];
    for t in &texts {
        args.extend(["--text", t.as_str()]);
    }
    assert_eq!(w.refused(&args), "too_many_parts");

    // The signature counts: 277 characters plus " ^AN" is 281.
    let id = w.ok(&[
        "draft",
        "new",
        "--as",
        "Ann",
        "--signature",
        "--text",
        &"b".repeat(277),
    ])["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(w.show(&id)["parts"][0]["weighted_length"], 281);
    assert_eq!(w.refused(&["submit", &id, "--as", "Ann"]), "too_long");
}

#[test]
#[ignore = "needs the OS keychain (a Secret Service): scripts/test.sh runs it"]
fn times_are_checked() {
    let w = team();
    let id = w.draft("Ann", &["Timed"]);
    w.ok(&["submit", &id, "--as", "Ann"]);
    w.ok(&["approve", &id, "--as", "Bob"]);
    let sched = |at: &str, extra: &[&str]| {
        let mut a = vec!["schedule", id.as_str(), "--as", "Bob", "--at", at];
        a.extend_from_slice(extra);
        a.into_iter().map(String::from).collect::<Vec<_>>()
    };
    let refused =
        |args: Vec<String>| w.refused(&args.iter().map(String::as_str).collect::<Vec<_>>());
    assert_eq!(refused(sched("2020-01-01 09:00", &[])), "schedule_in_past");
    assert_eq!(refused(sched("next tuesday", &[])), "invalid_time");
    assert_eq!(
        refused(sched(
            &support::ahead("01-01 09:00"),
            &["--tz", "Mars/Olympus"]
        )),
        "unknown_timezone"
    );
    // On the spring-forward day in Berlin, 02:30 does not exist.
    let gap = format!("{} 02:30", support::berlin_spring_forward());
    let out = w.run(&["schedule", &id, "--as", "Bob", "--at", &gap]);
    assert!(!out.status.success());
    let msg = String::from_utf8_lossy(&out.stderr);
    assert!(
        msg.contains("[nonexistent_time]") && msg.contains("02:00") && msg.contains("03:00"),
        "{msg}"
    );
    // On the fall-back day, 01:30 happens twice in New York.
    let fold = format!("{} 01:30", support::new_york_fall_back());
    assert_eq!(
        refused(sched(&fold, &["--tz", "America/New_York"])),
        "ambiguous_time"
    );
    assert_eq!(w.status(&id), "approved", "refused times change nothing");
    let v = w.ok(
        &sched(&fold, &["--tz", "America/New_York", "--fold", "later"])
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>(),
    );
    let later = format!("{}T06:30:00Z", support::new_york_fall_back());
    assert_eq!(v["scheduled_at"], later.as_str());
}

#[test]
#[ignore = "needs the OS keychain (a Secret Service): scripts/test.sh runs it"]
fn media_is_checked_on_attach() {
    let w = team();
    let dir = w.data_dir().join("files");
    std::fs::create_dir_all(&dir).unwrap();
    let pdf = dir.join("brief.pdf");
    std::fs::write(&pdf, b"%PDF-1.7 definitely not an image").unwrap();
    let png = dir.join("logo.png");
    std::fs::write(&png, PNG_1X1).unwrap();
    let p = |p: &std::path::Path| p.to_str().unwrap().to_string();
    assert_eq!(
        w.refused(&[
            "draft",
            "new",
            "--as",
            "Ann",
            "--text",
            "hi",
            "--media",
            &p(&pdf),
            "--alt",
            "brief"
        ]),
        "media_unsupported"
    );
    assert_eq!(
        w.refused(&[
            "draft",
            "new",
            "--as",
            "Ann",
            "--text",
            "hi",
            "--media",
            &p(&dir.join("missing.png")),
            "--alt",
            "x"
        ]),
        "media_unreadable"
    );
    let long_alt = "a".repeat(1001);
    assert_eq!(
        w.refused(&[
            "draft",
            "new",
            "--as",
            "Ann",
            "--text",
            "hi",
            "--media",
            &p(&png),
            "--alt",
            &long_alt
        ]),
        "alt_text_too_long"
    );
    let mut five = vec!["draft", "new", "--as", "Ann", "--text", "hi"];
    let png_s = p(&png);
    for _ in 0..5 {
        five.extend(["--media", png_s.as_str()]);
    }
    assert_eq!(w.refused(&five), "media_mix");
    assert_eq!(
        w.ok(&["draft", "list"]).as_array().unwrap().len(),
        0,
        "nothing was saved"
    );

    // A good image on part 2, kept by content hash.
    let id = w.ok(&[
        "draft",
        "new",
        "--as",
        "Ann",
        "--text",
        "one",
        "--text",
        "two",
        "--media",
        &format!("2:{png_s}"),
        "--alt",
        "Our logo",
    ])["id"]
        .as_str()
        .unwrap()
        .to_string();
    let post = w.show(&id);
    let m = &post["parts"][1]["media"][0];
    assert_eq!(m["alt_text"], "Our logo");
    assert_eq!(m["kind"], "image");
    let kept = w
        .data_dir()
        .join("media")
        .join(format!("{}.png", m["hash"].as_str().unwrap()));
    assert_eq!(std::fs::read(kept).unwrap(), PNG_1X1);
}

#[test]
#[ignore = "needs the OS keychain (a Secret Service): scripts/test.sh runs it"]
fn workspace_files_are_checked_and_left_unchanged() {
    let w = Workspace::empty();
    assert_eq!(w.refused(&["member", "list"]), "no_workspace");
    assert!(
        !w.db().exists(),
        "a missing workspace is not created by reading"
    );
    assert_eq!(
        w.refused(&["init", "--handle", "not a handle"]),
        "invalid_handle"
    );
    assert_eq!(
        w.refused(&["init", "--handle", "acme", "--timezone", "Nowhere/Land"]),
        "unknown_timezone"
    );
    w.ok(&["init", "--handle", "acme", "--timezone", "UTC"]);
    assert_eq!(
        w.refused(&["init", "--handle", "acme"]),
        "already_initialized"
    );
    // Connecting X needs the brand's registered client id; none was ever given.
    assert_eq!(w.refused(&["account", "connect"]), "no_client_id");

    // Not a database at all.
    let junk = Workspace::empty();
    std::fs::write(junk.db(), "name,handle\nann,@ann\n".repeat(300)).unwrap();
    let before = std::fs::read(junk.db()).unwrap();
    assert_eq!(junk.refused(&["member", "list"]), "not_a_database");
    assert_eq!(std::fs::read(junk.db()).unwrap(), before);

    // Another program's SQLite database.
    let other = Workspace::empty();
    rusqlite::Connection::open(other.db())
        .unwrap()
        .execute_batch("CREATE TABLE notes (t TEXT)")
        .unwrap();
    let before = std::fs::read(other.db()).unwrap();
    assert_eq!(other.refused(&["member", "list"]), "not_a_database");
    assert_eq!(std::fs::read(other.db()).unwrap(), before);

    // From a newer Countersign.
    let newer = Workspace::new();
    newer
        .sql()
        .pragma_update(None, "user_version", 999)
        .unwrap();
    let before = std::fs::read(newer.db()).unwrap();
    assert_eq!(newer.refused(&["member", "list"]), "schema_too_new");
    assert_eq!(std::fs::read(newer.db()).unwrap(), before);

    // Damaged: garbage over the pages holding the tables.
    let broken = team();
    for i in 0..30 {
        broken.draft(
            "Ann",
            &[&format!("draft number {i} with some text to fill pages")],
        );
    }
    let mut bytes = std::fs::read(broken.db()).unwrap();
    assert!(bytes.len() > 4096 * 6);
    for b in &mut bytes[4096 * 2..4096 * 6] {
        *b = 0xA5;
    }
    std::fs::write(broken.db(), &bytes).unwrap();
    assert_eq!(broken.refused(&["draft", "list"]), "corrupt_database");
    assert_eq!(std::fs::read(broken.db()).unwrap(), bytes);
}

#[test]
#[ignore = "needs the OS keychain (a Secret Service): scripts/test.sh runs it"]
fn count_prints_x_counts() {
    let w = Workspace::empty();
    let out = w.run_with_stdin(&["count"], Some("Hello example.com".as_bytes()));
    assert!(out.status.success());
    let line = String::from_utf8(out.stdout).unwrap();
    assert_eq!(
        line.trim(),
        r#"{"weighted_length":29,"valid":true,"permillage":103,"valid_range_end":16}"#
    );

    // Thousands of lines in one process, in order.
    let texts: Vec<String> = (0..5000).map(|i| "x".repeat(i % 300 + 1)).collect();
    let input: String = texts
        .iter()
        .map(|t| serde_json::to_string(t).unwrap() + "\n")
        .collect();
    let out = w.run_with_stdin(&["count", "--lines"], Some(input.as_bytes()));
    assert!(out.status.success());
    let lines: Vec<serde_json::Value> = String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 5000);
    for (t, l) in texts.iter().zip(&lines) {
        assert_eq!(l["weighted_length"], t.len());
        assert_eq!(l["valid"], t.len() <= 280);
    }

    let out = w.run_with_stdin(&["count", "--lines"], Some(b"\"ok\"\nnot json\n\"fine\"\n"));
    assert!(!out.status.success(), "a bad line is an error");
    assert_eq!(
        String::from_utf8(out.stdout).unwrap().lines().count(),
        3,
        "every line still gets its answer"
    );
}
