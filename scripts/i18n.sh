#!/usr/bin/env bash
# Refresh the translation catalogue after changing user-visible text:
#   ./scripts/i18n.sh            extract msgids from app/ and merge them into app/locale/zh_CN/.../messages.po
# Then fill every empty msgstr "" in the .po (tests/core/test_i18n.py fails while one is empty).
set -euo pipefail
cd "$(dirname "$0")/.."
.venv/bin/pybabel extract -F babel.cfg -k N_ -k _t:2 -k NC_:1c,2 -o app/locale/messages.pot --no-location --omit-header \
  --sort-output . >/dev/null 2>&1
.venv/bin/pybabel update -i app/locale/messages.pot -d app/locale -l zh_CN --ignore-obsolete \
  --no-fuzzy-matching >/dev/null 2>&1
grep -c '^msgid' app/locale/zh_CN/LC_MESSAGES/messages.po | xargs echo "messages in the catalogue:"
