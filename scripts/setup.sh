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
