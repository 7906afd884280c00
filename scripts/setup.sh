#!/usr/bin/env bash
# Installs what Countersign needs to build and test on Debian/Ubuntu. Safe to re-run: it skips
# what is already there. Sourced by run.sh and test.sh.
set -euo pipefail

countersign_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

# System packages: a C toolchain for the bundled SQLite.
COUNTERSIGN_PACKAGES=(build-essential pkg-config ca-certificates)

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    echo "setup: need root (or sudo) to run: $*" >&2; return 1; fi
}

install_packages() {
  local missing=()
  for p in "$@"; do
    dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "setup: installing ${missing[*]}"
  as_root apt-get update -qq
  # A large install can fail half-way when downloaded .debs vanish between dpkg runs; the
  # same install then succeeds, so try up to three times.
  for attempt in 1 2 3; do
    if as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"; then
      return 0
    fi
    echo "setup: apt-get install failed (attempt $attempt), retrying" >&2
    sleep 2
  done
  return 1
}

if command -v dpkg >/dev/null; then
  install_packages "${COUNTERSIGN_PACKAGES[@]}"
fi

# The desktop app: Tauri 2 on WebKitGTK.
COUNTERSIGN_APP_PACKAGES=(libwebkit2gtk-4.1-dev libssl-dev libayatana-appindicator3-dev
  librsvg2-dev libsoup-3.0-dev)
# Its end-to-end test: a virtual display, the WebKit WebDriver, a headless keychain, and
# fonts for emoji and CJK (the screenshots show what a person sees), and xwd (x11-apps), which
# takes those screenshots from the X server.
COUNTERSIGN_E2E_PACKAGES=(xvfb xauth webkit2gtk-driver gnome-keyring libsecret-tools dbus
  dbus-x11 fonts-dejavu-core fonts-noto-color-emoji fonts-droid-fallback x11-apps)
# Tests of team mode's server rules (crates/countersign-core/tests/team_rls.rs): the PostgreSQL
# server binaries. The harness runs its own throwaway cluster from them (initdb, pg_ctl); a
# cluster the package may start on 5432 is not used. openssl makes its test CA and certificate
# (the cluster speaks TLS, checked verify-full).
COUNTERSIGN_TEST_PACKAGES=(postgresql openssl)

# Node for the UI (ui/: Svelte and Vite). Vite needs Node 20.19 or newer.
require_node() {
  if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    echo "setup: Node.js is missing. Install Node 20.19+ (with npm), then run this again." >&2
    exit 1
  fi
  local v major minor
  v="$(node --version)"; v="${v#v}"; major="${v%%.*}"; minor="${v#*.}"; minor="${minor%%.*}"
  if [ "$major" -lt 20 ] || { [ "$major" -eq 20 ] && [ "$minor" -lt 19 ]; }; then
    echo "setup: Node $v is too old for the UI; install Node 20.19+ and run this again." >&2
    exit 1
  fi
}

# `npm ci` in ui/, skipped when node_modules already matches package-lock.json.
setup_ui() {
  require_node
  local ui="$countersign_root/ui" stamp want
  stamp="$ui/node_modules/.countersign-lock-sha256"
  want="$(sha256sum "$ui/package-lock.json" | cut -d' ' -f1)"
  if [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then return 0; fi
  echo "setup: npm ci (ui/)"
  local log
  log="$(mktemp)"
  if ! (cd "$ui" && npm ci --no-audit --no-fund --loglevel=error) >"$log" 2>&1; then
    # npm 11's `npm ci` refuses a lock file that lacks an optional platform package the
    # registry cannot supply (npm/cli#9846), e.g. @tauri-apps/cli-darwin-arm64. `npm install
    # --no-save` installs the same locked versions and writes nothing.
    if grep -q 'EUSAGE' "$log"; then
      grep 'Missing:' "$log" | head -n 3 >&2 || true
      echo "setup: npm ci refused the lock file (above); installing the locked versions with npm install --no-save" >&2
      (cd "$ui" && npm install --no-save --no-audit --no-fund --loglevel=error)
    else
      cat "$log" >&2; rm -f "$log"; return 1
    fi
  fi
  rm -f "$log"
  printf '%s\n' "$want" >"$stamp"
}

# X's own twitter-text (tests/reference), the reference the counter's differential test runs
# by node and `scripts/bench-count.sh` times against.
setup_reference() {
  require_node
  local dir="$countersign_root/tests/reference" stamp want
  stamp="$dir/node_modules/.countersign-lock-sha256"
  want="$(sha256sum "$dir/package-lock.json" | cut -d' ' -f1)"
  if [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then return 0; fi
  echo "setup: npm ci (tests/reference/)"
  (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
  printf '%s\n' "$want" >"$stamp"
}

# The UI bundle the app embeds when it is compiled (ui/dist).
build_ui() {
  npm --prefix "$countersign_root/ui" run --silent build
}

# tauri-driver: the WebDriver server the end-to-end test drives the app through.
setup_tauri_driver() {
  if command -v tauri-driver >/dev/null || [ -x "$HOME/.cargo/bin/tauri-driver" ]; then
    return 0
  fi
  echo "setup: cargo install tauri-driver 2.1.0"
  cargo install tauri-driver --locked --version 2.1.0 --quiet
}

# Where cargo puts binaries.
countersign_target_dir() {
  local t="${CARGO_TARGET_DIR:-$countersign_root/target}"
  case "$t" in /*) ;; *) t="$countersign_root/$t" ;; esac
  printf '%s\n' "$t"
}

if ! command -v cargo >/dev/null; then
  [ -x "$HOME/.cargo/bin/cargo" ] && export PATH="$HOME/.cargo/bin:$PATH"
fi
if ! command -v cargo >/dev/null; then
  echo "setup: Rust is missing. Install it with rustup (https://rustup.rs), then run this again." >&2
  exit 1
fi

# X's counting conformance data sits beside the repository in shared/.
if [ -z "${COUNTERSIGN_SHARED_DIR:-}" ] && [ -d "$countersign_root/../shared/twitter-text" ]; then
  export COUNTERSIGN_SHARED_DIR="$(cd "$countersign_root/../shared" && pwd)"
fi
