"""Records an export left out (their files could not be written): the manager's list, and re-running them."""

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from app.audit.service import record_event
from app.delivery.exceptions import ExportStateError
from app.delivery.models import DeliveryExport, DeliveryRecord, ExportStatus
from app.records.models import Record


@dataclass(frozen=True)
class LeftOut:
    """A record left out of an export, with the reason."""

    record_id: int
    mrn: str
    visit: int
    pages: int
    reason: str


def left_out_records(session: Session, export_id: int) -> list[LeftOut]:
    """The export's records whose files could not be written, by MRN and visit."""
    rows = session.exec(
        select(DeliveryRecord, Record)
        .join(Record, col(Record.id) == col(DeliveryRecord.record_id))
        .where(DeliveryRecord.export_id == export_id, col(DeliveryRecord.error).is_not(None))
        .order_by(col(Record.mrn), col(Record.visit))
    ).all()
    return [LeftOut(r.id, r.mrn, r.visit, item.pages, item.error or "") for item, r in rows]


def retry_left_out(session: Session, export: DeliveryExport, *, actor: dict, now: datetime) -> int:
    """Queue the export again for its left-out records only (after the cause was fixed); returns how many.

    The records done stay as written; the worker writes the others and then the indexes and BagIt files anew.
    Raises ExportStateError unless the export is finished with records left out and no receipt was confirmed.
    """
    from app.erasure.models import DeliveryReceipt

    if export.status != ExportStatus.done or not export.records_failed:
        raise ExportStateError(
            f"export {export.id} has no left-out records to write again", code="nothing_left_out", export=export.id
        )
    if session.exec(select(DeliveryReceipt).where(DeliveryReceipt.export_id == export.id)).first() is not None:
        raise ExportStateError(
            "the hospital confirmed receipt of this package: request a new export instead", code="receipt_confirmed"
        )
    rows = session.exec(
        select(DeliveryRecord).where(DeliveryRecord.export_id == export.id, col(DeliveryRecord.error).is_not(None))
    ).all()
    for row in rows:
        row.error = None
        session.add(row)
    count = len(rows)
    export.records_failed, export.status, export.finished_at, export.payload_sha256 = 0, ExportStatus.queued, None, None
    session.add(export)
    record_event(
        session,
        "delivery.retry",
        project_id=export.project_id,
        object_type="delivery_export",
        object_id=export.id,
        detail={"records": count},
        **actor,
    )
    return count
