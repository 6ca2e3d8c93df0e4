#!/usr/bin/env bash
# Builds Sigma Playground and serves it on localhost (rebuilding on change).
#   scripts/serve.sh            → http://127.0.0.1:8080/
#   PORT=9000 scripts/serve.sh  → another port;  RELEASE=1 for an optimized build
set -euo pipefail
cd "$(dirname "$0")/.."
NO_BROWSER=1 scripts/install.sh
scripts/build-editor.sh
export PATH="$PWD/node_modules/.bin:$HOME/.cargo/bin:$PATH"
PORT="${PORT:-8080}"
echo "Sigma Playground: http://127.0.0.1:${PORT}/  (Ctrl+C stops)"
exec trunk serve --offline --port "$PORT" ${RELEASE:+--release}
