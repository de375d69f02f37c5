"""Signing in over HTTP for custody, front-page and delivery screen tests."""

import re
import time

from fastapi.testclient import TestClient
from sqlmodel import Session

from app.accounts import totp
from app.accounts.models import User
from app.accounts.permissions import MFA_REQUIRED
from tests.factories import PASSWORD

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
_ENROLLED: dict[str, str] = {}  # user name -> the secret enrolled through the form in this run


def csrf(html: str) -> str:
    """The CSRF token of the page's forms."""
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF field on the page"
    return match.group(1)


def enrol(session: Session, user: User) -> User:
    """Give a user who needs one a known TOTP secret (committed)."""
    if user.role in MFA_REQUIRED:
        user.totp_secret = SECRET
        session.add(user)
        session.commit()
    return user


def sign_in(client: TestClient, user: User) -> str:
    """Sign in as the user (password, and the TOTP code for roles that need it); returns the CSRF token."""
    client.cookies.clear()
    page = client.get("/login")
    r = client.post(
        "/login",
        data={"username": user.username, "password": PASSWORD, "csrf_token": csrf(page.text)},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    if r.headers["location"].startswith("/account/second-factor/setup"):
        # Not enrolled (e.g. a custodian made before custodians needed a second factor): enrol through the form.
        page = client.get("/account/second-factor/setup")
        secret = re.search(r'name="secret" value="([^"]+)"', page.text).group(1)
        code = totp.code_at(secret, totp.step_of(time.time()))
        done = client.post(
            "/account/second-factor/setup", data={"secret": secret, "code": code, "csrf_token": csrf(page.text)}
        )
        assert done.status_code == 200, done.text
        _ENROLLED[user.username] = secret
        return csrf(client.get("/account").text)
    secret = user.totp_secret or _ENROLLED.get(user.username, SECRET)
    if user.role in MFA_REQUIRED:
        page = client.get("/login/second-factor")
        step = totp.step_of(time.time())
        for offset in (0, 1, -1):  # a code works once: a second sign-in in the same 30 s takes the next step
            r = client.post(
                "/login/second-factor",
                follow_redirects=False,
                data={"code": totp.code_at(secret, step + offset), "csrf_token": csrf(page.text)},
            )
            if r.status_code == 303:
                break
        assert r.status_code == 303, r.text
    return csrf(client.get("/account").text)
