"""Processed copies at ingest (issue 16): made in the pool beside the master, linked to it, made again only when the
project's processing settings change."""

import io
from pathlib import Path

from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import Engine, func
from sqlmodel import Session, select

from app.core.clock import utcnow
from app.core.storage import LocalImageStore, sha256_hex
from app.pages.models import PageImage, ProcessedImage
from app.pages.processed import refresh_project, stored_hashes
from app.projects.models import Project
from tests.factories import page_jpeg, signed_in_station, upload


def test_passing_upload_gets_a_processed_copy_beside_its_master(
    client: TestClient, session: Session, db: Engine, image_store: Path
) -> None:
    auth = signed_in_station(client, session)
    data = page_jpeg(1)
    body = upload(client, auth, data, page=1).json()
    failed = upload(client, auth, page_jpeg(2, blur=4.0), page=2).json()
    client.app.state.qc.wait_later()  # the copy is made after the answer
    assert body["verdict"] == "pass" and failed["verdict"] == "fail"
    with Session(db) as s:
        rows = s.exec(select(ProcessedImage)).all()
        assert [r.image_id for r in rows] == [body["image_id"]]  # a failed shot is re-shot, not delivered
        row = rows[0]
        master = s.get(PageImage, body["image_id"])
        assert master.sha256 == sha256_hex(data)  # the master is untouched
        stored = (image_store / row.sha256[:2] / row.sha256[2:4] / row.sha256).read_bytes()
        assert sha256_hex(stored) == row.sha256 and len(stored) == row.size_bytes
        im = Image.open(io.BytesIO(stored))
        assert im.size == (row.width, row.height) and row.media_type == "image/jpeg"
        assert {master.sha256, row.sha256} <= stored_hashes(s)

        project = s.get(Project, _project_id(s))
        store = LocalImageStore(image_store)
        calls: list[int] = []

        def runner(d: bytes, metrics: dict, settings: dict) -> dict:
            from dataclasses import asdict

            from qc.processing import Settings, process

            calls.append(1)
            return asdict(process(d, metrics, Settings(**settings)))

        assert refresh_project(s, store, runner, project, utcnow()) == (0, 1)  # nothing changed: nothing made
        assert calls == []
        project.delivery_profile = {"format": "tiff"}
        s.add(project)
        s.flush()
        assert refresh_project(s, store, runner, project, utcnow()) == (1, 0)
        assert refresh_project(s, store, runner, project, utcnow()) == (0, 1)
        assert len(calls) == 1
        tiff = s.exec(select(ProcessedImage).where(ProcessedImage.media_type == "image/tiff")).one()
        assert Image.open(io.BytesIO(store.get(tiff.sha256))).format == "TIFF"
        assert s.exec(select(func.count()).select_from(ProcessedImage)).one() == 2  # the JPEG copy is kept too


def _project_id(s: Session) -> int:
    return s.exec(select(Project.id)).first()


def test_a_jpeg_2000_copy_never_blanks_the_viewer(
    client: TestClient, session: Session, db: Engine, image_store: Path
) -> None:
    """A project whose delivery format is JPEG 2000 (which the viewers cannot show) keeps showing the newest JPEG or
    TIFF copy, else the master, never a 404 (the break-it review found every thumbnail and page view gone)."""
    from app.pages.processed import shown_file
    auth = signed_in_station(client, session)
    body = upload(client, auth, page_jpeg(3), page=1).json()
    client.app.state.qc.wait_later()
    with Session(db) as s:
        jpeg = s.exec(select(ProcessedImage)).one()
        fake = ProcessedImage(**{**jpeg.model_dump(exclude={"id"}), "media_type": "image/jp2", "fingerprint": "jp2-x"})
        s.add(fake)  # the newest copy is a JPEG 2000 one
        s.commit()
        image = s.get(PageImage, body["image_id"])
        assert shown_file(s, image, "processed")[2] == "processed"
        assert shown_file(s, image, "processed")[0] == jpeg.sha256
