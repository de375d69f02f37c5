"""One image format per package (DA/T 31-2017 §9.5, issue 16): a masters-only export whose masters mix JPEG and
PNG is refused with the odd files named (never converted: the masters are what the lot's hash covers); processed
pages are one format by construction, so the same records deliver as processed pages."""

import io
import re
from collections import Counter
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from PIL import Image
from sqlmodel import Session, select

from app.core.storage import LocalImageStore
from app.delivery import runner
from app.delivery.exceptions import ExportRefused
from app.delivery.formats import package_format
from app.delivery.models import DeliveryExport
from app.delivery.verify import verify_package
from tests.custody.web import enrol, sign_in
from tests.delivery.helpers import RECORDS, accepted_records, approved_export, requested_export
from tests.factories import page_jpeg


def _png(seed: int) -> bytes:
    out = io.BytesIO()
    Image.open(io.BytesIO(page_jpeg(seed))).save(out, "PNG")
    return out.getvalue()


MIXED = {("00012345", 2): _png(2), ("00012347", 1): _png(8)}  # two flatbed PNGs among camera JPEGs


def test_package_format_is_the_archival_format_most_pages_have():
    assert package_format(Counter({"image/jpeg": 7, "image/png": 2})) == "image/jpeg"
    assert package_format(Counter({"image/png": 9, "image/tiff": 1})) == "image/tiff"  # PNG is not archival
    assert package_format(Counter({"image/tiff": 3, "image/jpeg": 3})) == "image/jpeg"  # a tie: the earlier
    assert package_format(Counter({"image/png": 4})) is None


def test_masters_only_export_of_mixed_formats_is_refused_naming_the_odd_files(
    client: TestClient, session: Session, tmp_path: Path
) -> None:
    acc = accepted_records(client, session, images=MIXED)
    acc.project.delivery_profile = {"contents": "masters"}
    session.add(acc.project)
    session.commit()
    with pytest.raises(ExportRefused) as refused:
        requested_export(session, acc, tmp_path / "p")
    assert refused.value.code == "mixed_image_formats"
    assert refused.value.path == "00012345_1 p2 (image/png), 00012347_1 p1 (image/png)"
    assert "2 accepted masters are not image/jpeg" in refused.value.detail

    # The browser form says it in Chinese with the code and the files; nothing is filed.
    enrol(session, acc.manager)
    token = sign_in(client, acc.manager)
    r = client.post("/delivery/exports", data={"csrf_token": token, "target": str(tmp_path / "p"), "reason": ""})
    assert r.status_code == 422
    error = re.search(r'id="export-error">([^<]+)<', r.text).group(1)
    assert "一种图像格式" in error and "00012345_1 p2 (image/png)" in error, error
    assert "错误代码: mixed_image_formats" in error
    assert session.exec(select(DeliveryExport)).all() == []
    session.commit()


def test_same_records_deliver_as_processed_pages_in_one_format(
    client: TestClient, session: Session, db, image_store: Path, tmp_path: Path
) -> None:
    acc = accepted_records(client, session, images=MIXED)
    client.app.state.qc.wait_later()
    acc.project.delivery_profile = {"contents": "processed"}
    session.add(acc.project)
    session.commit()
    target = tmp_path / "package"
    export = approved_export(session, acc, target)
    result = runner.run_export(db, LocalImageStore(image_store), export.id)
    assert result.status == "done" and result.pages_done == sum(n for _, n, _ in RECORDS)
    suffixes = {p.suffix for p in (target / "data" / "images").rglob("*") if p.is_file()}
    assert suffixes == {".jpg"}
    assert verify_package(target).ok
