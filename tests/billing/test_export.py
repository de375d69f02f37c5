"""The exported statement, opened the way the hospital opens it: openpyxl for the XLSX, Excel's UTF-8 BOM for the CSV.

Every figure is checked against the database rows (payables and payments), not against the statement object.
"""

import csv
import hashlib
import io
from datetime import date
from decimal import Decimal

from openpyxl import load_workbook
from sqlmodel import Session, col, select

from app.acceptance.models import Lot
from app.audit.models import AuditEvent
from app.billing.export import HEADERS
from app.billing.models import Payable, Payment
from app.billing.service import export_statement
from tests.billing.helpers import MAY, MAY_AS_OF, Y, make_office, may_scenario

CENT = Decimal("0.01")


def dec(value: object) -> Decimal:
    """A cell's number as the Decimal it was written from (openpyxl reads numbers back as float or int)."""
    assert isinstance(value, (int, float)), f"not a number: {value!r}"
    return Decimal(repr(value)).quantize(CENT) if isinstance(value, float) else Decimal(value)


def db_figures(session: Session, first: date, last: date, as_of: date) -> dict:
    """Per lot number: amount, pages, paid by `as_of` (voided entries excluded) — straight from the tables."""
    rows = session.exec(
        select(Payable, Lot.number)
        .join(Lot, col(Lot.id) == col(Payable.lot_id))
        .where(Payable.accepted_on >= first, Payable.accepted_on <= last)
    ).all()
    out = {}
    for payable, number in rows:
        paid = sum(
            session.exec(
                select(Payment.amount).where(
                    Payment.payable_id == payable.id, col(Payment.voided_at).is_(None), Payment.paid_on <= as_of
                )
            ).all(),
            Decimal("0.00"),
        )
        out[number] = {
            "pages": payable.pages,
            "billable": payable.billable_pages,
            "amount": payable.amount,
            "paid": paid,
            "outstanding": payable.amount - paid,
            "invoice": payable.invoice_number or "",
        }
    return out


def sheet_tables(ws) -> list[tuple[list, list[list], list]]:  # noqa: ANN001
    """Every (header, lines, totals row) table on the settlement sheet."""
    rows = [list(r) for r in ws.iter_rows(values_only=True)]
    tables = []
    i = 0
    while i < len(rows):
        if rows[i][0] == HEADERS[0]:
            header = rows[i]
            j = i + 1
            while rows[j][0] not in ("合计", "小计"):
                j += 1
            tables.append((header, rows[i + 1 : j], rows[j]))
            i = j
        i += 1
    return tables


def test_xlsx_totals_match_the_database(session: Session) -> None:
    office = make_office(session)
    may_scenario(session, office)
    out = export_statement(
        session, office.project, MAY, fmt="xlsx", as_of=MAY_AS_OF, today=date(2026, 11, 22), actor=office.actor()
    )
    session.commit()
    wb = load_workbook(io.BytesIO(out.content))
    assert wb.sheetnames == ["结算单", "付款明细", "滞纳金计算"]
    ws = wb["结算单"]
    (header, lines, total), (_h2, earlier, subtotal) = sheet_tables(ws)
    assert tuple(header) == HEADERS
    col_of = {name: i for i, name in enumerate(header)}

    def cell(row: list, name: str) -> object:
        return row[col_of[name]]

    month = db_figures(session, date(2026, 5, 1), date(2026, 5, 31), MAY_AS_OF)
    assert [cell(r, "批次号") for r in lines] == [2, 3, 4] == sorted(month)
    for r in lines:
        want = month[cell(r, "批次号")]
        assert cell(r, "验收页数") == want["pages"] and cell(r, "计费页数") == want["billable"]
        assert dec(cell(r, "结算金额（元）")) == want["amount"]
        assert dec(cell(r, "已付金额（元）")) == want["paid"]
        assert dec(cell(r, "未付金额（元）")) == want["outstanding"]
        assert (cell(r, "发票号码") or "") == want["invoice"]
    # The totals row against sums over the database rows.
    assert cell(total, "验收页数") == sum(m["pages"] for m in month.values()) == 251_003
    assert dec(cell(total, "结算金额（元）")) == sum(m["amount"] for m in month.values()) == Y("19327.23")
    assert dec(cell(total, "已付金额（元）")) == sum(m["paid"] for m in month.values()) == Y("5000.15")
    assert dec(cell(total, "未付金额（元）")) == sum(m["outstanding"] for m in month.values()) == Y("14327.08")
    assert dec(cell(total, "逾期金额（元）")) == Y("77.00")  # lot 4, due 5 June
    assert dec(cell(total, "滞纳金（元）")) == Y("0.96")  # 77 × 0.05% × 25 days
    by_lot = {cell(r, "批次号"): r for r in lines}
    assert cell(by_lot[4], "付款期限") == date(2026, 6, 5) or cell(by_lot[4], "付款期限").date() == date(2026, 6, 5)
    assert cell(by_lot[4], "逾期天数") == 25
    assert [cell(by_lot[n], "类型") for n in (2, 3, 4)] == ["常规", "常规（视为验收）", "终止"]
    assert Decimal(repr(cell(by_lot[2], "精确金额（元）"))) == Y("19250.077")
    # Cumulative and cap remaining against every payable billed up to each line.
    every = session.exec(select(Payable).order_by(col(Payable.id))).all()
    for r in lines:
        lot_id = session.exec(select(Lot.id).where(Lot.number == cell(r, "批次号"))).one()
        upto = sum(p.amount for p in every[: [p.lot_id for p in every].index(lot_id) + 1])
        assert dec(cell(r, "累计结算（元）")) == upto
        assert dec(cell(r, "上限余额（元）")) == office.project.price_cap - upto
    # Earlier lots still owed: lot 1.
    earlier_db = db_figures(session, date(2026, 1, 1), date(2026, 4, 30), MAY_AS_OF)
    assert [cell(r, "批次号") for r in earlier] == [1]
    assert dec(cell(subtotal, "未付金额（元）")) == earlier_db[1]["outstanding"] == Y("3100.00")
    assert dec(cell(subtotal, "滞纳金（元）")) == Y("85.25")  # 3,100 × 0.05% × 55 days
    # Number formats, the facts block and the signature lines.
    money_col = col_of["结算金额（元）"] + 1
    header_row = next(r for r in range(1, 20) if ws.cell(r, 1).value == HEADERS[0])
    assert ws.cell(header_row + 1, money_col).number_format == "#,##0.00"
    assert ws.cell(header_row + 1, col_of["验收页数"] + 1).number_format == "#,##0"
    assert ws.cell(header_row + 1, col_of["验收日期"] + 1).number_format == "yyyy-mm-dd"
    text = [str(v) for row in ws.iter_rows(values_only=True) for v in row if v is not None]
    assert any("甲方（盖章）" in t for t in text) and any("乙方（盖章）" in t for t in text)
    assert any("经办人" in t for t in text)
    assert "2026年5月" in text and "Project B1 病案数字化服务结算单" in text
    owed_row = next(r for r in ws.iter_rows(values_only=True) if r[0] and str(r[0]).endswith("未付金额合计（元）"))
    assert dec(owed_row[money_col - 1]) == Y("14327.08") + Y("3100.00")
    # Payments sheet: the live payments of the listed lots, the voided one left out.
    pays = list(wb["付款明细"].iter_rows(min_row=2, values_only=True))
    assert sorted((r[0], dec(r[2])) for r in pays) == [(1, Y("20000.00")), (2, Y("5000.00")), (3, Y("0.15"))]
    # Late-charge working: its exact periods add up to the charges shown (before rounding).
    late = list(wb["滞纳金计算"].iter_rows(min_row=2, values_only=True))
    assert [(r[0], r[4]) for r in late] == [(4, 25), (1, 55)]
    # The audit event names the file by its hash.
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "billing.export")).one()
    assert event.detail["sha256"] == hashlib.sha256(out.content).hexdigest()
    assert event.detail["amount"] == "19327.23" and event.detail["format"] == "xlsx"
    assert event.actor_user_id == office.finance.id


def test_csv_has_a_bom_chinese_headers_and_the_same_totals(session: Session) -> None:
    office = make_office(session)
    may_scenario(session, office)
    out = export_statement(
        session, office.project, MAY, fmt="csv", as_of=MAY_AS_OF, today=date(2026, 11, 22), actor=office.actor()
    )
    assert out.content.startswith(b"\xef\xbb\xbf") and out.media_type.startswith("text/csv")
    rows = list(csv.reader(io.StringIO(out.content.decode("utf-8-sig"))))
    assert rows[0] == ["区段", *HEADERS]
    col_of = {name: i for i, name in enumerate(rows[0])}
    month = db_figures(session, date(2026, 5, 1), date(2026, 5, 31), MAY_AS_OF)
    lines = [r for r in rows[1:] if r[0] == "2026-05 验收" and r[1] not in ("合计",)]
    assert [int(r[col_of["批次号"]]) for r in lines] == [2, 3, 4]
    for r in lines:
        want = month[int(r[col_of["批次号"]])]
        assert Decimal(r[col_of["结算金额（元）"]]) == want["amount"]
        assert Decimal(r[col_of["已付金额（元）"]]) == want["paid"]
    [total] = [r for r in rows if r[1] == "合计"]
    assert Decimal(total[col_of["结算金额（元）"]]) == sum(m["amount"] for m in month.values())
    assert Decimal(total[col_of["未付金额（元）"]]) == sum(m["outstanding"] for m in month.values())
    assert Decimal(total[col_of["滞纳金（元）"]]) == Y("0.96")
    [subtotal] = [r for r in rows if r[1] == "小计"]
    assert subtotal[0] == "以前未付清" and Decimal(subtotal[col_of["滞纳金（元）"]]) == Y("85.25")
    assert [r[col_of["付款期限"]] for r in lines][-1] == "2026-06-05"


def test_an_empty_month_exports_headers_and_zero_totals(session: Session) -> None:
    office = make_office(session)
    out = export_statement(
        session, office.project, MAY, fmt="xlsx", as_of=MAY_AS_OF, today=date(2026, 11, 22), actor=office.actor()
    )
    ws = load_workbook(io.BytesIO(out.content))["结算单"]
    [(header, lines, total)] = sheet_tables(ws)
    assert lines == [] and dec(total[HEADERS.index("结算金额（元）")]) == 0


def test_unknown_due_dates_are_written_as_pending_not_as_zero(session: Session) -> None:
    from tests.billing.helpers import D, lot_row

    office = make_office(session)
    lot_row(session, office, 100, D("2026-11-02"))  # due in January 2027: the package does not cover 2027
    session.commit()
    out = export_statement(
        session, office.project, D("2026-11-01"), fmt="xlsx", as_of=D("2027-03-01"), today=D("2026-11-22"),
        actor=office.actor(),
    )  # fmt: skip
    ws = load_workbook(io.BytesIO(out.content))["结算单"]
    [(header, [line], total)] = sheet_tables(ws)
    assert line[HEADERS.index("付款期限")] == "待定" and line[HEADERS.index("滞纳金（元）")] == "待定"
    assert total[HEADERS.index("滞纳金（元）")] == "0.00+待定"
    text = " ".join(str(v) for row in ws.iter_rows(values_only=True) for v in row if v)
    assert "2027 年的节假日安排" in text
