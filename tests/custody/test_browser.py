"""The records room desk in a real browser against a real `folio serve`: the custodian scans a check-out batch the
way a barcode scanner types (characters, then Enter), marks a fragile record, writes the batch and prints its sheet;
the vendor's manager confirms it in his own session; only then does the station's upload go through."""

import time
import uuid

import httpx
import pikepdf
import pytest

from app.accounts import totp
from tests.conftest import ARTIFACTS, shot
from tests.factories import page_jpeg
from tests.live import LiveServer

pytestmark = pytest.mark.browser
SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
PASSWORD = "live-password-1"
CODES = ["00088001-1", "00088002-1", "00088003 2"]


def _sign_in(browser, server: LiveServer, username: str, *, second_factor: bool):  # noqa: ANN001, ANN202
    context = browser.new_context(viewport={"width": 1366, "height": 900}, locale="zh-CN")
    pg = context.new_page()
    pg.goto(f"{server.base_url}/login")
    pg.fill("#username", username)
    pg.fill("#password", PASSWORD)
    pg.click("main button[type=submit]")
    if second_factor:
        pg.wait_for_url("**/login/second-factor**")
        pg.fill("#code", totp.code_at(SECRET, totp.step_of(time.time())))
        pg.click("main button[type=submit]")
    pg.wait_for_load_state()
    assert "/login" not in pg.url, pg.content()[:500]
    return context, pg


def _upload(server: LiveServer, headers: dict, mrn: str, visit: int) -> httpx.Response:
    return httpx.post(
        f"{server.base_url}/api/v1/pages",
        headers=headers,
        timeout=60,
        data={"page_number": "1", "mrn": mrn, "visit": str(visit), "idempotency_key": uuid.uuid4().hex},
        files={"image": ("p.jpg", page_jpeg(7), "image/jpeg")},
    )


def test_scan_a_checkout_print_the_sheet_and_confirm(live_server: LiveServer, browser) -> None:  # noqa: ANN001
    prov = live_server.provision()
    live_server.add_user(prov.project_code, "cust", "custodian", password=PASSWORD, totp_secret=SECRET)
    live_server.add_user(prov.project_code, "mgr", "vendor_manager", password=PASSWORD, totp_secret=SECRET)
    live_server.start()
    r = httpx.post(
        f"{live_server.base_url}/api/v1/station/sessions",
        json={"username": prov.username, "password": prov.password},
        headers={"Authorization": f"Bearer {prov.station_token}"},
    )
    station = {"Authorization": f"Bearer {prov.station_token}", "X-Operator-Token": r.json()["token"]}

    cust_ctx, pg = _sign_in(browser, live_server, "cust", second_factor=True)
    # The custodian switches the rule on: no capture without a check-out.
    pg.goto(f"{live_server.base_url}/custody/settings")
    pg.check("#require_checkout")
    pg.click("main form button[type=submit]")
    refused = _upload(live_server, station, "00088001", 1)
    assert refused.status_code == 409 and refused.json()["error"] == "record_not_checked_out"

    pg.goto(f"{live_server.base_url}/custody/handovers/new?kind=checkout")
    assert pg.evaluate("document.activeElement.id") == "scan"  # the scanner field has the focus at once
    for code in [*CODES, CODES[0]]:  # the last one is scanned a second time by mistake
        pg.keyboard.type(code, delay=8)  # a scanner "types" the code quickly…
        pg.keyboard.press("Enter")  # …and presses Enter
    assert pg.url.endswith("/custody/handovers/new?kind=checkout")  # Enter added lines; it submitted nothing
    pg.wait_for_function("document.querySelectorAll('#lines tbody tr.line-ok').length === 3")
    assert pg.locator("#lines tbody tr").count() == 3
    assert pg.inner_text("#scan-count") == "3"
    assert CODES[0] in pg.inner_text("#scan-note")
    assert "00088003/2" in pg.inner_text("#lines tbody tr:nth-child(3) .line-info")
    pg.select_option("#lines tbody tr:nth-child(2) select[name=condition]", "fragile")
    pg.fill("#lines tbody tr:nth-child(2) input[name=condition_note]", "纸张发脆，封面脱落")
    pg.fill("#declared_count", "3")
    pg.select_option("#counterpart_id", label="mgr (mgr)")
    shot(pg, "custody-checkout-scanned")
    pg.click("#save-batch")
    pg.wait_for_url("**/custody/handovers/*")
    assert "C00001" in pg.inner_text("h1") and pg.inner_text("#batch-count").startswith("3")
    batch_url = pg.url

    # The sheet: both signature lines, every record; printed (print media) and saved as PDF.
    pg.click("#sheet-link")
    pg.wait_for_url("**/sheet")
    assert pg.locator(".hs-line").count() == 4 and pg.inner_text("#sheet-count") == "3"
    assert "纸张发脆，封面脱落" in pg.inner_text(".sheet-lines")
    pg.emulate_media(media="print")
    assert not pg.is_visible(".sheet-tools")  # the print button does not print
    shot(pg, "custody-sheet-print")
    ARTIFACTS.mkdir(exist_ok=True)
    pdf_path = ARTIFACTS / "custody-sheet.pdf"
    pg.pdf(path=str(pdf_path), format="A4", print_background=True)
    with pikepdf.open(pdf_path) as pdf:
        assert len(pdf.pages) >= 1
    # The server prints the same sheet to PDF too.
    served = cust_ctx.request.get(batch_url + "/sheet.pdf")
    assert served.status == 200 and served.body().startswith(b"%PDF")
    (ARTIFACTS / "custody-sheet-server.pdf").write_bytes(served.body())

    # Still pending: the station may not capture yet.
    assert _upload(live_server, station, "00088001", 1).status_code == 409

    # The vendor's manager confirms in his own session, acknowledging the fragile record.
    mgr_ctx, mgr = _sign_in(browser, live_server, "mgr", second_factor=True)
    mgr.goto(f"{live_server.base_url}/custody")
    mgr.click("#waiting a")
    mgr.check("#confirm-form input[name=acknowledged]")
    mgr.click("#confirm-batch")
    mgr.wait_for_load_state()
    assert mgr.inner_text("#batch-status") in ("已确认", "Confirmed")
    shot(mgr, "custody-batch-confirmed")
    assert _upload(live_server, station, "00088001", 1).status_code == 201
    mgr_ctx.close()
    cust_ctx.close()
