"""Reading a hospital's front-page export: CSV (UTF-8 or GB18030, comma, tab or semicolon) or XLSX."""

import csv
import io
import zipfile
from dataclasses import dataclass

MAX_ROWS = 500_000
HEADING_SEARCH = 20  # rows searched for the headings, below any title lines


class UnreadableFile(ValueError):
    """The file is not a CSV or XLSX table this reader understands; the message says why."""


@dataclass(frozen=True)
class Table:
    """The headings of the first row, and every later non-empty row as (row number in the file, heading → value)."""

    headers: list[str]
    rows: list[tuple[int, dict[str, object]]]


def read_table(filename: str, data: bytes) -> Table:
    """The table in an uploaded file, by its content (an XLSX is a zip file) and then by its name."""
    if data[:4] == b"PK\x03\x04":
        return _read_xlsx(data)
    if filename.lower().endswith((".xls", ".xlsx")) or data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise UnreadableFile("this is an old .xls workbook or not a workbook at all: save it as .xlsx or .csv")
    return _read_csv(data)


def _headers(cells: list[object]) -> list[str]:
    headers = [("" if c is None else str(c)).strip().lstrip("\ufeff") for c in cells]
    named = [h for h in headers if h]
    if not named:
        raise UnreadableFile("the first row has no column headings")
    duplicates = sorted({h for h in named if named.count(h) > 1})
    if duplicates:
        raise UnreadableFile(f"column headings appear twice: {', '.join(duplicates)}")
    return headers


def _row(headers: list[str], cells: list[object] | tuple) -> dict[str, object]:
    return {h: (cells[i] if i < len(cells) else None) for i, h in enumerate(headers) if h}


def _empty(cells: list[object] | tuple) -> bool:
    return all(c is None or (isinstance(c, str) and not c.strip()) for c in cells)


def _filled(cells: list[object] | tuple) -> int:
    return sum(1 for c in cells if c is not None and not (isinstance(c, str) and not c.strip()))


def _heading_row(rows: list[list[object] | tuple]) -> int:
    """The index of the headings: the first row with two or more filled cells (a title line above is skipped)."""
    for index, cells in enumerate(rows[:HEADING_SEARCH]):
        if _filled(cells) >= 2:
            return index
    return next((i for i, cells in enumerate(rows) if not _empty(cells)), 0)


def _read_csv(data: bytes) -> Table:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            content = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - gb18030 decodes any byte string
        raise UnreadableFile("the file is neither UTF-8 nor GB18030 text")
    if "\x00" in content:
        raise UnreadableFile("this is not a text file: upload a .csv or .xlsx export")
    first = content.split("\n", 1)[0]
    delimiter = max((",", "\t", ";"), key=first.count)
    reader = csv.reader(io.StringIO(content, newline=""), delimiter=delimiter)
    lines: list[tuple[int, list[str]]] = []
    try:
        for cells in reader:
            if len(lines) > MAX_ROWS + HEADING_SEARCH:
                raise UnreadableFile(f"more than {MAX_ROWS} rows: split the export")
            lines.append((reader.line_num, cells))
    except csv.Error as exc:
        raise UnreadableFile(f"the CSV is malformed near line {reader.line_num}: {exc}") from exc
    return _table(lines)


def _table(lines: list[tuple[int, list[object] | tuple]]) -> Table:
    if not lines or all(_empty(cells) for _, cells in lines):
        raise UnreadableFile("the file is empty")
    start = _heading_row([cells for _, cells in lines])
    headers = _headers(list(lines[start][1]))
    rows = [(number, _row(headers, cells)) for number, cells in lines[start + 1 :] if not _empty(cells)]
    if len(rows) > MAX_ROWS:
        raise UnreadableFile(f"more than {MAX_ROWS} rows: split the export")
    return Table(headers, rows)


def _read_xlsx(data: bytes) -> Table:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as exc:
        raise UnreadableFile(f"the workbook cannot be read: {exc}") from exc
    try:
        lines: list[tuple[int, list[object] | tuple]] = []
        for number, cells in enumerate(book.worksheets[0].iter_rows(values_only=True), start=1):
            if len(lines) > MAX_ROWS + HEADING_SEARCH:
                raise UnreadableFile(f"more than {MAX_ROWS} rows: split the export")
            lines.append((number, cells))
    finally:
        book.close()
    return _table(lines)
