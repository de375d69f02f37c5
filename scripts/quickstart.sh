#!/usr/bin/env bash
# Quick start: install Folio into ./.venv with what its documented features need, create the demo project (once),
# and serve it.
#   ./scripts/quickstart.sh                  -> http://127.0.0.1:8000
#   HOST=0.0.0.0 PORT=9000 ./scripts/quickstart.sh
#   ./scripts/quickstart.sh --install-only   steps 1-2 only (what tests/e2e/test_quickstart.py runs)
# FOLIO_VENV=path puts the virtual environment elsewhere (default .venv).
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
VENV=${FOLIO_VENV:-.venv}
INSTALL_ONLY=false
[ "${1:-}" = "--install-only" ] && INSTALL_ONLY=true
STEPS=4
$INSTALL_ONLY && STEPS=2
step() { printf '\n\033[1m[%s/%s] %s\033[0m\n' "$1" "$STEPS" "$2"; }
missing=()

"$PYTHON" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Folio needs Python 3.11 or newer")'

step 1 "Python packages into $VENV (Folio, its server, OpenCV, Playwright for PDFs) — one line per package"
[ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "$VENV"
# One line per package instead of pip's silence: the first install takes a few minutes.
"$VENV/bin/python" -m pip install --disable-pip-version-check --progress-bar off -e '.[pdf,ocr]' 2>&1 \
  | grep --line-buffered -E '^(Collecting|Successfully installed|ERROR)' \
  | sed -u -E 's/^Collecting ([^ ]+).*/  \1/; s/^Successfully installed .*/  done/' || true
"$VENV/bin/python" -c 'import app, playwright' 2>/dev/null \
  || { echo "the Python packages did not install: run $VENV/bin/python -m pip install -e '.[pdf,ocr]' to see why" >&2; exit 1; }

step 2 "Debian packages for PDFs: chromium and fonts-noto-cjk (scripts/debian-packages.sh)"
if out=$(./scripts/debian-packages.sh); then
  echo "  chromium and fonts-noto-cjk are installed"
else
  echo "$out" | grep -v '^missing:' || true
  # shellcheck disable=SC2207
  missing+=($(echo "$out" | sed -n 's/^missing: //p'))
fi

say_missing() {
  if [ ${#missing[@]} -gt 0 ]; then
    printf '\n\033[1mmissing:\033[0m %s — PDFs (acceptance report, handover sheet, certificate) answer 503 until an administrator runs: sudo apt-get install %s\n' \
      "${missing[*]}" "${missing[*]}"
  fi
}

if $INSTALL_ONLY; then
  say_missing
  exit 0
fi

step 3 "The demo project (once): users, a station and generated page images"
export FOLIO_MODE=${FOLIO_MODE:-demo}
"$VENV/bin/folio" demo

step 4 "Serving http://${HOST:-127.0.0.1}:${PORT:-8000}/ (Ctrl+C stops it)"
say_missing
exec "$VENV/bin/folio" serve --host "${HOST:-127.0.0.1}" --port "${PORT:-8000}"
