"""Operator sign-in at a station, and the operator's figures for today."""

from fastapi.testclient import TestClient
from sqlmodel import Session

from app.accounts.models import Role
from app.accounts.service import create_station
from tests.factories import PASSWORD, make_project, make_user, page_jpeg, signed_in_station, upload


def test_manager_may_not_sign_in_at_a_station(client: TestClient, session: Session) -> None:
    project = make_project(session)
    make_user(session, project, username="boss", role=Role.vendor_manager)
    _, token = create_station(session, project_id=project.id, name="s")
    session.commit()
    r = client.post(
        "/api/v1/station/sessions",
        json={"username": "boss", "password": PASSWORD},
        headers={"Authorization": f"Bearer {token}"},
    )
    # refused exactly like a wrong password (issue 21): the station API tells nothing about whose password is right
    assert r.status_code == 401 and r.json()["error"] == "bad_credentials"


def test_today_counts_good_pages_failures_and_reshoots(client: TestClient, session: Session) -> None:
    auth = signed_in_station(client, session)
    upload(client, auth, page_jpeg(80), page=1)
    upload(client, auth, page_jpeg(81, blur=4.0), page=2)
    upload(client, auth, page_jpeg(82), page=2)
    upload(client, auth, page_jpeg(83, blur=4.0), page=3)
    me = client.get("/api/v1/station/me", headers=auth.headers).json()
    assert me["user_id"] == auth.user_id and me["role"] == "operator"
    today = client.get("/api/v1/station/today", headers=auth.headers).json()
    assert (today["good_pages"], today["quota"], today["failed_images"], today["reshoots"]) == (2, 3000, 2, 1)
    assert today["last_capture_at"] is not None


def test_station_gets_the_projects_qc_profile(client: TestClient, session: Session) -> None:
    import qc

    auth = signed_in_station(client, session)
    r = client.get("/api/v1/station/qc-profile", headers=auth.headers)
    assert r.status_code == 200 and r.json()["profile"] == qc.default_profile().to_dict()
    from app.projects.models import Project

    project = session.get(Project, auth.project_id)
    project.qc_profile = {**qc.default_profile().to_dict(), "max_skew_deg": 1.5}
    session.add(project)
    session.commit()
    assert client.get("/api/v1/station/qc-profile", headers=auth.headers).json()["profile"]["max_skew_deg"] == 1.5
    assert client.get("/api/v1/station/qc-profile").status_code == 401
