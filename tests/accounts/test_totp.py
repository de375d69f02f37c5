"""TOTP through pyotp: RFC 6238 vectors, Folio's one-use and window rules, and whatever a person may type."""

import re
import time

from fastapi.testclient import TestClient
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlmodel import Session

from app.accounts import totp
from app.accounts.models import Role
from tests.factories import PASSWORD, make_project, make_user

RFC_SECRET = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"  # base32 of b"12345678901234567890" (RFC 6238 Appendix B, SHA-1)
SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


def test_rfc_6238_appendix_b_sha1_vectors() -> None:
    for unix_time, expected in [
        (59, "94287082"),
        (1111111109, "07081804"),
        (1111111111, "14050471"),
        (1234567890, "89005924"),
        (2000000000, "69279037"),
        (20000000000, "65353130"),
    ]:
        assert totp.code_at(RFC_SECRET, totp.step_of(unix_time), digits=8) == expected


def test_window_of_one_step_and_each_step_once() -> None:
    now = 1_800_000_000.0
    step = totp.step_of(now)
    for offset in (-1, 0, 1):
        assert totp.matching_step(SECRET, totp.code_at(SECRET, step + offset), now, None) == step + offset
    assert totp.matching_step(SECRET, totp.code_at(SECRET, step - 2), now, None) is None
    assert totp.matching_step(SECRET, totp.code_at(SECRET, step + 2), now, None) is None
    assert totp.matching_step(SECRET, totp.code_at(SECRET, step), now, last_used_step=step) is None


def test_full_width_mixed_and_spaced_digits_are_the_same_code() -> None:
    now = 1_800_000_000.0
    code = totp.code_at(SECRET, totp.step_of(now))
    full = code.translate(FULL_WIDTH)
    mixed = full[:3] + code[3:]
    for typed in (full, mixed, f" {code[:3]} {code[3:]} ", f"\u3000{full}\u3000", f"{code[:3]}-{code[3:]}"):
        assert totp.matching_step(SECRET, typed, now, None) == totp.step_of(now), typed


def test_a_secret_sent_back_that_is_not_base32_matches_nothing_and_never_raises() -> None:
    """A form posts the secret back (set-up, enrolment): any text there must not become a 500."""
    now = 1_800_000_000.0
    for secret in ("1111111111111111", "not-base32!", "", "JBSWY3DP" * 2 + "1"):
        assert totp.matching_step(secret, "123456", now, None) is None, secret


def test_digits_of_other_scripts_are_not_codes() -> None:
    arabic_indic = str.maketrans("0123456789", "٠١٢٣٤٥٦٧٨٩")
    now = 1_800_000_000.0
    code = totp.code_at(SECRET, totp.step_of(now))
    assert totp.matching_step(SECRET, code.translate(arabic_indic), now, None) is None


@settings(max_examples=300, derandomize=True, deadline=None)
@given(st.text(max_size=40))
def test_any_typed_text_gives_a_step_or_none_never_an_error(typed: str) -> None:
    result = totp.matching_step(SECRET, typed, 1_800_000_000.0, None)
    assert result is None or isinstance(result, int)


def test_provisioning_uri_is_what_authenticator_apps_read() -> None:
    uri = totp.provisioning_uri(SECRET, "mgr zhao")
    assert uri.startswith("otpauth://totp/Folio:mgr%20zhao?")
    assert f"secret={SECRET}" in uri and "issuer=Folio" in uri
    assert len(totp.new_secret()) == 32 and re.fullmatch(r"[A-Z2-7]{32}", totp.new_secret())


def test_full_width_code_signs_in_instead_of_500(client: TestClient, session: Session) -> None:
    client.cookies.clear()
    project = make_project(session)
    user = make_user(session, project, username="boss_fw", role=Role.vendor_manager)
    user.totp_secret = SECRET
    session.add(user)
    session.commit()

    def csrf(html: str) -> str:
        return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)

    form = client.get("/login")
    client.post(
        "/login",
        data={"username": "boss_fw", "password": PASSWORD, "csrf_token": csrf(form.text), "next": "/today"},
        follow_redirects=False,
    )
    page = client.get("/login/second-factor")
    code = totp.code_at(SECRET, totp.step_of(time.time())).translate(FULL_WIDTH)
    ok = client.post(
        "/login/second-factor",
        data={"code": code, "csrf_token": csrf(page.text), "next": "/today"},
        follow_redirects=False,
    )
    assert ok.status_code == 303 and ok.headers["location"] == "/today"


def test_enrolment_takes_a_spaced_full_width_code_and_a_huge_one_is_a_wrong_code(
    client: TestClient, session: Session
) -> None:
    client.cookies.clear()
    project = make_project(session)
    make_user(session, project, username="fin_fw", role=Role.finance)
    session.commit()

    def csrf(html: str) -> str:
        return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)

    form = client.get("/login")
    client.post(
        "/login",
        data={"username": "fin_fw", "password": PASSWORD, "csrf_token": csrf(form.text)},
        follow_redirects=False,
    )
    setup = client.get("/account/second-factor/setup")
    secret = re.search(r'name="secret" value="([A-Z2-7]+)"', setup.text).group(1)
    huge = client.post(
        "/account/second-factor/setup", data={"secret": secret, "code": "9" * 10_000, "csrf_token": csrf(setup.text)}
    )
    assert huge.status_code == 422 and huge.headers["content-type"].startswith("text/html")  # the form again, not JSON
    code = totp.code_at(secret, totp.step_of(time.time())).translate(FULL_WIDTH)
    done = client.post(
        "/account/second-factor/setup",
        data={"secret": secret, "code": f" {code[:3]} {code[3:]} ", "csrf_token": csrf(setup.text)},
    )
    assert done.status_code == 200 and len(re.findall(r"<code>([0-9a-f]{6}-[0-9a-f]{6})</code>", done.text)) == 10
