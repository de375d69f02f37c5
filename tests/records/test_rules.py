"""Barcodes and page completeness."""

import pytest

from app.projects.models import DEFAULT_BARCODE_PATTERN
from app.records.rules import RecordKey, completeness, parse_barcode


@pytest.mark.parametrize(
    ("barcode", "expected"),
    [
        ("00123456-2", RecordKey("00123456", 2)),
        ("A9 1", RecordKey("A9", 1)),
        (" 00123456_12 ", RecordKey("00123456", 12)),
        ("00123456", None),
        ("00123456-0", None),
        ("../etc-1", None),
        ("", None),
    ],
)
def test_parse_barcode(barcode: str, expected: RecordKey | None) -> None:
    assert parse_barcode(barcode, DEFAULT_BARCODE_PATTERN) == expected


def test_completeness_lists_missing_and_extra() -> None:
    result = completeness([1, 2, 4, 6, 7], 5)
    assert (result.missing, result.extra, result.captured, result.complete) == ([3, 5], [6, 7], 5, False)
    assert completeness([3, 1, 2], 3).complete
