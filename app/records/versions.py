"""What a page viewer shows of a shot (issue 16): the processed copy or the master, why there is no copy, the size
and dpi of each version, and whether the copy needs a look (its outline was uncertain, so it keeps the full frame).

Read by every viewer that toggles (record page, review screen, record check, inspection), by the thumbnails'
marks and by the vendor QC's list and count of pages that need a look; all of them read the image's *current*
copy (app.pages.processed.current_fingerprint), never merely the newest. The copies are made by
app.pages.processed.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from sqlmodel import Session, col, select

from app.core.storage import ImageStore, StoreError
from app.pages.models import Page, PageImage, ProcessedImage
from app.pages.processed import current_fingerprint, current_processed, queue_missing_copy
from app.projects.models import Project
from qc.errors import QCInputError
from qc.imagefile import probe

# Why a viewer shows the master although the processed copy is the default: a shot QC failed gets no copy; a
# passing one has its copy made just after the upload ("being made"); a master whose only copies were made with
# earlier settings ("outdated": the copy the package will hold is being made; a stale one is never shown).
WHY_FAILED, WHY_BEING_MADE, WHY_OUTDATED = "failed", "being_made", "outdated"
# What was done to make the processed copy shown (its steps), as the note under the toggle says it.
DONE_CROPPED, DONE_FULL_FRAME_DESKEWED, DONE_FULL_FRAME = "cropped", "full_frame_deskewed", "full_frame"


@dataclass(frozen=True)
class Version:
    """One version of a shot as the viewer's size line states it: pixels and dpi (None: unknown)."""

    width: int
    height: int
    dpi: float | None
    dpi_estimated: bool = False  # the master's dpi is qc's estimate from the page outline and the paper size
    dpi_from_stand: bool = False  # the master's dpi is the project's fixed stand's (qc Profile.stand_dpi)
    done: str | None = None  # a processed copy: DONE_CROPPED, DONE_FULL_FRAME_DESKEWED or DONE_FULL_FRAME


@dataclass(frozen=True)
class Versions:
    """What the viewer of one master image shows: `processed` None means the master is shown, for `why_master`."""

    image_id: int
    master: Version
    processed: Version | None
    why_master: str | None
    needs_look: bool

    @property
    def shown(self) -> str:
        """ "processed" or "master": the version the viewer opens with."""
        return "processed" if self.processed else "master"


@lru_cache(maxsize=4096)
def _turned(path: str, sha256: str) -> bool:
    """The stored master's EXIF orientation turns it a quarter (5-8): shown upright, its width and height swap.
    Read from the header under the image policy (no pixel is decoded); keyed by the content's SHA-256."""
    with open(path, "rb") as f:
        data = f.read()
    try:
        return probe(data).orientation >= 5
    except QCInputError:
        return False


def _master(image: PageImage, store: ImageStore | None) -> Version:
    metrics = image.qc_metrics or {}
    dpi = metrics.get("dpi")
    known = float(dpi) if isinstance(dpi, int | float) else None
    width, height = image.width, image.height
    if store is not None and image.media_type in ("image/jpeg", "image/tiff", "image/png"):
        try:
            if _turned(str(store.path_of(image.sha256)), image.sha256):
                width, height = height, width
        except (OSError, StoreError):
            pass  # a missing file: the viewer says so; the size line keeps the stored size
    stand = metrics.get("dpi_source") == "stand"
    return Version(width, height, known, bool(metrics.get("dpi_from_page")) and not stand, stand)


def _done(copy: ProcessedImage) -> str:
    names = {step.get("step") for step in copy.steps or [] if isinstance(step, dict)}
    if "perspective_crop" in names:
        return DONE_CROPPED
    return DONE_FULL_FRAME_DESKEWED if "deskew" in names else DONE_FULL_FRAME


def _copies(session: Session, image_ids: list[int]) -> dict[int, list[ProcessedImage]]:
    out: dict[int, list[ProcessedImage]] = {}
    for i in range(0, len(image_ids), 500):
        rows = session.exec(
            select(ProcessedImage)
            .where(col(ProcessedImage.image_id).in_(image_ids[i : i + 500]))
            .order_by(col(ProcessedImage.id))
        )
        for row in rows:
            out.setdefault(row.image_id, []).append(row)
    return out


def versions_of(
    session: Session,
    images: Iterable[PageImage],
    store: ImageStore | None = None,
    missing: Callable[[int], None] | None = None,
) -> dict[int, Versions]:
    """The Versions of each image by id. The processed copy shown is the current one (made with the project's
    present settings, as app.pages.processed.shown_file serves it), JPEG 2000 included; `needs_look` is that
    copy's mark. With `store`, the master's size is given upright (EXIF orientation 5-8 swaps it), as shown.
    `missing(image_id)` is called for each passing image without a current copy (see queue_missing_copy)."""
    images = [i for i in images if i.id is not None]
    ids = sorted({i.id for i in images})  # type: ignore[misc]
    current = current_processed(session, ids)
    copies = _copies(session, [i for i in ids if i not in current])
    out: dict[int, Versions] = {}
    for image in images:
        shown = current.get(image.id or 0)
        why = None
        if shown is None:
            why = WHY_FAILED if not image.qc_passed else WHY_OUTDATED if copies.get(image.id or 0) else WHY_BEING_MADE
            if why != WHY_FAILED and missing is not None:
                missing(image.id or 0)
        out[image.id or 0] = Versions(
            image_id=image.id or 0,
            master=_master(image, store),
            processed=Version(shown.width, shown.height, shown.dpi, done=_done(shown)) if shown else None,
            why_master=why,
            needs_look=bool(shown and shown.needs_look),
        )
    return out


def versions_of_id(
    session: Session, image_id: int, store: ImageStore | None = None, missing: Callable[[int], None] | None = None
) -> Versions | None:
    """The Versions of one image by id; None when there is no such image."""
    image = session.get(PageImage, image_id)
    return versions_of(session, [image], store, missing).get(image_id) if image else None


def shown_versions(session: Session, image_id: int, state: Any) -> Versions | None:
    """What a viewer shows of an image, for the app's `state`: master sizes upright, and a missing current copy
    queued to be made (app.pages.processed.queue_missing_copy)."""
    return versions_of_id(session, image_id, state.store, lambda i: queue_missing_copy(state, i))


def looked_images(session: Session, image_ids: Iterable[int]) -> set[int]:
    """The images (of those given) whose current processed copy needs a look: the thumbnails' mark. The current
    copy is the viewer's (app.pages.processed.current_processed: the project's present settings); an image
    without one yet (a copy being made, only copies of earlier settings, a failed shot) is not known yet, so not
    marked."""
    return {image_id for image_id, copy in current_processed(session, image_ids).items() if copy.needs_look}


def needs_look_query(session: Session, project_id: int):  # noqa: ANN201  (a select of (Page, PageImage))
    """Live pages of a project whose current image's current processed copy needs a look, in record and page
    order: the copy of the project's present settings (app.pages.processed.current_fingerprint, the one the
    viewer shows and a package filed now delivers). A page without a current copy yet is not listed (not known
    yet). Both backends read the marked copies of the fingerprint from the partial index
    ix_processed_image_needs_look (fingerprint, image_id), not the whole processed_image table: its predicate is
    written as SQLAlchemy writes `needs_look` on each (`needs_look = 1` on SQLite, whose planner uses a partial
    index only then; tests/records/test_needs_look_index.py)."""
    project = session.get(Project, project_id)
    fingerprint = current_fingerprint(project) if project else ""  # no project: no page
    marked = select(ProcessedImage.image_id).where(
        ProcessedImage.fingerprint == fingerprint, col(ProcessedImage.needs_look)
    )
    return (
        select(Page, PageImage)
        # the image's own page stated too (a page's current image is one of its own): the plan can then start
        # from the few marked copies and reach each page by its key
        .join(PageImage, (col(PageImage.page_id) == col(Page.id)) & (col(PageImage.id) == col(Page.current_image_id)))
        .where(Page.project_id == project_id, col(Page.deleted_at).is_(None), col(PageImage.id).in_(marked))
        .order_by(col(Page.record_id), col(Page.page_number))
    )
