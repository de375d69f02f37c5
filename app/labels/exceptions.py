"""Errors of label printing (codes are stable; the browser owns the wording)."""

from app.core.errors import AppError


class LabelError(AppError):
    status = 422
    code = "label_error"


class BadLabelRequest(LabelError):
    code = "bad_label_request"


class NoSuchPart(LabelError):
    status = 404
    code = "no_such_label_part"


class NothingToPrint(LabelError):
    code = "nothing_to_print"


class LabelPdfUnavailable(AppError):
    status = 503
    code = "pdf_unavailable"
