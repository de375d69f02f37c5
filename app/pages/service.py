"""Page ingest: validate, check, store, then commit page + image + audit event in one transaction."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from app.accounts.service import StationPrincipal
from app.audit.service import record_event
from app.core.clock import local_date
from app.core.storage import ImageStore, sha256_hex
from app.inspection.service import after_ingest
from app.inspection.tally import count_shot
from app.pages.exceptions import (
    IdempotencyMismatch,
    ImageMissing,
    PageHasGoodImage,
    PageNotFound,
    UndecodableImage,
)
from app.pages.imaging import REFUSALS, ImageInfo, inspect_upload
from app.pages.models import Page, PageImage
from app.projects.models import Project
from app.records.models import Record, RecordStatus
from app.records.service import get_or_create_record, renumber, resolve_key
from qc.imagefile import MAX_DECODED_BYTES, Limits

QCRunner = Callable[[bytes, dict | None, bool], dict[str, Any]]


@dataclass(frozen=True)
class UploadLimits:
    """Byte, pixel and decoded-byte limits of an upload (from the settings)."""

    max_bytes: int
    max_pixels: int
    max_side: int
    max_decoded_bytes: int = MAX_DECODED_BYTES

    @property
    def image(self) -> Limits:
        """The limits as the image policy (qc.imagefile) takes them."""
        return Limits(self.max_pixels, self.max_side, self.max_decoded_bytes)


@dataclass(frozen=True)
class PageUpload:
    """One page image as a station sends it."""

    data: bytes
    idempotency_key: str
    page_number: int
    mrn: str | None = None
    visit: int | None = None
    barcode: str | None = None
    segment: str | None = None
    intentionally_blank: bool = False
    captured_at: datetime | None = None
    insert: bool = False  # a missed page: open slot page_number (pages >= it move up) with this image
    # True: a re-shoot (it may replace a good image); False: a new page (refused onto a good image);
    # None: the client did not say (stations before issue 12's review, scripts): a re-shoot, as before.
    reshoot: bool | None = None


@dataclass(frozen=True)
class IngestResult:
    """What the station is told: the page, its new image, and whether this was a replay."""

    page: Page
    image: PageImage
    record: Record
    created: bool
    superseded_image_id: int | None


@dataclass(frozen=True)
class _Checked:
    """An upload after the slow, database-free work: header facts, hash and QC report."""

    info: ImageInfo
    sha256: str
    report: dict[str, Any]
    captured_at: datetime


def ingest_page(
    session: Session,
    *,
    principal: StationPrincipal,
    project: Project,
    upload: PageUpload,
    store: ImageStore,
    qc_runner: QCRunner,
    limits: UploadLimits,
    now: datetime,
    source_ip: str | None = None,
) -> IngestResult:
    """Keep one uploaded page image; the same idempotency key always yields the same page.

    The slow work (header check, QC in the pool) happens before the first database statement, so
    the database is locked only for the write at the end. The file is stored (fsynced) inside that
    write, after the record is known, and before the rows are committed: no row ever lacks its file,
    and a refused upload leaves no file behind.
    """
    info = inspect_upload(upload.data, max_bytes=limits.max_bytes, limits=limits.image)
    if upload.mrn is not None or upload.visit is not None:
        resolve_key(project, mrn=upload.mrn, visit=upload.visit, barcode=upload.barcode)
    report = qc_runner(upload.data, project.qc_profile, upload.intentionally_blank)
    if "error" in report:
        raise REFUSALS.get(report["error"], UndecodableImage)(f"the image cannot be read: {report['detail']}")
    checked = _Checked(info, sha256_hex(upload.data), report, min(upload.captured_at or now, now))

    actor = {
        "actor_user_id": principal.user_id,
        "actor_station_id": principal.station_id,
        "actor_role": principal.role,
        "source_ip": source_ip,
    }
    for attempt in (1, 2):
        replay = _replay(session, upload, checked.sha256)
        if replay is not None:
            return replay
        try:
            with session.begin_nested():
                record, _ = get_or_create_record(
                    session, project, mrn=upload.mrn, visit=upload.visit, barcode=upload.barcode, actor=actor
                )
                if upload.insert:  # issue 12: the slot opens in the transaction that fills it
                    _open_slot(session, principal, record, upload, now, actor)
                elif upload.reshoot is False:
                    _refuse_overwrite(session, record, upload.page_number)
                store.put(upload.data, checked.sha256)
                return _write(session, principal, project, record, upload, checked, now, actor)
        except IntegrityError:
            # A concurrent request with the same key (or the same new page) won the race: look again.
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def _open_slot(
    session: Session, principal: StationPrincipal, record: Record, upload: PageUpload, now: datetime, actor: dict
) -> None:
    """Move the record's pages from upload.page_number up one (audited as record.page_insert), once per upload key."""
    renumber(
        session,
        record,
        key="ins:" + sha256_hex(upload.idempotency_key.encode())[:64],  # within the 80 characters of a key
        op="insert",
        page_number=upload.page_number,
        station_id=principal.station_id,
        user_id=principal.user_id,
        now=now,
        actor=actor,
    )


def _refuse_overwrite(session: Session, record: Record, page_number: int) -> None:
    """A new page must not land on a page whose current image is good (409 page_has_good_image; nothing is stored).

    Rule (issue 12): a station numbers a shot as a new page only when it believes the page is empty; if the
    server holds a good image there, two numberings of one record disagree, and superseding silently would lose
    a page. Re-shoots say so (reshoot=true) and replace as before.
    """
    page = live_page(session, record.id, page_number)
    if page is not None and page.current_image_id is not None and page.qc_passed:
        raise PageHasGoodImage(f"page {page_number} of this record already has a good image; send it as a re-shoot")


def _replay(session: Session, upload: PageUpload, sha256: str) -> IngestResult | None:
    image = session.exec(select(PageImage).where(PageImage.idempotency_key == upload.idempotency_key)).first()
    if image is None:
        return None
    page = session.get(Page, image.page_id)
    assert page is not None
    if image.sha256 != sha256 or page.page_number != upload.page_number:
        raise IdempotencyMismatch("this idempotency key was already used for a different image or page")
    record = session.get(Record, page.record_id)
    assert record is not None
    return IngestResult(page, image, record, created=False, superseded_image_id=None)


def _write(
    session: Session,
    principal: StationPrincipal,
    project: Project,
    record: Record,
    upload: PageUpload,
    checked: _Checked,
    now: datetime,
    actor: dict,
) -> IngestResult:
    passed = checked.report["verdict"] == "pass"
    captured_at = checked.captured_at
    capture_date = local_date(captured_at, project.timezone)
    page = live_page(session, record.id, upload.page_number)
    previous_id = page.current_image_id if page else None
    previous = None
    if page is None:
        page = Page(
            project_id=project.id,
            record_id=record.id,
            page_number=upload.page_number,
            operator_id=principal.user_id,
            station_id=principal.station_id,
            captured_at=captured_at,
            capture_date=capture_date,
            qc_passed=passed,
            image_count=0,
        )
        if record.status != RecordStatus.capturing:
            record.status = RecordStatus.capturing
            record.finished_at = None
            session.add(record)
        session.add(page)
        session.flush()
    if previous_id is not None:
        previous = session.get(PageImage, previous_id)
        if previous is not None:
            previous.superseded_at = now
            session.add(previous)
    image = PageImage(
        page_id=page.id,
        idempotency_key=upload.idempotency_key,
        sha256=checked.sha256,
        size_bytes=len(upload.data),
        media_type=checked.info.media_type,
        width=checked.info.width,
        height=checked.info.height,
        operator_id=principal.user_id,
        station_id=principal.station_id,
        captured_at=captured_at,
        uploaded_at=now,
        qc_passed=passed,
        qc_reasons=list(checked.report.get("reasons", [])),
        qc_metrics=dict(checked.report.get("metrics", {})),
        supersedes_id=previous_id,
    )
    session.add(image)
    session.flush()
    page.current_image_id = image.id
    page.image_count += 1
    page.segment = upload.segment or page.segment
    page.intentionally_blank = upload.intentionally_blank
    page.operator_id, page.station_id = principal.user_id, principal.station_id
    page.captured_at, page.capture_date, page.qc_passed, page.updated_at = captured_at, capture_date, passed, now
    session.add(page)
    session.flush()
    count_shot(session, project.id, project.timezone, image, previous)
    record_event(
        session,
        "page.upload",
        project_id=project.id,
        object_type="page",
        object_id=page.id,
        detail={
            "image_id": image.id,
            "sha256": checked.sha256,
            "verdict": checked.report["verdict"],
            "superseded_image_id": previous_id,
        },
        **actor,
    )
    # Vendor QC (issue 15): the image's hash, closing the page's re-shoot task, the inspection queue.
    after_ingest(
        session,
        project=project,
        page=page,
        image=image,
        previous_image_id=previous_id,
        report=checked.report,
        actor=actor,
    )
    return IngestResult(page, image, record, created=True, superseded_image_id=previous_id)


def live_page(session: Session, record_id: int, page_number: int) -> Page | None:
    """The record's page with this number, unless it was withdrawn."""
    return session.exec(
        select(Page).where(Page.record_id == record_id, Page.page_number == page_number, col(Page.deleted_at).is_(None))
    ).first()


def get_page(session: Session, project_id: int, page_id: int) -> Page:
    """The page of this project, or a 404 error (another project's page is not found)."""
    page = session.get(Page, page_id)
    if page is None or page.project_id != project_id:
        raise PageNotFound(f"page {page_id} does not exist")
    return page


def page_images(session: Session, page_id: int) -> list[PageImage]:
    """Every image uploaded for a page, oldest first."""
    return list(session.exec(select(PageImage).where(PageImage.page_id == page_id).order_by(col(PageImage.id))))


def read_image(
    session: Session, store: ImageStore, page: Page, *, image_id: int | None, actor: dict
) -> tuple[PageImage, bytes]:
    """The page's current image (or an earlier one by id) and its bytes; the view is audited."""
    wanted = image_id or page.current_image_id
    image = session.get(PageImage, wanted) if wanted else None
    if image is None or image.page_id != page.id:
        raise ImageMissing(f"page {page.id} has no image {wanted}")
    if not store.exists(image.sha256):
        raise ImageMissing(f"the file of image {image.id} is missing from the store")
    record_event(
        session, "image.view", project_id=page.project_id, object_type="page_image", object_id=image.id, **actor
    )
    return image, store.get(image.sha256)


def reason_messages(
    reasons: list[str], metrics: dict | None = None, qc_profile: dict | None = None
) -> list[dict[str, str]]:
    """The operator's messages (Chinese and English) for QC reason codes; given the image's QC metrics, each with
    the figures behind it (qc.messages.detail, against the project's QC profile `qc_profile`, its stored JSON:
    None, or one this qc cannot read, for the defaults): "Resolution too low ... (estimated 152 dpi assuming A4
    paper ...)" says why, where the sentence alone looked like a mistake (issue 14)."""
    import qc
    from qc.report import message

    if metrics is None:
        return [message(code) for code in reasons]
    try:
        profile = qc.load_profile(qc_profile or {})
    except ValueError:
        profile = qc.default_profile()
    return [message(code, metrics, profile) for code in reasons]
