#!/usr/bin/env bash
# Quick start: install Folio into ./.venv, create the demo project (once), and serve it.
#   ./scripts/quickstart.sh            -> http://127.0.0.1:8000
#   HOST=0.0.0.0 PORT=9000 ./scripts/quickstart.sh
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
"$PYTHON" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Folio needs Python 3.11 or newer")'
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
.venv/bin/python -m pip install --quiet --disable-pip-version-check -e . 2> >(grep -v '^WARNING: Location' >&2)

export FOLIO_MODE=${FOLIO_MODE:-demo}
.venv/bin/folio demo
exec .venv/bin/folio serve --host "${HOST:-127.0.0.1}" --port "${PORT:-8000}"
