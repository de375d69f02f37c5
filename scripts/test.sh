#!/usr/bin/env bash
# Install the test dependencies and run the whole suite, on SQLite and on PostgreSQL.
#   ./scripts/test.sh                 everything
#   ./scripts/test.sh tests/pages -x  extra arguments go to pytest (two worker processes; FOLIO_TEST_WORKERS=0: one)
# PostgreSQL: FOLIO_TEST_PG_ADMIN (default postgresql://postgres@127.0.0.1:5432/test); the suite creates
# and drops its own database there. FOLIO_TEST_BACKENDS=sqlite runs without PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e '.[test]' 2> >(grep -v '^WARNING: Location' >&2)

# Debian packages the tests use: Chinese fonts for rendered pages and screenshots, and the chromium that
# Playwright drives (`playwright install` cannot download browsers here; tests launch /usr/bin/chromium).
./scripts/debian-packages.sh >&2 || echo "warning: install the missing Debian packages with sudo apt-get install" >&2

# Start the local PostgreSQL if it is installed but not running (CI machines start it; laptops may not).
if [[ ",${FOLIO_TEST_BACKENDS:-sqlite,postgresql}," == *",postgresql,"* ]] && command -v pg_isready >/dev/null; then
  if ! pg_isready -h 127.0.0.1 -p 5432 -q && command -v pg_ctlcluster >/dev/null && [ "$(id -u)" = 0 ]; then
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n1)" main start || true
  fi
fi

# Two workers (pytest-xdist, a file's tests kept together): the suite took 40-50 min on one core and once ran
# past CI's 90 min on a loaded machine; FOLIO_TEST_WORKERS=0 runs it in one process.
WORKERS=${FOLIO_TEST_WORKERS:-2}
if [ "$WORKERS" != 0 ]; then
  set -- -n "$WORKERS" --dist loadfile "$@"
fi
exec .venv/bin/python -m pytest "$@"
