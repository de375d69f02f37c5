#!/usr/bin/env bash
# Debian packages Folio's documented features use: Debian's chromium (the PDFs: acceptance report, handover sheet,
# erasure certificate; and the browser tests) and fonts-noto-cjk (Chinese text in PDFs, demo pages, screenshots).
#   ./scripts/debian-packages.sh          install what is missing (as root; apt-get), else say what to run
# Exit 0 when every package is there afterwards; 1 when some are still missing (their names on stdout's last line
# as "missing: NAME ..."), so callers can say in one line what to add.
set -uo pipefail
PACKAGES=(chromium fonts-noto-cjk)

missing() {
  local out=()
  for pkg in "${PACKAGES[@]}"; do
    dpkg -s "$pkg" >/dev/null 2>&1 || out+=("$pkg")
  done
  echo "${out[@]}"
}

if ! command -v dpkg >/dev/null; then
  echo "not a Debian/Ubuntu system: install chromium and a CJK font with your package manager" >&2
  echo "missing: ${PACKAGES[*]}"
  exit 1
fi
need=$(missing)
if [ -z "$need" ]; then
  exit 0
fi
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "installing Debian packages: $need"
  # shellcheck disable=SC2086  # the names are words
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $need >/dev/null; } \
    || echo "apt-get could not install $need" >&2
  need=$(missing)
fi
if [ -n "$need" ]; then
  echo "missing: $need"
  exit 1
fi
