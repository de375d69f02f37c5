"""Typed codes are normalised (NFKC, surrounding blanks) before they are checked: full-width digits from a Chinese
input method, an ideographic space, a scanner's carriage return or copied direction marks change nothing."""

import re
import time

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

from app.accounts import totp
from app.accounts.models import Role
from app.core.typed import typed_int, typed_text
from app.records.rules import RecordKey, parse_barcode
from tests.factories import PASSWORD, make_project, make_user, signed_in_station

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
FULL_WIDTH = str.maketrans("0123456789-", "０１２３４５６７８９－")


@pytest.mark.parametrize(
    ("typed", "checked"),
    [
        ("１２３４５６", "123456"),
        ("　００００７９１９\r\n", "00007919"),  # ideographic space before, a scanner's CR LF after
        ("\u200f123456\u200e", "123456"),  # right-to-left / left-to-right marks around
        ("\ufeff00123456-2", "00123456-2"),  # a BOM copied from a file
        ("Ｋ３５．８００", "K35.800"),
        ("２０２６－１１－３０", "2026-11-30"),
        ("12\u200b34", "12\u200b34"),  # a mark inside stays, for the check to refuse
        ("   ", ""),
        ("①", "1"),
    ],
)
def test_typed_text(typed: str, checked: str) -> None:
    assert typed_text(typed) == checked


def test_barcodes_typed_full_width_open_the_same_record() -> None:
    pattern = r"(?P<mrn>[0-9]{8})-(?P<visit>[0-9]{1,3})"
    assert parse_barcode("００１２３４５６－２", pattern) == RecordKey("00123456", 2)
    assert parse_barcode(" 00123456-2\u200f", pattern) == RecordKey("00123456", 2)
    assert parse_barcode("٠٠١٢٣٤٥٦-2", pattern) is None  # Arabic-Indic digits are not the MRN's digits: refused


@pytest.mark.parametrize("digits", ["０１２３４５６７８９", "٠١٢٣٤٥٦٧٨٩", "𝟎𝟏𝟐𝟑𝟒𝟓𝟔𝟕𝟖𝟗"])
def test_totp_code_in_any_digits_never_raises(digits: str) -> None:
    code = totp.code_at(SECRET, totp.step_of(time.time()))
    other = code.translate(str.maketrans("0123456789", digits))
    step = totp.matching_step(SECRET, other, time.time(), None)
    # full-width and mathematical digits are NFKC-equal to ASCII; Arabic-Indic digits are refused, never a 500
    assert (step is not None) is (digits != "٠١٢٣٤٥٦٧٨٩")


def _csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def test_second_factor_typed_with_full_width_digits_signs_in(client: TestClient, session: Session) -> None:
    project = make_project(session)
    user = make_user(session, project, username="boss", role=Role.vendor_manager)
    user.totp_secret = SECRET
    session.add(user)
    session.commit()
    client.cookies.clear()
    r = client.post(
        "/login",
        data={"username": "boss", "password": PASSWORD, "csrf_token": _csrf(client.get("/login").text)},
        follow_redirects=False,
    )
    assert r.headers["location"].startswith("/login/second-factor")
    page = client.get("/login/second-factor")
    wrong = client.post(
        "/login/second-factor",
        data={"code": "٠١٢٣٤٥", "csrf_token": _csrf(page.text)},
        follow_redirects=False,
    )
    assert wrong.status_code == 401  # refused as a wrong code, not a server error
    code = totp.code_at(SECRET, totp.step_of(time.time()))
    r = client.post(
        "/login/second-factor",
        data={"code": "　" + code.translate(FULL_WIDTH) + " ", "csrf_token": _csrf(page.text), "next": "/today"},
        follow_redirects=False,
    )
    assert r.status_code == 303 and r.headers["location"] == "/today"
    client.cookies.clear()


def test_api_opens_the_same_record_for_a_full_width_mrn_or_barcode(client: TestClient, session: Session) -> None:
    auth = signed_in_station(client, session)
    first = client.post("/api/v1/records", json={"mrn": "00123456", "visit": 2}, headers=auth.headers)
    assert first.status_code in (200, 201), first.text
    for body in ({"mrn": "００１２３４５６", "visit": 2}, {"mrn": " 00123456\u200f", "visit": 2}):
        again = client.post("/api/v1/records", json=body, headers=auth.headers)
        assert again.status_code in (200, 201) and again.json()["id"] == first.json()["id"], again.text
    refused = client.post("/api/v1/records", json={"mrn": "001\u200b23456", "visit": 2}, headers=auth.headers)
    assert refused.status_code == 422  # a mark inside the code is refused, never silently dropped


@pytest.mark.parametrize(
    ("typed", "number"),
    [
        ("１２", 12),
        (" 7 ", 7),
        ("²", 2),
        ("0", 0),
        ("-1", None),
        ("1.5", None),
        ("٣", None),
        ("9" * 10_000, None),
        ("", None),
    ],
)
def test_typed_whole_numbers(typed: str, number: int | None) -> None:
    assert typed_int(typed) == number
