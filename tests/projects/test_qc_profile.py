"""`folio project qc-profile`: the project's QC thresholds, which the server's check and every station's use.

A project had no way to set them but the database: a fixed stand's resolution (qc Profile.stand_dpi) could not be
given, and an A5 lab slip under the stand's camera failed low_resolution at the server whatever the station did."""

import json
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, select

from app.audit.models import AuditEvent
from app.core.config import Settings
from app.projects.models import Project
from tests.delivery.test_cli import folio
from tests.factories import signed_in_station, upload
from tests.qc.test_qc_stand import _on_stand


def test_a_stand_set_from_the_command_line_is_used_by_the_server_and_its_stations(
    client: TestClient, session: Session, settings: Settings, db: Engine, tmp_path: Path
) -> None:
    auth = signed_in_station(client, session)
    code = session.get(Project, auth.project_id).code
    session.close()
    slip, dpi = _on_stand(7, "A5")
    before = upload(client, auth, slip, page=1).json()
    assert (before["verdict"], before["reasons"]) == ("fail", ["low_resolution"]), before
    assert "assuming A4 (210×297 mm) paper" in before["messages"][0]["en"], before  # the figures behind it

    shown = folio(settings, "project", "qc-profile", "--project", code)
    assert shown.returncode == 0 and "nothing changed" in shown.stdout and '"min_dpi": 200.0' in shown.stdout
    for bad in (
        ["--set", "stand_dpi=215"],
        ["--set", "stand_dpi"],
        ["--set", "nope=1"],
        ["--set", "min_dpi=NaN"],
        ["--set=stand_dpi=215.5", "--set=stand_frame_px=[400, 300]"],  # a typo: blur limits ten times as wide
        ["--set", "max_skew_deg=-1"],
    ):
        r = folio(settings, "project", "qc-profile", "--project", code, *bad)
        assert r.returncode == 1 and "refused, nothing changed" in r.stderr, (bad, r.stdout, r.stderr)
    calibrated = folio(settings, "project", "qc-profile", "--project", code, "--set", "max_blur_px=1.3")
    assert calibrated.returncode == 0 and "max_blur_px: 1.0 -> 1.3" in calibrated.stdout, calibrated.stderr
    fields = tmp_path / "stand.json"  # what python -m qc stand prints: the stand's fields alone
    fields.write_text(json.dumps({"stand_dpi": round(dpi, 1), "stand_frame_px": [4000, 3000]}), "utf-8-sig")  # BOM
    r = folio(settings, "project", "qc-profile", "--project", code, "--file", str(fields))
    assert (
        r.returncode == 0
        and "2 field(s) changed" in r.stdout
        and "stand_frame_px: (not set) -> [4000.0, 3000.0]" in r.stdout
    )
    assert '"max_blur_px": 1.3' in r.stdout  # the other fields kept their values

    profile = client.get("/api/v1/station/qc-profile", headers=auth.headers).json()["profile"]
    assert (profile["stand_dpi"], profile["stand_frame_px"]) == (round(dpi, 1), [4000.0, 3000.0])
    after = upload(client, auth, _on_stand(8, "A5")[0], page=2).json()
    assert (after["verdict"], after["reasons"]) == ("pass", []), after
    with Session(db) as s:
        assert s.get(Project, auth.project_id).qc_profile["stand_dpi"] == round(dpi, 1)
        events = s.exec(select(AuditEvent).where(AuditEvent.action == "project.qc_profile")).all()
        assert [e.detail["changes"] for e in events] == [
            {"max_blur_px": [1.0, 1.3]},
            {"stand_dpi": [None, round(dpi, 1)], "stand_frame_px": [None, [4000.0, 3000.0]]},
        ]
    r = folio(settings, "project", "qc-profile", "--project", code, "--set=stand_dpi=0", "--set=stand_frame_px=[0, 0]")
    assert r.returncode == 0 and "stand_dpi: 218.1 -> (not set)" in r.stdout, r.stdout + r.stderr
    assert "stand_dpi" not in r.stdout.splitlines()[0]  # the profile written without them
    after = upload(client, auth, _on_stand(9, "A5")[0], page=3).json()
    assert after["reasons"] == ["low_resolution"], after  # no stand: read as an A4 sheet again


def test_a_master_shot_on_the_stand_records_the_stands_resolution() -> None:
    """A masters-only package records each master's resolution (DA/T 31-2017 §9.4): the file's own, or the
    stand's, measured once for its camera; never an outline's estimate from an assumed paper size."""
    from app.delivery.metadata import NOT_MEASURED, _master_dpi

    assert _master_dpi({"dpi": 215.2, "dpi_from_page": True, "dpi_source": "stand"}) == 215.2
    assert _master_dpi({"dpi": 152.0, "dpi_from_page": True, "dpi_source": "page_outline"}) == NOT_MEASURED
    assert _master_dpi({"dpi": 300.0, "dpi_from_page": False, "dpi_source": "file"}) == 300.0
