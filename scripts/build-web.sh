#!/usr/bin/env bash
# Release build of the page into dist/ (trunk, offline: wasm-bindgen and wasm-opt from PATH).
# The wasm is built for size (opt-level z, full LTO) through Cargo's profile environment
# variables, so the workspace's release profile stays tuned for the native CLI.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$HOME/.cargo/bin:$PATH"
scripts/build-editor.sh
CARGO_PROFILE_RELEASE_OPT_LEVEL=z CARGO_PROFILE_RELEASE_LTO=fat CARGO_PROFILE_RELEASE_CODEGEN_UNITS=1 \
    trunk build --release --offline --quiet "$@"
