"""`folio delivery export|list|verify` through the real entry point, in a child process."""

import os
import subprocess
import sys
from pathlib import Path

import bagit
from fastapi.testclient import TestClient
from sqlmodel import Session

from app.core.config import Settings
from tests.delivery.helpers import accepted_records, approved_export

ROOT = Path(__file__).resolve().parents[2]


def folio(settings: Settings, *args: str) -> subprocess.CompletedProcess:
    env = {
        **os.environ,
        "FOLIO_DATABASE_URL": settings.database_url,
        "FOLIO_IMAGE_STORE": str(settings.image_store),
        "COLUMNS": "120",
    }
    return subprocess.run(
        [sys.executable, "-m", "app.cli", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )


def test_export_and_verify_from_the_command_line(
    client: TestClient, session: Session, settings: Settings, tmp_path: Path
) -> None:
    acc = accepted_records(client, session)
    target = tmp_path / "usb" / "SZH-delivery"
    target.parent.mkdir()
    export = approved_export(session, acc, target)
    session.close()

    listed = folio(settings, "delivery", "list")
    assert listed.returncode == 0 and "queued" in listed.stdout and str(target) in listed.stdout
    run = folio(settings, "delivery", "export", str(export.id), "--threads", "2")
    assert run.returncode == 0, run.stderr
    assert f"delivery export {export.id} done: 3 records, 9 pages" in run.stdout and "pages/s" in run.stdout
    again = folio(settings, "delivery", "export", str(export.id))
    assert again.returncode == 0 and "done already" in again.stdout

    ok = folio(settings, "delivery", "verify", str(target))
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "package valid: 3 records, 9 pages" in ok.stdout
    bagit.Bag(str(target)).validate()

    pdf = target / "data" / "pdf" / "00012346_1.pdf"
    pdf.write_bytes(pdf.read_bytes().replace(b"/Count 3", b"/Count 2", 1))
    pages_csv = (target / "data" / "index" / "pages.csv").read_bytes()
    (target / "data" / "index" / "pages.csv").unlink()
    bad = folio(settings, "delivery", "verify", str(target))
    assert bad.returncode == 1
    assert "data/index/pages.csv is missing" in bad.stdout and "package NOT valid" in bad.stdout
    assert "SHA-256 not checked: the file list is wrong" in bad.stdout  # bagit stops before hashing
    (target / "data" / "index" / "pages.csv").write_bytes(pages_csv)
    bad = folio(settings, "delivery", "verify", str(target))
    assert bad.returncode == 1 and "00012346_1.pdf does not match its SHA-256" in bad.stdout
    assert folio(settings, "delivery", "verify", "--fast", str(target)).returncode == 0  # same size, same count

    missing = folio(settings, "delivery", "export", "999")
    assert missing.returncode == 2 and "no delivery export 999" in missing.stderr
