"""Formula-safe export cells: the one way Folio writes a value into a CSV or XLSX file it hands out.

A spreadsheet program runs a cell that begins with ``=``, ``+``, ``-`` or ``@`` (and, after a tab or a carriage
return, what follows) as a formula: a front-page value ``=HYPERLINK("http://…"&B2,"open")`` or a reviewer's note
``@SUM(…)`` would run on the hospital's computer (OWASP, "CSV Injection"). Every value is therefore written as text
when it begins with one of those characters (or their full-width forms, which some input methods type):
- in a CSV, with a leading apostrophe ``'`` (OWASP's recommendation; Excel and WPS show the text, never run it);
- in an XLSX, as a text cell with Excel's quote prefix (what typing ``'`` in Excel stores): the cell shows the
  value exactly, without the apostrophe, and stays text even when edited.
Numbers, dates and ``Decimal`` amounts are not text and pass unchanged (a negative amount stays a number).
"""

import csv
import re
from collections.abc import Iterable
from typing import Any

# Characters XML 1.0 cannot carry (C0 controls but tab, line feed, carriage return): an XLSX cell holding one makes
# openpyxl refuse the whole file. They are replaced by U+FFFD in XLSX cells, so one bad value never stops an export.
_NOT_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")


def formula_like(value: object) -> bool:
    """True for text a spreadsheet program would run as a formula (it begins with one of FORMULA_STARTS)."""
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def export_cell(value: Any, sheet: Any = None) -> Any:
    """One cell of an export, safe from formula injection.

    Without ``sheet``: the value for a CSV writer (formula-like text gets a leading apostrophe).
    With an openpyxl worksheet (ordinary or write-only): what to ``append`` to it — the value itself, or for
    formula-like text a cell of that sheet marked as text with the quote prefix.
    ``export_cell("=1+2")`` → ``"'=1+2"``; ``export_cell(-5)`` → ``-5``; ``export_cell("张三")`` → ``"张三"``.
    In an XLSX, control characters XML cannot hold become U+FFFD (openpyxl would refuse the whole workbook).
    """
    if sheet is not None and isinstance(value, str) and _NOT_XML.search(value):
        value = _NOT_XML.sub("\ufffd", value)
    if not formula_like(value):
        return value
    if sheet is None:
        return "'" + value
    from openpyxl.cell import WriteOnlyCell

    return as_text(WriteOnlyCell(sheet, value=value))


def export_row(values: Iterable[Any], sheet: Any = None) -> list[Any]:
    """``export_cell`` for every value of a row."""
    return [export_cell(v, sheet) for v in values]


def as_text(cell: Any) -> Any:
    """An openpyxl cell holding formula-like text, turned into a text cell with the quote prefix (returned)."""
    if formula_like(cell.value):
        cell.data_type = "s"
        cell.quotePrefix = True
    return cell


def text_only(workbook: Any) -> None:
    """Make every formula-like cell of an ordinary openpyxl workbook a text cell, just before it is saved."""
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                as_text(cell)


class SafeCsvWriter:
    """A csv.writer whose every cell goes through export_cell (made by csv_writer)."""

    def __init__(self, out: Any, **options: Any) -> None:
        self._writer = csv.writer(out, **options)

    def writerow(self, row: Iterable[Any]) -> Any:
        """Write one row, each cell formula-safe."""
        return self._writer.writerow(export_row(row))

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        """Write every row, each cell formula-safe."""
        for row in rows:
            self.writerow(row)


def csv_writer(out: Any, **options: Any) -> SafeCsvWriter:
    """``csv.writer(out, **options)`` for an export: every cell written through ``export_cell``."""
    return SafeCsvWriter(out, **options)
