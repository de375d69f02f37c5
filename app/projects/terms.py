"""The contract's terms as editable project fields: a change is asked for, approved by another person, then applied."""

from collections.abc import Callable, Mapping
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from sqlmodel import Session

from app.accounts.approvals import Approval, ApprovalKind, request_approval, runs_on_approval
from app.accounts.signin import WebPrincipal
from app.audit.service import record_event
from app.core.errors import NotFound, Unprocessable
from app.projects.models import Project


class BadTerm(Unprocessable):
    """A contract term refused: `field` names it ("" for the form as a whole), `code` the reason (term_invalid,
    term_range, term_places, term_choice, end_before_start, no_change) and `params` fill the screen's words
    (app.projects.terms_words.TERM_ERRORS)."""

    code = "bad_term"

    def __init__(self, field: str, detail: str, *, code: str = "bad_term", **params: object) -> None:
        super().__init__(detail, code=code)
        self.field = field
        self.params = params


class _Refused(ValueError):
    """Why a parser refused a value: a BadTerm code and its params."""

    def __init__(self, message: str, code: str, **params: object) -> None:
        super().__init__(message)
        self.code = code
        self.params = params


def _int(lo: int, hi: int) -> Callable[[str], int]:
    def parse(text: str) -> int:
        value = int(text)
        if not lo <= value <= hi:
            raise _Refused(f"between {lo} and {hi}", "term_range", lo=lo, hi=hi)
        return value

    return parse


def _dec(lo: str, hi: str, places: int) -> Callable[[str], Decimal]:
    def parse(text: str) -> Decimal:
        value = Decimal(text.strip())
        if not value.is_finite() or not Decimal(lo) <= value <= Decimal(hi):
            raise _Refused(f"between {lo} and {hi}", "term_range", lo=lo, hi=hi)
        if -value.as_tuple().exponent > places:  # type: ignore[operator]
            raise _Refused(f"at most {places} decimal places", "term_places", places=places)
        return value

    return parse


def _aql(text: str) -> Decimal:
    from app.acceptance.iso2859 import AQLS

    value = Decimal(text.strip())
    if value not in AQLS:
        choices = ", ".join(str(a) for a in AQLS)
        raise _Refused("one of " + choices, "term_choice", choices=choices)
    return value


def _scheme(text: str) -> str:
    if text not in ("flat", "iso2859"):
        raise _Refused("flat or iso2859", "term_choice", choices="flat, iso2859")
    return text


# field -> parser: every contract term a project may change (always through an approval).
TERMS: dict[str, Callable[[str], object]] = {
    "target_pages": _int(1, 100_000_000),
    "end_date": date.fromisoformat,
    "daily_quota": _int(1, 100_000),
    "unit_price": _dec("0", "100", 4),
    "price_cap": _dec("0", "1000000000", 2),
    "acceptance_cycle_months": _int(1, 36),
    "sampling_scheme": _scheme,
    "sample_rate": _dec("0.0001", "1", 4),
    "aql": _aql,
    "pass_rate": _dec("0", "1", 4),
    "field_error_rate": _dec("0", "1", 4),
    "review_deadline_days": _int(1, 365),
    "correction_days": _int(1, 365),
    "payment_term_working_days": _int(1, 365),
    "late_payment_rate_per_day": _dec("0", "0.1", 6),
    "termination_review_days": _int(1, 365),
    "termination_payment_days": _int(1, 365),
}


def parse_changes(project: Project, submitted: Mapping[str, str]) -> dict[str, str]:
    """The terms that differ from the project's, as canonical text; BadTerm names the first invalid field."""
    changes: dict[str, str] = {}
    for field, parse in TERMS.items():
        if field not in submitted or submitted[field].strip() == "":
            continue
        try:
            value = parse(submitted[field].strip())
        except _Refused as exc:
            raise BadTerm(field, f"{field}: {exc}", code=exc.code, **exc.params) from exc
        except (ValueError, InvalidOperation) as exc:  # not a number or date at all
            raise BadTerm(field, f"{field}: {exc or 'not a valid value'}", code="term_invalid") from exc
        if value != getattr(project, field):
            changes[field] = value.isoformat() if isinstance(value, date) else str(value)
    if "end_date" in changes and date.fromisoformat(changes["end_date"]) <= project.start_date:
        raise BadTerm("end_date", "end_date: must be after the start date", code="end_before_start")
    return changes


def request_terms_change(
    session: Session, project: Project, changes: dict[str, str], requester: WebPrincipal, *, reason: str, now: datetime
) -> Approval:
    """Ask for a change of contract terms; nothing changes until another authorised person approves."""
    if not changes:
        raise BadTerm("", "nothing to change: every value is the same as now", code="no_change")
    before = {field: str(getattr(project, field)) for field in changes}
    return request_approval(
        session,
        ApprovalKind.contract_terms,
        {"changes": changes, "before": before},
        requester,
        project_id=project.id,
        reason=reason,
        now=now,
    )


@runs_on_approval(ApprovalKind.contract_terms)
def _apply_terms(session: Session, approval: Approval, now: datetime) -> None:
    project = session.get(Project, approval.project_id)
    if project is None:
        raise NotFound("the project of this change no longer exists", code="project_not_found")
    for field, text in approval.payload["changes"].items():
        setattr(project, field, TERMS[field](text))
    session.add(project)
    record_event(
        session,
        "project.terms_change",
        project_id=project.id,
        actor_user_id=approval.decided_by,
        object_type="project",
        object_id=project.id,
        detail={"approval_id": approval.id, "changes": approval.payload["changes"]},
    )
