"""Reading an XLSX front-page export exactly as the hospital's staff see it in Excel or WPS.

openpyxl reads the workbook (shared strings, styles, the 1900 or 1904 date system) and, with defusedxml installed,
refuses XML with a DTD, entities or external references. Its read-only worksheet parser is driven here directly so
that the sheet's declared dimension (WPS writes ``A1`` for a full sheet) is never trusted, and so that the row
attributes (hidden rows) and merged cells it parses come along with the values. Every number is rendered through
its number format as the cell shows it (an MRN 7919 formatted ``00000000`` reads ``00007919``); what cannot be
shown exactly (a long number in scientific notation, more digits than a float keeps, a formula without a saved
value, an error value) becomes a ``CellIssue`` that refuses its row when the column is mapped to a field.
Before anything is parsed, the zip's entry count and declared uncompressed sizes are checked, and every XML part
is searched for a document type declaration: an XLSX never has one.
"""

import functools
import io
import re
import zipfile
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

MAX_ENTRIES = 1_000  # an export has about ten parts; thousands means something else
MAX_ENTRY_BYTES = 256 * 1024 * 1024  # one part, uncompressed (a 1 MB file expanding to a 1 GB cell is refused)
MAX_TOTAL_BYTES = 512 * 1024 * 1024
MAX_RATIO = 200  # uncompressed / compressed for any part larger than 1 MB: a zip bomb, not a sheet
_PROLOG_BYTES = 64 * 1024


class XlsxRefused(ValueError):
    """The workbook is refused before or while parsing; ``code`` is the stable error code, ``params`` fill the
    screens' words (app.frontpage.refusals.FILE_MESSAGES), the message is the English detail for logs."""

    def __init__(self, code: str, message: str, **params: object) -> None:
        super().__init__(message)
        self.code = code
        self.params = params


@dataclass(frozen=True)
class CellIssue:
    """A cell whose value cannot be read as shown: a front-page problem code and the text the cell shows."""

    code: str
    shown: str = ""

    def __str__(self) -> str:
        return self.shown


@dataclass
class Sheet:
    """The visible first sheet: rows as (row number, cells by column from 1), hidden row numbers, merged ranges."""

    rows: list[tuple[int, list[object]]]
    hidden_rows: frozenset[int]
    merged: list[tuple[int, int, int, int]]  # (min_row, min_col, max_row, max_col)


def check_package(data: bytes) -> None:
    """Refuse a zip that would take too much to open, before any XML is parsed (XlsxRefused)."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile as exc:
        raise XlsxRefused("frontpage_xlsx_unreadable", f"the workbook cannot be read: {exc}") from exc
    with archive:
        entries = archive.infolist()
        if len(entries) > MAX_ENTRIES:
            raise XlsxRefused(
                "frontpage_xlsx_too_many_entries",
                f"the workbook has {len(entries)} parts (at most {MAX_ENTRIES})",
                parts=len(entries),
                max=MAX_ENTRIES,
            )
        total = 0
        for entry in entries:
            total += entry.file_size
            ratio = entry.file_size / max(entry.compress_size, 1)
            if (
                entry.file_size > MAX_ENTRY_BYTES
                or total > MAX_TOTAL_BYTES
                or (entry.file_size > 1024 * 1024 and ratio > MAX_RATIO)
            ):
                raise XlsxRefused(
                    "frontpage_xlsx_too_large",
                    f"the workbook expands to more than Folio reads ({entry.filename}: {entry.file_size} bytes "
                    f"from {entry.compress_size}): save it again or split the export",
                    part=entry.filename,
                )
        for entry in entries:
            if entry.filename.endswith((".xml", ".rels", ".vml")):
                with archive.open(entry) as part:
                    prolog = part.read(_PROLOG_BYTES)
                if _declares_doctype(prolog):
                    raise XlsxRefused(
                        "frontpage_xlsx_unsafe",
                        f"the workbook's {entry.filename} declares XML entities: refused",
                        part=entry.filename,
                    )


def _declares_doctype(prolog: bytes) -> bool:
    texts = [prolog]
    if prolog[:2] in (b"\xff\xfe", b"\xfe\xff"):
        texts.append(prolog.decode("utf-16", errors="ignore").encode())
    return any(re.search(rb"<!\s*(DOCTYPE|ENTITY)", t, re.IGNORECASE) for t in texts)


def read_sheet(data: bytes, max_rows: int) -> Sheet:
    """The first visible sheet of an XLSX, every cell as shown (XlsxRefused when the file is refused)."""
    check_package(data)
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - openpyxl raises many types (KeyError, TypeError, ...) on bad parts
        raise XlsxRefused(_parse_code(exc), f"the workbook cannot be read: {type(exc).__name__}: {exc}") from exc
    try:
        sheet = next((ws for ws in book.worksheets if ws.sheet_state == "visible"), None)
        if sheet is None:
            raise XlsxRefused("frontpage_no_visible_sheet", "the workbook has no visible sheet")
        return _parse(book, sheet, max_rows)
    except XlsxRefused:
        raise
    except Exception as exc:  # noqa: BLE001 - the sheet's XML is parsed only now: DTDs, bad XML, bad numbers
        raise XlsxRefused(_parse_code(exc), f"the sheet cannot be read: {type(exc).__name__}: {exc}") from exc
    finally:
        book.close()


def _parse_code(exc: Exception) -> str:
    try:
        from defusedxml import DefusedXmlException
    except ImportError:  # pragma: no cover - defusedxml is a dependency
        return "frontpage_xlsx_unreadable"
    return "frontpage_xlsx_unsafe" if isinstance(exc, DefusedXmlException) else "frontpage_xlsx_unreadable"


def _parse(book, sheet, max_rows: int) -> Sheet:  # noqa: ANN001
    from openpyxl.worksheet._reader import FORMULA_TAG, WorkSheetParser

    class Parser(WorkSheetParser):
        """openpyxl's parser, telling a formula without a saved value from an empty cell."""

        def parse_cell(self, element):  # noqa: ANN001, ANN202
            cell = super().parse_cell(element)
            if cell["value"] is None and element.find(FORMULA_TAG) is not None:
                cell["data_type"] = "uncached"
            return cell

    rows: list[tuple[int, list[object]]] = []
    with book._archive.open(sheet._worksheet_path) as src:  # noqa: SLF001 - the read-only sheet's own part
        parser = Parser(
            src,
            sheet._shared_strings,  # noqa: SLF001
            data_only=True,
            epoch=book.epoch,
            date_formats=book._date_formats,  # noqa: SLF001
            timedelta_formats=book._timedelta_formats,  # noqa: SLF001
        )
        for number, cells in parser.parse():
            if len(rows) > max_rows:
                raise XlsxRefused(
                    "frontpage_too_many_rows", f"more than {max_rows} rows: split the export", max=max_rows
                )
            width = max((c["column"] for c in cells), default=0)
            values: list[object] = [None] * width
            for c in cells:
                values[c["column"] - 1] = _shown(c, book)
            rows.append((number, values))
        hidden = frozenset(int(r) for r, a in parser.row_dimensions.items() if a.get("hidden") in ("1", "true"))
        merged = [
            (m.min_row, m.min_col, m.max_row, m.max_col)
            for m in (parser.merged_cells.mergeCell if parser.merged_cells else [])
        ]
    return Sheet(rows, hidden, merged)


def _shown(cell: dict, book) -> object:  # noqa: ANN001
    value, kind = cell["value"], cell["data_type"]
    if kind == "uncached":
        return CellIssue("formula_uncached")
    if value is None:
        return None
    if kind == "e":
        return CellIssue("cell_error", str(value))
    if kind == "b":
        return "TRUE" if value else "FALSE"
    if kind == "n" and isinstance(value, int | float):
        return shown_number(value, _format_of(book, book._cell_styles[cell["style_id"] or 0].numFmtId))  # noqa: SLF001
    return value  # text, or a date/time from a date format (read in the workbook's date system)


def _format_of(book, fmt_id: int) -> str:  # noqa: ANN001
    from openpyxl.styles.numbers import BUILTIN_FORMATS, BUILTIN_FORMATS_MAX_SIZE

    if fmt_id < BUILTIN_FORMATS_MAX_SIZE:
        return BUILTIN_FORMATS.get(fmt_id, "General")
    return book._number_formats[fmt_id - BUILTIN_FORMATS_MAX_SIZE]  # noqa: SLF001


_LITERAL = re.compile(r'"[^"]*"|\\.|_.|\*.|\[[^\]]*\]')
_PLACEHOLDERS = re.compile(r"[0#?][0#?,]*(?:\.[0#?]*)?|\.[0#?]+")


def shown_number(value: int | float, number_format: str) -> str | CellIssue:
    """A number as a cell with this Excel number format shows it, or a CellIssue when its digits are not all there.

    ``(7919, "00000000")`` → ``"00007919"``; ``(7919, "0_ ")`` → ``"7919"``; ``(47.1, "0.00")`` → ``"47.10"``;
    ``(123456789012, "General")`` → CellIssue("scientific") (Excel shows 1.23457E+11);
    ``(110101199001011234, "0")`` → CellIssue("digits_lost") (a float keeps 15 digits).
    Formats beyond digit placeholders, literals, percent and sections (fractions, conditions on values other
    than sign) are refused as ``number_format`` rather than guessed.
    """
    if abs(value) >= 1e15:
        return CellIssue("digits_lost", repr(value))
    sections = _sections(number_format)
    index, negative = 0, value < 0
    if negative and len(sections) > 1:
        index, negative = 1, False  # the second section shows negatives (its own sign, if any)
    elif value == 0 and len(sections) > 2:
        index = 2
    section, bare = sections[index]
    if bare.lower() in ("general", "@"):
        return _general(value)
    if re.search(r"[eE][+-]", bare):
        return CellIssue("scientific", _general_text(value))
    if re.search(r"[yYmMdDhHsS/]", bare):
        return CellIssue("number_format", _general_text(value))
    return _render(abs(value) if len(sections) > 1 else value, section, negative)


@functools.lru_cache(maxsize=256)
def _sections(number_format: str) -> tuple[tuple[str, str], ...]:
    """The format's sections, each with its placeholders alone (literals, padding and [tags] removed)."""
    parts, current, i = [], "", 0
    while i < len(number_format):
        m = _LITERAL.match(number_format, i)
        if m:
            current += m.group(0)
            i = m.end()
        elif number_format[i] == ";":
            parts.append(current)
            current, i = "", i + 1
        else:
            current += number_format[i]
            i += 1
    return tuple((part, _LITERAL.sub("", part).strip()) for part in [*parts, current])


def _general_text(value: int | float) -> str:
    if isinstance(value, int) or float(value).is_integer():
        return str(int(value))
    return format(value, ".10g")


def _general(value: int | float) -> str | CellIssue:
    """Excel's General format: whole numbers up to 11 digits as they are, otherwise 10 significant digits."""
    text = _general_text(value)
    if abs(value) >= 1e11 or "e" in text:
        return CellIssue("scientific", format(value, ".6G"))
    return text


def _render(value: int | float, section: str, negative: bool) -> str:
    # Literals (quoted text, escaped characters) are kept; padding (_x), fills (*x) and [colour] tags show nothing.
    pieces: list[str] = []
    i, number_done = 0, False
    while i < len(section):
        m = _LITERAL.match(section, i)
        if m:
            token = m.group(0)
            if token.startswith('"'):
                pieces.append(token[1:-1])
            elif token.startswith("\\"):
                pieces.append(token[1])
            i = m.end()
            continue
        p = _PLACEHOLDERS.match(section, i)
        if p and not number_done:
            percent = "%" in section
            pieces.append(_digits(value * 100 if percent else value, p.group(0)))
            number_done = True
            i = p.end()
            continue
        pieces.append(section[i])
        i += 1
    text = "".join(pieces).strip()
    return "-" + text if negative else text


def _digits(value: int | float, pattern: str) -> str:
    whole, _, decimals = pattern.partition(".")
    places = sum(1 for ch in decimals if ch in "0#?")
    required = sum(1 for ch in decimals if ch == "0")
    number = Decimal(repr(value)).copy_abs().quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    int_part, _, frac = f"{number:f}".partition(".")
    int_part = int_part.lstrip("0")
    int_part = int_part.zfill(whole.count("0")) if whole.count("0") else int_part
    if "," in whole.strip(","):
        int_part = f"{int(int_part or '0'):,}"
    frac = frac.rstrip("0").ljust(required, "0") if places else ""
    return int_part + ("." + frac if frac else "")
