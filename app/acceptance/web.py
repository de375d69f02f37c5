"""What acceptance's HTML routes share: the roles that may call them, today's date, the actor, the refusal
redirect and the common page context."""

from datetime import date
from typing import Annotated

from fastapi import Depends, Request
from sqlmodel import Session

from app.acceptance import labels
from app.acceptance.review import FIELD_COLUMNS
from app.acceptance.rules import DEFECT_CODES, THIRD_NAMES
from app.acceptance.service import (
    Actor,
)
from app.accounts.dependencies import require
from app.accounts.permissions import Perm
from app.accounts.signin import WebPrincipal
from app.core.clock import local_date, utcnow
from app.core.errors import AppError
from app.core.i18n import translations
from app.core.templates import redirect, request_language
from app.projects.models import Project

LotReader = Annotated[WebPrincipal, Depends(require(Perm.manage_lots, Perm.review_samples))]
Manager = Annotated[WebPrincipal, Depends(require(Perm.manage_lots))]
Reviewer = Annotated[WebPrincipal, Depends(require(Perm.review_samples))]
ImageViewer = Annotated[WebPrincipal, Depends(require(Perm.view_images))]


def project_today(project: Project) -> date:
    """The project's calendar day now."""
    return local_date(utcnow(), project.timezone)


def actor_of(principal: WebPrincipal, request: Request) -> Actor:
    """Who acts, for the audit trail: the signed-in user, their role and address."""
    return Actor(principal.user_id, principal.role, request.client.host if request.client else None)


def failure_page(request: Request, session: Session, exc: AppError, url: str):  # noqa: ANN201
    """Undo what the refused action wrote and go back with the reason, in the user's language."""
    session.rollback()
    text = labels.error_message(translations(request_language(request)).gettext, exc)
    return redirect(url, flash=text, kind="error")


def lot_url(lot_id: int) -> str:
    """The lot's page."""
    return f"/acceptance/lots/{lot_id}"


def common_context(project: Project) -> dict:
    """What every acceptance page shows: the project, labels, defect codes, field columns, third names."""
    return {
        "project": project,
        "labels": labels,
        "defect_codes": DEFECT_CODES,
        "field_columns": FIELD_COLUMNS,
        "third_names": THIRD_NAMES,
    }
