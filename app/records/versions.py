"""What a page viewer shows of a shot (issue 16): the processed copy or the master, why there is no copy, the size
and dpi of each version, and whether the copy needs a look (its outline was uncertain, so it keeps the full frame).

Read by every viewer that toggles (record page, review screen, record check, inspection) and by the thumbnails'
marks; the copies themselves are made by app.pages.processed.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import func
from sqlmodel import Session, col, select

from app.pages.models import Page, PageImage, ProcessedImage
from app.pages.processed import VIEWABLE

# Why a viewer shows the master although the processed copy is the default: a shot QC failed gets no copy; a
# passing one has its copy made just after the upload ("being made"); a JPEG 2000 copy no browser can show.
WHY_FAILED, WHY_BEING_MADE, WHY_NOT_VIEWABLE = "failed", "being_made", "not_viewable"


@dataclass(frozen=True)
class Version:
    """One version of a shot as the viewer's size line states it: pixels and dpi (None: unknown)."""

    width: int
    height: int
    dpi: float | None
    dpi_estimated: bool = False  # the master's dpi is qc's estimate from the page outline and the paper size


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


def _master(image: PageImage) -> Version:
    metrics = image.qc_metrics or {}
    dpi = metrics.get("dpi")
    known = float(dpi) if isinstance(dpi, int | float) else None
    return Version(image.width, image.height, known, bool(metrics.get("dpi_from_page")))


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


def versions_of(session: Session, images: Iterable[PageImage]) -> dict[int, Versions]:
    """The Versions of each image by id. The processed copy shown is the newest viewable one (as
    app.pages.processed.shown_file serves it); `needs_look` is the newest copy's mark, whatever its format."""
    images = [i for i in images if i.id is not None]
    copies = _copies(session, sorted({i.id for i in images}))  # type: ignore[misc]
    out: dict[int, Versions] = {}
    for image in images:
        rows = copies.get(image.id or 0, [])
        viewable = [r for r in rows if r.media_type in VIEWABLE]
        shown = viewable[-1] if viewable else None
        why = None
        if shown is None:
            why = WHY_FAILED if not image.qc_passed else WHY_NOT_VIEWABLE if rows else WHY_BEING_MADE
        out[image.id or 0] = Versions(
            image_id=image.id or 0,
            master=_master(image),
            processed=Version(shown.width, shown.height, shown.dpi) if shown else None,
            why_master=why,
            needs_look=bool(rows and rows[-1].needs_look),
        )
    return out


def versions_of_id(session: Session, image_id: int) -> Versions | None:
    """The Versions of one image by id; None when there is no such image."""
    image = session.get(PageImage, image_id)
    return versions_of(session, [image]).get(image_id) if image else None


def looked_images(session: Session, image_ids: Iterable[int]) -> set[int]:
    """The images (of those given) whose newest processed copy needs a look: the thumbnails' mark."""
    ids = sorted(set(image_ids))
    out: set[int] = set()
    for i in range(0, len(ids), 500):
        newest = (
            select(func.max(ProcessedImage.id))
            .where(col(ProcessedImage.image_id).in_(ids[i : i + 500]))
            .group_by(col(ProcessedImage.image_id))
        )
        out |= set(
            session.exec(
                select(ProcessedImage.image_id).where(
                    col(ProcessedImage.id).in_(newest), col(ProcessedImage.needs_look)
                )
            )
        )
    return out


def needs_look_query(project_id: int):  # noqa: ANN201  (a select of (Page, PageImage))
    """Live pages of a project whose current image's newest processed copy needs a look, in record and page order."""
    marked = select(ProcessedImage.image_id).where(col(ProcessedImage.needs_look))
    newest = (
        select(func.max(ProcessedImage.id))
        .where(col(ProcessedImage.image_id).in_(marked))
        .group_by(col(ProcessedImage.image_id))
    )
    return (
        select(Page, PageImage)
        .join(PageImage, col(PageImage.id) == col(Page.current_image_id))
        .join(ProcessedImage, col(ProcessedImage.image_id) == col(PageImage.id))
        .where(
            Page.project_id == project_id,
            col(Page.deleted_at).is_(None),
            col(ProcessedImage.id).in_(newest),
            col(ProcessedImage.needs_look),
        )
        .order_by(col(Page.record_id), col(Page.page_number))
    )
