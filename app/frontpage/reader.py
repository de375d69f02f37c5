"""Reading a hospital's front-page export: CSV (UTF-8 or GB18030, comma, tab or semicolon) or XLSX (xlsx.py)."""

import csv
import io
from dataclasses import dataclass, field

from app.frontpage.xlsx import XlsxRefused, read_sheet

MAX_ROWS = 500_000
HEADING_SEARCH = 20  # rows searched for the headings, below any title lines


class UnreadableFile(ValueError):
    """The file is not a CSV or XLSX table this reader understands: ``code`` is the stable reason, ``params`` fill
    the screens' words (app.frontpage.refusals.FILE_MESSAGES), the message is the English detail for logs."""

    def __init__(self, code: str, message: str, **params: object) -> None:
        super().__init__(message)
        self.code = code
        self.params = params


@dataclass(frozen=True)
class Table:
    """The headings, and every later non-empty row as (row number in the file, heading → value); the numbers of
    rows the workbook hides (refused: nobody saw them)."""

    headers: list[str]
    rows: list[tuple[int, dict[str, object]]]
    hidden_rows: frozenset[int] = field(default_factory=frozenset)


def read_table(filename: str, data: bytes) -> Table:
    """The table in an uploaded file, by its content (an XLSX is a zip file) and then by its name."""
    if data[:4] == b"PK\x03\x04":
        return _read_xlsx(data)
    if filename.lower().endswith((".xls", ".xlsx")) or data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise UnreadableFile(
            "frontpage_old_xls", "this is an old .xls workbook or not a workbook at all: save it as .xlsx or .csv"
        )
    return _read_csv(data)


def _headers(cells: list[object]) -> list[str]:
    headers = [("" if c is None else str(c)).strip().lstrip("\ufeff") for c in cells]
    named = [h for h in headers if h]
    if not named:
        raise UnreadableFile("frontpage_no_headings", "the first row has no column headings")
    duplicates = sorted({h for h in named if named.count(h) > 1})
    if duplicates:
        raise UnreadableFile(
            "frontpage_headings_twice",
            f"column headings appear twice: {', '.join(duplicates)}",
            headings="、".join(duplicates),
        )
    return headers


def _row(headers: list[str], cells: list[object] | tuple) -> dict[str, object]:
    return {h: (cells[i] if i < len(cells) else None) for i, h in enumerate(headers) if h}


def _blank(cell: object) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip())


def _empty(cells: list[object] | tuple) -> bool:
    return all(_blank(c) for c in cells)


def _filled(cells: list[object] | tuple) -> int:
    return sum(1 for c in cells if not _blank(c))


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
        raise UnreadableFile("frontpage_not_text", "the file is neither UTF-8 nor GB18030 text")
    if "\x00" in content:
        raise UnreadableFile("frontpage_not_text", "this is not a text file: upload a .csv or .xlsx export")
    first = content.split("\n", 1)[0]
    delimiter = max((",", "\t", ";"), key=first.count)
    reader = csv.reader(io.StringIO(content, newline=""), delimiter=delimiter)
    lines: list[tuple[int, list[str]]] = []
    try:
        for cells in reader:
            if len(lines) > MAX_ROWS + HEADING_SEARCH:
                raise UnreadableFile(
                    "frontpage_too_many_rows", f"more than {MAX_ROWS} rows: split the export", max=MAX_ROWS
                )
            lines.append((reader.line_num, cells))
    except csv.Error as exc:
        raise UnreadableFile(
            "frontpage_csv_malformed", f"the CSV is malformed near line {reader.line_num}: {exc}", line=reader.line_num
        ) from exc
    return _table(lines)


def _table(lines: list[tuple[int, list[object] | tuple]], heading_rows: int = 1, start: int | None = None) -> Table:
    if not lines or all(_empty(cells) for _, cells in lines):
        raise UnreadableFile("frontpage_empty", "the file is empty")
    start = _heading_row([cells for _, cells in lines]) if start is None else start
    headings = [list(cells) for _, cells in lines[start : start + heading_rows]]
    width = max(len(h) for h in headings)
    combined = [
        "".join(dict.fromkeys(str(h[i]).strip() for h in headings if i < len(h) and not _blank(h[i])))
        for i in range(width)
    ]
    headers = _headers(combined)
    rows = [(n, _row(headers, cells)) for n, cells in lines[start + heading_rows :] if not _empty(cells)]
    if len(rows) > MAX_ROWS:
        raise UnreadableFile("frontpage_too_many_rows", f"more than {MAX_ROWS} rows: split the export", max=MAX_ROWS)
    return Table(headers, rows)


def _read_xlsx(data: bytes) -> Table:
    """The first visible sheet as shown: merged cells carry their value over the whole range, a heading merged
    over two rows or spanning columns with sub-headings below reads as a two-row heading (主要诊断 + 编码 →
    主要诊断编码); the sheet's declared dimension is ignored."""
    try:
        sheet = read_sheet(data, MAX_ROWS + HEADING_SEARCH)
    except XlsxRefused as exc:
        raise UnreadableFile(exc.code, str(exc), **exc.params) from exc
    origins = [(n, list(cells)) for n, cells in sheet.rows]
    if not origins or all(_empty(cells) for _, cells in origins):
        raise UnreadableFile("frontpage_empty", "the file is empty")
    start = _heading_row([cells for _, cells in origins])  # a title merged across the sheet counts as one cell
    heading_number = origins[start][0]
    two_rows = any(
        r0 == heading_number and (r1 > r0 or (c1 > c0 and _below_filled(origins, start, c0, c1)))
        for r0, c0, r1, c1 in sheet.merged
    )
    lines = _spread_merged(origins, sheet.merged)
    table = _table(lines, heading_rows=2 if two_rows else 1, start=start)
    return Table(table.headers, table.rows, sheet.hidden_rows)


def _below_filled(rows: list[tuple[int, list[object]]], start: int, c0: int, c1: int) -> bool:
    if start + 1 >= len(rows) or rows[start + 1][0] != rows[start][0] + 1:
        return False
    below = rows[start + 1][1]
    return all(c - 1 < len(below) and not _blank(below[c - 1]) for c in range(c0, c1 + 1))


def _spread_merged(
    rows: list[tuple[int, list[object]]], merged: list[tuple[int, int, int, int]]
) -> list[tuple[int, list[object]]]:
    """Every cell of a merged range shows the range's value (the workbook keeps it in the top-left cell only)."""
    if not merged:
        return rows
    by_number = {n: i for i, (n, _) in enumerate(rows)}
    for r0, c0, r1, c1 in merged:
        if r0 not in by_number or (r1 - r0 + 1) * (c1 - c0 + 1) > 100_000:
            continue
        first = rows[by_number[r0]][1]
        value = first[c0 - 1] if c0 - 1 < len(first) else None
        for number in range(r0, r1 + 1):
            if number not in by_number:
                continue
            cells = rows[by_number[number]][1]
            cells.extend([None] * (c1 - len(cells)))
            for col in range(c0, c1 + 1):
                if (number, col) != (r0, c0):
                    cells[col - 1] = value
    return rows
