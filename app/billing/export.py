"""A statement as files for the hospital: XLSX (openpyxl) and CSV (UTF-8 with BOM, so Excel opens it).

Headers are Chinese whatever the screen's language: the file is the document both parties sign.
Every figure is written as a value (not a formula), exactly as the screen shows it.
"""

import io
from collections.abc import Iterable, Sequence
from copy import copy
from datetime import date
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from app.billing.models import TermUnit
from app.billing.statement import Line, Statement, Totals
from app.core.exports import csv_writer, text_only

KIND_LABELS = {"regular": "常规", "termination": "终止"}
UNKNOWN = "待定"

# (header, width, number format) of the main table; the order is the order of `_row`.
COLUMNS: tuple[tuple[str, int, str | None], ...] = (
    ("批次号", 8, "0"),
    ("类型", 12, None),
    ("验收日期", 12, "yyyy-mm-dd"),
    ("验收页数", 12, "#,##0"),
    ("计费页数", 12, "#,##0"),
    ("超出上限不计费页数", 12, "#,##0"),
    ("单价（元/页）", 10, "0.0000"),
    ("精确金额（元）", 15, "#,##0.0000"),
    ("结算金额（元）", 14, "#,##0.00"),
    ("累计结算（元）", 14, "#,##0.00"),
    ("上限余额（元）", 14, "#,##0.00"),
    ("付款期限", 12, "yyyy-mm-dd"),
    ("发票号码", 22, "@"),
    ("开票日期", 12, "yyyy-mm-dd"),
    ("已付金额（元）", 14, "#,##0.00"),
    ("未付金额（元）", 14, "#,##0.00"),
    ("逾期金额（元）", 14, "#,##0.00"),
    ("逾期天数", 8, "0"),
    ("滞纳金（元）", 12, "#,##0.00"),
)
HEADERS = tuple(c[0] for c in COLUMNS)
TOTAL_LABEL = "合计"
EARLIER_TOTAL_LABEL = "小计"


def _or_unknown(value: object) -> object:
    return UNKNOWN if value is None else value


def _row(x: Line) -> list[object]:
    return [
        x.lot_number,
        KIND_LABELS.get(x.kind, x.kind) + ("（视为验收）" if x.deemed else ""),
        x.accepted_on,
        x.pages,
        x.billable_pages,
        x.not_billable_pages,
        x.unit_price,
        x.exact,
        x.amount,
        x.cumulative,
        x.cap_remaining,
        _or_unknown(x.due_on),
        x.invoice_number or "",
        x.invoice_date,
        x.paid,
        x.outstanding,
        _or_unknown(x.overdue),
        _or_unknown(x.late_days),
        _or_unknown(x.late_charge),
    ]


def _totals_row(label: str, t: Totals) -> list[object]:
    late = t.late_charge if t.complete else f"{t.late_charge:.2f}+{UNKNOWN}"
    overdue = t.overdue if t.complete else f"{t.overdue:.2f}+{UNKNOWN}"
    return [label, None, None, t.pages, t.billable_pages, t.not_billable_pages, None, None, t.amount,
            None, None, None, None, None, t.paid, t.outstanding, overdue, None, late]  # fmt: skip


def _notes(st: Statement) -> list[str]:
    # Regular lots (working days) first, then termination lots (calendar days).
    terms = sorted({(x.term_unit != TermUnit.working, x.term_days) for x in (*st.lines, *st.earlier)})
    term_text = "；".join(
        f"合同终止批次验收日后 {days} 日"
        if calendar_days
        else f"验收日后 {days} 个工作日（按国家法定节假日及调休安排）"
        for calendar_days, days in terms
    )
    rates = sorted({x.late_rate_per_day for x in (*st.lines, *st.earlier)})
    notes = [
        "结算金额 = 计费页数 × 单价，每行四舍五入至 0.01 元（只舍入一次）；“精确金额”为舍入前的值。",
        f"累计结算不超过合同总价上限 {st.cap:,.2f} 元：跨越上限的批次只结算至上限，其余页数已交付但不计费。",
    ]
    if term_text:
        notes.append(f"付款期限：{term_text}。")
    if rates:
        notes.append(
            "逾期付款按逾期未付金额每日 "
            + "、".join(f"{(r * 100).normalize()}%" for r in rates)
            + f" 计收滞纳金，按日历日计至 {st.as_of.isoformat()}（含），每行四舍五入至 0.01 元。"
        )
    if any(x.deemed for x in (*st.lines, *st.earlier)):
        notes.append("“视为验收”：甲方未在审核期限内作出验收结论，按合同自期限届满次日起视为验收合格。")
    if st.missing_years:
        years = "、".join(str(y) for y in st.missing_years)
        notes.append(f"“{UNKNOWN}”：工作日日历尚未录入 {years} 年的节假日安排，付款期限暂无法确定。")
    return notes


# --- XLSX ------------------------------------------------------------------------------------

_THIN = Side(style="thin", color="999999")
_BOX = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_HEAD_FILL = PatternFill("solid", fgColor="E3E8EF")
_BOLD = Font(bold=True)
_HEAD_ALIGN = Alignment(horizontal="center", vertical="center", wrap_text=True)


class _Styles:
    """A workbook's cell styles, made once and copied onto cells: openpyxl re-hashes a Font or Border on every
    assignment, which was most of the time spent writing a statement."""

    def __init__(self) -> None:
        self._made: dict[tuple, object] = {}

    def __call__(self, cell: Cell, *, fmt: str | None = None, bold: bool = False, head: bool = False) -> None:
        key = (fmt, bold, head)
        made = self._made.get(key)
        if made is not None:
            cell._style = copy(made)  # noqa: SLF001  (a StyleArray of indices into the workbook's style lists)
            return
        cell.border = _BOX
        if bold or head:
            cell.font = _BOLD
        if head:
            cell.fill = _HEAD_FILL
            cell.alignment = _HEAD_ALIGN
        if fmt:
            cell.number_format = fmt
        self._made[key] = copy(cell._style)  # noqa: SLF001


def _table(ws: Worksheet, style: _Styles, top: int, lines: Sequence[Line], total_label: str, totals: Totals) -> int:
    """Write a header, the lines and a totals row from row `top`; return the next free row."""
    for c, (name, _w, _f) in enumerate(COLUMNS, start=1):
        style(ws.cell(row=top, column=c, value=name), head=True)
    r = top + 1
    for x in lines:
        for c, value in enumerate(_row(x), start=1):
            fmt = COLUMNS[c - 1][2]
            style(ws.cell(row=r, column=c, value=value), fmt=fmt if value is not None and value != UNKNOWN else None)
        r += 1
    for c, value in enumerate(_totals_row(total_label, totals), start=1):
        fmt = COLUMNS[c - 1][2] if c > 1 and isinstance(value, (int, Decimal)) else None
        style(ws.cell(row=r, column=c, value=value), fmt=fmt, bold=True)
    return r + 1


def _sheet(ws: Worksheet, style: _Styles, header: Sequence[str], rows: Iterable[Sequence[object]],
           formats: Sequence[str | None], widths: Sequence[int]) -> None:  # fmt: skip
    """A plain table: a header row, then rows with a number format per column."""
    for c, name in enumerate(header, start=1):
        style(ws.cell(row=1, column=c, value=name), head=True)
    for r, row in enumerate(rows, start=2):
        for c, (value, fmt) in enumerate(zip(row, formats, strict=True), start=1):
            style(ws.cell(row=r, column=c, value=value), fmt=fmt)
    for c, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(c)].width = width


def _payments_sheet(ws: Worksheet, style: _Styles, lines: Sequence[Line]) -> None:
    rows = [(x.lot_number, p.paid_on, p.amount, p.reference) for x in lines for p in x.payments]
    _sheet(ws, style, ("批次号", "付款日期", "金额（元）", "凭证号/备注"), rows,
           ("0", "yyyy-mm-dd", "#,##0.00", None), (8, 12, 14, 40))  # fmt: skip


def _late_sheet(ws: Worksheet, style: _Styles, lines: Sequence[Line]) -> None:
    rows = [
        (x.lot_number, period.unpaid, period.after, period.through, period.days, x.late_rate_per_day, period.exact)
        for x in lines
        if x.late is not None
        for period in x.late.periods
    ]
    header = ("批次号", "逾期未付金额（元）", "自（不含）", "至（含）", "天数", "日费率", "滞纳金精确值（元）")
    formats = ("0", "#,##0.00", "yyyy-mm-dd", "yyyy-mm-dd", "0", "0.0000%", "#,##0.000000")
    _sheet(ws, style, header, rows, formats, (8, 18, 12, 12, 8, 10, 20))


def statement_xlsx(st: Statement) -> bytes:
    """The statement as an XLSX workbook: the settlement sheet, payments, and the late-charge working."""
    wb = Workbook()
    ws = wb.active
    ws.title = "结算单"
    style = _Styles()
    last_col = get_column_letter(len(COLUMNS))
    ws.append([f"{st.project_name} 病案数字化服务结算单"])
    ws.merge_cells(f"A1:{last_col}1")
    ws["A1"].font = Font(bold=True, size=16)
    ws["A1"].alignment = Alignment(horizontal="center")
    facts: list[tuple[str, object, str | None]] = [
        ("项目编号", st.project_code, None),
        ("结算月份", f"{st.month.year}年{st.month.month}月", None),
        ("计算截至", st.as_of, "yyyy-mm-dd"),
        ("甲方（委托方）", st.client, None),
        ("乙方（服务方）", st.vendor, None),
        ("单价（元/页）", st.unit_price, "0.0000"),
        ("合同总价上限（元）", st.cap, "#,##0.00"),
        ("本月前累计结算（元）", st.billed_before, "#,##0.00"),
        ("截至本月累计结算（元）", st.billed_through, "#,##0.00"),
        ("上限余额（元）", st.cap_remaining, "#,##0.00"),
    ]
    for i, (label, value, fmt) in enumerate(facts):
        row, col = 2 + i // 3, 1 + (i % 3) * 6  # three label/value pairs a row, each three columns wide
        ws.merge_cells(start_row=row, start_column=col, end_row=row, end_column=col + 2)
        ws.merge_cells(start_row=row, start_column=col + 3, end_row=row, end_column=col + 5)
        ws.cell(row=row, column=col, value=label).font = _BOLD
        cell = ws.cell(row=row, column=col + 3, value=value)
        cell.alignment = Alignment(horizontal="left")
        if fmt:
            cell.number_format = fmt
    r = 7
    ws.cell(row=r, column=1, value="一、本月验收的批次").font = Font(bold=True, size=12)
    r = _table(ws, style, r + 1, st.lines, TOTAL_LABEL, st.totals)
    header_row = 8
    if st.earlier:
        r += 1
        ws.cell(row=r, column=1, value="二、以前月份验收、尚未付清的批次").font = Font(bold=True, size=12)
        r = _table(ws, style, r + 1, st.earlier, EARLIER_TOTAL_LABEL, st.earlier_totals)
    r += 1
    owed = st.totals.outstanding + st.earlier_totals.outstanding
    late = st.totals.late_charge + st.earlier_totals.late_charge
    complete = st.totals.complete and st.earlier_totals.complete
    for label, value in (
        (f"截至 {st.as_of.isoformat()} 未付金额合计（元）", owed),
        (f"截至 {st.as_of.isoformat()} 滞纳金合计（元）", late if complete else f"{late:.2f}+{UNKNOWN}"),
    ):
        ws.cell(row=r, column=1, value=label).font = _BOLD
        cell = ws.cell(row=r, column=9, value=value)
        cell.font = _BOLD
        if isinstance(value, Decimal):
            cell.number_format = "#,##0.00"
        r += 1
    r += 1
    ws.cell(row=r, column=1, value="说明：").font = _BOLD
    for note in _notes(st):
        r += 1
        ws.cell(row=r, column=1, value=note)
    r += 3
    for party in ("甲方（盖章）", "乙方（盖章）"):
        ws.cell(row=r, column=1, value=f"{party}：________________")
        ws.cell(row=r, column=7, value="经办人（签字）：________________")
        ws.cell(row=r, column=13, value="日期：______年____月____日")
        r += 3
    for c, (_name, width, _fmt) in enumerate(COLUMNS, start=1):
        ws.column_dimensions[get_column_letter(c)].width = width
    ws.row_dimensions[header_row].height = 32
    ws.freeze_panes = ws.cell(row=header_row + 1, column=2)
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = f"{header_row}:{header_row}"
    everything = (*st.lines, *st.earlier)
    _payments_sheet(wb.create_sheet("付款明细"), style, everything)
    _late_sheet(wb.create_sheet("滞纳金计算"), style, everything)
    wb.properties.title = f"结算单 {st.project_code} {st.label}"
    wb.properties.creator = "Folio"
    text_only(wb)  # names, invoice numbers and references are text, never formulas
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


# --- CSV -------------------------------------------------------------------------------------


def _csv_value(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return f"{value:f}"
    return str(value)


def statement_csv(st: Statement) -> bytes:
    """The statement as CSV: a section column, the same columns as the XLSX, totals rows; UTF-8 with BOM."""
    out = io.StringIO()
    w = csv_writer(out, lineterminator="\r\n")
    w.writerow(["区段", *HEADERS])
    for section, lines, label, t in (
        (f"{st.label} 验收", st.lines, TOTAL_LABEL, st.totals),
        ("以前未付清", st.earlier, EARLIER_TOTAL_LABEL, st.earlier_totals),
    ):
        if section.startswith("以前") and not lines:
            continue
        for x in lines:
            w.writerow([section, *(_csv_value(v) for v in _row(x))])
        w.writerow([section, *(_csv_value(v) for v in _totals_row(label, t))])
    return ("\ufeff" + out.getvalue()).encode("utf-8")
