//! Running the real `countersign` binary against a workspace in a temp dir.
#![allow(dead_code, clippy::unwrap_used)]

pub mod waiting;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

/// Every approver's and admin's passphrase in the CLI tests.
pub const PASSPHRASE: &str = "cli test passphrase";

pub struct Workspace {
    pub dir: tempfile::TempDir,
}

impl Workspace {
    /// An empty data dir; nothing initialised.
    pub fn empty() -> Self {
        Workspace {
            dir: tempfile::tempdir().unwrap(),
        }
    }

    /// A workspace for @acme in Europe/Berlin.
    pub fn new() -> Self {
        let w = Self::empty();
        w.ok(&[
            "init",
            "--handle",
            "acme",
            "--name",
            "Acme",
            "--timezone",
            "Europe/Berlin",
        ]);
        w
    }

    pub fn data_dir(&self) -> &Path {
        self.dir.path()
    }

    pub fn db(&self) -> PathBuf {
        self.dir.path().join("countersign.sqlite")
    }

    pub fn run(&self, args: &[&str]) -> Output {
        self.run_with_stdin(args, None)
    }

    /// Runs with extra environment variables (e.g. another passphrase).
    pub fn run_env(&self, args: &[&str], env: &[(&str, &str)]) -> Output {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_countersign"));
        cmd.arg("--data-dir").arg(self.dir.path()).args(args);
        cmd.env_remove("COUNTERSIGN_DATA_DIR")
            .env("COUNTERSIGN_CHANNEL", "test")
            .env("COUNTERSIGN_PASSPHRASE", PASSPHRASE)
            .env_remove("COUNTERSIGN_NEW_PASSPHRASE")
            .envs(env.iter().copied());
        cmd.output().unwrap()
    }

    pub fn run_with_stdin(&self, args: &[&str], stdin: Option<&[u8]>) -> Output {
        use std::io::Write;
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_countersign"));
        cmd.arg("--data-dir").arg(self.dir.path()).args(args);
        cmd.env_remove("COUNTERSIGN_DATA_DIR");
        // Member keys live in the test channel of the real keychain; approvers and admins seal
        // theirs with this passphrase (the CLI's stand-in for the prompt).
        cmd.env("COUNTERSIGN_CHANNEL", "test")
            .env("COUNTERSIGN_PASSPHRASE", PASSPHRASE)
            .env_remove("COUNTERSIGN_NEW_PASSPHRASE");
        cmd.stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped());
        let mut child = cmd.spawn().unwrap();
        // Write stdin on its own thread: with large input the child fills its stdout pipe
        // before it has read all of stdin, so writing first and reading after would deadlock.
        let mut input = child.stdin.take().unwrap();
        let bytes = stdin.map(<[u8]>::to_vec).unwrap_or_default();
        let writer = std::thread::spawn(move || {
            let _ = input.write_all(&bytes);
        });
        let out = child.wait_with_output().unwrap();
        writer.join().unwrap();
        out
    }

    /// Runs with `--json`, asserts success, returns the parsed stdout.
    pub fn ok(&self, args: &[&str]) -> Value {
        let mut full = vec!["--json"];
        full.extend_from_slice(args);
        let out = self.run(&full);
        assert!(
            out.status.success(),
            "countersign {args:?} failed:\n{}{}",
            String::from_utf8_lossy(&out.stderr),
            String::from_utf8_lossy(&out.stdout)
        );
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
            panic!(
                "{args:?} printed no JSON ({e}): {}",
                String::from_utf8_lossy(&out.stdout)
            )
        })
    }

    /// Runs with `--json`, asserts a refusal with a one-line reason, returns its code.
    pub fn refused(&self, args: &[&str]) -> String {
        let mut full = vec!["--json"];
        full.extend_from_slice(args);
        let out = self.run(&full);
        assert!(
            !out.status.success(),
            "countersign {args:?} should have been refused"
        );
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(
            stderr.trim_end().lines().count(),
            1,
            "the reason must be one line: {stderr}"
        );
        let v: Value =
            serde_json::from_str(stderr.trim()).unwrap_or_else(|_| panic!("not JSON: {stderr}"));
        assert!(!v["message"].as_str().unwrap().is_empty());
        v["code"].as_str().unwrap().to_string()
    }

    /// Ada (the first admin), then Ann (contributor) and Bob (approver), signed in by Ada.
    pub fn sign_in_team(&self) {
        self.ok(&["member", "add", "Ada", "--role", "admin"]);
        for (name, role) in [("Ann", "contributor"), ("Bob", "approver")] {
            self.ok(&["member", "add", name, "--role", role, "--as", "Ada"]);
        }
    }

    pub fn add(&self, name: &str, role: &str) {
        self.ok(&["member", "add", name, "--role", role]);
    }

    pub fn draft(&self, author: &str, texts: &[&str]) -> String {
        let mut args = vec!["draft", "new", "--as", author];
        for t in texts {
            args.push("--text");
            args.push(t);
        }
        self.ok(&args)["id"].as_str().unwrap().to_string()
    }

    pub fn show(&self, id: &str) -> Value {
        self.ok(&["draft", "show", id])
    }

    pub fn status(&self, id: &str) -> String {
        self.show(id)["status"].as_str().unwrap().to_string()
    }

    /// Opens the database file directly, as an attacker or a broken disk would.
    pub fn sql(&self) -> rusqlite::Connection {
        rusqlite::Connection::open(self.db()).unwrap()
    }
}

/// A wall time `years` ahead of today, "YYYY-MM-DD HH:MM", so tests never schedule in the past.
pub fn ahead(month_day_time: &str) -> String {
    format!("{}-{month_day_time}", future_year())
}

/// A year safely in the future.
pub fn future_year() -> i16 {
    jiff::Zoned::now().year() + 3
}

/// The day Berlin springs forward (last Sunday of March) in [`future_year`], "YYYY-MM-DD".
pub fn berlin_spring_forward() -> String {
    let day = jiff::civil::date(future_year(), 3, 1)
        .nth_weekday_of_month(-1, jiff::civil::Weekday::Sunday)
        .unwrap();
    day.to_string()
}

/// The day New York falls back (first Sunday of November) in [`future_year`], "YYYY-MM-DD".
pub fn new_york_fall_back() -> String {
    let day = jiff::civil::date(future_year(), 11, 1)
        .nth_weekday_of_month(1, jiff::civil::Weekday::Sunday)
        .unwrap();
    day.to_string()
}

/// The test channel's keychain. A test that needs it fails when this machine has none (such
/// tests are `#[ignore]`d for plain `cargo test`; scripts/test.sh runs them inside a private
/// keyring): it never passes without asserting.
pub fn require_keychain() -> countersign_core::secrets::Keychain {
    use countersign_core::secrets::{Channel, Keychain};
    let k = Keychain::new(Channel::Test);
    if let Err(e) = k.check() {
        panic!(
            "this test needs the OS keychain (run it inside scripts/with-keychain.sh, as \
             scripts/test.sh does): {e} [{}]",
            e.code()
        );
    }
    k
}

/// A real 1x1 PNG.
pub const PNG_1X1: &[u8] = &[
    0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0x00, 0x00, 0x00, 0x0D, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1F, 0x15, 0xC4,
    0x89, 0x00, 0x00, 0x00, 0x0A, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9C, 0x63, 0x00, 0x01, 0x00, 0x00,
    0x05, 0x00, 0x01, 0x0D, 0x0A, 0x2D, 0xB4, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45, 0x4E, 0x44, 0xAE,
    0x42, 0x60, 0x82,
];
