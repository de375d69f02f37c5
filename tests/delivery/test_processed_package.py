"""Issue 16: a package of processed pages and masters ("both"): a record with a re-shoot, a segment and a page of
each EXIF orientation, checked by `folio delivery verify`, the bagit library, lxml, and pixel checks that each
processed page is upright, cropped and the right way round."""

import csv
import io
from pathlib import Path

import bagit
import numpy as np
import pikepdf
from fastapi.testclient import TestClient
from lxml import etree
from PIL import Image
from sqlmodel import Session

from app.core.storage import LocalImageStore
from app.delivery import runner
from app.delivery.mets import mets_schema
from app.delivery.verify import verify_package
from app.projects.models import Project
from tests.delivery.helpers import approved_export, deem_accepted
from tests.factories import page_jpeg, signed_in_station, upload

MRN = "00077001"
STORED = {1: lambda a: a, 2: lambda a: np.rot90(a, 1), 3: lambda a: np.rot90(a, 2), 4: lambda a: np.rot90(a, -1)}
ORIENTATION = {1: 1, 2: 6, 3: 3, 4: 8}


def _oriented(seed: int, page: int) -> bytes:
    """The page photo stored turned, with the EXIF orientation that turns it upright again."""
    upright = np.asarray(Image.open(io.BytesIO(page_jpeg(seed))).convert("RGB"))
    exif = Image.Exif()
    if ORIENTATION[page] != 1:
        exif[0x0112] = ORIENTATION[page]
    out = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(STORED[page](upright))).save(out, "JPEG", quality=90, exif=exif.tobytes())
    return out.getvalue()


def _grey(data: bytes, size=(120, 170)) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(data)).convert("L").resize(size), dtype=np.float64)


def test_package_of_processed_pages_and_masters_verifies(
    client: TestClient, session: Session, db, image_store: Path, tmp_path: Path
) -> None:
    auth = signed_in_station(client, session)
    for n in (1, 2, 3, 4):
        if n == 2:  # shot blurred first, then re-shot
            assert upload(client, auth, page_jpeg(40, blur=4.0), page=2, mrn=MRN, visit=1).json()["verdict"] == "fail"
        marks = {1: {"segment": "首页"}, 3: {"segment": "医嘱单"}}.get(n, {})
        r = upload(client, auth, _oriented(30 + n, n), page=n, mrn=MRN, visit=1, **marks)
        assert r.json()["verdict"] == "pass", r.text
    rec = client.post("/api/v1/records", json={"mrn": MRN, "visit": 1}, headers=auth.headers).json()
    assert client.post(
        f"/api/v1/records/{rec['id']}/finish", json={"paper_page_count": 4}, headers=auth.headers
    ).json()["complete"]
    client.app.state.qc.wait_later()
    project = session.get(Project, auth.project_id)
    project.delivery_profile = {"contents": "both", "mets": True}
    target = tmp_path / "package"
    export = approved_export(session, deem_accepted(session, project), target)
    result = runner.run_export(db, LocalImageStore(image_store), export.id)
    files = sorted(p.relative_to(target).as_posix() for p in target.rglob("*") if p.is_file())
    assert result.status == "done" and (result.records_done, result.pages_done) == (1, 4), files

    # Both verifiers accept the bag; the tag manifest covers the process metadata.
    report = verify_package(target)
    assert report.ok, report.problems
    assert (report.records, report.pages) == (1, 4)
    bag = bagit.Bag(str(target))
    bag.validate()
    tags = (target / "tagmanifest-sha256.txt").read_text()
    for name in ("process-pages.csv", "process-pages.xml", "package.csv", "package.xml"):
        assert f"metadata/{name}" in tags

    # Process metadata: CSV with a BOM and Chinese headings, XML that lxml reads, one line per page.
    raw = (target / "metadata/process-pages.csv").read_bytes()
    assert raw.startswith("\ufeff".encode())
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert [r["页码"] for r in rows] == ["1", "2", "3", "4"] and rows[1]["补拍次数"] == "1"
    assert [r["分段"] for r in rows] == ["首页", "首页", "医嘱单", "医嘱单"]
    tree = etree.parse(str(target / "metadata/process-pages.xml"))
    ns = {"f": "urn:folio:process-metadata:1"}
    assert len(tree.findall("f:page", ns)) == 4
    assert tree.find("f:page/f:processing_steps", ns).text.startswith("[")
    package = etree.parse(str(target / "metadata/package.xml"))
    assert "contents" in package.find("f:package/f:delivery_profile", ns).text

    # The record's METS validates against the METS schema (vendored: no network), page order and segments kept.
    mets = etree.parse(str(target / f"data/mets/{MRN}_1.xml"))
    mets_schema().assertValid(mets)
    m = {"mets": "http://www.loc.gov/METS/"}
    assert [d.get("LABEL") for d in mets.findall(".//mets:div[@TYPE='segment']", m)] == ["首页", "医嘱单"]
    assert [d.get("ORDER") for d in mets.findall(".//mets:div[@TYPE='page']", m)] == ["1", "2", "3", "4"]
    assert len(mets.findall(".//mets:fileGrp[@USE='processed']/mets:file", m)) == 4
    assert len(mets.findall(".//mets:techMD", m)) == 4

    # Masters beside the processed pages; the PDF holds the 4 processed pages, not 8.
    data = target / "data"
    with pikepdf.open(data / f"pdf/{MRN}_1.pdf") as pdf:
        assert len(pdf.pages) == 4
    upright = None
    for row in rows:
        processed = (data / row["处理后图像文件"]).read_bytes()
        master = (data / row["原始图像文件"]).read_bytes()
        assert row["原始图像文件"].startswith("masters/") and row["处理后图像文件"].startswith("images/")
        assert len(processed) < len(master)  # cropped to the paper: smaller than the frame
        im = Image.open(io.BytesIO(processed))
        assert im.height > im.width  # an A4 page stands upright
        assert abs(im.info["dpi"][0] - float(row["写入分辨率(dpi)"])) <= 0.6
        grey = _grey(processed)
        if upright is None:  # page 1 was shot upright: the others, turned by EXIF, must look the same way round
            upright = _grey(processed)
        turned = [np.corrcoef(np.rot90(grey, k).reshape(-1), upright.reshape(-1))[0, 1] for k in (0, 2)]
        assert row["页码"] == "1" or turned[0] > turned[1]  # closer to upright than to upside down
        assert grey.mean() > 150  # paper, not the dark mat: the page was cropped

    # verify re-checks the images against their metadata
    text = (target / "metadata/process-pages.csv").read_text("utf-8-sig")
    first = rows[0]
    (target / "metadata/process-pages.csv").write_text(
        "\ufeff" + text.replace(f",{first['处理后图像宽度(像素)']},", ",12,", 1), encoding="utf-8"
    )
    problems = verify_package(target).problems
    assert any("12" in p and "px" in p for p in problems), problems  # the size read from the file
    assert any("tagmanifest" in p or "process-pages.csv" in p for p in problems), problems

    # a line deleted from the CSV, or the XML edited, with the bag's manifests made again, is still found
    lines = text.splitlines(keepends=True)
    (target / "metadata/process-pages.csv").write_text("\ufeff" + "".join(lines[:1] + lines[2:]), encoding="utf-8")
    bagit.Bag(str(target)).save(manifests=True)
    problems = verify_package(target).problems
    assert any("has no line in process-pages.csv" in p for p in problems), problems
    (target / "metadata/process-pages.csv").write_text("\ufeff" + text.lstrip("\ufeff"), encoding="utf-8")
    xml = (target / "metadata/process-pages.xml").read_text("utf-8")
    (target / "metadata/process-pages.xml").write_text(xml.replace("<width_px>", "<width_px>9", 1), encoding="utf-8")
    bagit.Bag(str(target)).save(manifests=True)
    problems = verify_package(target).problems
    assert any("process-pages.xml line 1: width_px" in p for p in problems), problems
