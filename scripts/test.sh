#!/usr/bin/env bash
# Sets up and runs every Countersign check: formatting, lints and all tests. The tests run
# against real parts: SQLite files in temp dirs, a headless GNOME Keyring for the OS keychain,
# and the x-sandbox X server on loopback.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
# The real OS keychain for tests: a Secret Service, run headless in a private D-Bus session.
install_packages gnome-keyring libsecret-tools dbus

step() { printf '\n== %s\n' "$*"; }

step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy (warnings are errors)"
cargo clippy --workspace --all-targets --locked -- -D warnings

step "cargo test (inside a private session with a headless keyring)"
export COUNTERSIGN_REQUIRE_KEYCHAIN=1 COUNTERSIGN_CHANNEL=test
bash scripts/with-keychain.sh cargo test --workspace --locked
