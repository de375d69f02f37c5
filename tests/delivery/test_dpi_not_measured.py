"""Issue 16 (breakit-b16 #8): a page with no outline to measure its resolution by and no dpi in its source file
gets no invented dpi; its process metadata says "not measured" (DA/T 31-2017 §9.4 wants the resolution
recorded) and `folio delivery verify` accepts it. A source that states its dpi carries it into the copy."""

import io
from pathlib import Path

from fastapi.testclient import TestClient
from PIL import Image
from sqlmodel import Session

from app.delivery.metadata import NOT_MEASURED
from bench.qc.generator import render_scan
from tests.delivery.helpers import accepted_records, delivered_rows

MRN = "00012345"


def _scan(dpi: int | None) -> bytes:
    """A flatbed-like scan (page fills the frame, no mat, no outline) as PNG, stating `dpi` or none."""
    data, _ = render_scan(4, 300, angle_deg=0.0)
    out = io.BytesIO()
    Image.open(io.BytesIO(data)).save(out, "PNG", **({"dpi": (dpi, dpi)} if dpi else {}))
    return out.getvalue()


def test_dpi_not_measured_is_said_not_invented(
    client: TestClient, session: Session, db, image_store: Path, tmp_path: Path
) -> None:
    acc = accepted_records(
        client, session, [(MRN, 3, {1: "首页"})], images={(MRN, 2): _scan(None), (MRN, 3): _scan(300)}
    )
    client.app.state.qc.wait_later()
    target = tmp_path / "package"
    rows = {r["页码"]: r for r in delivered_rows(session, db, image_store, acc, target, 3)}
    assert rows["2"]["测得分辨率(dpi)"] == NOT_MEASURED and rows["2"]["写入分辨率(dpi)"] == NOT_MEASURED
    with Image.open(target / "data" / rows["2"]["处理后图像文件"]) as im:
        assert "dpi" not in im.info  # none invented
    assert float(rows["3"]["写入分辨率(dpi)"]) == 300.0  # the source's own dpi
    with Image.open(target / "data" / rows["3"]["处理后图像文件"]) as im:
        assert round(im.info["dpi"][0]) == 300
    xml = (target / "metadata/process-pages.xml").read_text()
    assert f"<dpi_written>{NOT_MEASURED}</dpi_written>" in xml
