"""`folio billing export` through the real entry point (the installed `folio` script), on each backend's database."""

import hashlib
import io
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

from openpyxl import load_workbook
from sqlmodel import Session, col, select

from app.audit.models import AuditEvent
from app.billing.export import HEADERS
from app.billing.models import Payable
from tests.billing.helpers import MAY, make_office, may_scenario

FOLIO = Path(sys.executable).parent / "folio"


def _folio(database_url: str, cwd: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "FOLIO_DATABASE_URL": database_url, "FOLIO_IMAGE_STORE": str(cwd / "images")}
    return subprocess.run([str(FOLIO), *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=120)


def test_export_xlsx_and_csv_from_the_command_line(session: Session, database_url: str, tmp_path: Path) -> None:
    office = make_office(session)
    may_scenario(session, office)
    target = tmp_path / "may.xlsx"
    r = _folio(database_url, tmp_path, "billing", "export", "--month", "2026-05", "--format", "xlsx",
               "--as-of", "2026-06-30", "-o", str(target))  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert "settlement B1 2026-05 as of 2026-06-30: 3 lots accepted" in r.stdout
    assert "19,327.23 yuan" in r.stdout and "outstanding 17,427.08" in r.stdout and "late charges 86.21" in r.stdout
    ws = load_workbook(io.BytesIO(target.read_bytes()))["结算单"]
    rows = [r for r in ws.iter_rows(values_only=True)]
    total = next(r for r in rows if r[0] == "合计")
    may_amount = sum(
        p.amount
        for p in session.exec(select(Payable).where(col(Payable.accepted_on).between(MAY, MAY.replace(day=31))))
    )
    assert Decimal(repr(total[HEADERS.index("结算金额（元）")])).quantize(Decimal("0.01")) == may_amount
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "billing.export")).one()
    assert event.actor_role == "cli" and event.detail["sha256"] == hashlib.sha256(target.read_bytes()).hexdigest()
    session.rollback()  # end the read transaction: on SQLite it holds the write lock the command needs

    # CSV with the default file name, in the working directory.
    r = _folio(database_url, tmp_path, "billing", "export", "--month", "2026-05", "--format", "csv",
               "--as-of", "2026-06-30")  # fmt: skip
    assert r.returncode == 0, r.stderr
    written = tmp_path / "settlement-B1-2026-05-as-of-2026-06-30.csv"
    assert written.read_bytes().startswith(b"\xef\xbb\xbf") and "结算金额（元）" in written.read_text("utf-8-sig")


def test_export_refusals_are_clean_messages(session: Session, database_url: str, tmp_path: Path) -> None:
    make_office(session, code="B1")
    r = _folio(database_url, tmp_path, "billing", "export", "--month", "2026-13")
    assert r.returncode == 2 and "Enter a month as YYYY-MM" in r.stderr and "Traceback" not in r.stderr
    r = _folio(database_url, tmp_path, "billing", "export", "--month", "2026-05", "--format", "pdf")
    assert r.returncode == 2 and "invalid choice" in r.stderr
    make_office(session, code="B2")  # committed
    r = _folio(database_url, tmp_path, "billing", "export", "--month", "2026-05")
    assert r.returncode == 2 and "--project" in r.stderr
    r = _folio(database_url, tmp_path, "billing", "export", "--month", "2026-05", "--project", "B2", "-o",
               str(tmp_path / "b2.xlsx"))  # fmt: skip
    assert r.returncode == 0 and "0 lots accepted" in r.stdout, r.stderr
    r = _folio(database_url, tmp_path, "billing", "export", "--month", "2026-05", "--project", "NOPE")
    assert r.returncode == 2 and "NOPE" in r.stderr


def test_help_has_an_example() -> None:
    r = subprocess.run([str(FOLIO), "billing", "export", "--help"], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0 and "folio billing export --month 2026-11 --format xlsx" in r.stdout
