#!/usr/bin/env bash
# Makes the Python environments the oracle scripts run in (see README.md beside this file).
#
# .venv            pySigma 2.0.1 (the project's semantic reference) + the SQLite backend + PyYAML.
# .venv-pipelines  the pipeline packages with the newest pySigma they accept: every released
#                  pysigma-pipeline-sysmon / -windows / pysigma-backend-elasticsearch declares
#                  pysigma < 2, so pip cannot install them beside pySigma 2.0.1.
#
# Idempotent: an environment that already has the pinned versions is left alone.
set -euo pipefail
cd "$(dirname "$0")"

PYTHON=${PYTHON:-python3}

make_venv() {
  local dir=$1
  shift
  if [ ! -x "$dir/bin/python" ]; then
    "$PYTHON" -m venv "$dir"
  fi
  "$dir/bin/pip" install --quiet --disable-pip-version-check "$@"
}

make_venv .venv \
  pysigma==2.0.1 pysigma-backend-sqlite==2.1.1 pyyaml==6.0.4

make_venv .venv-pipelines \
  pysigma==1.5.1 pysigma-pipeline-sysmon==2.0.0 pysigma-pipeline-windows==2.0.1 \
  pysigma-backend-elasticsearch==2.1.1 pyyaml==6.0.4

for dir in .venv .venv-pipelines; do
  echo "== $dir"
  "$dir/bin/pip" list --disable-pip-version-check 2>/dev/null | grep -iE '^(pysigma|pyyaml|pyparsing)' || true
done
