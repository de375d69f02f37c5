"""Typed factories for test data, built through the services (so audit events are real too)."""

import functools
import io
import uuid
from dataclasses import dataclass
from datetime import date

from fastapi.testclient import TestClient
from PIL import Image
from sqlmodel import Session

from app.accounts.models import Role, User
from app.accounts.service import create_station, create_user
from app.demo.pages import demo_page
from app.projects.models import Project
from app.projects.service import create_project

PASSWORD = "correct-horse-battery"


def make_project(session: Session, code: str = "P1", **terms: object) -> Project:
    """A project with the contract's defaults."""
    return create_project(session, code=code, name=f"Project {code}", start_date=date(2026, 1, 5), **terms)


def make_user(session: Session, project: Project, username: str = "op1", role: Role = Role.operator) -> User:
    """A user of the project whose password is PASSWORD."""
    return create_user(session, username=username, password=PASSWORD, role=role, project_id=project.id)


@dataclass(frozen=True)
class StationAuth:
    """Headers that a signed-in station sends."""

    station_token: str
    operator_token: str
    station_id: int
    project_id: int
    user_id: int

    @property
    def headers(self) -> dict[str, str]:
        """Authorization + X-Operator-Token."""
        return {"Authorization": f"Bearer {self.station_token}", "X-Operator-Token": self.operator_token}


def signed_in_station(client: TestClient, session: Session, code: str = "P1", username: str = "op1") -> StationAuth:
    """A project, an operator and a station, committed, with the operator signed in through the API."""
    project = make_project(session, code=code)
    user = make_user(session, project, username=username)
    station, token = create_station(session, project_id=project.id, name=f"station {code}")
    session.commit()
    r = client.post(
        "/api/v1/station/sessions",
        json={"username": username, "password": PASSWORD},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert r.status_code == 201, r.text
    return StationAuth(token, r.json()["token"], station.id, project.id, user.id)


@functools.lru_cache(maxsize=64)
def page_jpeg(seed: int = 1, blur: float = 0.0, dark: bool = False) -> bytes:
    """A realistic photographed page (A4 at about 210 dpi on a dark mat) as JPEG bytes."""
    return demo_page(seed, blur=blur, dark=dark)


def png_bytes(size: tuple[int, int] = (64, 64), mode: str = "RGB") -> bytes:
    """A small PNG."""
    out = io.BytesIO()
    Image.new(mode, size, "white").save(out, "PNG")
    return out.getvalue()


def upload(
    client: TestClient,
    auth: StationAuth,
    data: bytes,
    *,
    page: int = 1,
    mrn: str = "00012345",
    visit: int = 1,
    key: str | None = None,
    filename: str = "shot.jpg",
    **fields: object,
):
    """POST one page image; returns the response."""
    form = {"page_number": str(page), "mrn": mrn, "visit": str(visit), "idempotency_key": key or uuid.uuid4().hex}
    form.update({k: str(v) for k, v in fields.items()})
    return client.post(
        "/api/v1/pages", headers=auth.headers, data=form, files={"image": (filename, data, "application/octet-stream")}
    )


def browser_sign_in(
    client: TestClient,
    username: str,
    *,
    password: str = PASSWORD,
    totp_secret: str | None = None,
) -> str:
    """Sign in through the pages (and the second factor when a secret is given); returns the session's CSRF token."""
    import re
    import time

    from app.accounts import totp

    def csrf(html: str) -> str:
        match = re.search(r'name="csrf_token" value="([^"]+)"', html)
        assert match, "no CSRF field on the page"
        return match.group(1)

    client.cookies.clear()
    r = client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": csrf(client.get("/login").text)},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    if totp_secret:
        page = client.get("/login/second-factor")
        r = client.post(
            "/login/second-factor",
            follow_redirects=False,
            data={"code": totp.code_at(totp_secret, totp.step_of(time.time())), "csrf_token": csrf(page.text)},
        )
        assert r.status_code == 303, r.text
    return csrf(client.get("/account").text)


TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def signed_in_web_user(
    client: TestClient, session: Session, project: Project, username: str, role: Role
) -> tuple[User, str]:
    """A committed user of the role (with a second factor when the role needs one), signed in through the pages;
    (the user, the session's CSRF token)."""
    from app.accounts.permissions import MFA_REQUIRED

    user = make_user(session, project, username, role)
    user.totp_secret = TOTP_SECRET if role in MFA_REQUIRED else None
    session.add(user)
    session.commit()
    return user, browser_sign_in(client, username, totp_secret=user.totp_secret)
