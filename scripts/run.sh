#!/usr/bin/env bash
# Sets up and opens the Countersign desktop app on the Sandbox account: a local X (x-sandbox)
# runs inside the app, so no X account is needed.
#
#   bash scripts/run.sh          the desktop app
#   bash scripts/run.sh --team   team mode on this machine: two app windows, each its own
#                                laptop, on a throwaway PostgreSQL (scripts/team-demo.sh)
#   bash scripts/run.sh --cli    the scripted CLI demo instead (scripts/demo.sh)
#
# Member keys and the Sandbox account's tokens live in the OS keychain. If your session has a
# Secret Service (GNOME Keyring, KWallet), the app uses it, with a Sandbox workspace of its own
# in ~/.local/share/countersign-sandbox (COUNTERSIGN_DATA_DIR overrides) and the `dev` keychain
# channel, so it never mixes with a real install. Without one, the app runs inside a private,
# headless keyring on a fresh workspace that is removed when the app closes. Without a
# display, it runs on a virtual one and saves a screenshot to show it is up.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh

if [ "${1:-}" = "--cli" ]; then
  install_packages gnome-keyring libsecret-tools dbus curl
  cargo build --locked --release -p countersign-cli
  exec bash scripts/with-keychain.sh bash scripts/demo.sh "$(countersign_target_dir)/release/countersign"
fi

install_packages "${COUNTERSIGN_APP_PACKAGES[@]}" gnome-keyring libsecret-tools dbus dbus-x11
setup_ui
build_ui
cargo build --locked -p countersign-app
app="$(countersign_target_dir)/debug/countersign-app"
export COUNTERSIGN_CHANNEL="${COUNTERSIGN_CHANNEL:-dev}"

if [ "${1:-}" = "--team" ]; then
  install_packages "${COUNTERSIGN_TEST_PACKAGES[@]}" python3
  if [ -z "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
    install_packages xvfb xauth imagemagick
    shot="$(countersign_target_dir)/run-team-screenshot.png"
    echo "Countersign: no display (DISPLAY is unset); both windows run on a virtual one (Xvfb)."
    # shellcheck disable=SC2016 # expanded by the inner shell
    exec xvfb-run -a -s "-screen 0 1600x900x24 -nolisten tcp" bash -c '
      shot="$1"; shift
      "$@" & demo=$!
      trap "kill $demo 2>/dev/null || true" INT TERM
      sleep 12
      if import -window root "$shot" 2>/dev/null; then
        echo "Countersign: both windows are up; screenshot: $shot"
      fi
      wait "$demo"' bash "$shot" bash scripts/team-demo.sh "$app"
  fi
  exec bash scripts/team-demo.sh "$app"
fi

has_secret_service() {
  command -v dbus-send >/dev/null || return 1
  local names
  names="$(dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
    org.freedesktop.DBus.ListActivatableNames 2>/dev/null; \
    dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
    org.freedesktop.DBus.ListNames 2>/dev/null)" || true
  grep -q '"org.freedesktop.secrets"' <<<"$names"
}

# The command that runs the app: inside a private keyring when there is no Secret Service.
cleanup_dir=""
if has_secret_service; then
  export COUNTERSIGN_DATA_DIR="${COUNTERSIGN_DATA_DIR:-${XDG_DATA_HOME:-$HOME/.local/share}/countersign-sandbox}"
  mkdir -p "$COUNTERSIGN_DATA_DIR"
  echo "Countersign: your keychain, Sandbox workspace in $COUNTERSIGN_DATA_DIR"
  launch=("$app")
else
  if [ -z "${COUNTERSIGN_DATA_DIR:-}" ]; then
    # Its keys live only as long as the private keyring: the workspace goes with it.
    COUNTERSIGN_DATA_DIR="$(mktemp -d "${TMPDIR:-/tmp}/countersign-sandbox.XXXXXX")"
    export COUNTERSIGN_DATA_DIR
    cleanup_dir="$COUNTERSIGN_DATA_DIR"
  fi
  echo "Countersign: no Secret Service in this session; using a private, headless keyring"
  echo "Countersign: Sandbox workspace in $COUNTERSIGN_DATA_DIR until the app closes"
  launch=(bash scripts/with-keychain.sh "$app")
fi

if [ -z "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
  # No display: run on a virtual one, and show that the window is up with a screenshot.
  install_packages xvfb xauth imagemagick
  shot="$(countersign_target_dir)/run-screenshot.png"
  echo "Countersign: no display (DISPLAY is unset); running on a virtual one (Xvfb)."
  # shellcheck disable=SC2016 # expanded by the inner shell
  launch=(xvfb-run -a -s "-screen 0 1280x800x24 -nolisten tcp" bash -c '
    shot="$1"; shift
    "$@" & app_pid=$!
    trap "kill $app_pid 2>/dev/null || true" INT TERM
    sleep 6
    if import -window root "$shot" 2>/dev/null; then
      echo "Countersign: the window is up; screenshot: $shot"
    fi
    echo "Countersign: running (pid $app_pid); press Ctrl-C to stop."
    wait "$app_pid"' bash "$shot" "${launch[@]}")
fi

if [ -z "$cleanup_dir" ]; then
  exec "${launch[@]}"
fi
# Also on Ctrl-C or kill: bash runs the EXIT trap when a signal ends it.
trap 'rm -rf "$cleanup_dir"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
"${launch[@]}"
