"""What a package holds per the project's delivery profile (issue 16): processed pages (default), masters, or both.

Processed copies missing for the export's pages (made after their upload, or for settings changed since) are made
before the first record is planned, in this background job's own process (never the web server's event loop);
the package then holds one image format only (DA/T 31-2017 §9.5): the profile's format for processed pages, the
masters as shot. The record's PDF is built from the processed pages whenever the package holds them.
"""

import logging
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from app.acceptance.models import LotPage
from app.core.clock import utcnow
from app.core.db import writing
from app.core.storage import LocalImageStore, StoreError, sha256_hex
from app.delivery.models import DeliveryExport, DeliveryRecord
from app.pages.models import PageImage
from app.pages.processed import keep_processed, processed_of, settings_dict
from app.projects.delivery_profile import DeliveryProfile, load_profile, processing_settings
from app.projects.models import Project
from qc.errors import QCInputError
from qc.processing import Settings, process

log = logging.getLogger("app.delivery.runner")
MASTERS_DIR = "masters"


def _run_here(data: bytes, metrics: dict, settings: dict[str, Any]) -> dict[str, Any]:
    return asdict(process(data, metrics, Settings(**settings)))


@dataclass(frozen=True)
class Contents:
    """The package's profile and, when it holds processed pages, the settings they are made with."""

    profile: DeliveryProfile
    settings: Settings | None

    @property
    def fingerprint(self) -> str | None:
        """The fingerprint of the processed pages' settings (None: masters only)."""
        return self.settings.fingerprint() if self.settings else None

    @property
    def processed(self) -> bool:
        """The package holds processed pages (and its PDFs are built from them)."""
        return self.profile.contents in ("processed", "both")

    @property
    def masters(self) -> bool:
        """The package holds the masters."""
        return self.profile.contents in ("masters", "both")


def export_profile(project: Project, export: DeliveryExport | None = None) -> DeliveryProfile:
    """The profile an export delivers: the one it was filed and approved with, else (filed before profiles were
    kept, or not filed yet) the project's present one. Raises DeliveryProfileError for an unusable profile."""
    if export is not None and export.profile is not None:
        return load_profile(export.profile)
    return load_profile(project.delivery_profile)


def contents_of(session: Session, export: DeliveryExport) -> Contents:
    """The export's contents under the profile it was approved with (export_profile)."""
    project = session.get(Project, export.project_id)
    assert project is not None
    profile = export_profile(project, export)
    settings = processing_settings(profile, project.qc_profile) if profile.contents != "masters" else None
    return Contents(profile, settings)


def make_missing_copies(engine: Engine, export_id: int, store: LocalImageStore) -> int:
    """Make the processed copies the export's pages lack under the present settings; the number made. A page whose
    copy cannot be made is left to planning, which leaves its record out with the reason.

    The pixels are worked on outside any transaction and each copy's row is written in its own short one: on
    SQLite (one writer) a long transaction here held the write lock for minutes, so that the export's heartbeat
    and any page's sign-in write waited out the busy timeout and failed (breakit-b16 #2)."""
    with Session(engine) as session:
        export = session.get(DeliveryExport, export_id)
        assert export is not None
        settings = contents_of(session, export).settings
        if settings is None:
            return 0
        image_ids = session.exec(
            select(LotPage.image_id)
            .join(
                DeliveryRecord,
                (col(DeliveryRecord.round_id) == col(LotPage.round_id))
                & (col(DeliveryRecord.record_id) == col(LotPage.record_id)),
            )
            .where(DeliveryRecord.export_id == export_id, col(DeliveryRecord.done).is_(False))
        ).all()
    made = 0
    for image_id in sorted(set(image_ids)):
        try:
            made += _make_copy(engine, store, image_id, settings)
        except (QCInputError, StoreError, OSError, ValueError) as exc:
            log.warning("delivery export %s: no processed copy of image %s: %s", export_id, image_id, exc)
    return made


def _make_copy(engine: Engine, store: LocalImageStore, image_id: int, settings: Settings) -> int:
    """1 when the image's copy was made now, 0 when it was there. Raises StoreError for a missing or altered master."""
    with Session(engine) as session:  # reads only
        image = session.get(PageImage, image_id)
        if image is None:
            return 0
        row = processed_of(session, image_id, settings.fingerprint())
        if row is not None and store.exists(row.sha256):
            return 0
        master, metrics = image.sha256, dict(image.qc_metrics or {})
    data = store.get(master)
    if sha256_hex(data) != master:  # never a copy of a damaged master
        raise StoreError(f"the stored file of image {image_id} does not match its SHA-256")
    made = _run_here(data, metrics, settings_dict(settings))
    store.put(made["data"])  # fsynced before the write lock is taken
    with Session(writing(engine)) as session:
        if processed_of(session, image_id, made["fingerprint"]) is None:
            keep_processed(session, store, image_id, made, utcnow(), stored=True)
        session.commit()
    return 1
