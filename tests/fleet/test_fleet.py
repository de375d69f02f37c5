"""The station fleet: heartbeats (station token only, rate-limited, audited on change) and the Stations screen."""

import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlmodel import Session, select

from app import __version__
from app.accounts.models import Role, Station
from app.audit.models import AuditEvent
from app.fleet import rules
from app.fleet.models import StationStatus
from capture_station import __version__ as station_version
from tests.conftest import ARTIFACTS
from tests.custody.web import enrol, sign_in
from tests.factories import make_user, signed_in_station
from tests.live import browser_sign_in

GB = 1024**3
SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def _beat(**over: object) -> dict:
    return {"version": __version__, "outbox_depth": 0, "disk_free_bytes": 50 * GB, "source": "ok", **over}


def test_conditions_from_a_heartbeat() -> None:
    limits = rules.Thresholds()
    ok = rules.Reported(__version__, "abc", 30.0, 50 * GB, "ok")
    assert rules.reported_conditions(ok, server_version=__version__, profile="abc", limits=limits) == []
    bad = rules.Reported("0.0.9", "old", 601.0, 4 * GB, "hot_folder_problem")
    assert rules.reported_conditions(bad, server_version=__version__, profile="abc", limits=limits) == [
        "behind",
        "low_disk",
        "old_version",
        "old_profile",
        "source_problem",
    ]
    newer = rules.Reported("0.10.0", "abc", None, None, "ok")  # a station newer than the server is not "old"
    assert rules.reported_conditions(newer, server_version="0.9.1", profile="abc", limits=limits) == []
    assert rules.offline_since(now := datetime(2026, 11, 30, tzinfo=UTC), limits) == now + timedelta(minutes=3)
    assert rules.carry_since({"behind": "t0"}, ["behind", "low_disk"], "t1") == {"behind": "t0", "low_disk": "t1"}
    now = datetime(2026, 11, 30, 8, tzinfo=UTC)
    assert rules.is_offline(now - timedelta(minutes=3, seconds=1), now, limits)
    assert not rules.is_offline(now - timedelta(minutes=2), now, limits)
    assert rules.too_soon(now - timedelta(seconds=5), now, timedelta(seconds=10))
    assert not rules.too_soon(now - timedelta(seconds=11), now, timedelta(seconds=10))
    assert station_version == __version__  # station and server are released together


def test_heartbeat_is_stored_once_audited_on_change_and_flood_refused(client: TestClient, session: Session) -> None:
    auth = signed_in_station(client, session)
    bearer = {"Authorization": f"Bearer {auth.station_token}"}
    first = client.post("/api/v1/station/heartbeat", json=_beat(operator="op1", outbox_depth=2), headers=bearer)
    assert first.status_code == 200 and first.json() == {"next_in_s": 60}

    def audited() -> list[AuditEvent]:
        events = session.exec(select(AuditEvent).where(AuditEvent.action == "station.condition")).all()
        session.commit()  # end the read, so that the server's next write is not blocked
        return list(events)

    assert len(audited()) == 1
    for _ in range(20):  # a flood: refused, nothing written twice
        flood = client.post("/api/v1/station/heartbeat", json=_beat(outbox_depth=99), headers=bearer)
        assert flood.status_code == 429 and flood.json()["error"] == "heartbeat_too_soon"
    session.expire_all()
    status = session.exec(select(StationStatus)).one()
    session.commit()
    assert status.outbox_depth == 2 and status.operator == "op1" and len(audited()) == 1
    # A minute later the disk is nearly full and the queue is stuck: both conditions start, once.
    session.execute(update(StationStatus).values(reported_at=status.reported_at - timedelta(minutes=1)))
    session.commit()
    later = _beat(disk_free_bytes=GB, oldest_item_age_s=900.0, outbox_depth=40)
    assert client.post("/api/v1/station/heartbeat", json=later, headers=bearer).status_code == 200
    session.expire_all()
    events = audited()
    assert len(events) == 2 and events[-1].detail["started"] == ["behind", "low_disk"]
    assert set(session.exec(select(StationStatus)).one().since) == {"behind", "low_disk"}


@pytest.mark.parametrize(
    "body",
    [
        _beat(outbox_depth=-1),
        _beat(version="x" * 10_000),
        _beat(source="BAD!!"),
        _beat(last_shot_at="0001-01-01T00:00:00Z"),
        _beat(last_shot_at="9999-12-31T23:59:59-12:00"),
        _beat(last_shot_at="0001-01-01T00:00:00+14:00"),
        _beat(unknown_field="x" * 1000),
        _beat(disk_free_bytes="lots"),
        {"outbox_depth": 1},
    ],
)
def test_bad_heartbeats_are_422_and_write_nothing(client: TestClient, session: Session, body: dict) -> None:
    auth = signed_in_station(client, session)
    r = client.post("/api/v1/station/heartbeat", json=body, headers={"Authorization": f"Bearer {auth.station_token}"})
    assert r.status_code == 422
    assert session.exec(select(StationStatus)).first() is None


def test_revoked_or_missing_token_is_401(client: TestClient, session: Session) -> None:
    auth = signed_in_station(client, session)
    assert client.post("/api/v1/station/heartbeat", json=_beat()).status_code == 401
    session.execute(update(Station).values(revoked_at=datetime.now(UTC), active=False))
    session.commit()
    r = client.post(
        "/api/v1/station/heartbeat", json=_beat(), headers={"Authorization": f"Bearer {auth.station_token}"}
    )
    assert r.status_code == 401 and session.exec(select(StationStatus)).first() is None


def test_stations_screen_for_managers_and_administrators_only(client: TestClient, session: Session) -> None:
    auth = signed_in_station(client, session)
    project_id = auth.project_id
    from app.projects.models import Project

    bearer = {"Authorization": f"Bearer {auth.station_token}"}
    client.post("/api/v1/station/heartbeat", json=_beat(version="0.0.9", disk_free_bytes=GB), headers=bearer)
    project = session.get(Project, project_id)
    manager = enrol(session, make_user(session, project, username="mgr", role=Role.vendor_manager))
    sign_in(client, manager)
    page = client.get("/fleet")
    assert page.status_code == 200
    assert 'data-condition="old_version"' in page.text and 'data-condition="low_disk"' in page.text
    assert 'id="fleet-warning"' in client.get("/today").text
    reviewer = enrol(session, make_user(session, project, username="rev", role=Role.reviewer))
    sign_in(client, reviewer)
    assert client.get("/fleet", follow_redirects=False).status_code == 403
    assert 'id="fleet-warning"' not in client.get("/today").text


@pytest.mark.slow
@pytest.mark.browser
def test_a_stopped_station_shows_offline_within_its_window(live_server, tmp_path: Path, browser) -> None:  # noqa: ANN001
    from tests.capture_station.conftest import login_station, setup_station
    from tests.capture_station.harness import StationProcess

    live_server.extra_env.update(
        {
            "FOLIO_HEARTBEAT_EVERY_SECONDS": "1",
            "FOLIO_HEARTBEAT_MIN_SECONDS": "0.5",
            "FOLIO_STATION_OFFLINE_SECONDS": "6",
        }
    )
    prov = live_server.provision()
    live_server.add_user(
        prov.project_code, "mgr_live", "vendor_manager", totp_secret="JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
    )
    live_server.start()
    home, hot = tmp_path / "station", tmp_path / "hot"
    hot.mkdir()
    setup_station(home, hot, live_server.base_url, prov.station_token)
    login_station(home, prov.username, prov.password)
    station = StationProcess(home, hot).start()
    try:
        page = browser.new_page(viewport={"width": 1366, "height": 768})
        from tests.production.test_browser import SECRET  # noqa: F401  (the same demo secret)

        browser_sign_in(page, live_server, "mgr_live", SECRET)
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            page.goto(f"{live_server.base_url}/fleet")
            if page.locator('#fleet-table [data-condition="ok"]').count() == 1:
                break
            time.sleep(1)
        assert page.locator('#fleet-table [data-condition="ok"]').count() == 1, page.content()[:3000]
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "fleet-online.png"), full_page=True)
        station.kill()
        stopped = time.monotonic()
        while time.monotonic() - stopped < 90:
            page.goto(f"{live_server.base_url}/fleet")
            if page.locator('#fleet-table [data-condition="offline"]').count() == 1:
                break
            time.sleep(1)
        assert page.locator('#fleet-table [data-condition="offline"]').count() == 1
        assert time.monotonic() - stopped >= 5  # not before its window (6 s without a heartbeat) has passed
        page.screenshot(path=str(ARTIFACTS / "fleet-offline.png"), full_page=True)
        page.goto(f"{live_server.base_url}/today")
        assert page.locator("#fleet-warning").count() == 1
    finally:
        station.kill()
