//! The keychain as a person meets it through the CLI: working under a real Secret Service, and
//! a clear, coded error when none is running.
#![allow(clippy::unwrap_used)]

mod support;

use support::Workspace;

#[test]
fn with_no_secret_service_the_error_is_keychain_unavailable() {
    let w = Workspace::empty();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_countersign"))
        .args(["--json", "keychain", "check"])
        .env("COUNTERSIGN_CHANNEL", "test")
        .env(
            "DBUS_SESSION_BUS_ADDRESS",
            format!("unix:path={}/no-bus-here", w.data_dir().display()),
        )
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    let v: serde_json::Value =
        serde_json::from_str(stderr.trim()).unwrap_or_else(|_| panic!("not JSON: {stderr}"));
    assert_eq!(v["code"], "keychain_unavailable", "{stderr}");
    assert!(
        v["message"].as_str().unwrap().contains("keyring"),
        "the message says what to do: {stderr}"
    );
}

#[test]
#[ignore = "needs the OS keychain (a Secret Service): scripts/test.sh runs it"]
fn with_a_secret_service_the_check_passes() {
    support::require_keychain();
    let w = Workspace::empty();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_countersign"))
        .args([
            "--json",
            "--data-dir",
            w.data_dir().to_str().unwrap(),
            "keychain",
            "check",
        ])
        .env("COUNTERSIGN_CHANNEL", "test")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
#[ignore = "needs gnome-keyring-daemon and dbus-run-session: scripts/test.sh installs and runs it"]
fn a_locked_keyring_is_reported_as_locked() {
    let have = |tool: &str| {
        std::process::Command::new("sh")
            .args(["-c", &format!("command -v {tool}")])
            .output()
            .map(|o| o.status.success())
            .unwrap_or(false)
    };
    assert!(
        have("dbus-run-session") && have("gnome-keyring-daemon"),
        "this test needs gnome-keyring-daemon and dbus-run-session (scripts/test.sh installs them)"
    );
    // A keyring daemon that was started but never unlocked: no login collection can be used
    // without a person typing the password into a prompt.
    let w = Workspace::empty();
    let run = w.data_dir().join("run");
    std::fs::create_dir_all(&run).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&run, std::fs::Permissions::from_mode(0o700)).unwrap();
    }
    let out = std::process::Command::new("dbus-run-session")
        .args(["--", "sh", "-c", "gnome-keyring-daemon --start --components=secrets >/dev/null 2>&1; exec \"$0\" --json keychain check"])
        .arg(env!("CARGO_BIN_EXE_countersign"))
        .env("COUNTERSIGN_CHANNEL", "test")
        .env("XDG_RUNTIME_DIR", &run)
        .env("XDG_DATA_HOME", w.data_dir().join("data"))
        .env_remove("DISPLAY")
        .output()
        .unwrap();
    assert!(!out.status.success());
    // The daemon may add its own lines; ours is the last.
    let stderr = String::from_utf8_lossy(&out.stderr);
    let last = stderr.trim().lines().last().unwrap_or("");
    let v: serde_json::Value =
        serde_json::from_str(last).unwrap_or_else(|_| panic!("not JSON: {stderr}"));
    assert_eq!(v["code"], "keychain_locked", "{stderr}");
}
