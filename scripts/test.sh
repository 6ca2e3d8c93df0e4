#!/usr/bin/env bash
# The one test command (CI runs it through .ci/run): installs what is missing, then
#   formatting, clippy (workspace + the web crate for wasm32), cargo test, a fuzz smoke (fuzz/),
#   the release build of the page, and the end-to-end tests in headless Chromium against that build.
# Screenshots and measurements land in tests/e2e/artifacts/.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/node_modules/.bin:$HOME/.cargo/bin:$PATH"
export CARGO_TERM_QUIET=true

step() { echo; echo "==> $*"; }

step "install (skips what is there)"
scripts/install.sh

step "cargo fmt --check"
cargo fmt --all --check

step "cargo clippy (workspace)"
cargo clippy --quiet --all-targets -- -D warnings
step "cargo clippy (web app and the JS API, wasm32)"
cargo clippy --quiet -p sigmaplay-web --target wasm32-unknown-unknown --all-targets -- -D warnings
cargo clippy --quiet -p sigmaplay-wasm --features js-api --target wasm32-unknown-unknown -- -D warnings

step "cargo test (workspace)"
cargo test --quiet
step "cargo test (web app state, examples, natively)"
cargo test --quiet -p sigmaplay-web --lib

step "fuzz smoke (every target of fuzz/, a minute in all; skipped when cargo-fuzz cannot be installed)"
cargo fmt --manifest-path fuzz/Cargo.toml --check
FUZZ_OPTIONAL=1 FUZZ_SEED=1 scripts/fuzz.sh 9

step "trunk build --release"
scripts/build-web.sh

step "end-to-end tests (headless Chromium)"
node --test --test-concurrency=1 tests/e2e/
