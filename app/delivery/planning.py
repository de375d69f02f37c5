"""Planning one record of a delivery export (its images, names and front-page row) and writing it, turning any
failure of one record into a RecordFailure so that the rest of the export goes on (used by app.delivery.runner)."""

import logging
from dataclasses import dataclass
from pathlib import Path

from sqlmodel import Session, col, select

from app.acceptance.models import LotPage
from app.core.storage import LocalImageStore, sha256_hex
from app.delivery.contents import MASTERS_DIR, contents_of
from app.delivery.failures import stored
from app.delivery.models import DeliveryExport, DeliveryRecord
from app.delivery.naming import page_path, page_segments
from app.delivery.package import (
    IMAGES_DIR,
    PDF_DIR,
    PackageError,
    PlannedImage,
    PlannedRecord,
    WrittenRecord,
    write_record,
)
from app.pages.models import Page, PageImage
from app.pages.processed import processed_of
from app.records.models import Record

log = logging.getLogger("app.delivery.runner")


def plan_record(
    session: Session, export: DeliveryExport, item: DeliveryRecord, store: LocalImageStore
) -> PlannedRecord:
    """The record's images in page order with their package names, its PDF name and its front-page row."""
    record = session.get(Record, item.record_id)
    assert record is not None
    rows = session.exec(
        select(Page.page_number, Page.segment, LotPage.image_sha256, PageImage.media_type, PageImage.id)
        .join(Page, col(Page.id) == col(LotPage.page_id))
        .join(PageImage, col(PageImage.id) == col(LotPage.image_id))
        .where(LotPage.round_id == item.round_id, LotPage.record_id == item.record_id)
        .order_by(col(Page.page_number))
    ).all()
    label = f"{record.mrn}_{record.visit}"
    numbers = [r[0] for r in rows]
    if len(set(numbers)) != len(numbers):
        raise PackageError(
            f"record {label}: two accepted pages share a page number; renumber the record", code="page_number_twice"
        )
    segments = export.segments
    resolved = page_segments([(n, mark) for n, mark, _, _, _ in rows], segments)
    contents = contents_of(session, export)
    images = []
    for (number, _, sha, media, image_id), seg in zip(rows, resolved, strict=True):
        if seg.segment_index is None:
            raise PackageError(f"record {label}: page {number} has no segment", code="page_no_segment", page=number)
        name = segments[seg.segment_index]
        kw = {"mrn": record.mrn, "visit": record.visit, "segments": segments, "seg": seg}
        if contents.processed:  # issue 16: the delivered page, cropped and straightened
            copy = processed_of(session, image_id, contents.fingerprint or "")
            if copy is None:
                raise _why_no_copy(store, label, number, sha)
            path = page_path(export.template, media_type=copy.media_type, **kw)
            images.append(PlannedImage(f"{IMAGES_DIR}/{path}", copy.sha256, store.path_of(copy.sha256), number, name))
        if contents.masters:
            path = page_path(export.template, media_type=media, **kw)
            folder = MASTERS_DIR if contents.processed else IMAGES_DIR
            images.append(
                PlannedImage(f"{folder}/{path}", sha, store.path_of(sha), number, name, in_pdf=not contents.processed)
            )
    paths = [i.path for i in images]
    if len(set(paths)) != len(paths):
        raise PackageError(
            f"record {label}: the naming template gives two pages the same file name", code="file_name_twice"
        )
    return PlannedRecord(record.id, label, images, f"{PDF_DIR}/{label}.pdf", pdfa=contents.profile.pdfa)


def _why_no_copy(store: LocalImageStore, label: str, number: int, sha: str) -> PackageError:
    """Why a page has no processed copy, with the codes the writer uses for a bad master."""
    where = f"record {label} page {number}"
    if not store.exists(sha):
        return PackageError(f"{where}: image file missing", code="image_missing", page=number)
    if sha256_hex(store.get(sha)) != sha:
        return PackageError(f"{where}: stored image does not match its digest", code="image_altered", page=number)
    return PackageError(
        f"{where}: no processed copy yet (folio store process makes it)", code="no_processed_copy", page=number
    )


@dataclass(frozen=True)
class RecordFailure:
    """A record whose files cannot be written: it is left out of the package with its reason."""

    record_id: int
    reason: str


def plan_or_failure(
    session: Session, export: DeliveryExport, item: DeliveryRecord, store: LocalImageStore
) -> PlannedRecord | RecordFailure:
    try:
        return plan_record(session, export, item, store)
    except PackageError as exc:
        return RecordFailure(item.record_id, stored(exc.code, exc.params, str(exc), 500))


def write_or_failure(root: Path, plan: PlannedRecord | RecordFailure) -> WrittenRecord | RecordFailure:
    """The record written, or why it could not be: one record's bad page never stops the others."""
    if isinstance(plan, RecordFailure):
        return plan
    try:
        return write_record(root, plan, fsync=False)
    except PackageError as exc:
        log.warning("delivery: record %s left out: %s", plan.record_id, exc)
        for rel in [*(i.path for i in plan.images), plan.pdf_path]:  # what an earlier, killed attempt wrote
            (root / "data" / rel).unlink(missing_ok=True)
        return RecordFailure(plan.record_id, stored(exc.code, exc.params, str(exc), 500))


def written_files(plan: PlannedRecord, written: WrittenRecord) -> list[list]:
    by_path = {i.path: i for i in plan.images}
    return [
        [
            path,
            sha,
            size,
            by_path[path].page_number if path in by_path else None,
            by_path[path].segment if path in by_path else "",
        ]
        for path, sha, size in written.files
    ]
