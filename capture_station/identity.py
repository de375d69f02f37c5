"""A record's names on the station: a barcode or an MRN + visit, and the one key they share (pure)."""

from __future__ import annotations

import json
import re
from typing import Any

# the project's default barcode pattern (app.projects.models.DEFAULT_BARCODE_PATTERN): 'MRN-visit'
BARCODE_PATTERN = r"^(?P<mrn>[0-9A-Za-z]{1,32})[-_/ ](?P<visit>\d{1,3})$"
_MRN = re.compile(r"^[0-9A-Za-z]{1,32}$")


def record_key(record: dict[str, Any]) -> str:
    """A stable key for a record identity ({"barcode"} or {"mrn", "visit"})."""
    return json.dumps(record, sort_keys=True, ensure_ascii=False)


def record_label(record: dict[str, Any]) -> str:
    """"00123456-2" for a barcode, "00123456 / 2" for MRN + visit."""
    if "barcode" in record:
        return str(record["barcode"])
    return f"{record.get('mrn')} / {record.get('visit')}"


def label_of(record: dict[str, Any] | None) -> str:
    """The record as the operator knows it ('' when none)."""
    return record_label(record) if record else ""


def barcode_identity(identity: dict[str, Any], pattern: str = BARCODE_PATTERN) -> dict[str, Any] | None:
    """{"mrn", "visit"} read out of a {"barcode"} identity with the barcode `pattern` (named groups mrn and
    visit, as the server's `app.records.rules.parse_barcode`); None for an MRN + visit identity, an empty or
    bad pattern, or a barcode it does not fit."""
    code = identity.get("barcode")
    if not code or not pattern:
        return None
    try:
        match = re.fullmatch(pattern, str(code).strip())
        mrn, visit = (match.group("mrn"), int(match.group("visit"))) if match else (None, 0)
    except (re.error, IndexError, ValueError):
        return None
    return {"mrn": mrn, "visit": visit} if mrn and _MRN.match(mrn) and visit >= 1 else None
