"""Delivery exports: which records are accepted, the check before export, asking for approval, starting."""

import os
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, insert, literal
from sqlmodel import Session, col, select

from app.acceptance.models import Lot, LotPage, ReviewRound
from app.acceptance.service import accepted_since, current_round
from app.audit.service import record_event
from app.delivery.contents import export_profile
from app.delivery.exceptions import ExportNotFound, ExportRefused, ExportStateError
from app.delivery.formats import odd_list, odd_masters
from app.delivery.looks import unlooked_pages
from app.delivery.models import DeliveryExport, DeliveryRecord, ExportStatus
from app.delivery.segments import Incomplete, incomplete_records, scheme
from app.frontpage.models import FrontPage
from app.projects.delivery_profile import DeliveryProfile
from app.projects.models import Project

STALE_SECONDS = 60  # a running export whose worker has not reported for this long was interrupted


# --- what is accepted ------------------------------------------------------------------------


def accepted_rounds(session: Session, project_id: int, today: date) -> list[ReviewRound]:
    """The rounds whose manifests hold accepted work: the latest round of each accepted or deemed accepted lot."""
    lots = session.exec(select(Lot).where(Lot.project_id == project_id).order_by(col(Lot.number))).all()
    return [current_round(session, lot) for lot in lots if accepted_since(lot, today) is not None]


def _accepted_record_ids(round_ids: list[int]):  # noqa: ANN202  (a select of record ids)
    return select(LotPage.record_id).where(col(LotPage.round_id).in_(round_ids or [-1])).distinct()


@dataclass(frozen=True)
class Preflight:
    """What a delivery would hold now, and what stops it."""

    lots: int
    records: int
    pages: int
    incomplete_total: int
    incomplete: list[Incomplete]
    without_front_page: int

    @property
    def ready(self) -> bool:
        """True when there is accepted work and every page of it can be named."""
        return self.records > 0 and self.incomplete_total == 0


def preflight(session: Session, project: Project, today: date) -> Preflight:
    """Accepted records and pages, the records whose segments are incomplete, those without front-page data."""
    rounds = accepted_rounds(session, project.id, today)
    ids = [r.id for r in rounds]
    records = session.exec(
        select(func.count(func.distinct(LotPage.record_id))).where(col(LotPage.round_id).in_(ids or [-1]))
    ).one()
    pages = session.exec(select(func.count()).select_from(LotPage).where(col(LotPage.round_id).in_(ids or [-1]))).one()
    within = _accepted_record_ids(ids)
    total, incomplete = incomplete_records(
        session, project.id, scheme(session, project.id).segments, limit=50, within=within
    )
    with_fp = session.exec(
        select(func.count()).select_from(FrontPage).where(col(FrontPage.record_id).in_(within))
    ).one()
    return Preflight(len(rounds), records, pages, total, incomplete, records - with_fp)


# --- exports ---------------------------------------------------------------------------------


def get_export(session: Session, project_id: int, export_id: int) -> DeliveryExport:
    """The project's export, or a 404."""
    export = session.get(DeliveryExport, export_id)
    if export is None or export.project_id != project_id:
        raise ExportNotFound(f"delivery export {export_id} does not exist")
    return export


def list_exports(session: Session, project_id: int) -> list[DeliveryExport]:
    """The project's exports, newest first."""
    return list(
        session.exec(
            select(DeliveryExport)
            .where(DeliveryExport.project_id == project_id)
            .order_by(col(DeliveryExport.id).desc())
        )
    )


def effective_status(export: DeliveryExport, now: datetime) -> str:
    """The stored status, except that a running export whose worker went silent reads as interrupted."""
    if export.status == ExportStatus.running and (
        export.heartbeat_at is None or export.heartbeat_at < now - timedelta(seconds=STALE_SECONDS)
    ):
        return "interrupted"
    return export.status


def resumable(export: DeliveryExport, now: datetime) -> bool:
    """Whether a worker may take the export up (again): queued, failed, or interrupted."""
    return effective_status(export, now) in (ExportStatus.queued, ExportStatus.failed, "interrupted")


def delivery_root(image_store: Path) -> Path:
    """Folio's own folder for delivery packages, beside the image store: `<store's parent>/delivery`."""
    return Path(image_store).resolve().parent / "delivery"


def check_target(target: str, image_store: Path | None = None) -> Path:
    """The package folder: an absolute path, new or empty, in a writable folder, outside the image store.

    Folio's own delivery folder (delivery_root, where the page suggests a package) is created when missing; a folder
    typed elsewhere must exist. Raises ExportRefused with a code per reason (target_not_absolute,
    target_in_image_store, target_not_empty, target_parent_missing, target_not_writable); its `path` names the
    folder the reason is about.
    """
    path = Path(target.strip())
    if not target.strip() or not path.is_absolute() or ".." in path.parts:
        raise ExportRefused(
            "give the package folder as an absolute path on the server, e.g. /mnt/delivery/2026-12",
            code="target_not_absolute",
            path=target.strip(),
        )
    resolved = path.resolve()
    if image_store is not None and resolved.is_relative_to(Path(image_store).resolve()):
        raise ExportRefused(
            "the package cannot be written inside the image store", code="target_in_image_store", path=str(path)
        )
    if path.exists() and (not path.is_dir() or any(path.iterdir())):
        raise ExportRefused(
            f"{path} exists and is not an empty folder: choose a new one", code="target_not_empty", path=str(path)
        )
    if image_store is not None and resolved.parent == delivery_root(image_store) and not resolved.parent.exists():
        resolved.parent.mkdir(parents=True, exist_ok=True)  # the folder Folio itself suggests
    if not path.parent.is_dir():
        raise ExportRefused(
            f"the folder {path.parent} does not exist", code="target_parent_missing", path=str(path.parent)
        )
    if not os.access(path.parent, os.W_OK | os.X_OK):
        raise ExportRefused(
            f"the server may not write into {path.parent}", code="target_not_writable", path=str(path.parent)
        )
    return path


def request_export(
    session: Session,
    project: Project,
    principal,  # noqa: ANN001  (a WebPrincipal)
    *,
    target: str,
    reason: str,
    image_store: Path | None,
    now: datetime,
) -> DeliveryExport:
    """File a delivery export; it waits for the hospital's approval (app.accounts.approvals, delivery_package)."""
    from app.accounts.approvals import ApprovalKind, request_approval

    path = check_target(target, image_store)
    ready = preflight(session, project, _today(project, now))
    if not ready.ready:
        raise _not_ready(ready)
    rounds = [r.id for r in accepted_rounds(session, project.id, _today(project, now))]
    looks = unlooked_pages(session, project.id, rounds)  # a warning the custodian sees (app.delivery.looks)
    profile = export_profile(project)  # fixed now: the custodian approves it and the export delivers it
    _one_format(session, project, now, profile)
    export = DeliveryExport(
        project_id=project.id,
        profile=profile.to_dict(),
        target=str(path),
        requested_by=principal.user_id,
        requested_at=now,
        record_count=ready.records,
        page_count=ready.pages,
    )
    session.add(export)
    session.flush()
    approval = request_approval(
        session,
        ApprovalKind.delivery_package,
        {
            "export_id": export.id,
            "target": str(path),
            "records": ready.records,
            "pages": ready.pages,
            "delivery_profile": profile_words(profile),
            **({"pages_need_look": looks} if looks else {}),
        },
        principal,
        project_id=project.id,
        reason=reason or f"delivery package of {ready.records} records, {ready.pages} pages to {path}",
        now=now,
    )
    export.approval_id = approval.id
    session.add(export)
    record_event(
        session,
        "delivery.request",
        project_id=project.id,
        object_type="delivery_export",
        object_id=export.id,
        actor_user_id=principal.user_id,
        actor_role=principal.role,
        source_ip=getattr(principal, "source_ip", None),
        detail={
            "target": str(path),
            "records": ready.records,
            "pages": ready.pages,
            "approval_id": approval.id,
            "pages_need_look": looks,
        },
    )
    return export


def _today(project: Project, now: datetime) -> date:
    from app.core.clock import local_date

    return local_date(now, project.timezone)


def _not_ready(ready: Preflight) -> ExportRefused:
    if ready.records == 0:
        return ExportRefused(
            "no record is accepted yet: a delivery holds accepted records only", code="nothing_accepted"
        )
    return ExportRefused(
        f"{ready.incomplete_total} accepted records have pages without a segment: complete them first",
        code="unsegmented_pages",
    )


def profile_words(profile: DeliveryProfile) -> str:
    """The profile as the approval shows it and bag-info states it: `contents=processed format=jpeg …`."""
    return " ".join(f"{k}={v}" for k, v in profile.to_dict().items())


def _one_format(session: Session, project: Project, now: datetime, profile: DeliveryProfile) -> None:
    """A masters-only package holds one archival image format (app.delivery.formats); raises ExportRefused
    (mixed_image_formats) naming the odd masters otherwise. Processed pages are in one format by construction."""
    if profile.contents != "masters":
        return
    rounds = [r.id for r in accepted_rounds(session, project.id, _today(project, now))]
    target, total, shown = odd_masters(session, rounds)
    if total:
        listed = odd_list(total, shown)
        raise ExportRefused(
            f"a masters-only package holds one image format (DA/T 31-2017 §9.5: JPEG, TIFF or JPEG 2000); "
            f"{total} accepted masters are not {target or 'in one of them'}: {listed}. Deliver the processed "
            f"pages (delivery profile contents processed or both) or re-shoot these pages",
            code="mixed_image_formats",
            path=listed,
        )


def start_export(session: Session, project: Project, export: DeliveryExport, *, actor: dict, now: datetime) -> None:
    """Spend the approval and fix the export's records, segments and template; a worker then writes the package."""
    from app.accounts.approvals import ApprovalKind, use_approval

    if export.status != ExportStatus.awaiting_approval:
        raise ExportStateError(
            f"export {export.id} has started already ({export.status})", code="export_started", export=export.id
        )
    ready = preflight(session, project, _today(project, now))
    if not ready.ready:
        raise _not_ready(ready)
    # The approved profile (export.profile), not the project's present one; new masters may have come since.
    _one_format(session, project, now, export_profile(project, export))
    check_target(export.target)
    payload = use_approval(
        session, export.approval_id or 0, ApprovalKind.delivery_package, project_id=project.id, now=now
    )
    if payload.get("export_id") != export.id:
        raise ExportStateError("this approval was given for another export", code="approval_other_export")
    names = scheme(session, project.id)
    export.segments, export.template = names.segments, names.template
    rounds = accepted_rounds(session, project.id, _today(project, now))
    for rnd in rounds:
        per_record = (
            select(literal(export.id), LotPage.record_id, literal(rnd.id), func.count(), literal(False))
            .where(LotPage.round_id == rnd.id)
            .group_by(LotPage.record_id)
        )
        session.execute(
            insert(DeliveryRecord).from_select(["export_id", "record_id", "round_id", "pages", "done"], per_record)
        )
    export.record_count = session.exec(
        select(func.count()).select_from(DeliveryRecord).where(DeliveryRecord.export_id == export.id)
    ).one()
    export.page_count = session.exec(
        select(func.coalesce(func.sum(DeliveryRecord.pages), 0)).where(DeliveryRecord.export_id == export.id)
    ).one()
    export.status = ExportStatus.queued
    session.add(export)
    session.flush()
    record_event(
        session,
        "delivery.start",
        project_id=project.id,
        object_type="delivery_export",
        object_id=export.id,
        detail={
            "records": export.record_count,
            "pages": export.page_count,
            "target": export.target,
            "approval_id": export.approval_id,
        },
        **actor,
    )
