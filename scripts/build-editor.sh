#!/usr/bin/env bash
# Bundles the CodeMirror editors and the page's JS helpers (web/js/editor.js) into one minified
# script, web/static/gen/editor.js, which index.html includes. Run after scripts/install.sh.
set -euo pipefail
cd "$(dirname "$0")/.."
node_modules/.bin/esbuild web/js/editor.js --bundle --minify --format=iife --target=es2020 \
    --log-level=warning --outfile=web/static/gen/editor.js
# The rule formatter (the YAML library) is its own script, loaded when first used.
node_modules/.bin/esbuild web/js/format.js --bundle --minify --format=iife --target=es2020 \
    --log-level=warning --outfile=web/static/gen/format.js
