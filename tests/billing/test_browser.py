"""Finance in a real browser against a real `folio serve`: sign in with a second factor, open a month's settlement,
record a payment on a lot, download the XLSX and check it against the database. Screenshots in test-artifacts/."""

import io
import time
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from openpyxl import load_workbook
from sqlmodel import Session, col, select

from app.accounts import totp
from app.accounts.models import User
from app.audit.models import AuditEvent
from app.billing.export import HEADERS
from app.billing.models import Payable, Payment
from app.core.db import make_engine, writing
from app.projects.models import Project
from tests.billing.helpers import Office, may_scenario
from tests.conftest import shot
from tests.live import LiveServer, time_today

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
PASSWORD = "live-password-1"


def _seed(server: LiveServer) -> None:
    server.provision(code="LIVE")
    server.add_user("LIVE", "fin_live", "finance", totp_secret=SECRET)
    server.add_user("LIVE", "mgr_live", "vendor_manager", totp_secret=SECRET)
    engine = make_engine(server.database_url)
    with Session(writing(engine), expire_on_commit=False) as s:
        project = s.exec(select(Project).where(Project.code == "LIVE")).one()
        manager = s.exec(select(User).where(User.username == "mgr_live")).one()
        finance = s.exec(select(User).where(User.username == "fin_live")).one()
        may_scenario(s, Office(project, manager, finance))
    engine.dispose()


def _sign_in(browser, server: LiveServer, username: str):  # noqa: ANN001, ANN202
    context = browser.new_context(viewport={"width": 1440, "height": 900}, locale="zh-CN", accept_downloads=True)
    pg = context.new_page()
    pg.goto(f"{server.base_url}/login")
    pg.fill("#username", username)
    pg.fill("#password", PASSWORD)
    pg.click("main button[type=submit]")
    pg.wait_for_url("**/login/second-factor**")
    pg.fill("#code", totp.code_at(SECRET, totp.step_of(time.time())))
    pg.click("main button[type=submit]")
    pg.wait_for_load_state()
    assert "/login" not in pg.url, pg.content()[:500]
    return context, pg


def test_finance_settles_a_month_in_the_browser_and_downloads_the_xlsx(live_server: LiveServer, browser) -> None:  # noqa: ANN001
    _seed(live_server)
    live_server.start()
    context, pg = _sign_in(browser, live_server, "fin_live")
    try:
        # The navigation leads to billing; the month is chosen in the form.
        pg.click("nav.mainnav a[href='/billing']")
        pg.wait_for_load_state()
        pg.fill("#month", "2026-05")
        pg.fill("#as_of", "2026-06-30")
        pg.click(".billing-filters button[type=submit]")
        pg.wait_for_load_state()
        assert pg.inner_text("#month-lines tfoot [data-total=amount]") == "19,327.23"
        assert pg.inner_text("#month-lines tfoot [data-total=late]") == "0.96"
        assert pg.inner_text("#earlier-lines tfoot [data-total=late]") == "85.25"
        assert pg.locator("#month-lines tbody tr").count() == 3
        shot(pg, "billing-settlement-2026-05")

        # Lot 4 (termination, 77.00 unpaid since 5 June): record the payment received today.
        pg.click("#month-lines tr[data-lot='4'] a")
        pg.wait_for_load_state()
        assert "/billing/payables/" in pg.url and pg.inner_text("#due-on") == "2026-06-05"
        shot(pg, "billing-payable-lot-4")
        pg.fill("#amount", "77.00")
        pg.fill("#reference", "ICBC 20261122-0004")
        pg.click("#payment-form button[type=submit]")
        pg.wait_for_load_state()
        today = time_today()
        assert f"已记录 {today.isoformat()} 付款 77.00 元" in pg.inner_text(".flash")
        assert pg.inner_text("#outstanding").startswith("0.00")
        late_days = (today - date(2026, 6, 5)).days
        charge = (Decimal("77.00") * Decimal("0.0005") * late_days).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
        assert pg.inner_text("#late-charge").startswith(f"{charge:,.2f}")
        shot(pg, "billing-payable-lot-4-paid")

        # Back to the month, figures as of today, and download the XLSX.
        pg.click("#back-to-settlement")
        pg.wait_for_load_state()
        assert pg.inner_text("#month-lines tfoot [data-total=outstanding]") == "14,250.08"
        with pg.expect_download() as info:
            pg.click("#export-xlsx")
        download = info.value
        assert download.suggested_filename == f"settlement-LIVE-2026-05-as-of-{today.isoformat()}.xlsx"
        content = open(download.path(), "rb").read()  # noqa: SIM115, PTH123
        shot(pg, "billing-settlement-after-download")
    finally:
        context.close()

    ws = load_workbook(io.BytesIO(content))["结算单"]
    total = next(r for r in ws.iter_rows(values_only=True) if r[0] == "合计")
    engine = make_engine(live_server.database_url)
    with Session(engine) as s:
        may = s.exec(select(Payable).where(col(Payable.accepted_on).between(date(2026, 5, 1), date(2026, 5, 31)))).all()
        ids = [p.id for p in may]
        paid = s.exec(select(Payment.amount).where(col(Payment.payable_id).in_(ids), col(Payment.voided_at).is_(None)))
        paid_total = sum(paid.all(), Decimal("0.00"))
        event = s.exec(select(AuditEvent).where(AuditEvent.action == "billing.export")).one()
    engine.dispose()

    def dec(name: str) -> Decimal:
        return Decimal(repr(total[HEADERS.index(name)])).quantize(Decimal("0.01"))

    assert dec("结算金额（元）") == sum(p.amount for p in may) == Decimal("19327.23")
    assert dec("已付金额（元）") == paid_total == Decimal("5077.15")
    assert dec("未付金额（元）") == sum(p.amount for p in may) - paid_total
    assert event.detail["format"] == "xlsx" and event.actor_role == "finance"
