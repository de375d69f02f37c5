"""HTML routes of the end of the project: confirm receipt, ask for the erasure, run it, show the certificate."""

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import Response

from app.accounts.dependencies import CsrfChecked, require
from app.accounts.models import Role, User
from app.accounts.permissions import Perm
from app.accounts.signin import WebPrincipal
from app.core.clock import utcnow
from app.core.db import DbId, SessionDep
from app.core.errors import AppError, Forbidden, NotFound
from app.core.i18n import translations
from app.core.templates import environment, redirect, render, request_language
from app.erasure.models import ErasureCertificate
from app.erasure.service import confirm_receipt, request_erasure, run_erasure, state
from app.projects.dependencies import CurrentProject

router = APIRouter(include_in_schema=False)
EndUser = Annotated[WebPrincipal, Depends(require(Perm.erasure))]


class CertificatePdfUnavailable(AppError):
    """No chromium on the server: the error page says, in the reader's words, to print from the browser."""

    status = 503
    code = "pdf_unavailable"


def _t(request: Request, message: str) -> str:
    return translations(request_language(request)).gettext(message)


def _only(principal: WebPrincipal, *roles: Role) -> None:
    if principal.role not in {r.value for r in roles}:
        raise Forbidden("your role may not do this step", code="forbidden")


@router.get("/erasure")
def erasure(request: Request, principal: EndUser, session: SessionDep, project: CurrentProject):
    """Deliveries, their receipts, the erasure request and the certificate."""
    return render(request, "erasure/erasure.html", {"s": state(session, project.id), "project": project})


@router.post("/erasure/receipts/{export_id}", dependencies=[CsrfChecked])
def receipt(request: Request, export_id: DbId, principal: EndUser, session: SessionDep, project: CurrentProject,
            note: Annotated[str, Form(max_length=500)] = ""):
    """The records custodian confirms the package arrived complete."""
    _only(principal, Role.custodian)
    confirm_receipt(session, project.id, export_id, principal, note=note, now=utcnow())
    return redirect("/erasure", flash=_t(request, "Receipt confirmed."))


@router.post("/erasure/request", dependencies=[CsrfChecked])
def ask(request: Request, principal: EndUser, session: SessionDep, project: CurrentProject,
        reason: Annotated[str, Form(max_length=500)] = ""):
    """Ask for the erasure; the records custodian approves it under Approvals."""
    _only(principal, Role.vendor_manager, Role.sysadmin)
    request_erasure(session, project.id, principal, reason=reason, now=utcnow())
    return redirect("/erasure", flash=_t(request, "Erasure requested: the records custodian must approve it."))


@router.post("/erasure/run/{approval_id}", dependencies=[CsrfChecked])
def run(request: Request, approval_id: DbId, principal: EndUser, session: SessionDep, project: CurrentProject):
    """Run an approved erasure now and show its certificate."""
    _only(principal, Role.vendor_manager, Role.sysadmin)
    cert = run_erasure(session, request.app.state.store, project.id, approval_id, run_by=principal.user_id,
                       now=utcnow())
    return redirect(f"/erasure/certificates/{cert.id}", flash=_t(request, "Erasure done."))


def _certificate_context(session, project, cert_id: int) -> dict:  # noqa: ANN001
    cert = session.get(ErasureCertificate, cert_id)
    if cert is None or cert.project_id != project.id:
        raise NotFound(f"certificate {cert_id} does not exist", code="certificate_not_found")
    people = {uid: session.get(User, uid) for uid in (cert.requested_by, cert.approved_by, cert.run_by)}
    return {"cert": cert, "project": project, "people": {k: v.display_name if v else k for k, v in people.items()}}


@router.get("/erasure/certificates/{cert_id}")
def certificate(request: Request, cert_id: DbId, principal: EndUser, session: SessionDep, project: CurrentProject):
    """The erasure certificate, printable."""
    return render(request, "erasure/certificate.html", _certificate_context(session, project, cert_id))


@router.get("/erasure/certificates/{cert_id}/pdf")
def certificate_pdf(request: Request, cert_id: DbId, principal: EndUser, session: SessionDep,
                    project: CurrentProject) -> Response:
    """The certificate as PDF (printed by the server's chromium)."""
    import tempfile
    from pathlib import Path

    from app.core.pdf import PdfUnavailable, html_to_pdf
    from app.core.templates import APP_DIR

    language = request_language(request)
    ctx = {**_certificate_context(session, project, cert_id), "request": request, "lang": language,
           "html_lang": "zh-CN" if language == "zh_CN" else "en", "user": None, "flashes": [], "standalone": True}
    html = environment(language).get_template("erasure/certificate.html").render(ctx)
    css = (APP_DIR / "static" / "folio.css").read_text(encoding="utf-8")
    html = html.replace('<link rel="stylesheet" href="/static/folio.css">', f"<style>{css}</style>", 1)
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "certificate.pdf"
        try:
            html_to_pdf(html, out)
        except PdfUnavailable as exc:
            raise CertificatePdfUnavailable(f"{exc}: print the certificate from the browser instead") from exc
        data = out.read_bytes()
    return Response(data, media_type="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="folio-erasure-{cert_id}.pdf"'})
