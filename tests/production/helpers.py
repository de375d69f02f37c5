"""Helpers for production and records tests: browser sign-in, a second station, shots written like ingest does."""

import re
import time
import uuid
from datetime import date, datetime
from datetime import time as dtime
from zoneinfo import ZoneInfo

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.accounts import totp
from app.accounts.models import Role, User
from app.accounts.service import create_station
from app.core.clock import local_date
from app.inspection.tally import count_shot
from app.pages.models import Page, PageImage
from app.pages.service import live_page
from app.projects.models import Project
from app.records.models import Record
from tests.factories import PASSWORD, StationAuth, make_user

SHANGHAI = ZoneInfo("Asia/Shanghai")
SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def at(day: date, hour: int = 10, minute: int = 0) -> datetime:
    """An Asia/Shanghai wall-clock instant."""
    return datetime.combine(day, dtime(hour, minute), SHANGHAI)


def csrf_of(html: str) -> str:
    """The CSRF token of the first form on a page."""
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF field on the page"
    return match.group(1)


def web_user(session: Session, project: Project, username: str, role: Role, secret: str | None = None) -> User:
    """A committed browser user of the project (with a TOTP secret for roles that need one: SECRET by default)."""
    from app.accounts.permissions import MFA_REQUIRED

    user = make_user(session, project, username=username, role=role)
    user.totp_secret = secret or (SECRET if role in MFA_REQUIRED else None)
    session.add(user)
    session.commit()
    return user


def sign_in(client: TestClient, username: str, secret: str | None = None) -> None:
    """Sign in through the forms (and the second factor when a secret is given)."""
    client.cookies.clear()
    form = client.get("/login")
    r = client.post(
        "/login",
        data={"username": username, "password": PASSWORD, "csrf_token": csrf_of(form.text), "next": "/"},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    if secret is None and r.headers["location"].startswith("/login/second-factor"):
        secret = SECRET  # a role that needs a second factor, enrolled by web_user
    if secret:
        page = client.get("/login/second-factor")
        r = client.post(
            "/login/second-factor",
            data={"code": totp.code_at(secret, totp.step_of(time.time())), "csrf_token": csrf_of(page.text)},
            follow_redirects=False,
        )
        assert r.status_code == 303, r.text


def second_station(client: TestClient, session: Session, project_id: int, username: str) -> StationAuth:
    """Another operator signed in at another station of the same project."""
    project = session.get(Project, project_id)
    assert project is not None
    user = make_user(session, project, username=username)
    station, token = create_station(session, project_id=project_id, name=f"station {username}")
    session.commit()
    r = client.post(
        "/api/v1/station/sessions",
        json={"username": username, "password": PASSWORD},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert r.status_code == 201, r.text
    return StationAuth(token, r.json()["token"], station.id, project_id, user.id)


def record_of(session: Session, project: Project, mrn: str, visit: int = 1, **fields: object) -> Record:
    """The project's record, created when new."""
    record = session.exec(select(Record).where(Record.project_id == project.id, Record.mrn == mrn)).first()
    if record is None:
        record = Record(project_id=project.id, mrn=mrn, visit=visit, **fields)
        session.add(record)
        session.flush()
    return record


def add_shot(
    session: Session,
    project: Project,
    record: Record,
    page_number: int,
    *,
    operator_id: int,
    station_id: int,
    when: datetime,
    passed: bool = True,
) -> Page:
    """Write one shot the way ingest writes it (page row, image row, page updated), without QC or a file.

    The rows go through the same INSERT and UPDATE statements, so the summary triggers see what
    they see in production; the image's SHA-256 is random (no file behind it).
    """
    page = live_page(session, record.id, page_number)
    previous = page.current_image_id if page else None
    if page is None:
        page = Page(
            project_id=project.id,
            record_id=record.id,
            page_number=page_number,
            operator_id=operator_id,
            station_id=station_id,
            captured_at=when,
            capture_date=local_date(when, project.timezone),
            qc_passed=passed,
            image_count=0,
        )
        session.add(page)
        session.flush()
    old = None
    if previous is not None:
        old = session.get(PageImage, previous)
        assert old is not None
        old.superseded_at = when
        session.add(old)
    image = PageImage(
        page_id=page.id,
        idempotency_key=uuid.uuid4().hex,
        sha256=uuid.uuid4().hex * 2,
        size_bytes=1,
        media_type="image/jpeg",
        width=1,
        height=1,
        operator_id=operator_id,
        station_id=station_id,
        captured_at=when,
        qc_passed=passed,
        qc_reasons=[] if passed else ["blur"],
        supersedes_id=previous,
    )
    session.add(image)
    session.flush()
    page.current_image_id = image.id
    page.image_count += 1
    page.operator_id, page.station_id = operator_id, station_id
    page.captured_at, page.capture_date, page.qc_passed = when, local_date(when, project.timezone), passed
    session.add(page)
    session.flush()
    count_shot(session, project.id, project.timezone, image, old)
    return page
