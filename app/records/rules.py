"""Pure rules about records: reading barcodes, and comparing captured pages with the paper."""

import re
from dataclasses import dataclass

from app.core.typed import typed_text


@dataclass(frozen=True)
class RecordKey:
    """MRN (病案号) and visit (住院次数)."""

    mrn: str
    visit: int


MRN_PATTERN = re.compile(r"^[0-9A-Za-z]{1,32}$")


def parse_barcode(barcode: str, pattern: str) -> RecordKey | None:
    """MRN and visit read from a record's barcode with the project's pattern, or None when it does not fit."""
    match = re.fullmatch(pattern, typed_text(barcode))
    if not match:
        return None
    try:
        mrn, visit = match.group("mrn"), int(match.group("visit"))
    except (IndexError, ValueError):
        return None
    return RecordKey(mrn, visit) if MRN_PATTERN.match(mrn) and visit >= 1 else None


@dataclass(frozen=True)
class Completeness:
    """Captured page numbers against the paper's page count."""

    paper_page_count: int
    captured: int
    missing: list[int]
    extra: list[int]

    @property
    def complete(self) -> bool:
        """Every page from 1 to the paper count is there and nothing beyond."""
        return not self.missing and not self.extra


def completeness(page_numbers: list[int], paper_page_count: int) -> Completeness:
    """Which page numbers are missing (1..count not captured) and which are extra (beyond count)."""
    present = set(page_numbers)
    missing = [n for n in range(1, paper_page_count + 1) if n not in present]
    extra = sorted(n for n in present if n > paper_page_count)
    return Completeness(paper_page_count, len(present), missing, extra)
