"""Every HTML form field answers hostile typing without a server error (schemathesis does the JSON API).

Each browser POST route of the app is called by a role allowed to call it, with every field of its form (the
declared form parameters and the inputs of the page at the same address) filled in turn by hypothesis strings:
full-width digits and letters as a Chinese input method types them, control characters, right-to-left and
zero-width marks, 10,000-character values, and plausible codes, dates and amounts in full width. Every answer must
be below 500. The examples are bounded and derandomized (tests/conftest.py's hypothesis profile).
"""

import re
from html.parser import HTMLParser

import pytest
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import Session

from app.accounts.models import Role
from app.accounts.permissions import MFA_REQUIRED, allowed
from app.records.models import Record
from tests.accounts.test_route_roles import access_rule, api_routes, guards
from tests.factories import browser_sign_in, make_project, make_user

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
SKIPPED = {"/logout"}  # signing out would end the fuzzing session itself
EXAMPLES_PER_ROUTE = 12
GET_CHARS = 2_000

_ASCII = "0123456789-.:/ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_FULL = str.maketrans({**{c: chr(ord(c) + 0xFEE0) for c in _ASCII}, " ": "\u3000"})  # the full-width forms
PLAUSIBLE = [
    "2026-11-30",
    "00123456-2",
    "00007919",
    "123456",
    "1",
    "0",
    "-1",
    "K35.800",
    "47.09",
    "1,234.50",
    "approve",
    "working",
    "checkout",
    "reviewer",
]
MARKS = ["\u200f", "\u200e", "\u202e", "\u2066", "\u200b", "\ufeff", "\x00", "\x1b", "\r", "\t", "\x7f", "\u3000"]
FUZZ = st.one_of(
    st.sampled_from(PLAUSIBLE),
    st.sampled_from(PLAUSIBLE).map(lambda v: v.translate(_FULL)),
    st.tuples(st.sampled_from(MARKS), st.sampled_from(PLAUSIBLE), st.sampled_from(MARKS)).map("".join),
    st.text(alphabet=st.sampled_from(MARKS + ["１", "Ａ", "。", "，", "²", "①", "٣"]), max_size=12),
    st.text(max_size=30),
    st.sampled_from(["9" * 10_000, "１" * 10_000, "a" * 10_000, "\u202e" * 10_000, "2026-11-30" * 1000]),
)


class _Fields(HTMLParser):
    """The names and default values of the inputs of the forms on a page that post to one action."""

    def __init__(self, action: str) -> None:
        super().__init__()
        self.action, self.inside, self.fields = action, False, {}

    def handle_starttag(self, tag: str, attrs: list) -> None:
        a = dict(attrs)
        if tag == "form":
            self.inside = (a.get("method") or "get").lower() == "post" and (
                a.get("action") or self.action
            ) == self.action
        elif self.inside and tag in ("input", "select", "textarea") and a.get("name"):
            if a.get("type") not in ("file", "submit") or a.get("value"):
                self.fields.setdefault(a["name"], a.get("value") or "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self.inside = False


def _signed_in(app, username: str | None) -> tuple[TestClient, str]:  # noqa: ANN001
    """A browser of its own for the user (anonymous for None) and its CSRF token."""
    c = TestClient(app)
    if username is None:
        return c, re.search(r'name="csrf_token" value="([^"]+)"', c.get("/login").text).group(1)
    return c, browser_sign_in(c, username, totp_secret=SECRET if Role(username[2:]) in MFA_REQUIRED else None)


def _caller(route: APIRoute, clients: dict) -> tuple[TestClient, str]:
    rule = access_rule(route)
    if rule == "public":
        return clients[None]
    if rule == "permission":
        perms = next(c.permissions for c in guards(route) if getattr(c, "permissions", None))
        return next(clients[r] for r in Role if any(allowed(r.value, p) for p in perms))
    return clients[Role.vendor_manager]


def _form_fields(route: APIRoute, client: TestClient, url: str) -> dict[str, str]:
    fields = {p.alias: "" for p in route.dependant.body_params if p.alias != "csrf_token"}
    page = client.get(url, follow_redirects=False)
    if page.status_code == 200 and "text/html" in page.headers.get("content-type", ""):
        parser = _Fields(url)
        parser.feed(page.text)
        fields.update({k: v for k, v in parser.fields.items() if k != "csrf_token" and k not in fields})
    return fields


def _fuzz(caller: TestClient, csrf: str, url: str, fields: dict[str, str], method: str) -> None:
    names = sorted(fields)

    @settings(
        max_examples=EXAMPLES_PER_ROUTE,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )
    @given(field=st.sampled_from(names), value=FUZZ, everywhere=st.booleans())
    def post(field: str, value: str, everywhere: bool) -> None:
        data = {n: (value if everywhere or n == field else fields[n]) for n in names}
        if method == "GET":  # a URL carries at most some kB (httpx refuses a query over 64 kB; proxies cut at 8 kB)
            r = caller.get(url, params={n: v[:GET_CHARS] for n, v in data.items()}, follow_redirects=False)
        else:
            r = caller.post(url, data={**data, "csrf_token": csrf}, follow_redirects=False)
        assert r.status_code < 500, f"{url} {field}={value[:80]!r}: {r.status_code} {r.text[:300]}"

    post()


@pytest.mark.parametrize(("method", "at_least"), [("POST", 20), ("GET", 5)])
def test_no_html_form_field_answers_500(client: TestClient, session: Session, method: str, at_least: int) -> None:
    """POST: every field of every form; GET: every query parameter of every page (search and filter forms)."""
    project = make_project(session)
    users = [make_user(session, project, username=f"f_{role.value}", role=role) for role in Role]
    for user in users:
        user.totp_secret = SECRET if user.role in MFA_REQUIRED else None
    record = Record(project_id=project.id, mrn="00123456", visit=2, barcode="00123456-2")
    session.add_all([*users, record])
    session.commit()
    clients = {role: _signed_in(client.app, f"f_{role.value}") for role in Role}
    clients[None] = _signed_in(client.app, None)
    routes = [
        r
        for r in api_routes(client.app)
        if method in r.methods and not r.include_in_schema and r.path not in SKIPPED and access_rule(r) != "station"
    ]
    assert len(routes) > at_least, "fewer HTML routes than expected: is the route walk broken?"
    tried, failures = 0, []
    for route in routes:
        url = re.sub(r"\{([^}]+)\}", lambda m: str(record.id if m.group(1) == "record_id" else 1), route.path)
        caller, csrf = _caller(route, clients)
        if method == "GET":
            fields = {p.alias: "" for p in route.dependant.query_params}
        else:
            fields = _form_fields(route, caller, url)
        if fields:
            tried += 1
            try:
                _fuzz(caller, csrf, url, fields, method)
            except Exception as exc:  # noqa: BLE001 - every route's shrunk failure is listed, not only the first
                notes = "; ".join(getattr(exc, "__notes__", []))
                failures.append(f"{route.path}: {type(exc).__name__}: {str(exc)[:300]} [{notes[:400]}]")
    assert tried > at_least
    assert failures == [], "\n".join(failures)
