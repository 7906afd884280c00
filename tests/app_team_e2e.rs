//! Team mode in the desktop app, end to end: two real app processes (each its own data dir,
//! virtual display, keyring and WebDriver session), a third laptop on the CLI, one real
//! PostgreSQL (the harness core's tests use) and the admin's built-in X sandbox.
//!
//! 1. Window A (Ada, admin) starts a workspace, shares it on the server and invites an approver
//!    and a contributor.
//! 2. Window B joins as the contributor (Ana); A admits her after comparing fingerprints on
//!    screen.
//! 3. The approver (Sam) joins on the CLI, is admitted in A's window and connects his own
//!    sandbox grant.
//! 4. Ana writes a 2-part thread and submits; A's Review shows it within 2 s.
//! 5. A requests changes; B shows the comment without reloading; Ana edits and resubmits; A
//!    approves and schedules a minute ahead.
//! 6. The thread is on the sandbox exactly once; B's History shows it with author and approver.
//! 7. B goes offline (a gate on its way to the server shuts), Ana writes a draft, B shows "1
//!    waiting to send"; the gate opens and A's laptop has the draft.
//!
//! Screenshots of every new screen go to `$COUNTERSIGN_E2E_OUT` (default
//! `<target>/e2e-screens-team`). `#[ignore]`d for plain `cargo test`; scripts/test.sh runs it.
#![allow(clippy::expect_used, clippy::unwrap_used)]

mod e2e;
#[path = "support/gate.rs"]
mod gate;
#[path = "../crates/countersign-core/tests/pg/harness.rs"]
mod pg;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use e2e::env::World;
use e2e::webdriver::Session;
use e2e::{Driver, SCREEN, tid};

type Step = Result<(), Box<dyn std::error::Error>>;

const ADA: &str = "Ada Admin";
const ADA_PASS: &str = "ada team passphrase";
const ANA: &str = "Ana Lima";
const SAM: &str = "Sam Okafor";
const SAM_PASS: &str = "sam team passphrase";
const PART1: &str = "Autumn menu, part one: soups are back.";
const PART2_FIRST: &str = "Part two: open late.";
const PART2: &str = "Part two: open until 11 on Fridays.";
const CHANGES: &str = "Say which days, please";
const OFFLINE: &str = "Written on the train, with no network";
const MENU: &str = "Soup of the day: leek";
const MENU_OFFLINE: &str = "Soup of the day: leek and potato, from Ana offline";
const MENU_ADA: &str = "Soup of the day: tomato, says Ada";

/// One app window: its world (display, keyring, data dir) and its WebDriver session.
struct Window {
    world: World,
    d: Driver,
}

fn window(out: &Path) -> Window {
    let app = PathBuf::from(env!("CARGO_BIN_EXE_countersign-app"));
    let world = World::start(out, &[("COUNTERSIGN_CHANNEL", "test")])
        .unwrap_or_else(|why| panic!("the end-to-end test cannot run here: {}", why.0));
    let mut attempt = 0;
    let session = loop {
        attempt += 1;
        match Session::start(&world.driver_url, &app, Duration::from_secs(60)) {
            Ok(s) => break s,
            Err(e) if attempt < 3 && e.0.contains("error sending request") => {
                std::thread::sleep(Duration::from_secs(1));
            }
            Err(e) => panic!("starting the app: {e}\n{}", world.log_tail()),
        }
    };
    let x = world.x_display().expect("the virtual display");
    Window {
        d: Driver::new(session, out.to_path_buf(), x),
        world,
    }
}

/// The `countersign` CLI the workspace builds (the third laptop).
fn cli() -> PathBuf {
    let target = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .parent()
        .expect("the target folder")
        .to_path_buf();
    let exe = target.join("debug/countersign");
    assert!(
        exe.exists(),
        "the CLI is not built at {}: cargo build -p countersign-cli",
        exe.display()
    );
    exe
}

fn countersign(data_dir: &Path, args: &[&str]) -> serde_json::Value {
    let out = Command::new(cli())
        .arg("--data-dir")
        .arg(data_dir)
        .arg("--json")
        .args(args)
        .env("COUNTERSIGN_CHANNEL", "test")
        .env("COUNTERSIGN_PASSPHRASE", SAM_PASS)
        .env_remove("COUNTERSIGN_DATA_DIR")
        .output()
        .expect("run countersign");
    assert!(
        out.status.success(),
        "countersign {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap_or(serde_json::Value::Null)
}

/// The bundle with its server port changed: the laptop that joins with it reaches the server
/// through `port` (a gate the test can shut), as through its own network.
fn through(bundle: &str, port: u16) -> String {
    let body = bundle
        .trim()
        .strip_prefix(countersign_core::team::invite::PREFIX)
        .expect("an invite");
    let mut json: serde_json::Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(body).expect("base64")).expect("json");
    json["port"] = serde_json::json!(port);
    format!(
        "{}{}",
        countersign_core::team::invite::PREFIX,
        URL_SAFE_NO_PAD.encode(serde_json::to_vec(&json).unwrap())
    )
}

fn value(d: &Driver, id: &str) -> Result<String, Box<dyn std::error::Error>> {
    let el = d.get(id)?;
    Ok(d.s.value(&el)?)
}

#[test]
#[ignore = "needs a display server, WebKitWebDriver, tauri-driver, a keyring and PostgreSQL: scripts/test.sh runs it"]
fn two_laptops_share_a_workspace_from_their_windows() {
    let root = e2e::out_dir(&Path::new(env!("CARGO_TARGET_TMPDIR")).join("../e2e-screens-team"));
    for sub in ["a", "b"] {
        if let Ok(entries) = std::fs::read_dir(root.join(sub)) {
            for e in entries.flatten() {
                let _ = std::fs::remove_file(e.path());
            }
        }
    }
    let db = pg::database();
    let (operator, password) = db.operator();
    let mut a = window(&e2e::out_dir(&root.join("a")));
    let mut b = window(&e2e::out_dir(&root.join("b")));
    let sam = tempfile::tempdir().unwrap();
    let gate = gate::Gate::start(pg::cluster().port());
    let t0 = Instant::now();
    let result = journey(&mut a, &mut b, sam.path(), &gate, &db, &operator, &password);
    if let Err(e) = &result {
        let _ = a.d.shot("failure");
        let _ = b.d.shot("failure");
        panic!(
            "{e}\n(after {:.0?}) screenshots: {}\nA's log:\n{}\nB's log:\n{}",
            t0.elapsed(),
            root.display(),
            a.world.log_tail(),
            b.world.log_tail()
        );
    }
    eprintln!(
        "app_team_e2e: passed in {:.0?}; {} + {} screenshots in {}",
        t0.elapsed(),
        a.d.taken.len(),
        b.d.taken.len(),
        root.display()
    );
}

fn journey(
    a: &mut Window,
    b: &mut Window,
    sam: &Path,
    gate: &gate::Gate,
    db: &pg::TestDb,
    operator: &str,
    password: &str,
) -> Step {
    let (ana_bundle, sam_bundle, adas) = share_and_invite(&mut a.d, db, operator, password)?;
    join_and_admit(a, b, &through(&ana_bundle, gate.port()), &adas)?;
    approver_on_the_cli(&mut a.d, sam, &sam_bundle)?;
    let id = submit_and_review(a, b)?;
    changes_and_schedule(a, b)?;
    on_the_sandbox_once(&a.d, &id)?;
    in_bs_history(&mut b.d)?;
    offline_and_back(a, b, gate)?;
    conflict_copy(a, b, gate)?;
    Ok(())
}

/// Step 1: Ada starts a workspace, shares it on the server and invites Sam and Ana.
fn share_and_invite(
    d: &mut Driver,
    db: &pg::TestDb,
    operator: &str,
    password: &str,
) -> Result<(String, String, String), Box<dyn std::error::Error>> {
    d.get("screen-whos-here")?;
    d.get("join-team")?;
    d.shot("first-run-two-ways")?;
    d.fill("member-name", ADA)?;
    d.fill("member-passphrase", ADA_PASS)?;
    d.fill("member-passphrase-again", ADA_PASS)?;
    d.click("member-add")?;
    d.wait_contains("current-member", ADA)?;
    d.click("nav-team")?;
    d.get("share-workspace")?;
    d.fill(
        "share-server",
        &format!(
            "postgres://{operator}@127.0.0.1:{}/{}",
            pg::cluster().port(),
            db.name
        ),
    )?;
    d.fill("share-password", password)?;
    d.shot("share-workspace")?;
    d.click("share-submit")?;
    d.until_or_unlock(&tid("team-server"), ADA_PASS, Some("share-unlock"))?;
    d.css("[data-testid=\"team-online\"][data-online=\"true\"]")?;
    d.get("team-status")?;
    d.no_error()?;
    d.shot("team-shared")?;
    let mut bundles = Vec::new();
    for (name, role) in [(SAM, "approver"), (ANA, "contributor")] {
        d.fill("invite-name", name)?;
        let role_select = d.get("invite-role")?;
        d.s.select(&role_select, role)?;
        d.click("invite-send")?;
        d.until_or_unlock(&tid("invite-bundle"), ADA_PASS, None)?;
        d.wait_contains("invite-result", name)?;
        let bundle = value(d, "invite-bundle")?;
        if !bundle.starts_with(countersign_core::team::invite::PREFIX) {
            return Err(format!("the invite for {name} reads {bundle:?}").into());
        }
        bundles.push(bundle);
    }
    d.shot("invited")?;
    let fingerprint = d.text("invite-admin-fingerprint")?.trim().to_string();
    if fingerprint.len() != 64 {
        return Err(format!("A shows its fingerprint as {fingerprint:?}").into());
    }
    Ok((bundles.pop().unwrap(), bundles.pop().unwrap(), fingerprint))
}

/// Step 2: B joins as Ana; A compares fingerprints on screen and admits her.
fn join_and_admit(a: &mut Window, b: &mut Window, bundle: &str, adas: &str) -> Step {
    let d = &mut b.d;
    d.get("screen-whos-here")?;
    d.get("join-team")?;
    d.fill("join-bundle", bundle)?;
    // Before anything is joined, the window shows what the invite holds.
    d.wait_contains("invite-preview", ANA)?;
    let previewed = d.text("invite-preview-admin")?.trim().to_string();
    if previewed != adas {
        return Err(format!("B's preview shows the admin as {previewed:?}, A as {adas:?}").into());
    }
    d.fill("join-name", ANA)?;
    d.shot("join")?;
    d.click("join-submit")?;
    let fingerprint = d.text("join-fingerprint")?.trim().to_string();
    d.wait_contains("join-brand", "@sandbox_brand")?;
    let admin = d.text("join-admin-fingerprint")?.trim().to_string();
    if admin != adas {
        return Err(format!("B shows the admin's fingerprint as {admin:?}, A as {adas:?}").into());
    }
    if fingerprint.len() != 64 {
        return Err(format!("B shows the fingerprint {fingerprint:?}").into());
    }
    d.shot("joined-fingerprint")?;
    d.click("join-continue")?;
    d.wait_contains("current-member", ANA)?;
    if !d.s.find_all(&tid("nav-whos-here"))?.is_empty() {
        return Err("a team laptop offers to switch member".into());
    }
    d.click("nav-team")?;
    d.get("team-not-admitted")?;
    d.shot("not-admitted")?;

    let d = &mut a.d;
    let shown =
        d.s.wait_until("A to list Ana waiting to be admitted", SCREEN, |s| {
            Ok(s.find_all(&tid("fingerprint-ana-lima"))?.into_iter().next())
        })?;
    let on_a = d.s.text(&shown)?.trim().to_string();
    if on_a != fingerprint {
        return Err(format!("A shows {on_a:?}, B showed {fingerprint:?}").into());
    }
    d.click("admit-start-ana-lima")?;
    d.get("admit-confirm-ana-lima")?;
    d.shot("admit-confirm")?;
    d.click("admit-confirm-ana-lima")?;
    d.s.wait_until("Ana to leave the waiting list", SCREEN, |s| {
        Ok(s.find_all(&tid("admit-ana-lima"))?.is_empty().then_some(()))
    })?;
    d.no_error()?;
    // B hears it: its key counts now.
    b.d.s.wait_until("B to count as admitted", SCREEN, |s| {
        Ok(s.find_all(&tid("team-not-admitted"))?
            .is_empty()
            .then_some(()))
    })?;
    Ok(())
}

/// Step 3: Sam joins on the CLI, A admits him, and he connects his own sandbox grant.
fn approver_on_the_cli(d: &mut Driver, sam: &Path, bundle: &str) -> Step {
    let joined = countersign(sam, &["team", "join", bundle, "--as", SAM]);
    let fingerprint = joined["fingerprint"]
        .as_str()
        .unwrap_or_default()
        .to_string();
    let shown =
        d.s.wait_until("A to list Sam waiting to be admitted", SCREEN, |s| {
            Ok(s.find_all(&tid("fingerprint-sam-okafor"))?
                .into_iter()
                .next())
        })?;
    if d.s.text(&shown)?.trim() != fingerprint {
        return Err("A shows another fingerprint for Sam".into());
    }
    d.click("admit-start-sam-okafor")?;
    d.click("admit-confirm-sam-okafor")?;
    d.s.wait_until("Sam to leave the waiting list", SCREEN, |s| {
        Ok(s.find_all(&tid("admit-sam-okafor"))?
            .is_empty()
            .then_some(()))
    })?;
    countersign(sam, &["team", "sync"]);
    let url = sandbox_url(d)?;
    countersign(sam, &["account", "connect", "--sandbox", &url]);
    // A's Team & account lists Sam's laptop as one that publishes.
    d.s.wait_until("A to list Sam's laptop as publishing", SCREEN, |s| {
        let laptop = s.find_all(&tid("laptop-sam-okafor"))?.into_iter().next();
        Ok(match laptop {
            Some(l) if s.text(&l)?.contains("publishes") => Some(()),
            _ => None,
        })
    })?;
    d.shot("approver-publishes")?;
    Ok(())
}

/// Step 4: Ana writes a 2-part thread on B and submits; A's Review has it within 2 s.
fn submit_and_review(a: &mut Window, b: &mut Window) -> Result<String, Box<dyn std::error::Error>> {
    a.d.click("nav-review")?;
    a.d.get("screen-review")?;
    let d = &mut b.d;
    d.click("nav-compose")?;
    d.get("screen-compose")?;
    let sig = d.get("signature-toggle")?;
    if d.s
        .execute("return arguments[0].checked;", vec![sig.to_json()])?
        == true
    {
        d.s.click(&sig)?;
    }
    d.fill("part-text-1", PART1)?;
    d.click("part-add")?;
    d.fill("part-text-2", PART2_FIRST)?;
    d.click("submit-review")?;
    let submitted = Instant::now();
    d.until_or_unlock(
        "[data-testid=\"compose-status\"][data-status=\"in_review\"]",
        "",
        None,
    )?;
    a.d.wait_text("inbox-count", "1")?;
    let seen = submitted.elapsed();
    eprintln!("app_team_e2e: A's Review showed B's submit {seen:?} after the click");
    if seen > Duration::from_secs(2) {
        return Err(format!("A's Review showed B's submit only after {seen:?}").into());
    }
    a.d.wait_contains("notice", &format!("{ANA} submitted a post for review"))?;
    a.d.shot("review-remote-submit")?;
    let id = a.d.s.execute_async(
        "const done = arguments[arguments.length - 1];
         window.__TAURI_INTERNALS__.invoke('posts', {status: 'in_review'})
           .then(p => done(p[0].id), e => done('error: ' + JSON.stringify(e)));",
        vec![],
    )?;
    Ok(id.as_str().unwrap_or_default().to_string())
}

/// Step 5: A requests changes, B shows the comment at once, Ana resubmits, A approves and
/// schedules a minute ahead.
fn changes_and_schedule(a: &mut Window, b: &mut Window) -> Step {
    let d = &mut a.d;
    d.click("review-item")?;
    d.wait_contains("review-detail", "Autumn menu")?;
    d.fill("review-comment", CHANGES)?;
    d.click("request-changes-button")?;
    d.until_or_unlock(
        "[data-testid=\"review-status\"][data-status=\"changes_requested\"]",
        ADA_PASS,
        None,
    )?;
    let d = &mut b.d;
    d.css("[data-testid=\"compose-status\"][data-status=\"changes_requested\"]")?;
    d.wait_contains("compose-comments", CHANGES)?;
    d.shot("remote-comment")?;
    d.fill("part-text-2", PART2)?;
    d.click("submit-review")?;
    d.until_or_unlock(
        "[data-testid=\"compose-status\"][data-status=\"in_review\"]",
        "",
        None,
    )?;
    let d = &mut a.d;
    d.wait_text("inbox-count", "1")?;
    d.click("review-item")?;
    d.wait_contains("review-detail", "11 on Fridays")?;
    d.click("approve-button")?;
    d.until_or_unlock(
        "[data-testid=\"review-status\"][data-status=\"approved\"]",
        ADA_PASS,
        None,
    )?;
    d.click("schedule-in-1-minute")?;
    d.click("schedule-button")?;
    d.until_or_unlock(
        "[data-testid=\"review-status\"][data-status=\"scheduled\"]",
        ADA_PASS,
        None,
    )?;
    d.no_error()?;
    d.shot("scheduled")?;
    Ok(())
}

/// Step 6: The thread is on the sandbox once, in order.
fn on_the_sandbox_once(d: &Driver, _id: &str) -> Step {
    let url = sandbox_url(d)?;
    let deadline = Instant::now() + Duration::from_secs(150);
    loop {
        let all = d.s.get_json(&format!("{url}/_sandbox/posts"))?;
        let posts: Vec<serde_json::Value> = all.as_array().cloned().unwrap_or_default();
        let count = |part: &str| {
            posts
                .iter()
                .filter(|p| p["deleted"].as_bool() != Some(true))
                .filter(|p| p["text"].as_str().unwrap_or_default().starts_with(part))
                .count()
        };
        if count(PART1) >= 1 && count(PART2) >= 1 {
            std::thread::sleep(Duration::from_secs(3));
            let all = d.s.get_json(&format!("{url}/_sandbox/posts"))?;
            let posts: Vec<serde_json::Value> = all.as_array().cloned().unwrap_or_default();
            let live: Vec<&serde_json::Value> = posts
                .iter()
                .filter(|p| p["deleted"].as_bool() != Some(true))
                .collect();
            let first: Vec<_> = live
                .iter()
                .filter(|p| p["text"].as_str().unwrap_or_default().starts_with(PART1))
                .collect();
            let second: Vec<_> = live
                .iter()
                .filter(|p| p["text"].as_str().unwrap_or_default().starts_with(PART2))
                .collect();
            if first.len() != 1 || second.len() != 1 || live.len() != 2 {
                return Err(format!("the sandbox does not hold the thread once: {all}").into());
            }
            if second[0]["reply_to"] != first[0]["id"] {
                return Err(format!("part 2 does not reply to part 1: {all}").into());
            }
            return Ok(());
        }
        if Instant::now() >= deadline {
            return Err(format!("the thread never reached the sandbox: {all}").into());
        }
        std::thread::sleep(Duration::from_secs(2));
    }
}

/// B's History shows the thread with its author and approver.
fn in_bs_history(d: &mut Driver) -> Step {
    d.click("nav-history")?;
    d.get("screen-history")?;
    let row = d.css(&format!(
        "//tr[@data-testid='history-row'][.//*[@data-testid='history-part' and starts-with(normalize-space(.), {})]]",
        e2e::xpath_literal("Autumn menu")
    ))?;
    let text = d.s.text(&row)?;
    for want in [ANA, ADA] {
        if !text.contains(want) {
            return Err(format!("B's History row does not name {want}: {text:?}").into());
        }
    }
    d.shot("history")?;
    Ok(())
}

/// Step 7: B offline writes a draft that waits, then comes back and A's laptop has it.
fn offline_and_back(a: &mut Window, b: &mut Window, gate: &gate::Gate) -> Step {
    gate.shut();
    let d = &mut b.d;
    d.click("nav-compose")?;
    d.get("screen-compose")?;
    d.click("compose-new")?;
    d.fill("part-text-1", OFFLINE)?;
    d.click("save-draft")?;
    d.wait_contains("team-waiting", "1 waiting to send")?;
    d.css("[data-testid=\"team-status\"][data-online=\"false\"]")?;
    d.shot("offline-waiting")?;
    let back = Instant::now();
    gate.open();
    // A sees it: Compose lists the team's posts in progress, read from A's replica, and
    // refreshes when the pull brings them.
    a.d.click("nav-compose")?;
    a.d.get("screen-compose")?;
    let draft = format!(
        "//*[@data-testid='team-post'][.//*[starts-with(normalize-space(.), {})]]",
        e2e::xpath_literal(OFFLINE)
    );
    a.d.s.wait_until(
        "A's Compose to list the draft written offline",
        SCREEN,
        |s| Ok(s.find_all(&draft)?.into_iter().next()),
    )?;
    a.d.shot("team-draft-arrived")?;
    eprintln!(
        "app_team_e2e: the offline draft was on A's laptop {:?} after B's network came back",
        back.elapsed()
    );
    b.d.s
        .wait_until("B's waiting count to clear", SCREEN, |s| {
            Ok(s.find_all(&tid("team-waiting"))?.is_empty().then_some(()))
        })?;
    b.d.shot("back-online")?;
    Ok(())
}

/// The xpath of a Compose list item (`my-post` or `team-post`) whose text starts with `text`.
fn listed(kind: &str, text: &str) -> String {
    format!(
        "//*[@data-testid='{kind}'][.//*[starts-with(normalize-space(.), {})]]",
        e2e::xpath_literal(text)
    )
}

/// B edits a draft offline while A rewords it online: back online, B's edit becomes a
/// conflict copy beside the post, showing what differs; B carries the text over.
fn conflict_copy(a: &mut Window, b: &mut Window, gate: &gate::Gate) -> Step {
    let d = &mut b.d;
    d.click("compose-new")?;
    d.fill("part-text-1", MENU)?;
    d.click("save-draft")?;
    d.css(&listed("my-post", MENU))?;
    a.d.s
        .wait_until("A to list Ana's menu draft", SCREEN, |s| {
            Ok(s.find_all(&listed("team-post", MENU))?.into_iter().next())
        })?;

    gate.shut();
    let d = &mut b.d;
    d.css("[data-testid=\"team-status\"][data-online=\"false\"]")?;
    d.fill("part-text-1", MENU_OFFLINE)?;
    d.click("save-draft")?;
    d.wait_contains("team-waiting", "1 waiting to send")?;

    // Meanwhile A, online, rewords it.
    let d = &mut a.d;
    let item = d.css(&listed("team-post", MENU))?;
    d.s.click(&item)?;
    // The editor shows Ana's draft (not the blank new post it showed before the click).
    d.get("compose-status")?;
    d.fill("part-text-1", MENU_ADA)?;
    d.click("save-draft")?;
    d.until_or_unlock(&listed("team-post", MENU_ADA), ADA_PASS, None)?;
    d.no_error()?;

    gate.open();
    let d = &mut b.d;
    // B's outbox retries on its own backoff once the network is back: allow it a while. The
    // post comes back with A's words; B's offline words are the copy, and B is told.
    d.s.wait_until(
        "B's Compose to list the post with A's words",
        Duration::from_secs(60),
        |s| Ok(s.find_all(&listed("my-post", MENU_ADA))?.into_iter().next()),
    )?;
    d.wait_contains("notice", "conflict copy")?;
    let copy = d.css(&listed("my-post", MENU_OFFLINE))?;
    d.s.click(&copy)?;
    d.get("conflict-copy")?;
    d.wait_contains("conflict-original", MENU_ADA)?;
    d.wait_contains("conflict-mine", MENU_OFFLINE)?;
    let diff = d.css("[data-testid=\"conflict-diff\"] [data-change=\"added\"]")?;
    if !d.s.text(&diff)?.contains("potato") {
        return Err("the conflict copy does not mark Ana's words as added".into());
    }
    d.shot("conflict-copy")?;
    d.click("conflict-carry")?;
    d.s.wait_until("the copy to be settled", SCREEN, |s| {
        Ok(s.find_all(&listed("my-post", MENU_ADA))?
            .is_empty()
            .then_some(()))
    })?;
    d.css(&listed("my-post", MENU_OFFLINE))?;
    d.no_error()?;
    d.shot("conflict-carried")?;
    Ok(())
}

/// The in-process sandbox's URL of window A.
fn sandbox_url(d: &Driver) -> Result<String, Box<dyn std::error::Error>> {
    let el = d.get("sandbox-badge")?;
    let url = d.s.attribute(&el, "data-url")?.unwrap_or_default();
    if !url.starts_with("http") {
        return Err(format!("A reports no sandbox URL: {url:?}").into());
    }
    Ok(url.trim_end_matches('/').to_string())
}
