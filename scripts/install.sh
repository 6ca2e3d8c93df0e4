#!/usr/bin/env bash
# Installs what building, serving and testing Sigma Playground needs, skipping whatever is
# already there (safe to run every time; quiet when nothing is missing):
#   - the wasm32-unknown-unknown Rust target
#   - trunk 0.21.14
#   - wasm-bindgen-cli at exactly the version locked in Cargo.lock
#   - Chromium + chromium-driver (Debian packages) for the browser tests   (skip: NO_BROWSER=1)
#   - npm packages (CodeMirror, esbuild, binaryen's wasm-opt, playwright-core) via `npm ci`
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

say() { echo "install: $*"; }

if ! rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown; then
    say "adding the wasm32-unknown-unknown target"
    rustup target add wasm32-unknown-unknown
fi

TRUNK_VERSION=0.21.14
if ! trunk --version 2>/dev/null | grep -q " ${TRUNK_VERSION}\$"; then
    say "installing trunk ${TRUNK_VERSION} (several minutes)"
    cargo install --quiet --locked "trunk@${TRUNK_VERSION}"
fi

# wasm-bindgen's CLI must be the very version of the wasm-bindgen crate in Cargo.lock.
BINDGEN_VERSION=$(awk '$0 == "name = \"wasm-bindgen\"" { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
if [ -z "$BINDGEN_VERSION" ]; then
    echo "install: cannot read the wasm-bindgen version from Cargo.lock" >&2
    exit 1
fi
if ! wasm-bindgen --version 2>/dev/null | grep -q " ${BINDGEN_VERSION}\$"; then
    say "installing wasm-bindgen-cli ${BINDGEN_VERSION}"
    cargo install --quiet "wasm-bindgen-cli@${BINDGEN_VERSION}" \
        || cargo install --quiet --locked "wasm-bindgen-cli@${BINDGEN_VERSION}"
fi

if [ "${NO_BROWSER:-0}" != 1 ] && { [ ! -x /usr/bin/chromium ] || ! command -v chromedriver >/dev/null; }; then
    say "installing chromium and chromium-driver (apt)"
    SUDO=""
    [ "$(id -u)" = 0 ] || SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium chromium-driver >/dev/null
fi

# npm ci when node_modules is missing or was installed from another package-lock.json.
LOCK_SUM=$(sha256sum package-lock.json | cut -d' ' -f1)
STAMP=node_modules/.sigmaplay-lock-sha256
if [ ! -f "$STAMP" ] || [ "$(cat "$STAMP")" != "$LOCK_SUM" ]; then
    say "npm ci"
    npm ci --no-audit --no-fund --loglevel=error
    echo "$LOCK_SUM" > "$STAMP"
fi
