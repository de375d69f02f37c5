"""What custody's HTML routes share: the roles that may call them, the page renderer, the actor of an action."""

from typing import Annotated

from fastapi import Depends, Request
from fastapi.responses import Response

from app.accounts.dependencies import require
from app.accounts.permissions import Perm, allowed
from app.accounts.signin import WebPrincipal
from app.core.i18n import translations
from app.core.templates import render, request_language
from app.custody import labels
from app.custody.models import HandoverKind

Viewer = Annotated[WebPrincipal, Depends(require(Perm.view_records))]
Custodian = Annotated[WebPrincipal, Depends(require(Perm.manage_custody))]
VendorSide = Annotated[WebPrincipal, Depends(require(Perm.manage_records))]
Packer = Annotated[WebPrincipal, Depends(require(Perm.pack_records))]
Finder = Annotated[WebPrincipal, Depends(require(Perm.view_records, Perm.pack_records))]
Registrar = Annotated[WebPrincipal, Depends(require(Perm.manage_custody, Perm.manage_records))]
KINDS = (HandoverKind.checkout.value, HandoverKind.returned.value)


def custody_page(request: Request, template: str, context: dict, status_code: int = 200) -> Response:
    """Render a custody page with its labels and what the signed-in user may do."""
    principal = getattr(request.state, "user", None)
    role = principal.role if principal else ""
    return render(
        request,
        template,
        {"labels": labels, "can_hand_over": allowed(role, Perm.manage_custody), **context},
        status_code=status_code,
    )


def _t(request: Request, message: str) -> str:
    """The message in the request's language (named `_t`: scripts/i18n.sh extracts its second argument)."""
    return translations(request_language(request)).gettext(message)


def actor_of(request: Request, principal: WebPrincipal) -> dict:
    """Who acts, for the audit event: the signed-in user, their role and address."""
    return {
        "actor_user_id": principal.user_id,
        "actor_role": principal.role,
        "source_ip": request.client.host if request.client else None,
    }
