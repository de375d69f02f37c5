"""Processed copies of master images (issue 16): made in the worker pool, stored beside the master, linked to it.

The master is never replaced: it is what QC checked and what a lot's manifest hash covers. A processed copy
(qc.processing) is stored content-addressed in the same image store and recorded as a ProcessedImage row of its
master, keyed by the settings fingerprint: a change of the project's processing settings (delivery profile, paper
size) makes new copies when `refresh_project` runs; with nothing changed it makes none.
"""

import logging
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from app.core.db import writing
from app.core.storage import ImageStore, StoreError, sha256_hex
from app.pages.models import Page, PageImage, ProcessedImage
from app.projects.delivery_profile import load_profile, processing_settings
from app.projects.models import Project
from qc.processing import Settings

log = logging.getLogger(__name__)

# (master bytes, QC metrics, settings as a dict) -> the qc.processing.Processed fields as a dict, in the pool.
ProcessRunner = Callable[[bytes, dict, dict], dict[str, Any]]


def project_settings(project: Project) -> Settings:
    """The processing settings of a project (its delivery profile and its QC profile's paper size)."""
    return processing_settings(load_profile(project.delivery_profile), project.qc_profile)


def settings_dict(settings: Settings) -> dict[str, Any]:
    """Settings as plain values for the worker pool."""
    return {
        "format": settings.format,
        "jpeg_quality": settings.jpeg_quality,
        "margin_mm": settings.margin_mm,
        "paper_mm": list(settings.paper_mm),
    }


def keep_processed(
    session: Session, store: ImageStore, image_id: int, made: dict[str, Any], now: datetime, *, stored: bool = False
) -> ProcessedImage:
    """Store a processed copy's bytes (fsynced, under their SHA-256; unless `stored` already) and its row linked
    to the master."""
    digest = sha256_hex(made["data"])
    if not stored:
        store.put(made["data"], digest)
    row = ProcessedImage(
        image_id=image_id,
        fingerprint=made["fingerprint"],
        sha256=digest,
        size_bytes=len(made["data"]),
        media_type=made["media_type"],
        width=made["width"],
        height=made["height"],
        dpi=made["dpi"],
        colour_mode=made["colour_mode"],
        bit_depth=made["bit_depth"],
        icc=made["icc"],
        steps=made["steps"],
        needs_look=made["needs_look"],
        made_at=now,
    )
    try:
        with session.begin_nested():  # another worker may have made the same copy meanwhile: keep theirs
            session.add(row)
    except IntegrityError:
        existing = processed_of(session, image_id, made["fingerprint"])
        if existing is None:
            raise
        return existing
    return row


def processed_of(session: Session, image_id: int, fingerprint: str) -> ProcessedImage | None:
    """The master's processed copy made with these settings, if there is one."""
    return session.exec(
        select(ProcessedImage).where(ProcessedImage.image_id == image_id, ProcessedImage.fingerprint == fingerprint)
    ).first()


def current_fingerprint(project: Project) -> str:
    """The fingerprint of a project's present processing settings. The rule of the *current* copy (issue 16): of a
    master's processed copies, the one with this fingerprint is current; it is the one a package filed now
    delivers, the one the viewers show, and the only one whose needs-look mark counts (thumbnails' marks, the
    vendor QC's list and count, the delivery's warning). A master without it has no current copy yet."""
    return project_settings(project).fingerprint()


def current_fingerprints(session: Session, image_ids: Iterable[int]) -> dict[int, str]:
    """The current fingerprint (current_fingerprint) of each master's project, by image id."""
    ids = sorted(set(image_ids))
    by_project: dict[int, str] = {}
    out: dict[int, str] = {}
    for i in range(0, len(ids), 500):
        rows = session.exec(
            select(PageImage.id, Page.project_id)
            .join(Page, col(Page.id) == col(PageImage.page_id))
            .where(col(PageImage.id).in_(ids[i : i + 500]))
        )
        for image_id, project_id in rows:
            if project_id not in by_project:
                by_project[project_id] = current_fingerprint(session.get(Project, project_id))
            out[image_id] = by_project[project_id]
    return out


def current_processed(session: Session, image_ids: Iterable[int]) -> dict[int, ProcessedImage]:
    """The current processed copy of each master (by id): the one made with its project's present settings, in
    whatever format (a JPEG 2000 copy is shown through a JPEG rendition). A copy of other settings is stale: the
    package will not hold it, so no viewer shows it; a master with only stale copies has no entry."""
    wanted = current_fingerprints(session, image_ids)
    ids = sorted(wanted)
    out: dict[int, ProcessedImage] = {}
    for i in range(0, len(ids), 500):
        rows = session.exec(
            select(ProcessedImage).where(
                col(ProcessedImage.image_id).in_(ids[i : i + 500]),
                col(ProcessedImage.fingerprint).in_(set(wanted.values())),
            )
        )
        for row in rows:
            if wanted.get(row.image_id) == row.fingerprint:
                out[row.image_id] = row
    return out


def ensure_processed(
    session: Session, store: ImageStore, runner: ProcessRunner, image: PageImage, settings: Settings, now: datetime
) -> tuple[ProcessedImage, bool]:
    """The master's copy for these settings, made now if missing; (row, made now). Raises StoreError when the
    master's file is gone or altered."""
    fingerprint = settings.fingerprint()
    row = processed_of(session, image.id, fingerprint)
    if row is not None and store.exists(row.sha256):
        return row, False
    data = store.get(image.sha256)
    if sha256_hex(data) != image.sha256:  # never a copy of a damaged master
        raise StoreError(f"the stored file of image {image.id} does not match its SHA-256")
    made = runner(data, dict(image.qc_metrics or {}), settings_dict(settings))
    if row is not None:  # the row survived its file (a restored store): write the file again
        store.put(made["data"], row.sha256)
        return row, True
    return keep_processed(session, store, image.id, made, now), True


def refresh_project(
    session: Session, store: ImageStore, runner: ProcessRunner, project: Project, now: datetime
) -> tuple[int, int]:
    """Make the missing processed copies of every current, passing image of a project under its present
    settings; (made, already there). Runs again only where the settings fingerprint changed."""
    settings = project_settings(project)
    images = session.exec(
        select(PageImage)
        .join(Page, col(Page.current_image_id) == PageImage.id)
        .where(Page.project_id == project.id, col(Page.deleted_at).is_(None), col(PageImage.qc_passed))
        .order_by(col(PageImage.id))
    ).all()
    made = kept = 0
    for image in images:
        _, new = ensure_processed(session, store, runner, image, settings, now)
        made, kept = made + new, kept + (not new)
    return made, kept


def stored_hashes(session: Session, project_id: int | None = None) -> set[str]:
    """Every file of the image store a row refers to: masters and processed copies (of one project, or all)."""
    masters = select(PageImage.sha256)
    copies = select(ProcessedImage.sha256).join(PageImage, col(PageImage.id) == ProcessedImage.image_id)
    if project_id is not None:
        masters = masters.join(Page, col(Page.id) == PageImage.page_id).where(Page.project_id == project_id)
        copies = copies.join(Page, col(Page.id) == PageImage.page_id).where(Page.project_id == project_id)
    return set(session.exec(masters)) | set(session.exec(copies))


def shown_file(session: Session, image: PageImage, version: str) -> tuple[str, str, str]:
    """What a viewer shows of an image: (sha256, media type, "processed" or "master"). The current processed copy
    (current_processed) by default, the master when asked for or when there is none (a failed shot, a copy being
    made, only copies of earlier settings)."""
    if version == "processed":
        row = current_processed(session, [image.id]).get(image.id)
        if row is not None:
            return row.sha256, row.media_type, "processed"
    return image.sha256, image.media_type, "master"


def make_copy_later(engine, store: ImageStore, runner: ProcessRunner, image_id: int, now: datetime) -> None:  # noqa: ANN001
    """After an upload was answered: make the new image's processed copy. The pixels are worked on outside any
    write transaction (SQLite has one writer: uploads must not wait for a copy); only the row is written in one.
    Never raises: a copy that fails here (a busy or stopped pool, a race) is made by `folio store process`."""
    try:
        with Session(engine) as session:
            image = session.get(PageImage, image_id)
            page = session.get(Page, image.page_id) if image else None
            project = session.get(Project, page.project_id) if page else None
            if image is None or project is None or not image.qc_passed:
                return
            settings = project_settings(project)
            if processed_of(session, image_id, settings.fingerprint()) is not None:
                return
            data, metrics = store.get(image.sha256), dict(image.qc_metrics or {})
        made = runner(data, metrics, settings_dict(settings))
        store.put(made["data"])  # fsynced before the write lock is taken (a file without its row: `store gc`)
        with Session(writing(engine)) as session:
            if processed_of(session, image_id, made["fingerprint"]) is None:
                keep_processed(session, store, image_id, made, now, stored=True)
                session.commit()
    except Exception:  # noqa: BLE001 - the upload is safe; the copy is made again later
        log.exception("processed copy of image %s not made now", image_id)


def queue_missing_copy(state: Any, image_id: int) -> None:
    """A viewer found no processed copy of the project's present settings for a passing image (just uploaded, or
    the delivery profile changed since): have it made in the background, once, so that "being made" on screen is
    true. `state` is the app's state (settings, qc pool, engine, store); nothing happens when copies are made only
    by `folio store process` (FOLIO_PROCESS_AT_INGEST=off)."""
    if not state.settings.process_at_ingest:
        return
    from app.core.clock import utcnow

    state.qc.later_once(
        ("copy", image_id), make_copy_later, state.engine, state.store, state.qc.process, image_id, utcnow()
    )
