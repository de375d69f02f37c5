"""HTML routes of billing: the monthly settlement, a payable with its invoice and payments, the exports."""

import re
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from app.accounts.dependencies import CsrfChecked, require
from app.accounts.permissions import Perm, allowed
from app.accounts.signin import WebPrincipal
from app.billing.exceptions import BadInvoice, BadMonth, BadPayment, DuplicateInvoice
from app.billing.service import (
    export_statement,
    get_payable,
    get_payment,
    parse_month,
    payable_detail,
    record_invoice,
    record_payment,
    statement,
    void_payment,
)
from app.core.clock import local_date, utcnow
from app.core.db import SessionDep, WriteSessionDep
from app.core.i18n import translations
from app.core.templates import redirect, render, request_language
from app.core.typed import Typed
from app.navigation import N_
from app.projects.dependencies import CurrentProject
from app.projects.models import Project

router = APIRouter(include_in_schema=False)

BillingViewer = Annotated[WebPrincipal, Depends(require(Perm.view_billing))]
BillingManager = Annotated[WebPrincipal, Depends(require(Perm.manage_billing))]


def _gettext(request: Request):  # noqa: ANN202
    return translations(request_language(request)).gettext


def _actor(request: Request, principal: WebPrincipal) -> dict:
    return {
        "actor_user_id": principal.user_id,
        "actor_role": principal.role,
        "source_ip": request.client.host if request.client else None,
    }


def _today(project: Project) -> date:
    return local_date(utcnow(), project.timezone)


def _as_of(raw: str | None, default: date) -> tuple[date, str | None]:
    """The date asked for (default: today) and the msgid of an error, if any."""
    if not raw:
        return default, None
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        return default, N_("Enter a date as YYYY-MM-DD.")
    if not 2000 <= day.year <= 2200:  # beyond what any statement covers (and what UTC datetimes can hold)
        return default, N_("Enter a date as YYYY-MM-DD.")
    return day, None


def _month(raw: str | None, today: date) -> tuple[date, str | None]:
    if not raw:
        return today.replace(day=1), None
    try:
        return parse_month(raw), None
    except BadMonth as exc:
        return today.replace(day=1), exc.msgid


def money(value: Decimal | None) -> str:
    """1234567.8 -> 1,234,567.80; None -> —."""
    return "—" if value is None else f"{value:,.2f}"


def exact(value: Decimal) -> str:
    """An exact amount without trailing zeros and never in exponent form: 0.0770 -> 0.077."""
    return f"{value.normalize():f}"


def _shift(month: date, months: int) -> date:
    index = month.year * 12 + month.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


@router.get("/billing")
def settlement(
    request: Request,
    session: WriteSessionDep,
    project: CurrentProject,
    principal: BillingViewer,
    month: str | None = None,
    as_of: str | None = None,
):
    """The month's settlement: accepted lots, amounts under the cap, due dates, invoices, payments, late charges."""
    today = _today(project)
    first, month_error = _month(month, today)
    asked, as_of_error = _as_of(as_of, max(today, first))
    if asked < first:
        asked, as_of_error = max(today, first), N_("The date asked for lies before the month.")
    st = statement(session, project, first, as_of=asked, today=today)
    errors = {k: v for k, v in (("month", month_error), ("as_of", as_of_error)) if v}
    return render(
        request,
        "billing/settlement.html",
        {
            "project": project,
            "st": st,
            "today": today,
            "errors": errors,
            "month_raw": month if month_error else st.label,
            "as_of_raw": as_of if as_of_error else asked.isoformat(),
            "prev_month": f"{_shift(first, -1):%Y-%m}",
            "next_month": f"{_shift(first, 1):%Y-%m}",
            "as_of_param": "" if asked == max(today, first) else asked.isoformat(),
            "can_manage": allowed(principal.role, Perm.manage_billing),
            "money": money,
            "exact": exact,
        },
        status_code=422 if errors else 200,
    )


@router.get("/billing/export")
def settlement_export(
    request: Request,
    session: WriteSessionDep,
    project: CurrentProject,
    principal: BillingManager,
    month: str | None = None,
    as_of: str | None = None,
    format: str = "xlsx",  # noqa: A002
):
    """The month's settlement as XLSX or CSV (audited, with the file's SHA-256)."""
    today = _today(project)
    first = parse_month(month) if month else today.replace(day=1)
    asked, as_of_error = _as_of(as_of, max(today, first))
    if as_of_error:
        raise BadMonth(as_of_error)
    out = export_statement(
        session, project, first, fmt=format, as_of=asked, today=today, actor=_actor(request, principal)
    )
    return Response(
        out.content,
        media_type=out.media_type,
        headers={"Content-Disposition": f'attachment; filename="{out.filename}"', "Cache-Control": "private, no-store"},
    )


def _payable_page(
    request: Request,
    session: SessionDep,
    project: Project,
    principal: WebPrincipal,
    payable_id: int,
    *,
    as_of: str | None = None,
    errors: dict | None = None,
    form: dict | None = None,
    status_code: int = 200,
) -> Response:
    today = _today(project)
    payable = get_payable(session, project, payable_id)
    asked, as_of_error = _as_of(as_of, today)
    errors = dict(errors or {})
    if as_of_error:
        errors["as_of"] = (as_of_error, {})
    detail = payable_detail(session, project, payable, as_of=asked)
    return render(
        request,
        "billing/payable.html",
        {
            "project": project,
            "d": detail,
            "x": detail.line,
            "today": today,
            "as_of_raw": as_of if as_of_error else asked.isoformat(),
            "month": f"{payable.accepted_on:%Y-%m}",
            "can_manage": allowed(principal.role, Perm.manage_billing),
            "errors": errors,
            "form": form or {},
            "money": money,
            "exact": exact,
        },
        status_code=422 if errors and status_code == 200 else status_code,
    )


@router.get("/billing/payables/{payable_id}")
def payable_page(
    payable_id: int,
    request: Request,
    session: SessionDep,
    project: CurrentProject,
    principal: BillingViewer,
    as_of: str | None = None,
):
    """One lot's payable: how its amount was reached, its due date, invoice, payments and late-charge periods."""
    return _payable_page(request, session, project, principal, payable_id, as_of=as_of)


@router.post("/billing/payables/{payable_id}/invoice", dependencies=[CsrfChecked])
def payable_invoice(
    payable_id: int,
    request: Request,
    session: SessionDep,
    project: CurrentProject,
    principal: BillingManager,
    invoice_number: Annotated[Typed, Form(max_length=100)] = "",
    invoice_date: Annotated[Typed, Form(max_length=20)] = "",
):
    """Enter or correct the invoice number and date of a lot's payable."""
    payable = get_payable(session, project, payable_id)
    form = {"invoice_number": invoice_number, "invoice_date": invoice_date}
    try:
        day = date.fromisoformat(invoice_date)
    except ValueError:
        errors = {"invoice_date": (N_("Enter a date as YYYY-MM-DD."), {})}
        return _payable_page(request, session, project, principal, payable_id, errors=errors, form=form)
    try:
        record_invoice(
            session,
            payable,
            number=invoice_number,
            invoice_date=day,
            actor=_actor(request, principal),
            today=_today(project),
        )
    except (BadInvoice, DuplicateInvoice) as exc:
        errors = {"invoice": (exc.msgid, exc.params)}
        return _payable_page(request, session, project, principal, payable_id, errors=errors, form=form)
    _ = _gettext(request)
    return redirect(
        f"/billing/payables/{payable_id}", flash=_("Invoice %(number)s saved.") % {"number": invoice_number.strip()}
    )


def parse_yuan(text: str) -> Decimal:
    """A typed amount in yuan ("1,234.50", "¥ 1234.5") as a Decimal; BadPayment when it is not one."""
    cleaned = text.strip().replace(",", "").replace("，", "").replace("¥", "").replace("￥", "").strip()
    if not re.fullmatch(r"\d{1,12}(\.\d{1,2})?", cleaned):
        raise BadPayment(N_("Enter the amount in yuan with at most two decimals (whole fen)."))
    try:
        return Decimal(cleaned)
    except InvalidOperation as exc:  # pragma: no cover - the pattern admits only decimals
        raise BadPayment(N_("Enter the amount in yuan with at most two decimals (whole fen).")) from exc


@router.post("/billing/payables/{payable_id}/payments", dependencies=[CsrfChecked])
def payable_payment(
    payable_id: int,
    request: Request,
    session: SessionDep,
    project: CurrentProject,
    principal: BillingManager,
    paid_on: Annotated[Typed, Form(max_length=20)] = "",
    amount: Annotated[Typed, Form(max_length=40)] = "",
    reference: Annotated[str, Form(max_length=200)] = "",
):
    """Record a payment received against a lot's payable (partial payments allowed)."""
    payable = get_payable(session, project, payable_id)
    form = {"paid_on": paid_on, "amount": amount, "reference": reference}
    errors: dict = {}
    try:
        day = date.fromisoformat(paid_on)
    except ValueError:
        errors["paid_on"] = (N_("Enter a date as YYYY-MM-DD."), {})
    try:
        value = parse_yuan(amount)
    except BadPayment as exc:
        errors["amount"] = (exc.msgid, exc.params)
    if not errors:
        try:
            record_payment(
                session,
                payable,
                paid_on=day,
                amount=value,
                reference=reference,
                user_id=principal.user_id,
                actor=_actor(request, principal),
                today=_today(project),
            )
        except BadPayment as exc:
            errors["payment"] = (exc.msgid, exc.params)
    if errors:
        return _payable_page(request, session, project, principal, payable_id, errors=errors, form=form)
    _ = _gettext(request)
    return redirect(
        f"/billing/payables/{payable_id}",
        flash=_("Payment of %(amount)s yuan on %(day)s recorded.") % {"amount": money(value), "day": day.isoformat()},
    )


@router.post("/billing/payments/{payment_id}/void", dependencies=[CsrfChecked])
def payment_void(
    payment_id: int,
    request: Request,
    session: SessionDep,
    project: CurrentProject,
    principal: BillingManager,
    reason: Annotated[str, Form(max_length=400)] = "",
):
    """Void a mistaken payment entry (kept on record with the reason; no longer counts)."""
    payment, payable = get_payment(session, project, payment_id)
    try:
        void_payment(
            session,
            payment,
            payable,
            reason=reason,
            user_id=principal.user_id,
            actor=_actor(request, principal),
            now=utcnow(),
        )
    except BadPayment as exc:
        errors = {f"void_{payment_id}": (exc.msgid, exc.params)}
        return _payable_page(request, session, project, principal, payable.id or 0, errors=errors)
    _ = _gettext(request)
    return redirect(f"/billing/payables/{payable.id}", flash=_("Payment voided."))
