#!/usr/bin/env bash
# The main job on a fresh machine: set up .venv, run the full conformance suite against the
# bundled emulator, and end in a report (Allure HTML when Node is there, drift.md always).
# Extra arguments go to `sinch-conformance run` (e.g. --target URL for a real account).
set -euo pipefail
cd "$(dirname "$0")"

if [ ! -x .venv/bin/python ]; then
    python3 -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' \
        || { echo "quickstart: error: python3 >= 3.11 is needed" >&2; exit 2; }
    python3 -m venv .venv
fi
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'

status=0
.venv/bin/sinch-conformance run --out reports "$@" || status=$?
[ "$status" -le 1 ] || exit "$status"   # 2: a usage or connection error, already explained

html=""
if command -v npm >/dev/null 2>&1; then
    html="--install-allure"   # the pinned Allure CLI, installed once into the per-user cache
else
    echo "quickstart: npm is not on PATH; writing Allure results only (no HTML report)" >&2
fi
.venv/bin/sinch-conformance report --findings reports/findings --out reports $html || {
    [ -n "$html" ] || exit 1
    echo "quickstart: the Allure CLI could not be installed; writing Allure results only" >&2
    html=""
    .venv/bin/sinch-conformance report --findings reports/findings --out reports
}
.venv/bin/sinch-conformance drift --findings reports/findings --out reports --format md >/dev/null || true
echo "quickstart: findings in reports/findings/, drift report in reports/drift.md${html:+, Allure report in reports/allure-report/index.html}"
exit "$status"
