#!/usr/bin/env bash
# Release build of the page into dist/ (trunk, offline: wasm-bindgen and wasm-opt from PATH).
# The wasm binaries are built with the workspace's `wasm-size` and `wasm-speed` profiles (named
# per binary in index.html), so the release profile stays tuned for the native CLI.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$HOME/.cargo/bin:$PATH"
scripts/build-editor.sh
trunk build --release --offline --quiet "$@"
