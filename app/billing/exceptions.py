"""Errors of billing. Each carries a msgid and its parameters so that a screen can show it translated."""

from typing import Any

from app.core.errors import Conflict, NotFound, Unprocessable


class _Translatable:
    """A refusal whose message is a msgid (marked with N_) filled with `params`."""

    def __init__(self, msgid: str, **params: Any) -> None:
        self.msgid = msgid
        self.params = params
        super().__init__(msgid % params if params else msgid)  # type: ignore[call-arg]


class PayableNotFound(_Translatable, NotFound):
    code = "payable_not_found"


class PaymentNotFound(_Translatable, NotFound):
    code = "payment_not_found"


class BadPayment(_Translatable, Unprocessable):
    code = "bad_payment"


class BadInvoice(_Translatable, Unprocessable):
    code = "bad_invoice"


class DuplicateInvoice(_Translatable, Conflict):
    code = "duplicate_invoice"


class BadMonth(_Translatable, Unprocessable):
    code = "bad_month"
