#!/usr/bin/env bash
# Sets up and runs only the desktop app's end-to-end test (tests/app_e2e.rs): the real app,
# driven through its webview under a virtual display, a private keyring and tauri-driver.
# Screenshots of every screen go to $COUNTERSIGN_E2E_OUT (default <target>/e2e-screens).
#
#   bash scripts/e2e.sh                     run it
#   bash scripts/e2e.sh --update-docs       also refresh docs/screenshots/ for the README
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
install_packages "${COUNTERSIGN_APP_PACKAGES[@]}" "${COUNTERSIGN_E2E_PACKAGES[@]}"
setup_ui
setup_tauri_driver
build_ui
if [ "${1:-}" = "--update-docs" ]; then export COUNTERSIGN_E2E_UPDATE_DOCS=1; fi
export COUNTERSIGN_CHANNEL=test
# The test is #[ignore]d for plain `cargo test` (it needs all of the above): run it.
cargo test --locked -p countersign-app --test app_e2e -- --include-ignored --nocapture
echo "screenshots: ${COUNTERSIGN_E2E_OUT:-$(countersign_target_dir)/e2e-screens}"
