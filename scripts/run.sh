#!/usr/bin/env bash
# Sets up and runs Countersign on the Sandbox account: no X account needed.
# Until the desktop window lands, this runs the CLI demo: a scripted draft, review, approval
# and schedule on a fresh workspace.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh

# The OS keychain holds the Sandbox account's tokens. A desktop session has one; a headless
# machine gets a private GNOME Keyring for the demo.
install_packages gnome-keyring dbus curl

cargo build --locked --release -p countersign-cli
if target/release/countersign keychain check >/dev/null 2>&1; then
  exec bash scripts/demo.sh target/release/countersign
else
  echo "No usable keychain in this session: running the demo with a private, headless GNOME Keyring."
  exec bash scripts/with-keychain.sh bash scripts/demo.sh target/release/countersign
fi
