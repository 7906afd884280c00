#!/usr/bin/env bash
# Runs a command inside a private D-Bus session with an unlocked, headless GNOME Keyring: the
# real OS keychain (Secret Service) that Countersign's keychain tests talk to. Nothing touches
# the user's own keyring. Usage: scripts/with-keychain.sh COMMAND [ARGS...]
set -euo pipefail
base="$(mktemp -d "${TMPDIR:-/tmp}/countersign-keyring.XXXXXX")"
trap 'rm -rf "$base"' EXIT
mkdir -p "$base/run" "$base/data"
chmod 700 "$base/run"
# The D-Bus-activated daemon inherits the bus's environment: set these before starting it.
export XDG_RUNTIME_DIR="$base/run" XDG_DATA_HOME="$base/data"
export COUNTERSIGN_KEYRING_PASS="countersign-test-$$-$RANDOM"
dbus-run-session -- sh -c '
  printf %s "$COUNTERSIGN_KEYRING_PASS" | gnome-keyring-daemon --unlock --components=secrets >/dev/null
  unset COUNTERSIGN_KEYRING_PASS
  exec "$@"' sh "$@"
