//! Team mode through the real binary: laptops are separate data dirs and separate processes,
//! each with its own entries in the real OS keychain (device-scoped names), sharing one real
//! PostgreSQL server (the Debian package, started by the harness) and one x-sandbox.
//!
//! Ada (admin) starts the team server from her workspace; Cleo (contributor) and Ben
//! (approver) join from their own laptops with invite bundles and are admitted after their
//! fingerprints are compared. Cleo drafts on hers, Ben countersigns and publishes from his with
//! his own sandbox grant, and the post is on the sandbox once. On the way: a wrong fingerprint,
//! a bundle with a forged genesis and an un-admitted approver are refused, a contributor's
//! laptop holds no X token, and no token or password is on the server or in any replica.
#![allow(clippy::unwrap_used, clippy::expect_used)]

#[path = "../crates/countersign-core/tests/pg/harness.rs"]
mod pg;
mod support;
#[path = "support/team.rs"]
mod team;

use base64::Engine as _;
use countersign_core::secrets::SecretStore;
use serde_json::Value;
use support::{PNG_1X1, Workspace};
use team::{config as team_config, invite, join};
use x_sandbox::{Sandbox, SandboxConfig};

/// Everything on the server, as text (what a `pg_dump` of the data would show).
fn server_text(db: &pg::TestDb) -> String {
    let mut c = db.superuser();
    let tables: Vec<String> = c
        .query(
            "SELECT table_name::text FROM information_schema.tables WHERE table_schema = 'cs'",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    let mut all = String::new();
    for t in tables {
        for r in c
            .query(&format!("SELECT to_jsonb(t)::text FROM cs.{t} t"), &[])
            .unwrap()
        {
            all.push_str(&r.get::<_, String>(0));
        }
    }
    all
}

/// Every byte of a laptop's replica (the file, its WAL) and team file, lossily as text.
fn laptop_bytes(w: &Workspace) -> String {
    let mut all = String::new();
    for e in std::fs::read_dir(w.data_dir()).unwrap() {
        let p = e.unwrap().path();
        if p.is_file() {
            all.push_str(&String::from_utf8_lossy(&std::fs::read(p).unwrap()));
        }
    }
    all
}

#[test]
#[ignore = "needs PostgreSQL (the Debian package) and the OS keychain: scripts/test.sh runs it"]
fn laptops_share_one_workspace_through_the_team_server() {
    let keychain = support::require_keychain();
    let db = pg::database();
    let sandbox = Sandbox::start_blocking(SandboxConfig::default()).unwrap();
    let url = sandbox.base_url();

    // Ada's laptop: her solo workspace, connected to the brand's (sandbox) account, goes up.
    let (ada, started, password) = team::start_with(&db, &url);
    let genesis = started["genesis_hash"].as_str().unwrap().to_string();
    assert_eq!(genesis.len(), 64);
    let ws = started["workspace_id"].as_str().unwrap().to_string();
    // Ada's grant moved to her laptop's own keychain name.
    let ada_device = team_config(&ada)["device"].as_str().unwrap().to_string();
    assert!(
        keychain
            .get(&format!("x-tokens/{ws}/{ada_device}"))
            .unwrap()
            .is_some()
    );
    assert!(keychain.get(&format!("x-tokens/{ws}")).unwrap().is_none());

    // A bundle whose genesis is not the server's roster is refused, and leaves nothing.
    let bundle = invite(&ada, "Eve", "contributor");
    let body = bundle.strip_prefix("countersign-invite-v1:").unwrap();
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let mut forged: Value = serde_json::from_slice(&b64.decode(body).unwrap()).unwrap();
    forged["genesis_hash"] = Value::String("ab".repeat(32));
    let forged = format!(
        "countersign-invite-v1:{}",
        b64.encode(serde_json::to_vec(&forged).unwrap())
    );
    let elsewhere = Workspace::empty();
    assert_eq!(
        elsewhere.refused(&["team", "join", &forged, "--as", "Eve"]),
        "server_untrusted"
    );
    assert!(!elsewhere.db().exists(), "a refused join leaves no replica");
    assert!(!elsewhere.data_dir().join("team.json").exists());
    // The refused attempt spent Eve's one-time password; inviting her again gives a new one.
    let (_eve, _) = join("Eve", &invite(&ada, "Eve", "contributor"));

    // Cleo joins with her bundle.
    let bundle = invite(&ada, "Cleo", "contributor");
    let (cleo, cleo_fp) = join("Cleo", &bundle);
    // The one-time password was replaced at once: the bundle does not work twice.
    let again = Workspace::empty();
    assert_eq!(
        again.refused(&["team", "join", &bundle, "--as", "Cleo"]),
        "invite_used"
    );
    assert!(!again.db().exists(), "a refused join leaves no replica");
    // A wrong fingerprint is refused; the right one admits her.
    let wrong = "0".repeat(64);
    assert_eq!(
        ada.refused(&[
            "team",
            "admit",
            "Cleo",
            "--fingerprint",
            &wrong,
            "--as",
            "Ada"
        ]),
        "team_setup"
    );
    ada.ok(&[
        "team",
        "admit",
        "Cleo",
        "--fingerprint",
        &cleo_fp,
        "--as",
        "Ada",
    ]);

    // Ben (approver) joins and is admitted; Dan (approver) joins but is not admitted.
    let (ben, ben_fp) = join("Ben", &invite(&ada, "Ben", "approver"));
    ada.ok(&[
        "team",
        "admit",
        "Ben",
        "--fingerprint",
        &ben_fp,
        "--as",
        "Ada",
    ]);
    let (dan, _) = join("Dan", &invite(&ada, "Dan", "approver"));

    // Cleo drafts and submits on her laptop; the others see it.
    cleo.ok(&["team", "sync"]);
    let id = cleo.draft("Cleo", &["Hello from Cleo's laptop"]);
    cleo.ok(&["submit", &id, "--as", "Cleo"]);
    for w in [&ben, &dan, &ada] {
        w.ok(&["team", "sync"]);
        assert_eq!(w.status(&id), "in_review");
    }
    // Dan is not admitted: the signed roster does not count him (so nothing he approves can
    // count), while Ben and Cleo count.
    let roster = ada.ok(&["member", "roster"]);
    let counts = |name: &str| {
        roster
            .as_array()
            .unwrap()
            .iter()
            .any(|l| l["name"] == name && l["counts"] == true)
    };
    assert!(
        counts("Ben") && counts("Cleo") && !counts("Dan"),
        "{roster}"
    );

    // A contributor's laptop holds no X grant and cannot get one.
    assert_eq!(
        cleo.refused(&["account", "connect", "--sandbox", &url]),
        "team_setup"
    );
    let cleo_device = team_config(&cleo)["device"].as_str().unwrap().to_string();
    assert!(
        keychain
            .get(&format!("x-tokens/{ws}/{cleo_device}"))
            .unwrap()
            .is_none()
    );

    // Ben connects his own grant, countersigns, and publishes from his laptop.
    ben.ok(&["account", "connect", "--sandbox", &url]);
    ben.ok(&["approve", &id, "--as", "Ben"]);
    ben.ok(&["decide", &id, "--publish-now", "--as", "Ben"]);
    let pass = ben.ok(&["publish", "--once"]);
    assert_eq!(pass["posted"].as_array().unwrap().len(), 1, "{pass}");
    let on_x = sandbox.posts();
    assert_eq!(on_x.len(), 1, "exactly once on the sandbox: {on_x:?}");
    assert_eq!(on_x[0].text, "Hello from Cleo's laptop");
    // Ada's laptop publishes too, but the post is gone: nothing is sent twice.
    ada.ok(&["team", "sync"]);
    let again = ada.ok(&["publish", "--once"]);
    assert!(again["posted"].as_array().unwrap().is_empty());
    assert_eq!(sandbox.posts().len(), 1);
    // Dan is not admitted: his laptop cannot take an X grant (it could not sign what it
    // publishes).
    assert_eq!(
        dan.refused(&["account", "connect", "--sandbox", &url]),
        "team_setup"
    );

    // An image attached on Cleo's laptop goes out from Ben's: its bytes travel through the
    // server, and Ben's laptop checks them against their hash before sending them to X.
    let chart = cleo.data_dir().join("chart.png");
    std::fs::write(&chart, PNG_1X1).unwrap();
    let with_image = cleo.ok(&[
        "draft",
        "new",
        "--as",
        "Cleo",
        "--text",
        "Our chart, from Cleo's laptop",
        "--media",
        chart.to_str().unwrap(),
        "--alt",
        "A one-pixel chart",
    ])["id"]
        .as_str()
        .unwrap()
        .to_string();
    cleo.ok(&["submit", &with_image, "--as", "Cleo"]);
    ben.ok(&["team", "sync"]);
    let ben_media = ben.data_dir().join("media");
    assert!(
        !ben_media.exists() || std::fs::read_dir(&ben_media).unwrap().next().is_none(),
        "Ben's laptop has no media file of its own yet"
    );
    ben.ok(&["approve", &with_image, "--as", "Ben"]);
    ben.ok(&["decide", &with_image, "--publish-now", "--as", "Ben"]);
    let pass = ben.ok(&["publish", "--once"]);
    assert_eq!(pass["posted"].as_array().unwrap().len(), 1, "{pass}");
    let on_x = sandbox.posts();
    let posted = on_x
        .iter()
        .find(|p| p.text == "Our chart, from Cleo's laptop")
        .expect("the post with the image is on the sandbox");
    assert_eq!(posted.media.len(), 1, "{posted:?}");
    assert_eq!(
        posted.media[0].alt_text.as_deref(),
        Some("A one-pixel chart")
    );

    // Every laptop sees it posted and verifies the whole trail; the posted entry names Ben's
    // laptop.
    let ben_device = team_config(&ben)["device"].as_str().unwrap().to_string();
    for w in [&ada, &cleo, &ben, &dan] {
        w.ok(&["team", "sync"]);
        assert_eq!(w.status(&id), "posted");
        let report = w.ok(&["audit", "verify"]);
        assert_eq!(report["ok"], true, "{report}");
    }
    let trail = ada.ok(&["audit", "list"]);
    let posted = trail
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["action"] == "posted")
        .expect("a posted entry");
    assert!(
        posted["detail"].as_str().unwrap().contains(&ben_device),
        "{posted}"
    );
    // ... and is Ben's, signed with the publishing key his laptop announced when he connected.
    assert_eq!(posted["actor_name"], "Ben", "{posted}");
    assert!(posted["signature"].is_string(), "{posted}");
    let announced = trail
        .as_array()
        .unwrap()
        .iter()
        .find(|e| {
            e["action"] == "publisher_key_added"
                && e["detail"].as_str().unwrap().contains(&ben_device)
        })
        .expect("Ben's laptop announced its publishing key");
    assert_eq!(announced["actor_name"], "Ben");
    let detail: Value = serde_json::from_str(announced["detail"].as_str().unwrap()).unwrap();
    assert_eq!(posted["public_key"], detail["public_key"], "{posted}");

    // Status names the server and this laptop.
    let status = ben.ok(&["team", "status"]);
    assert_eq!(status["online"], true);
    assert_eq!(status["device"], ben_device.as_str());

    // No token, login password or private key anywhere but the keychains.
    let mut secrets = Vec::new();
    for w in [&ada, &ben] {
        let device = team_config(w)["device"].as_str().unwrap().to_string();
        let tokens = keychain
            .get(&format!("x-tokens/{ws}/{device}"))
            .unwrap()
            .unwrap();
        let t: Value = serde_json::from_str(tokens.expose()).unwrap();
        for k in ["access_token", "refresh_token"] {
            if let Some(s) = t[k].as_str() {
                secrets.push(s.to_string());
            }
        }
        let login = keychain
            .get(&format!("pg-login/{ws}/{device}"))
            .unwrap()
            .unwrap();
        secrets.push(login.expose().to_string());
        // The laptop's publishing key: its private half, as hex.
        let publishing = keychain
            .get(&format!("publisher-key/{ws}/{device}"))
            .unwrap()
            .expect("a reviewer's laptop that connected X has a publishing key");
        let k: Value = serde_json::from_str(publishing.expose()).unwrap();
        secrets.push(k["secret_key"].as_str().unwrap().to_string());
    }
    // Cleo's key is kept plain (a contributor's): its private half, as hex.
    let cleo_id = team_config(&cleo)["member_id"]
        .as_str()
        .unwrap()
        .to_string();
    let cleo_key = keychain
        .get(&format!("member-key/{ws}/{cleo_id}"))
        .unwrap()
        .unwrap();
    let k: Value = serde_json::from_str(cleo_key.expose()).unwrap();
    secrets.push(k["secret_key"].as_str().unwrap().to_string());
    secrets.push(password.clone());
    assert!(secrets.len() >= 8, "{} secrets to look for", secrets.len());
    let server = server_text(&db);
    let dump = db.pg_dump();
    assert!(
        dump.contains("publisher_key_added"),
        "the dump holds the trail"
    );
    let server_log = db.server_log();
    for s in &secrets {
        assert!(!server.contains(s.as_str()), "a secret is on the server");
        assert!(!dump.contains(s.as_str()), "a secret is in pg_dump");
        assert!(
            !server_log.contains(s.as_str()),
            "a secret is in the server's log"
        );
        for w in [&ada, &ben, &cleo, &dan] {
            assert!(
                !laptop_bytes(w).contains(s.as_str()),
                "a secret is in a laptop's files"
            );
        }
    }
}
