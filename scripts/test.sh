#!/usr/bin/env bash
# Sets up and runs every Countersign check: formatting, lints, the UI's type check and unit
# tests, and all Rust tests. The tests run against real parts: SQLite files in temp dirs, a
# headless GNOME Keyring for the OS keychain, the x-sandbox X server on loopback, and the
# desktop app itself, driven through its real webview (WebKitGTK) under a virtual display.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
install_packages "${COUNTERSIGN_APP_PACKAGES[@]}" "${COUNTERSIGN_E2E_PACKAGES[@]}"
setup_ui
setup_tauri_driver

step() { printf '\n== %s\n' "$*"; }

step "cargo fmt --check"
cargo fmt --all -- --check

# The app embeds ui/dist when it compiles, so the UI is built before anything Rust.
step "UI: build, type check (svelte-check), unit tests (Vitest)"
build_ui
npm --prefix ui run --silent check
npm --prefix ui run --silent test

step "cargo clippy (warnings are errors)"
cargo clippy --workspace --all-targets --locked -- -D warnings

# The end-to-end test (tests/app_e2e.rs) starts its own Xvfb, private keyring and tauri-driver;
# here it must run, not skip.
step "cargo test (inside a private session with a headless keyring; the app end to end)"
export COUNTERSIGN_REQUIRE_KEYCHAIN=1 COUNTERSIGN_REQUIRE_E2E=1 COUNTERSIGN_CHANNEL=test
bash scripts/with-keychain.sh cargo test --workspace --locked
