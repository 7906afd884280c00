#!/usr/bin/env bash
# Sets up and runs Countersign on the Sandbox account: no X account needed.
# Until the desktop window lands, this runs the CLI demo: a scripted draft, review, approval
# and schedule on a fresh workspace.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
# Member keys and the Sandbox account's tokens live in the OS keychain. The demo uses a
# private, headless one so that it runs anywhere (and leaves nothing in your own keyring).
install_packages gnome-keyring libsecret-tools dbus curl

cargo build --locked --release -p countersign-cli
exec bash scripts/with-keychain.sh bash scripts/demo.sh target/release/countersign
