"""The settlement and payable screens over HTTP: who sees what, the forms (CSRF, errors, audit), the downloads."""

import hashlib
import io
import re
import time

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlmodel import Session, col, select

from app.accounts import totp
from app.accounts.models import Role
from app.accounts.permissions import MFA_REQUIRED
from app.audit.models import AuditEvent
from app.billing.models import Payable, Payment
from tests.billing.helpers import D, Y, lot_row, make_office, may_scenario
from tests.factories import PASSWORD, make_user

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def _csrf(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF field on the page"
    return match.group(1)


def sign_in(client: TestClient, session: Session, username: str, role: Role, office) -> None:  # noqa: ANN001
    """A user of the office's project, signed in over HTTP (with the second factor when the role needs one)."""
    user = make_user(session, office.project, username=username, role=role)
    user.totp_secret = SECRET if role in MFA_REQUIRED else None
    session.add(user)
    session.commit()
    client.cookies.clear()
    r = client.post(
        "/login",
        data={"username": username, "password": PASSWORD, "csrf_token": _csrf(client.get("/login").text)},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    if role in MFA_REQUIRED:
        page = client.get("/login/second-factor")
        code = totp.code_at(SECRET, totp.step_of(time.time()))
        r = client.post("/login/second-factor", data={"code": code, "csrf_token": _csrf(page.text)},
                        follow_redirects=False)  # fmt: skip
        assert r.status_code == 303, r.text


@pytest.fixture
def web(client: TestClient):  # noqa: ANN201
    """The app client, cookies cleared before and after."""
    client.cookies.clear()
    yield client
    client.cookies.clear()


def test_finance_sees_the_month_with_lines_totals_and_earlier_debts(web: TestClient, session: Session) -> None:
    office = make_office(session)
    may_scenario(session, office)
    sign_in(web, session, "fin_web", Role.finance, office)
    r = web.get("/billing?month=2026-05&as_of=2026-06-30")
    assert r.status_code == 200, r.text
    html = r.text
    assert "2026-05" in html and "结算" in html
    month = html.split('id="month-lines"')[1].split("</table>")[0]
    assert re.findall(r'data-lot="(\d+)"', month) == ["2", "3", "4"]
    lot3 = month.split('data-lot="3"')[1].split("</tr>")[0]
    assert "视为验收" in lot3 and "视为验收" not in month.split('data-lot="3"')[0]
    assert 'data-total="amount">19,327.23<' in month
    assert 'data-total="paid">5,000.15<' in month and 'data-total="outstanding">14,327.08<' in month
    assert 'data-total="late">0.96<' in month
    earlier = html.split('id="earlier-lines"')[1].split("</table>")[0]
    assert re.findall(r'data-lot="(\d+)"', earlier) == ["1"] and 'data-total="late">85.25<' in earlier
    assert 'id="kpi-outstanding">17,427.08<' in html
    assert 'id="export-xlsx"' in html and "2026-07-31" in html  # lot 2's due date, 60 working days on
    assert "精确值 0.154，四舍五入至 0.01" in html  # the rounded line explains itself


def test_manager_sees_the_settlement_but_cannot_export_or_record(web: TestClient, session: Session) -> None:
    office = make_office(session)
    ids = {n: p.id for n, p in may_scenario(session, office).items()}
    sign_in(web, session, "boss", Role.vendor_manager, office)
    page = web.get("/billing?month=2026-05&as_of=2026-06-30")
    assert page.status_code == 200 and "19,327.23" in page.text and "export-xlsx" not in page.text
    detail = web.get(f"/billing/payables/{ids[4]}")
    assert detail.status_code == 200 and "payment-form" not in detail.text and "invoice-form" not in detail.text
    assert web.get("/billing/export?month=2026-05").status_code == 403
    r = web.post(
        f"/billing/payables/{ids[4]}/payments",
        data={"paid_on": "2026-06-10", "amount": "77.00", "csrf_token": _csrf(page.text)},
        follow_redirects=False,
    )
    assert r.status_code == 403
    assert session.exec(select(Payment).where(Payment.payable_id == ids[4])).all() == []


@pytest.mark.parametrize("role", [Role.operator, Role.reviewer, Role.sysadmin, Role.vendor_qc])
def test_other_roles_do_not_see_billing(web: TestClient, session: Session, role: Role) -> None:
    office = make_office(session)
    sign_in(web, session, f"u_{role.value}", role, office)
    assert web.get("/billing").status_code == 403
    assert 'href="/billing"' not in web.get("/account").text


def test_finance_records_a_partial_payment_and_the_late_charge_follows(web: TestClient, session: Session) -> None:
    office = make_office(session)
    lot_row(session, office, 1_000_000, D("2026-01-30"))  # 77,000.00 due 2026-05-06
    session.commit()
    sign_in(web, session, "fin_pay", Role.finance, office)
    web.get("/billing?month=2026-01")  # brings the payable into being
    payable_id = session.exec(select(Payable.id)).one()
    session.rollback()  # end the test's read: on SQLite it would hold the write lock the app needs
    page = web.get(f"/billing/payables/{payable_id}")
    assert page.status_code == 200 and "1,000,000 × 0.077 = 77000 元，无需舍入" in page.text
    r = web.post(
        f"/billing/payables/{payable_id}/payments",
        data={"paid_on": "2026-04-30", "amount": "50,000.00", "reference": "ICBC 0001", "csrf_token": _csrf(page.text)},
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text
    page = web.get(r.headers["location"])
    assert "已记录 2026-04-30 付款 50,000.00 元" in page.text
    r = web.post(
        f"/billing/payables/{payable_id}/payments",
        data={"paid_on": "2026-05-21", "amount": "27000", "reference": "", "csrf_token": _csrf(page.text)},
        follow_redirects=False,
    )
    assert r.status_code == 303
    session.rollback()
    paid = session.exec(select(Payment.amount).where(Payment.payable_id == payable_id)).all()
    assert sorted(paid) == [Y("27000.00"), Y("50000.00")]
    session.rollback()
    page = web.get(f"/billing/payables/{payable_id}?as_of=2026-06-30")
    assert 'id="late-charge"><strong class="billing-bad">202.50</strong>' in page.text  # 27,000 × 0.05% × 15
    assert 'id="fully-paid"' in page.text
    events = session.exec(
        select(AuditEvent).where(AuditEvent.action == "payment.record").order_by(col(AuditEvent.id))
    ).all()
    assert [e.detail["amount"] for e in events] == ["50000.00", "27000.00"]
    assert events[0].detail["reference"] == "ICBC 0001" and events[0].actor_role == "finance"


def test_payment_form_errors_are_shown_on_the_page(web: TestClient, session: Session) -> None:
    office = make_office(session)
    lot_row(session, office, 100, D("2026-03-02"))  # 7.70
    session.commit()
    sign_in(web, session, "fin_err", Role.finance, office)
    web.get("/billing?month=2026-03")
    payable_id = session.exec(select(Payable.id)).one()
    session.rollback()  # end the test's read: on SQLite it would hold the write lock the app needs
    page = web.get(f"/billing/payables/{payable_id}")
    token = _csrf(page.text)
    url = f"/billing/payables/{payable_id}/payments"
    r = web.post(url, data={"paid_on": "2026-03-10", "amount": "7.71", "csrf_token": token})
    assert r.status_code == 422 and "本批次仅剩 7.70 元未付，7.71 元超出应付金额" in r.text
    r = web.post(url, data={"paid_on": "2026-03-10", "amount": "1.005", "csrf_token": token})
    assert r.status_code == 422 and 'id="amount-error"' in r.text and 'value="1.005"' in r.text
    r = web.post(url, data={"paid_on": "10.03.2026", "amount": "1", "csrf_token": token})
    assert r.status_code == 422 and 'id="paid_on-error"' in r.text
    r = web.post(url, data={"paid_on": "2026-03-10", "amount": "1.00"}, follow_redirects=False)  # no CSRF token
    assert r.status_code == 403
    r = web.post(url, data={"paid_on": "2026-03-10", "amount": "1.00", "csrf_token": "forged"}, follow_redirects=False)
    assert r.status_code == 403
    assert web.get("/billing/payables/999999").status_code == 404
    session.rollback()
    assert session.exec(select(Payment)).all() == []


def test_invoice_entry_and_a_voided_payment(web: TestClient, session: Session) -> None:
    office = make_office(session)
    ids = {n: p.id for n, p in may_scenario(session, office).items()}
    sign_in(web, session, "fin_inv", Role.finance, office)
    page = web.get(f"/billing/payables/{ids[4]}")
    token = _csrf(page.text)
    r = web.post(
        f"/billing/payables/{ids[4]}/invoice",
        data={"invoice_number": "26442000000000000004", "invoice_date": "2026-05-30", "csrf_token": token},
        follow_redirects=False,
    )
    assert r.status_code == 303
    r = web.post(
        f"/billing/payables/{ids[3]}/invoice",
        data={"invoice_number": "26442000000000000004", "invoice_date": "2026-05-30", "csrf_token": token},
    )
    assert r.status_code == 422 and "发票 26442000000000000004 已录入到其他批次" in r.text
    payment_id = session.exec(select(Payment.id).where(Payment.payable_id == ids[3])).one()
    session.rollback()
    r = web.post(f"/billing/payments/{payment_id}/void", data={"reason": "", "csrf_token": token})
    assert r.status_code == 422
    r = web.post(
        f"/billing/payments/{payment_id}/void",
        data={"reason": "bank returned it", "csrf_token": token},
        follow_redirects=False,
    )
    assert r.status_code == 303
    page = web.get(f"/billing/payables/{ids[3]}")
    assert "bank returned it" in page.text and 'class="billing-voided"' in page.text
    settlement = web.get("/billing?month=2026-05&as_of=2026-06-30").text
    assert "26442000000000000004" in settlement and 'data-total="paid">5,000.00<' in settlement
    session.rollback()
    actions = session.exec(
        select(AuditEvent.action).where(col(AuditEvent.action).in_(["payable.invoice", "payment.void"]))
    ).all()
    assert sorted(actions) == ["payable.invoice", "payable.invoice", "payment.void", "payment.void"]


def test_finance_downloads_the_xlsx_and_csv(web: TestClient, session: Session) -> None:
    office = make_office(session)
    may_scenario(session, office)
    sign_in(web, session, "fin_dl", Role.finance, office)
    r = web.get("/billing/export?month=2026-05&as_of=2026-06-30&format=xlsx")
    assert r.status_code == 200
    assert r.headers["content-type"].startswith("application/vnd.openxmlformats-officedocument.spreadsheetml")
    assert 'filename="settlement-B1-2026-05-as-of-2026-06-30.xlsx"' in r.headers["content-disposition"]
    ws = load_workbook(io.BytesIO(r.content))["结算单"]
    total = next(row for row in ws.iter_rows(values_only=True) if row[0] == "合计")
    assert round(total[8], 2) == 19327.23
    r2 = web.get("/billing/export?month=2026-05&as_of=2026-06-30&format=csv")
    assert r2.status_code == 200 and r2.content.startswith(b"\xef\xbb\xbf")
    assert web.get("/billing/export?month=2026-5").status_code == 422
    assert web.get("/billing/export?month=2026-05&format=pdf").status_code == 422
    assert web.get("/billing/export?month=2026-05&as_of=2026-04-30").status_code == 422
    session.rollback()
    events = session.exec(
        select(AuditEvent).where(AuditEvent.action == "billing.export").order_by(col(AuditEvent.id))
    ).all()
    assert [e.detail["format"] for e in events] == ["xlsx", "csv"]
    assert events[0].detail["sha256"] == hashlib.sha256(r.content).hexdigest()
    assert events[0].actor_role == "finance" and events[0].source_ip


def test_bad_month_or_date_on_the_screen_is_a_field_error(web: TestClient, session: Session) -> None:
    office = make_office(session)
    sign_in(web, session, "fin_bad", Role.finance, office)
    r = web.get("/billing?month=2026-13")
    assert r.status_code == 422 and 'id="month-error"' in r.text
    r = web.get("/billing?month=2026-05&as_of=yesterday")
    assert r.status_code == 422 and 'id="as_of-error"' in r.text
    r = web.get("/billing?month=2026-05&as_of=2026-04-01")
    assert r.status_code == 422 and "计算日期早于该月份" in r.text
