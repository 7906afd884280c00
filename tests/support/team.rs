//! A team on one real PostgreSQL server, laptop by laptop: each laptop is its own data dir,
//! driven through the real binary, with its own device-scoped keychain entries.
//!
//! Used with `mod pg` (the harness) and `mod support` in the same test binary.
#![allow(dead_code, clippy::unwrap_used)]

use serde_json::Value;

use crate::pg;
use crate::support::Workspace;

/// The operator's login as a URL, and its password.
pub fn operator(db: &pg::TestDb) -> (String, String) {
    let (user, password) = db.operator();
    (
        format!(
            "postgres://{user}@127.0.0.1:{}/{}",
            pg::cluster().port(),
            db.name
        ),
        password,
    )
}

/// Ada's laptop: a Berlin workspace with Ada as its admin, connected to the sandbox at
/// `sandbox_url`, shared on `db`. Returns it and the workspace id.
pub fn start(db: &pg::TestDb, sandbox_url: &str) -> (Workspace, String) {
    let (ada, started, _) = start_with(db, sandbox_url);
    let ws = started["workspace_id"].as_str().unwrap().to_string();
    (ada, ws)
}

/// [`start`], returning what `team init` printed and the operator's password too.
pub fn start_with(db: &pg::TestDb, sandbox_url: &str) -> (Workspace, Value, String) {
    let ada = Workspace::new();
    ada.ok(&["member", "add", "Ada", "--role", "admin"]);
    ada.ok(&[
        "account",
        "connect",
        "--sandbox",
        sandbox_url,
        "--as",
        "Ada",
    ]);
    let (server, password) = operator(db);
    let out = ada.run_env(
        &["--json", "team", "init", "--server", &server, "--as", "Ada"],
        &[("PGPASSWORD", &password)],
    );
    assert!(
        out.status.success(),
        "team init: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let started: Value = serde_json::from_slice(&out.stdout).unwrap();
    (ada, started, password)
}

/// Ada invites `name` as `role`; the invite bundle.
pub fn invite(ada: &Workspace, name: &str, role: &str) -> String {
    ada.ok(&["team", "invite", name, "--role", role, "--as", "Ada"])["bundle"]
        .as_str()
        .unwrap()
        .to_string()
}

/// A new laptop that joins with `bundle` as `name`; returns it and the fingerprint it showed.
pub fn join(name: &str, bundle: &str) -> (Workspace, String) {
    let w = Workspace::empty();
    let out = w.ok(&["team", "join", bundle, "--as", name]);
    let fp = out["fingerprint"].as_str().unwrap().to_string();
    (w, fp)
}

/// `name` invited, joined on a laptop of their own and admitted by Ada.
pub fn member(ada: &Workspace, name: &str, role: &str) -> Workspace {
    let (w, fp) = join(name, &invite(ada, name, role));
    ada.ok(&["team", "admit", name, "--fingerprint", &fp, "--as", "Ada"]);
    w
}

/// The laptop's `team.json`.
pub fn config(w: &Workspace) -> Value {
    serde_json::from_str(&std::fs::read_to_string(w.data_dir().join("team.json")).unwrap()).unwrap()
}

/// The laptop's device id, as the server knows it.
pub fn device(w: &Workspace) -> String {
    config(w)["device"].as_str().unwrap().to_string()
}

/// The member id the laptop acts as.
pub fn member_id(w: &Workspace) -> String {
    config(w)["member_id"].as_str().unwrap().to_string()
}
