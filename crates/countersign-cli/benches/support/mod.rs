//! What the publisher benches share: the members they seed, wall times, and starting and
//! stopping the real `countersign run`.

use std::path::Path;
use std::process::{Child, Command, Stdio};

use countersign_core::secrets::{Channel, SecretString};
use countersign_core::{NewMember, Role, When};
use jiff::Timestamp;

/// The reviewers' passphrase (their keys are sealed in the private keychain of the run).
pub const PASS: &str = "bench passphrase";

/// A size from the environment, or `default`.
pub fn env_num(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

pub fn member(name: &str, role: Role) -> NewMember {
    NewMember {
        name: name.into(),
        role,
        initials: None,
        passphrase: role.reviews().then(|| SecretString::new(PASS)),
    }
}

/// A wall time in UTC (the workspace's zone) to the millisecond.
pub fn wall(at: Timestamp) -> When {
    When {
        wall: at.strftime("%Y-%m-%d %H:%M:%S%.3f").to_string(),
        zone: None,
        fold: None,
    }
}

/// The real `countersign run` on `dir`, its output appended to `log`.
pub fn start_publisher(dir: &Path, log: &Path) -> Child {
    let out = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(log)
        .unwrap();
    Command::new(env!("CARGO_BIN_EXE_countersign"))
        .arg("--data-dir")
        .arg(dir)
        .arg("run")
        .env_remove("COUNTERSIGN_DATA_DIR")
        .env_remove("COUNTERSIGN_LOG")
        .env(
            "COUNTERSIGN_CHANNEL",
            Channel::named(std::env::var("COUNTERSIGN_CHANNEL").ok().as_deref()).as_str(),
        )
        .stdin(Stdio::null())
        .stdout(Stdio::from(out.try_clone().unwrap()))
        .stderr(Stdio::from(out))
        .spawn()
        .unwrap()
}

/// Stops the publisher as a service manager would (SIGTERM) and checks it stopped cleanly.
pub fn stop(mut child: Child) {
    let ok = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap()
        .success();
    assert!(ok, "kill -TERM failed");
    let status = child.wait().unwrap();
    assert!(
        status.success(),
        "the publisher stops cleanly on SIGTERM: {status}"
    );
}
