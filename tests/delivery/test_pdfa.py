"""Record PDFs as PDF/A-2b (issue 16, delivery profile pdfa): built from the processed pages, checked clause by clause
with pikepdf (no PDF/A validator can be installed here: veraPDF is neither in Debian nor on PyPI), by qpdf's own
structure check, and by rendering every page with pdfium; `folio delivery verify` checks the markers (the profile
set and the package verified through the real command line)."""

import io
from pathlib import Path

import bagit
import numpy as np
import pikepdf
import pypdfium2 as pdfium
import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session

import qc
from app.core.config import Settings as ServerSettings
from app.core.storage import LocalImageStore
from app.delivery import runner
from app.delivery.package import PlannedImage, PlannedRecord, record_pdf
from app.delivery.pdfa import pdfa_problems
from app.delivery.verify import verify_package
from app.projects.delivery_profile import DeliveryProfileError, load_profile
from app.projects.models import Project
from bench.qc.generator import render_scan
from qc.icc import grey, srgb
from qc.processing import Settings, jp2_available, process
from tests.delivery.helpers import RECORDS, accepted_records, approved_export
from tests.delivery.test_cli import folio
from tests.factories import page_jpeg


def _copies() -> list[bytes]:
    """Processed pages as a package holds them: colour JPEG, grey JPEG, and (if writable) JPEG 2000 of each."""
    colour, scan = page_jpeg(5), render_scan(6, 150)[0]
    out = [process(d, qc.check(d, {"min_dpi": 60}).metrics, Settings()).data for d in (colour, scan)]
    if jp2_available():
        out += [process(d, qc.check(d, {"min_dpi": 60}).metrics, Settings(format="jp2")).data for d in (colour, scan)]
    return out


def _plan(n: int, pdfa: bool) -> PlannedRecord:
    images = [PlannedImage(f"images/p{i}", "", Path("/nonexistent"), i + 1, "首页") for i in range(n)]
    return PlannedRecord(1, "00012345_1", images, "pdf/00012345_1.pdf", pdfa=pdfa)


def test_record_pdf_is_pdf_a2b():
    blobs = _copies()
    data = record_pdf(_plan(len(blobs), True), blobs)
    assert pdfa_problems(data) == []
    with pikepdf.open(io.BytesIO(data)) as pdf:
        assert pdf.check_pdf_syntax() == []  # qpdf's structure check: xref, streams, objects
        meta = pdf.open_metadata()
        assert (meta["pdfaid:part"], meta["pdfaid:conformance"]) == ("2", "B")
        assert meta["dc:title"] == "00012345_1" == str(pdf.docinfo.Title)
        assert "/Filter" not in pdf.Root.Metadata  # the XMP stays readable without a PDF library
        (intent,) = pdf.Root.OutputIntents
        assert intent.S == "/GTS_PDFA1" and intent.DestOutputProfile.read_bytes() == srgb()
        assert len(pdf.trailer.ID) == 2 and not pdf.is_encrypted
        assert len(pdf.pages) == len(blobs)
        spaces = []
        for page in pdf.pages:
            (image,) = page.get_images().values()
            assert "/SMask" not in image and "/Font" not in page.Resources
            spaces.append(image.ColorSpace)
        if jp2_available():  # the JPEG 2000 pages carry their ICC profile as their colour space
            jp2_colour, jp2_grey = spaces[2], spaces[3]
            assert jp2_colour[0] == "/ICCBased" and jp2_colour[1].read_bytes() == srgb()
            assert jp2_grey[0] == "/ICCBased" and jp2_grey[1].read_bytes() == grey() and jp2_grey[1].N == 1
    doc = pdfium.PdfDocument(data)  # another PDF library renders every page
    for i in range(len(doc)):
        bitmap = doc[i].render(scale=0.2).to_numpy()
        assert bitmap.size and 100 < np.asarray(bitmap)[..., :3].mean() < 255  # a page of paper, not blank
    assert record_pdf(_plan(len(blobs), True), blobs) == data  # the same pages make the same file


def test_ordinary_pdf_is_not_taken_for_pdf_a():
    blobs = _copies()[:2]
    problems = pdfa_problems(record_pdf(_plan(2, False), blobs))
    assert any(p.startswith("6.6.2") for p in problems) and any(p.startswith("6.2.3") for p in problems)
    assert pdfa_problems(b"%PDF-1.7 not really") != []


def test_pdfa_setting_is_checked():
    assert load_profile({"pdfa": True}).pdfa is True
    with pytest.raises(DeliveryProfileError) as bad:
        load_profile({"pdfa": "yes"})
    assert bad.value.field == "pdfa"


def test_pdfa_package_verifies_and_a_plain_pdf_in_its_place_is_found(
    client: TestClient, session: Session, settings: ServerSettings, db, image_store: Path, tmp_path: Path
) -> None:
    acc = accepted_records(client, session, records=RECORDS[:1])
    client.app.state.qc.wait_later()
    code, project_id = acc.project.code, acc.project.id
    session.close()
    bad = folio(settings, "project", "delivery-profile", "--project", code, "--pdfa", "--contents", "nonsense")
    assert bad.returncode != 0  # argparse refuses it; nothing changed
    set_ = folio(settings, "project", "delivery-profile", "--project", code, "--pdfa")
    assert set_.returncode == 0 and "pdfa=True" in set_.stdout, set_.stderr
    acc.project = session.get(Project, project_id)
    assert acc.project.delivery_profile["pdfa"] is True
    target = tmp_path / "package"
    export = approved_export(session, acc, target)
    result = runner.run_export(db, LocalImageStore(image_store), export.id)
    assert result.status == "done"
    ok = folio(settings, "delivery", "verify", str(target))
    assert ok.returncode == 0, ok.stdout + ok.stderr
    pdf = next((target / "data" / "pdf").glob("*.pdf"))
    assert pdfa_problems(pdf.read_bytes()) == []
    # a PDF that is not PDF/A put in its place, the bag's manifests made again: verify still finds it
    with pikepdf.open(pdf, allow_overwriting_input=True) as doc:
        del doc.Root.OutputIntents
        doc.save(pdf)
    bagit.Bag(str(target)).save(manifests=True)
    problems = verify_package(target).problems
    assert any("not PDF/A-2b: 6.2.3" in p for p in problems), problems
    assert folio(settings, "delivery", "verify", str(target)).returncode != 0
