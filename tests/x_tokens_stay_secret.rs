//! A full X journey through the real binary (connect to an x-sandbox, status checks that
//! rotate tokens, failures), then a scan for every access and refresh token issued: in the
//! SQLite file with its WAL, in the log output at trace level, in every error message. They
//! must be nowhere but the OS keychain.
#![allow(clippy::unwrap_used)]

mod support;

use std::process::{Command, Output};
use std::time::Duration;

use countersign_core::secrets::Keychain;
use countersign_core::secrets::SecretStore;
use support::Workspace;
use x_sandbox::{Sandbox, SandboxConfig};

struct Journey<'a> {
    w: &'a Workspace,
    transcript: String,
}

impl Journey<'_> {
    fn run(&mut self, args: &[&str]) -> Output {
        let out = Command::new(env!("CARGO_BIN_EXE_countersign"))
            .arg("--data-dir")
            .arg(self.w.data_dir())
            .args(args)
            .env("COUNTERSIGN_CHANNEL", "test")
            .env("COUNTERSIGN_LOG", "trace")
            .output()
            .unwrap();
        self.transcript
            .push_str(&String::from_utf8_lossy(&out.stdout));
        self.transcript
            .push_str(&String::from_utf8_lossy(&out.stderr));
        out
    }

    fn ok(&mut self, args: &[&str]) -> serde_json::Value {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice(&out.stdout).unwrap_or(serde_json::Value::Null)
    }

    fn refused(&mut self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(!out.status.success(), "{args:?} should fail");
        let stderr = String::from_utf8_lossy(&out.stderr);
        let last = stderr.trim().lines().last().unwrap_or("").to_string();
        let v: serde_json::Value =
            serde_json::from_str(&last).unwrap_or_else(|_| panic!("not JSON: {stderr}"));
        v["code"].as_str().unwrap().to_string()
    }
}

#[test]
#[ignore = "needs the OS keychain (a Secret Service): scripts/test.sh runs it"]
fn tokens_live_only_in_the_keychain() {
    let keychain = support::require_keychain();
    // Tokens that live 2 minutes are always inside the client's 5-minute refresh margin, so
    // every call rotates them: the journey sees many pairs.
    let sandbox = Sandbox::start_blocking(SandboxConfig {
        token_ttl: Duration::from_secs(120),
        ..Default::default()
    })
    .unwrap();
    let url = sandbox.base_url();
    let w = Workspace::new();
    // Hold the database open so the WAL file stays on disk for the scan.
    let holder = w.sql();
    holder
        .query_row("SELECT count(*) FROM workspace", [], |r| r.get::<_, i64>(0))
        .unwrap();
    let mut j = Journey {
        w: &w,
        transcript: String::new(),
    };

    let c = j.ok(&["--json", "account", "connect", "--sandbox", &url]);
    let key = format!("x-tokens/{}", c["workspace_id"].as_str().unwrap());
    let mut secrets: Vec<String> = Vec::new();
    let collect = |keychain: &Keychain, secrets: &mut Vec<String>| {
        let stored = keychain
            .get(&key)
            .unwrap()
            .expect("the tokens are in the keychain");
        let v: serde_json::Value = serde_json::from_str(stored.expose()).unwrap();
        for field in ["access_token", "refresh_token"] {
            let s = v[field].as_str().unwrap().to_string();
            assert!(s.len() >= 16, "a real token");
            if !secrets.contains(&s) {
                secrets.push(s);
            }
        }
    };
    collect(&keychain, &mut secrets);
    for _ in 0..3 {
        let status = j.ok(&["--json", "account", "status"]);
        assert_eq!(status["connection"]["state"], "connected");
        collect(&keychain, &mut secrets);
    }
    assert!(
        secrets.len() >= 6,
        "the tokens rotated: {} distinct",
        secrets.len()
    );

    // Failures: X errors, an unreachable server, a refused refresh.
    let admin = reqwest_post(
        &url,
        "/_sandbox/faults",
        r#"{"kind":"status_503","count":3,"path":"/2/users/me"}"#,
    );
    assert!(
        admin.starts_with("HTTP/1.1 2"),
        "the sandbox took the fault: {admin}"
    );
    let status = j.ok(&["--json", "account", "status"]);
    assert!(
        status["check_error"].as_str().unwrap_or("").contains("x_"),
        "{status}"
    );
    collect(&keychain, &mut secrets);
    assert_eq!(
        j.refused(&[
            "--json",
            "account",
            "connect",
            "--sandbox",
            "http://127.0.0.1:9"
        ]),
        "x_transport"
    );
    // A stale pair: put the first grant back, whose refresh token X has since refused.
    let first = serde_json::json!({
        "access_token": "not-a-valid-access-token-anymore",
        "refresh_token": secrets[1],
        "expires_at": "2020-01-01T00:00:00Z",
        "scope": "tweet.read tweet.write users.read offline.access media.write"
    });
    keychain
        .set(
            &key,
            &countersign_core::secrets::SecretString::new(first.to_string()),
        )
        .unwrap();
    let status = j.ok(&["--json", "account", "status"]);
    assert_eq!(status["connection"]["state"], "needs_reconnect", "{status}");
    j.ok(&["--json", "account", "disconnect"]);
    assert_eq!(
        keychain.get(&key).unwrap(),
        None,
        "disconnect removes the tokens"
    );

    // The scan.
    let db = std::fs::read(w.db()).unwrap();
    let wal_path = w.data_dir().join("countersign.sqlite-wal");
    let wal = std::fs::read(&wal_path).unwrap_or_default();
    assert!(!wal.is_empty(), "the WAL is on disk for the scan");
    let shm = std::fs::read(w.data_dir().join("countersign.sqlite-shm")).unwrap_or_default();
    assert!(
        j.transcript.contains("TRACE") || j.transcript.contains("DEBUG"),
        "trace logging was on"
    );
    let contains = |hay: &[u8], needle: &str| {
        hay.windows(needle.len())
            .any(|win| win == needle.as_bytes())
    };
    assert!(
        contains(format!("xx{}yy", secrets[0]).as_bytes(), &secrets[0]),
        "the scan can find a token"
    );
    for s in &secrets {
        assert!(!contains(&db, s), "a token is in the SQLite file");
        assert!(!contains(&wal, s), "a token is in the WAL");
        assert!(!contains(&shm, s), "a token is in the shared-memory file");
        assert!(
            !j.transcript.contains(s.as_str()),
            "a token is in the output or logs"
        );
    }
    drop(holder);
}

/// A plain HTTP POST to the sandbox's admin API, without pulling a client into the test.
fn reqwest_post(base: &str, path: &str, body: &str) -> String {
    use std::io::{Read, Write};
    let addr = base.trim_start_matches("http://");
    let mut s = std::net::TcpStream::connect(addr).unwrap();
    write!(s, "POST {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}", body.len()).unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    out
}

#[test]
#[ignore = "needs the OS keychain (a Secret Service): scripts/test.sh runs it"]
fn processes_sharing_the_grant_never_spend_the_same_refresh_token() {
    let _keychain = support::require_keychain();
    // Tokens inside the refresh margin: every process refreshes before its request. X accepts
    // each refresh token once, so two processes refreshing the same pair at once would leave
    // one refused and the account wrongly marked "needs reconnect".
    let config = SandboxConfig {
        token_ttl: Duration::from_secs(120),
        ..Default::default()
    };
    let sandbox = Sandbox::start_blocking(config).unwrap();
    let w = Workspace::new();
    let mut j = Journey {
        w: &w,
        transcript: String::new(),
    };
    j.ok(&[
        "--json",
        "account",
        "connect",
        "--sandbox",
        &sandbox.base_url(),
    ]);
    let children: Vec<_> = (0..8)
        .map(|_| {
            Command::new(env!("CARGO_BIN_EXE_countersign"))
                .arg("--data-dir")
                .arg(w.data_dir())
                .args(["--json", "account", "status"])
                .env("COUNTERSIGN_CHANNEL", "test")
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for child in children {
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let status: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert!(
            status["check_error"].is_null(),
            "a process was refused: {status}"
        );
        assert_eq!(status["connection"]["state"], "connected");
    }
    let status = j.ok(&["--json", "account", "status"]);
    assert_eq!(status["connection"]["state"], "connected");
}
