#!/usr/bin/env bash
# Sets up and runs every Countersign check: formatting, lints, the UI's type check and unit
# tests, and all Rust tests. The tests run against real parts: SQLite files in temp dirs, a
# headless GNOME Keyring for the OS keychain, the x-sandbox X server on loopback, and the
# desktop app itself, driven through its real webview (WebKitGTK) under a virtual display.
#
#   bash scripts/test.sh           everything, the app end to end included (what CI runs)
#   bash scripts/test.sh --quick   fmt, clippy, the UI checks and every test but the desktop
#                                  end to end; installs no system packages (run the full
#                                  command once first: the PostgreSQL tests need its packages)
#
# Tests that need the OS keychain, a display, the WebDriver or the PostgreSQL server binaries
# (team mode's rules, run on a throwaway cluster) are #[ignore]d for a plain
# `cargo test` (which then runs only what needs nothing but Rust); here they run, inside a
# private keyring, and fail if what they need is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
quick=false
case "${1:-}" in
  --quick) quick=true ;;
  "") ;;
  *) echo "usage: scripts/test.sh [--quick]" >&2; exit 2 ;;
esac
source scripts/setup.sh
if ! $quick; then
  install_packages "${COUNTERSIGN_APP_PACKAGES[@]}" "${COUNTERSIGN_E2E_PACKAGES[@]}" \
    "${COUNTERSIGN_TEST_PACKAGES[@]}"
fi
setup_ui
setup_reference
$quick || setup_tauri_driver

step() { printf '\n== %s\n' "$*"; }

# A run from a clean clone gains nothing from incremental compilation, whose cache would double
# the disk the build takes; set CARGO_INCREMENTAL=1 to keep it while iterating.
export CARGO_INCREMENTAL="${CARGO_INCREMENTAL:-0}"
disk() { printf 'disk: %s free; target/ %s\n' "$(df -h --output=avail . | tail -1 | tr -d ' ')" \
  "$(du -sh target 2>/dev/null | cut -f1)"; }
trap disk EXIT
disk

step "cargo fmt --check"
cargo fmt --all -- --check

# The app embeds ui/dist when it compiles, so the UI is built before anything Rust.
step "UI: build, type check (svelte-check), unit tests (Vitest)"
build_ui
npm --prefix ui run --silent check
npm --prefix ui run --silent test

step "cargo clippy (warnings are errors)"
cargo clippy --workspace --all-targets --locked -- -D warnings

export COUNTERSIGN_CHANNEL=test
if $quick; then
  step "cargo test (private keyring; everything but the app end to end)"
  bash scripts/with-keychain.sh cargo test --workspace --locked -- --include-ignored \
    --skip a_thread_goes_from_first_run_to_the_sandbox_timeline \
    --skip two_laptops_share_a_workspace_from_their_windows
else
  # The end-to-end tests (tests/app_e2e.rs, and tests/app_team_e2e.rs with two app windows on
  # one team server) start their own Xvfb, private keyring and tauri-driver.
  step "cargo test (inside a private session with a headless keyring; the app end to end)"
  bash scripts/with-keychain.sh cargo test --workspace --locked -- --include-ignored
fi
