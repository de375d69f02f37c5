"""HTML route for the project's contract terms: shown to the system administrator, changed only by approval."""

from typing import Annotated

from fastapi import APIRouter, Depends, Request

from app.accounts.dependencies import CsrfChecked, require
from app.accounts.permissions import Perm
from app.accounts.signin import WebPrincipal
from app.core.clock import utcnow
from app.core.db import SessionDep
from app.core.i18n import coded_error, translations
from app.core.templates import redirect, render, request_language
from app.navigation import N_
from app.projects.dependencies import CurrentProject
from app.projects.terms import TERMS, BadTerm, parse_changes, request_terms_change

router = APIRouter(include_in_schema=False)
Admin = Annotated[WebPrincipal, Depends(require(Perm.manage_settings))]

# BadTerm codes (app/projects/terms.py), shown beside the field they are about.
TERM_ERRORS = {
    "term_invalid": N_("Not a valid value: write a number, or a date as YYYY-MM-DD."),
    "term_range": N_("Must be between %(lo)s and %(hi)s."),
    "term_places": N_("At most %(places)s decimal places."),
    "term_choice": N_("Must be one of: %(choices)s."),
    "end_before_start": N_("The end date must be after the start date."),
    "no_change": N_("Nothing to change: every value is the same as now."),
}


def _term_error(request: Request, exc: BadTerm) -> str:
    """The refused term's reason in the reader's language, with its code; never the parser's English detail
    (tests/projects/test_term_words.py checks that every code raised has words)."""
    return coded_error(translations(request_language(request)).gettext, TERM_ERRORS, exc.code, exc.detail, exc.params)


@router.get("/admin/project")
def terms(request: Request, principal: Admin, project: CurrentProject):
    """The contract's terms, with a form to ask for a change."""
    return render(request, "projects/terms.html", {"project": project, "fields": list(TERMS), "errors": {}, "form": {}})


@router.post("/admin/project", dependencies=[CsrfChecked])
async def change_terms(request: Request, principal: Admin, project: CurrentProject, session: SessionDep):
    """Ask for a change of terms: another authorised person (finance or the records custodian) approves it."""
    form = {k: str(v) for k, v in (await request.form()).items() if k in TERMS or k == "reason"}
    try:
        changes = parse_changes(project, form)
        request_terms_change(session, project, changes, principal, reason=form.get("reason", ""), now=utcnow())
    except BadTerm as exc:
        return render(
            request,
            "projects/terms.html",
            {"project": project, "fields": list(TERMS), "errors": {exc.field: _term_error(request, exc)}, "form": form},
            status_code=422,
        )
    message = translations(request_language(request)).gettext(
        "Change requested: it takes effect when another authorised person approves it."
    )
    return redirect("/admin/project", flash=message)
