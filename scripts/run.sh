#!/usr/bin/env bash
# Sets up and runs Countersign on the Sandbox account: no X account needed.
# Until the desktop window lands, this runs the CLI demo: a scripted draft, review, approval
# and schedule on a fresh workspace.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh

cargo build --locked --release -p countersign-cli
exec bash scripts/demo.sh target/release/countersign
