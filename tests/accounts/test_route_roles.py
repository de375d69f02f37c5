"""Every route declares who may call it, and every role gets exactly what the permission matrix gives it."""

import re
import time
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from sqlmodel import Session

from app.accounts import totp
from app.accounts.models import Role
from app.accounts.permissions import MFA_REQUIRED, allowed
from app.accounts.service import create_station
from tests.factories import PASSWORD, make_project, make_user

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
# Routes anyone may call: the sign-in page itself, the language switch, the health probe.
PUBLIC = {
    ("GET", "/login"),
    ("POST", "/login"),
    ("GET", "/lang/{language}"),
    ("GET", "/healthz"),
    ("GET", "/enrol/{token}"),  # the one-time link is the credential (app/accounts/enrolment.py)
    ("POST", "/enrol/{token}"),
}
# Pages for any signed-in user whatever the role: the second factor, sign-out, the account page, home.
SESSION_ONLY = {
    ("GET", "/login/second-factor"),
    ("POST", "/login/second-factor"),
    ("GET", "/account/second-factor/setup"),
    ("POST", "/account/second-factor/setup"),
    ("POST", "/logout"),
    ("POST", "/account/password"),
    ("GET", "/account"),
    ("GET", "/"),
}
STATION_GUARDS = {"station_context", "station_token", "station_only"}
SESSION_GUARDS = {"web_session_principal", "signed_in"}


def api_routes(app: FastAPI) -> Iterator[APIRoute]:
    """Every APIRoute of the app, through included routers."""

    def walk(routes: list) -> Iterator[APIRoute]:
        for route in routes:
            if isinstance(route, APIRoute):
                yield route
            elif hasattr(route, "original_router"):
                yield from walk(route.original_router.routes)

    yield from walk(app.router.routes)


def guards(route: APIRoute) -> list:
    """Every dependency callable of the route, depth first."""
    found: list = []

    def walk(dependant) -> None:  # noqa: ANN001
        for sub in dependant.dependencies:
            found.append(sub.call)
            walk(sub)

    walk(route.dependant)
    return found


def access_rule(route: APIRoute) -> str:
    """'public', 'station', 'permission' or 'session' — or '' when the route declares none."""
    calls = guards(route)
    names = {getattr(c, "__name__", "") for c in calls}
    if any(getattr(c, "permissions", None) for c in calls):
        return "permission"
    if names & STATION_GUARDS:
        return "station"
    if names & SESSION_GUARDS:
        return "session"
    if all((m, route.path) in PUBLIC for m in route.methods):
        return "public"
    return ""


def test_every_route_declares_who_may_call_it(client: TestClient) -> None:
    undeclared = [f"{sorted(r.methods)} {r.path}" for r in api_routes(client.app) if not access_rule(r)]
    assert undeclared == [], f"routes without an access rule (deny by default): {undeclared}"
    # A page that needs only a session, not a permission, must be one of the few meant for every role:
    # a route that lost its require(...) lands here and fails.
    session_only = {(m, r.path) for r in api_routes(client.app) if access_rule(r) == "session" for m in r.methods}
    assert session_only <= SESSION_ONLY, f"routes guarded by a session but no permission: {session_only - SESSION_ONLY}"


def _sign_in(client: TestClient, username: str, role: Role) -> None:
    client.cookies.clear()
    page = client.get("/login")
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    r = client.post(
        "/login", data={"username": username, "password": PASSWORD, "csrf_token": csrf}, follow_redirects=False
    )
    assert r.status_code == 303, r.text
    if role in MFA_REQUIRED:
        page = client.get("/login/second-factor")
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
        r = client.post(
            "/login/second-factor",
            follow_redirects=False,
            data={"code": totp.code_at(SECRET, totp.step_of(time.time())), "csrf_token": csrf},
        )
        assert r.status_code == 303, r.text


def _url(route: APIRoute) -> str:
    return re.sub(r"\{[^}]+\}", "999999", route.path)


def test_each_role_gets_exactly_its_permissions_on_every_page(client: TestClient, session: Session) -> None:
    project = make_project(session)
    for role in Role:
        user = make_user(session, project, username=f"u_{role.value}", role=role)
        user.totp_secret = SECRET if role in MFA_REQUIRED else None
        session.add(user)
    session.commit()
    routes = [r for r in api_routes(client.app) if access_rule(r) == "permission" and "GET" in r.methods]
    assert routes, "no permission-guarded pages found"
    wrong = []
    for role in Role:
        _sign_in(client, f"u_{role.value}", role)
        for route in routes:
            perms = next(c.permissions for c in guards(route) if getattr(c, "permissions", None))
            expected_allowed = any(allowed(role.value, p) for p in perms)
            status = client.get(_url(route), follow_redirects=False).status_code
            if expected_allowed == (status == 403):
                wrong.append(f"{role.value} {route.path}: {status}")
    client.cookies.clear()
    assert wrong == [], f"answers that do not follow the permission matrix: {wrong}"


def test_station_token_opens_no_browser_page(client: TestClient, session: Session) -> None:
    project = make_project(session)
    _, token = create_station(session, project_id=project.id, name="s")
    session.commit()
    client.cookies.clear()
    for route in api_routes(client.app):
        if access_rule(route) in ("permission", "session") and "GET" in route.methods:
            r = client.get(_url(route), headers={"Authorization": f"Bearer {token}"}, follow_redirects=False)
            assert r.status_code in (303, 401), f"{route.path} answered {r.status_code} to a station token"


@pytest.mark.parametrize("path", ["/api/v1/station/me", "/api/v1/station/today"])
def test_browser_session_opens_no_station_api(client: TestClient, session: Session, path: str) -> None:
    project = make_project(session)
    make_user(session, project, username="op_x", role=Role.operator)
    session.commit()
    _sign_in(client, "op_x", Role.operator)
    r = client.get(path)
    assert r.status_code == 401
    client.cookies.clear()


def test_readme_shows_the_current_permission_matrix() -> None:
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    r = subprocess.run([sys.executable, "scripts/permissions_table.py", "--check"], cwd=root)
    assert r.returncode == 0, "README.md's permission table is stale: run scripts/permissions_table.py"
