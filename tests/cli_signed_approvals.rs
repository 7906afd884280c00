//! Signed approvals through the real binary: an admin signs members in, an approver signs an
//! approval, the claim-time check holds until the file is tampered with, the audit export
//! verifies on its own, and no private key or passphrase shows up anywhere but the keychain.
#![allow(clippy::unwrap_used)]

mod support;

use countersign_core::keys::{self, KeySecret};
use countersign_core::secrets::SecretStore;
use countersign_core::secrets::SecretString;
use support::{PASSPHRASE, Workspace};

#[test]
#[ignore = "needs the OS keychain (a Secret Service): scripts/test.sh runs it"]
fn a_signed_approval_from_roster_to_audit_export() {
    let keychain = support::require_keychain();
    let w = Workspace::new();
    let transcript = std::cell::RefCell::new(String::new());
    let ok = |args: &[&str]| {
        let v = w.ok(args);
        transcript.borrow_mut().push_str(&v.to_string());
        v
    };
    ok(&["member", "add", "Ada", "--role", "admin"]);
    ok(&[
        "member",
        "add",
        "Ann",
        "--role",
        "contributor",
        "--as",
        "Ada",
    ]);
    ok(&["member", "add", "Bob", "--role", "approver", "--as", "Ada"]);
    // Added without an admin's signature: kept, but does not count.
    ok(&["member", "add", "Dan", "--role", "approver"]);
    let roster = ok(&["member", "roster"]);
    let counts: Vec<(String, bool)> = roster
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["name"].as_str().unwrap().to_string(),
                l["counts"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        counts,
        [
            ("Ada".into(), true),
            ("Ann".into(), true),
            ("Bob".into(), true),
            ("Dan".into(), false)
        ]
    );
    assert_eq!(roster[2]["public_key"].as_str().unwrap().len(), 64);

    let id = w.draft("Ann", &["signed and sealed"]);
    ok(&["submit", &id, "--as", "Ann"]);
    ok(&["approve", &id, "--as", "Bob"]);
    let approval = ok(&["check", &id]);
    assert_eq!(approval["approver"]["name"], "Bob");
    assert_eq!(approval["signature"].as_str().unwrap().len(), 128);

    // A wrong passphrase is refused with its code, and nothing changes.
    let other = w.draft("Ann", &["second"]);
    ok(&["submit", &other, "--as", "Ann"]);
    let wrong = w.run_env(
        &["--json", "approve", &other, "--as", "Bob"],
        &[("COUNTERSIGN_PASSPHRASE", "not Bob's passphrase")],
    );
    assert!(!wrong.status.success());
    let err: serde_json::Value = serde_json::from_slice(&wrong.stderr).unwrap();
    assert_eq!(err["code"], "wrong_passphrase");
    transcript
        .borrow_mut()
        .push_str(&String::from_utf8_lossy(&wrong.stderr));
    assert_eq!(w.status(&other), "in_review");

    // Dan's approval does not count at claim time.
    ok(&["approve", &other, "--as", "Dan"]);
    assert_eq!(w.refused(&["check", &other]), "approval_invalid");
    assert_eq!(w.status(&other), "needs_check");

    // Re-keying keeps the old approval verifiable. Logged at trace level, for the scan below.
    let traced = w.run_env(
        &["--json", "member", "rekey", "Bob", "--as", "Ada"],
        &[("COUNTERSIGN_LOG", "trace")],
    );
    assert!(traced.status.success());
    for stream in [&traced.stdout, &traced.stderr] {
        transcript
            .borrow_mut()
            .push_str(&String::from_utf8_lossy(stream));
    }
    ok(&["check", &id]);

    // Tampering with the text behind Countersign's back.
    w.sql()
        .execute("UPDATE parts SET text = 'forged' WHERE post_id = ?1", [&id])
        .unwrap();
    let out = w.run(&["check", &id]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("content differs"), "{stderr}");
    transcript.borrow_mut().push_str(&stderr);
    assert_eq!(w.status(&id), "needs_check");

    // The trail verifies, in the file and as an export; one changed byte does not.
    assert_eq!(ok(&["audit", "verify"])["ok"], true);
    let export = w.data_dir().join("audit.jsonl");
    ok(&["audit", "export", export.to_str().unwrap()]);
    assert_eq!(
        ok(&["audit", "verify", "--file", export.to_str().unwrap()])["ok"],
        true
    );
    let mut bytes = std::fs::read(&export).unwrap();
    let at = bytes.len() / 2;
    bytes[at] = if bytes[at] == b'a' { b'b' } else { b'a' };
    let changed = w.data_dir().join("changed.jsonl");
    std::fs::write(&changed, &bytes).unwrap();
    let out = w.run(&[
        "--json",
        "audit",
        "verify",
        "--file",
        changed.to_str().unwrap(),
    ]);
    assert!(!out.status.success());

    // No private key or passphrase anywhere but the keychain.
    let ws: String = w
        .sql()
        .query_row("SELECT workspace_id FROM workspace", [], |r| r.get(0))
        .unwrap();
    let ids: Vec<String> = {
        let c = w.sql();
        let mut stmt = c.prepare("SELECT id, name FROM members").unwrap();
        stmt.query_map([], |r| r.get::<_, String>(0))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    };
    let mut secrets = vec![PASSPHRASE.as_bytes().to_vec()];
    for m in &ids {
        let stored = keychain
            .get(&format!("member-key/{ws}/{m}"))
            .unwrap()
            .unwrap();
        let key = match keys::read(m, &stored).unwrap() {
            KeySecret::Plain(k) => k,
            KeySecret::Sealed(s) => keys::unseal(m, &s, &SecretString::new(PASSPHRASE)).unwrap(),
        };
        secrets.push(key.secret_bytes().to_vec());
        secrets.push(hex::encode(*key.secret_bytes()).into_bytes());
    }
    assert_eq!(secrets.len(), 1 + 2 * 4);
    let mut places = vec![("transcript".to_string(), transcript.take().into_bytes())];
    for name in [
        "countersign.sqlite",
        "countersign.sqlite-wal",
        "audit.jsonl",
    ] {
        if let Ok(b) = std::fs::read(w.data_dir().join(name)) {
            places.push((name.to_string(), b));
        }
    }
    for (place, bytes) in &places {
        for s in &secrets {
            assert!(
                !bytes.windows(s.len()).any(|win| win == s.as_slice()),
                "a secret leaked into {place}"
            );
        }
    }
}
