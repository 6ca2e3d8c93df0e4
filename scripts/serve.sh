#!/usr/bin/env bash
# Builds Sigma Playground (release, as tested) and serves it on localhost, rebuilding on change.
#   scripts/serve.sh            → http://127.0.0.1:8080/
#   PORT=9000 scripts/serve.sh  → another port;  DEV=1 for a faster-to-build debug build
set -euo pipefail
cd "$(dirname "$0")/.."
NO_BROWSER=1 scripts/install.sh
scripts/build-editor.sh
export PATH="$PWD/node_modules/.bin:$HOME/.cargo/bin:$PATH"
PORT="${PORT:-8080}"
MODE=(--release)
[ "${DEV:-0}" = 1 ] && MODE=()
echo "Sigma Playground: http://127.0.0.1:${PORT}/  (first build takes a few minutes; Ctrl+C stops)"
CARGO_PROFILE_RELEASE_OPT_LEVEL=z CARGO_PROFILE_RELEASE_LTO=fat CARGO_PROFILE_RELEASE_CODEGEN_UNITS=1 \
    exec trunk serve --offline --port "$PORT" "${MODE[@]}"
