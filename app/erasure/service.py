"""Verified erasure: after the hospital confirmed receipt, and with an approval, remove every image of the
project from the store and every patient name from the database; counts, hashes, billing and audit remain."""

import hashlib
import shutil
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import func, update
from sqlmodel import Session, col, delete, select

from app.accounts.approvals import ApprovalKind, request_approval, use_approval
from app.accounts.models import Approval
from app.accounts.signin import WebPrincipal
from app.audit.service import record_event
from app.core.clock import utcnow
from app.core.errors import Conflict, NotFound
from app.core.storage import LocalImageStore
from app.delivery.models import DeliveryExport, ExportStatus
from app.erasure.models import DeliveryReceipt, ErasureCertificate
from app.frontpage.models import FrontPageUpload
from app.pages.models import Page, PageImage
from app.pages.processed import stored_hashes
from app.records.models import Record


class ErasureRefused(Conflict):
    code = "erasure_refused"


@dataclass(frozen=True)
class ErasureState:
    """Where the project stands on the way to erasure."""

    exports: list[DeliveryExport]
    receipts: dict[int, DeliveryReceipt]
    pending: list[Approval]
    certificate: ErasureCertificate | None


def state(session: Session, project_id: int) -> ErasureState:
    """Finished deliveries, their receipts, erasure requests and the certificate (if erased)."""
    exports = list(session.exec(select(DeliveryExport).where(
        DeliveryExport.project_id == project_id, DeliveryExport.status == ExportStatus.done
    ).order_by(col(DeliveryExport.id).desc())))
    receipts = {r.export_id: r for r in session.exec(select(DeliveryReceipt).where(
        DeliveryReceipt.project_id == project_id))}
    pending = list(session.exec(select(Approval).where(
        Approval.project_id == project_id, Approval.kind == ApprovalKind.erasure.value,
        col(Approval.status).in_(["pending", "approved"])).order_by(col(Approval.id).desc())))
    certificate = session.exec(select(ErasureCertificate).where(ErasureCertificate.project_id == project_id)).first()
    return ErasureState(exports, receipts, pending, certificate)


def confirm_receipt(session: Session, project_id: int, export_id: int, principal: WebPrincipal, *, note: str,
                    now: datetime) -> DeliveryReceipt:
    """The hospital confirms that a finished delivery package arrived (once per package)."""
    export = session.get(DeliveryExport, export_id)
    if export is None or export.project_id != project_id:
        raise NotFound(f"delivery {export_id} does not exist", code="delivery_not_found")
    if export.status != ExportStatus.done:
        raise ErasureRefused("only a finished delivery package can be confirmed as received")
    if session.exec(select(DeliveryReceipt).where(DeliveryReceipt.export_id == export_id)).first():
        raise ErasureRefused("this delivery was confirmed already")
    receipt = DeliveryReceipt(project_id=project_id, export_id=export_id, confirmed_by=principal.user_id,
                              confirmed_at=now, note=note[:500])
    session.add(receipt)
    session.flush()
    record_event(session, "delivery.receipt", project_id=project_id, actor_user_id=principal.user_id,
                 actor_role=principal.role, object_type="delivery_export", object_id=export_id)
    return receipt


def request_erasure(session: Session, project_id: int, principal: WebPrincipal, *, reason: str,
                    now: datetime) -> Approval:
    """Ask for the erasure; it needs a confirmed delivery and the records custodian's approval."""
    receipt = session.exec(select(DeliveryReceipt).where(DeliveryReceipt.project_id == project_id)
                           .order_by(col(DeliveryReceipt.id).desc())).first()
    if receipt is None:
        raise ErasureRefused("the hospital has not confirmed receiving a delivery package yet")
    if session.exec(select(ErasureCertificate).where(ErasureCertificate.project_id == project_id)).first():
        raise ErasureRefused("this project was erased already")
    return request_approval(session, ApprovalKind.erasure, {"receipt_id": receipt.id, "export_id": receipt.export_id},
                            principal, project_id=project_id, reason=reason, now=now)


def _image_hashes(session: Session, project_id: int) -> set[str]:
    return stored_hashes(session, project_id)  # masters and their processed copies (issue 16)


def _shared_hashes(session: Session, project_id: int, hashes: set[str]) -> set[str]:
    if not hashes:
        return set()
    shared: set[str] = set()
    ordered = sorted(hashes)
    for i in range(0, len(ordered), 500):
        chunk = ordered[i:i + 500]
        shared |= set(session.exec(select(PageImage.sha256).join(Page, col(Page.id) == PageImage.page_id).where(
            Page.project_id != project_id, col(PageImage.sha256).in_(chunk))))
    return shared


def run_erasure(session: Session, store: LocalImageStore, project_id: int, approval_id: int, *, run_by: int,
                now: datetime) -> ErasureCertificate:
    """Spend the approval, delete the project's images and patient names, check that they are gone, certify."""
    approval = session.get(Approval, approval_id)
    payload = use_approval(session, approval_id, ApprovalKind.erasure, project_id=project_id, now=now)
    hashes = _image_hashes(session, project_id)
    shared = _shared_hashes(session, project_id, hashes)
    erased = sorted(hashes - shared)
    for digest in erased:
        store.delete(digest)
    thumbs = Path(store.root) / ".thumbs"
    thumbnails = sum(1 for p in thumbs.rglob("*") if p.is_file()) if thumbs.exists() else 0
    if thumbs.exists():
        shutil.rmtree(thumbs)
    names = session.exec(select(func.count()).select_from(Record).where(
        Record.project_id == project_id, col(Record.patient_name).is_not(None))).one()
    session.execute(update(Record).where(Record.project_id == project_id).values(patient_name=None))
    staged = session.exec(select(func.count()).select_from(FrontPageUpload).where(
        FrontPageUpload.project_id == project_id)).one()
    session.execute(delete(FrontPageUpload).where(FrontPageUpload.project_id == project_id))
    session.flush()
    left_names = session.exec(select(func.count()).select_from(Record).where(
        Record.project_id == project_id, col(Record.patient_name).is_not(None))).one()
    verified = left_names == 0 and not any(store.exists(d) for d in erased) and not thumbs.exists()
    list_hash = hashlib.sha256("".join(f"{d}\n" for d in erased).encode()).hexdigest()
    certificate = ErasureCertificate(
        project_id=project_id, approval_id=approval_id, receipt_id=int(payload["receipt_id"]),
        requested_by=approval.requested_by, approved_by=approval.decided_by, run_by=run_by, started_at=now,
        finished_at=utcnow(), images_erased=len(erased), images_shared_kept=len(shared),
        image_list_sha256=list_hash, names_erased=names, staged_files_erased=staged, thumbnails_erased=thumbnails,
        verified=verified)
    session.add(certificate)
    session.flush()
    record_event(session, "erasure.run", project_id=project_id, actor_user_id=run_by, object_type="erasure_certificate",
                 object_id=certificate.id, outcome="success" if verified else "failure",
                 detail={"images": len(erased), "names": names, "list_sha256": list_hash, "approval_id": approval_id})
    return certificate
