//! The foundation's acceptance journey: two contributors and one approver take a thread from
//! draft to scheduled through the real `countersign` binary on a real SQLite file; then one
//! audit row is corrupted with SQL and `audit verify` must name it.
#![allow(clippy::unwrap_used)]

mod support;

use support::Workspace;

#[test]
#[ignore = "needs the OS keychain (a Secret Service): scripts/test.sh runs it"]
fn draft_review_approve_schedule_and_audit() {
    let w = Workspace::new();
    w.add("Ann", "contributor");
    w.add("Cat", "contributor");
    w.add("Bob", "approver");

    // Ann drafts a 2-part thread and submits it.
    let id = w.draft("Ann", &["We launch on Monday 🚀", "More at example.com"]);
    let post = w.show(&id);
    assert_eq!(post["status"], "draft");
    assert_eq!(post["author"], "Ann");
    assert_eq!(post["parts"].as_array().unwrap().len(), 2);
    // X's count: the bare domain weighs 23 and the emoji 2.
    assert_eq!(post["parts"][1]["weighted_length"], 8 + 23);
    assert_eq!(post["parts"][0]["weighted_length"], 20 + 2);
    assert!(post["approval"].is_null());
    w.ok(&["submit", &id, "--as", "Ann"]);
    assert_eq!(w.status(&id), "in_review");

    // Bob requests changes; Ann edits and resubmits.
    w.ok(&[
        "request-changes",
        &id,
        "--as",
        "Bob",
        "--comment",
        "Say which Monday",
    ]);
    assert_eq!(w.status(&id), "changes_requested");
    w.ok(&[
        "draft",
        "edit",
        &id,
        "--as",
        "Ann",
        "--part",
        "1",
        "--text",
        "We launch on Monday 1 June 🚀",
    ]);
    w.ok(&["submit", &id, "--as", "Ann"]);
    assert_eq!(w.status(&id), "in_review");
    let diff = w.ok(&["draft", "diff", &id, "--as", "Bob"]);
    assert_eq!(diff["from_version"], 1);
    assert_eq!(diff["to_version"], 2);
    let added: Vec<&str> = diff["parts"][0]["spans"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["change"] == "added")
        .map(|s| s["text"].as_str().unwrap())
        .collect();
    assert_eq!(added.concat().trim(), "1 June");

    // An approver's attempt to approve their own draft is refused.
    let own = w.draft("Bob", &["Bob's own idea"]);
    w.ok(&["submit", &own, "--as", "Bob"]);
    assert_eq!(
        w.refused(&["approve", &own, "--as", "Bob"]),
        "self_approval"
    );
    assert_eq!(w.status(&own), "in_review");

    // Bob approves Ann's thread; the approval is bound to the content.
    w.ok(&["approve", &id, "--as", "Bob"]);
    let post = w.show(&id);
    assert_eq!(post["status"], "approved");
    assert_eq!(post["approval"]["by"], "Bob");
    assert_eq!(post["approval"]["version"], 2);
    assert_eq!(post["approval"]["digest"].as_str().unwrap().len(), 64);

    // A contributor edits after approval: the approval is void and the post is back in review.
    w.ok(&[
        "draft",
        "edit",
        &id,
        "--as",
        "Ann",
        "--part",
        "2",
        "--text",
        "More at example.com/launch",
    ]);
    let post = w.show(&id);
    assert_eq!(post["status"], "in_review");
    assert!(post["approval"].is_null());

    // Re-approve, then schedule.
    w.ok(&["approve", &id, "--as", "Bob"]);
    assert_eq!(w.status(&id), "approved");
    let june = support::ahead("06-01 09:00");
    let june_utc = format!("{}-06-01T07:00:00Z", support::future_year());
    w.ok(&["schedule", &id, "--as", "Bob", "--at", &june]);
    let post = w.show(&id);
    assert_eq!(post["status"], "scheduled");
    assert_eq!(
        post["scheduled_at"],
        june_utc.as_str(),
        "09:00 Berlin summer time is 07:00 UTC"
    );
    assert_eq!(post["scheduled_zone"], "Europe/Berlin");
    assert_eq!(post["approval"]["scheduled_at"], june_utc.as_str());

    // The audit trail holds.
    let report = w.ok(&["audit", "verify"]);
    assert_eq!(report["ok"], true);
    let entries = report["entries"].as_u64().unwrap();
    assert!(entries >= 15, "every action is audited, found {entries}");

    // Corrupt one audit row with SQL: verify fails and names it.
    let conn = w.sql();
    let seq: i64 = conn
        .query_row(
            "SELECT seq FROM audit WHERE action = 'approved' ORDER BY seq LIMIT 1",
            [],
            |r| r.get(0),
        )
        .unwrap();
    conn.execute_batch("DROP TRIGGER audit_no_update").unwrap();
    conn.execute("UPDATE audit SET actor_name = 'Cat' WHERE seq = ?1", [seq])
        .unwrap();
    drop(conn);
    let out = w.run(&["--json", "audit", "verify"]);
    assert!(
        !out.status.success(),
        "a broken chain must fail verification"
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["ok"], false);
    assert_eq!(report["first_broken"]["seq"], seq);
    let human = w.run(&["audit", "verify"]);
    assert!(!human.status.success());
    assert!(String::from_utf8_lossy(&human.stdout).contains(&format!("entry {seq}")));
}

#[test]
#[ignore = "needs the OS keychain (a Secret Service): scripts/test.sh runs it"]
fn history_search_backup_and_versions() {
    let w = Workspace::new();
    w.add("Ann", "contributor");
    w.add("Bob", "approver");
    let id = w.draft("Ann", &["Spring sale starts today"]);
    w.ok(&[
        "draft",
        "edit",
        &id,
        "--as",
        "Ann",
        "--text",
        "Spring sale starts tomorrow",
    ]);
    let versions = w.ok(&["draft", "versions", &id]);
    assert_eq!(versions.as_array().unwrap().len(), 2);
    assert_eq!(
        versions[0]["content"]["parts"][0]["text"],
        "Spring sale starts today"
    );

    // Nothing is posted yet (the publisher posts), so History is empty but searchable.
    assert_eq!(
        w.ok(&["history", "--search", "spring"])
            .as_array()
            .unwrap()
            .len(),
        0
    );
    assert_eq!(
        w.ok(&["history", "--search", "\"AND ("])
            .as_array()
            .unwrap()
            .len(),
        0
    );

    let backup = w.data_dir().join("copy.sqlite");
    w.ok(&["backup", backup.to_str().unwrap()]);
    let restored = Workspace::empty();
    std::fs::copy(&backup, restored.db()).unwrap();
    assert_eq!(restored.status(&id), "draft");
    assert_eq!(restored.ok(&["audit", "verify"])["ok"], true);
    // A backup does not overwrite.
    assert_eq!(w.refused(&["backup", backup.to_str().unwrap()]), "io");
}
