"""Back-fill the perceptual hashes of pages uploaded before hashing existed (`folio inspection backfill-hashes`).

The current image of every live page that has no `page_hash` row is hashed as ingest hashes it
(`qc.pagehash.image_hash`: qc's decode, then the page hash), in a pool of worker processes, in batches of image
ids in ascending order; each batch is committed on its own, so an interrupted run loses at most one batch and the
next run starts where it stopped (the images still without a hash). An image whose file is missing or unreadable
is counted and left without a hash (the repeat search leaves it out, as it does at ingest).
"""

import multiprocessing
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from sqlalchemy import Engine
from sqlmodel import Session, col, select

from app.core.db import writing
from app.inspection.models import PageHash
from app.inspection.service import is_blank, profile_thresholds
from app.pages.models import Page, PageImage
from app.projects.models import Project


@dataclass
class BackfillProgress:
    """Counts so far: images hashed, images left without a hash (file missing or unreadable), images to do."""

    total: int
    hashed: int = 0
    unreadable: int = 0
    missing: list[str] = field(default_factory=list)  # sha256 of files not in the store

    @property
    def done(self) -> int:
        """Images handled so far."""
        return self.hashed + self.unreadable + len(self.missing)


def _unhashed():  # noqa: ANN202  (a select of (Page, PageImage))
    """Live pages whose current image has no hash yet."""
    return (
        select(Page, PageImage)
        .join(PageImage, col(PageImage.id) == col(Page.current_image_id))
        .outerjoin(PageHash, col(PageHash.image_id) == col(PageImage.id))
        .where(col(PageHash.image_id).is_(None), col(Page.deleted_at).is_(None))
    )


def count_unhashed(session: Session) -> int:
    """How many current page images have no perceptual hash yet."""
    from sqlalchemy import func

    return session.exec(select(func.count()).select_from(_unhashed().subquery())).one()


def _hash_file(path: str, max_pixels: int, max_decoded_bytes: int) -> str | None:
    """In a worker: the page hash of a stored file, None when it is unreadable."""
    from qc.pagehash import image_hash

    try:
        data = Path(path).read_bytes()
    except OSError:
        return None
    return image_hash(data, max_pixels, max_decoded_bytes)


def _init_worker() -> None:
    import cv2

    cv2.setNumThreads(1)  # one OpenCV thread per worker process


def backfill_hashes(
    engine: Engine,
    path_of: Callable[[str], Path],
    *,
    workers: int = 2,
    batch: int = 200,
    max_pixels: int = 80_000_000,
    max_decoded_bytes: int = 400 << 20,
    progress: Callable[[BackfillProgress], None] | None = None,
) -> BackfillProgress:
    """Hash every current page image without a hash, `batch` images per transaction, in `workers` processes.

    path_of: the store's file path of a sha256 (LocalImageStore.path_of). Returns the final counts; `progress` is
    called after each committed batch."""
    with Session(engine) as session:
        state = BackfillProgress(total=count_unhashed(session))
    thresholds: dict[int, dict] = {}
    ctx = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(max_workers=max(1, workers), mp_context=ctx, initializer=_init_worker) as pool:
        for rows in _batches(engine, batch):
            paths = []
            for _page, image in rows:
                path = path_of(image.sha256)
                paths.append(str(path) if path.is_file() else None)
            todo = [i for i, p in enumerate(paths) if p is not None]
            hash_file = partial(_hash_file, max_pixels=max_pixels, max_decoded_bytes=max_decoded_bytes)
            hashes = dict(zip(todo, pool.map(hash_file, [paths[i] for i in todo]), strict=True))
            with Session(writing(engine)) as session:
                for i, (page, image) in enumerate(rows):
                    if paths[i] is None:
                        state.missing.append(image.sha256)
                        continue
                    phash = hashes.get(i)
                    if not phash:
                        state.unreadable += 1
                        continue
                    if page.project_id not in thresholds:
                        thresholds[page.project_id] = profile_thresholds(session.get(Project, page.project_id))
                    blank = is_blank(page, image, thresholds[page.project_id])
                    session.add(PageHash(image_id=image.id, record_id=page.record_id, phash=phash, blank=blank))
                    state.hashed += 1
                session.commit()
            if progress:
                progress(state)
    return state


def _batches(engine: Engine, size: int) -> Iterator[list[tuple[Page, PageImage]]]:
    """The unhashed pages and images in ascending image id, `size` at a time (keyset: a file that cannot be
    hashed is passed once, not read again and again)."""
    after = 0
    while True:
        with Session(engine, expire_on_commit=False) as session:
            rows = list(
                session.exec(_unhashed().where(col(PageImage.id) > after).order_by(col(PageImage.id)).limit(size))
            )
            for page, image in rows:
                session.expunge(page)
                session.expunge(image)
        if not rows:
            return
        after = rows[-1][1].id
        yield rows
