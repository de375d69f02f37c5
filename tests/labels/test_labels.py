"""Barcode labels and routing slips: printed as PDF by chromium, decoded back by zxing-cpp from the rendering."""

import io
from datetime import UTC, datetime

import pikepdf
import pypdfium2 as pdfium
import pytest
import zxingcpp
from fastapi.testclient import TestClient
from fontTools.ttLib import TTCollection
from sqlalchemy import insert
from sqlmodel import Session

from app.accounts.models import Role
from app.custody.models import Box, Handover, HandoverItem, RecordCustody, Shelf
from app.labels.rules import LAYOUTS, part_size, parts, patient_initials, record_code
from app.records.models import Record
from tests.custody.web import enrol, sign_in
from tests.factories import make_project, make_user

MM = 72 / 25.4  # PDF points per millimetre
NOTO = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"


def test_patient_initials_never_show_the_full_name() -> None:
    assert patient_initials("张三丰") == "张*"
    assert patient_initials("𠮷野家") == "𠮷*"
    assert patient_initials("𠀀𠀁", lambda ch: ch != "𠀀") == "*"  # a glyph the label font lacks is masked
    assert patient_initials("  Anna Maria  Li ") == "A.M.L."
    assert patient_initials("O'Brien-Smith") == "O.S."
    assert patient_initials(None) == patient_initials("  ") == ""


def test_layouts_fill_their_stock_and_parts_are_whole_sheets() -> None:
    a4 = LAYOUTS["a4_3x8"]
    assert a4.per_page == 24 and a4.position(23) == (140, 0.5 + 7 * 37)
    two = LAYOUTS["a4_2x7"]
    x, y = two.position(13)
    assert x + two.label_w + two.left == pytest.approx(210) and y + two.label_h + two.top == pytest.approx(297)
    assert part_size(a4) == 984 and parts(100_000, a4) == 102 and parts(0, a4) == 0
    assert part_size(LAYOUTS["roll_60x40"]) == 1000
    assert record_code("00012345", 2, None) == "00012345-2" and record_code("x", 1, "BC-9") == "BC-9"


@pytest.fixture
def labelled(client: TestClient, session: Session):
    project = make_project(session)
    custodian = enrol(session, make_user(session, project, username="keeper", role=Role.custodian))
    vendor = make_user(session, project, username="mgr", role=Role.vendor_manager)
    records = [
        Record(project_id=project.id, mrn="00012345", visit=1, patient_name="张三丰"),
        Record(project_id=project.id, mrn="00012346", visit=2, patient_name="𠮷野家", barcode="ZY-00012346-2"),
        Record(project_id=project.id, mrn="A7781", visit=1, patient_name="Anna Li"),
    ]
    for r in records:
        session.add(r)
    session.flush()
    batch = Handover(
        project_id=project.id,
        kind="checkout",
        number=7,
        handed_over_by=custodian.id,
        received_by=vendor.id,
        created_by=custodian.id,
        declared_count=3,
        item_count=3,
    )
    session.add(batch)
    session.flush()
    for position, r in enumerate(records, start=1):
        session.add(HandoverItem(handover_id=batch.id, record_id=r.id, position=position, scanned=r.mrn))
    session.add(Shelf(project_id=project.id, barcode="SH-A01", place="库房 A 排 1 列"))
    box = Box(project_id=project.id, barcode="BX0001")
    session.add(box)
    session.flush()
    session.add(
        RecordCustody(project_id=project.id, record_id=records[0].id, state="out", checkout_id=batch.id, box_id=box.id)
    )
    session.commit()
    sign_in(client, custodian)
    return project, records, batch


def _decoded(pdf: bytes, dpi: int = 300) -> tuple[list[str], list[tuple[float, float]]]:
    doc = pdfium.PdfDocument(pdf)
    codes: list[str] = []
    sizes = []
    for page in doc:
        sizes.append(page.get_size())
        image = page.render(scale=dpi / 72).to_pil()
        codes += [b.text for b in zxingcpp.read_barcodes(image)]
    return codes, sizes


def _text(pdf: bytes) -> str:
    doc = pdfium.PdfDocument(pdf)
    return "".join(page.get_textpage().get_text_range() for page in doc)


def test_batch_labels_decode_back_to_the_same_codes(client: TestClient, labelled) -> None:
    project, records, batch = labelled
    home = client.get(f"/labels?kind=records&source=handover&handover={batch.id}")
    assert home.status_code == 200 and 'id="label-total"' in home.text
    r = client.get(f"/labels/print.pdf?kind=records&source=handover&handover={batch.id}&layout=a4_3x8")
    assert r.status_code == 200 and r.headers["content-type"] == "application/pdf"
    codes, sizes = _decoded(r.content)
    assert sorted(codes) == sorted(["00012345-1", "ZY-00012346-2", "A7781-1"])
    assert sizes == [pytest.approx((210 * MM, 297 * MM), abs=1)]
    text = _text(r.content)
    assert "张*" in text and "𠮷*" in text and "A.L." in text
    assert "张三丰" not in text and "三丰" not in text  # no full name travels on a label


def test_rare_characters_render_from_noto_cjk_not_tofu(client: TestClient, labelled) -> None:
    project, records, batch = labelled
    r = client.get(f"/labels/print.pdf?kind=records&source=handover&handover={batch.id}")
    with pikepdf.open(io.BytesIO(r.content)) as pdf:
        fonts = {  # chromium (Skia) embeds CFF fonts as Type 3 fonts whose descriptor names the face
            str(obj.get("/FontName"))
            for obj in pdf.objects
            if isinstance(obj, pikepdf.Dictionary) and obj.get("/Type") == "/FontDescriptor"
        }
    assert any("NotoSansCJK" in f for f in fonts), fonts
    cmap = TTCollection(NOTO).fonts[0].getBestCmap()
    assert all(ord(ch) in cmap for ch in "𠮷张*")


@pytest.mark.parametrize("layout", ["a4_2x7", "roll_60x40"])
def test_qr_labels_on_other_stocks(client: TestClient, labelled, layout: str) -> None:
    r = client.get(f"/labels/print.pdf?kind=records&source=all&layout={layout}&symbology=qr")
    assert r.status_code == 200
    codes, sizes = _decoded(r.content)
    assert sorted(codes) == sorted(["00012345-1", "ZY-00012346-2", "A7781-1"])
    stock = LAYOUTS[layout]
    assert all(size == pytest.approx((stock.page_w * MM, stock.page_h * MM), abs=1) for size in sizes)
    assert len(sizes) == (3 if layout == "roll_60x40" else 1)


def test_box_shelf_and_no_barcode_selections(client: TestClient, labelled) -> None:
    for query, expected in [
        ("kind=boxes", ["BX0001"]),
        ("kind=shelves", ["SH-A01"]),
        ("kind=records&source=no_barcode", ["00012345-1", "A7781-1"]),
    ]:
        r = client.get(f"/labels/print.pdf?{query}")
        assert r.status_code == 200, r.text
        assert sorted(_decoded(r.content)[0]) == expected


def test_routing_slip_carries_what_travels_with_the_paper(client: TestClient, labelled) -> None:
    project, records, batch = labelled
    page = client.get(f"/records/{records[0].id}/slip")
    assert page.status_code == 200
    for fact in ("00012345-1", "C00007", "BX0001", "张*"):
        assert fact in page.text
    assert "张三丰" not in page.text
    pdf = client.get(f"/records/{records[0].id}/slip.pdf")
    assert pdf.status_code == 200 and _decoded(pdf.content)[0] == ["00012345-1"]
    assert client.get(f"/records/{records[0].id}").text.count('id="slip-link"') == 1


def test_bad_requests_are_clear_and_never_500(client: TestClient, labelled, session: Session) -> None:
    project, records, batch = labelled
    for query in (
        "kind=people",
        "part=0",
        "part=abc",
        "layout=zzz",
        "symbology=ean",
        "handover=-5",
        "kind=" + "x" * 10_000,
    ):
        r = client.get(f"/labels/print.pdf?{query}")
        assert r.status_code == 422 and "从列表中选择" in r.text, query  # the labels page, its message in Chinese
    r = client.get("/labels/print?kind=records&source=handover")
    assert r.status_code == 422 and "请选择要打印标签的交接批次" in r.text
    r = client.get("/labels/print?kind=records&source=no_barcode&part=2")
    assert r.status_code == 422 and "该份不存在" in r.text
    other = make_project(session, code="P2")
    foreign = Record(project_id=other.id, mrn="999", visit=1)
    session.add(foreign)
    session.commit()
    assert client.get(f"/records/{foreign.id}/slip").status_code == 404
    assert client.get("/records/99999999999/slip").status_code in (404, 422)


def test_one_unprintable_code_never_stops_the_rest(client: TestClient, labelled, session: Session) -> None:
    project, records, batch = labelled
    long_mrn = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"  # 32 characters: the default pattern allows it
    session.add(Record(project_id=project.id, mrn=long_mrn, visit=1, patient_name="𠀀𠀁𠀂"))  # not in Noto CJK
    session.add(Record(project_id=project.id, mrn="Z9", visit=1000))  # the default pattern reads 1-3 digit visits
    session.add(Record(project_id=project.id, mrn="B77", visit=1, barcode="病案-8"))  # a custom pattern's barcode
    session.commit()
    r = client.get("/labels/print?kind=records&source=all&layout=roll_60x40")
    assert r.status_code == 200
    assert r.text.count('data-problem="too_long"') == 1 and r.text.count('data-problem="pattern"') == 1
    assert r.text.count('data-problem="not_code128"') == 1
    assert "𠀀" not in r.text and "<span>*</span>" in r.text  # no tofu: an undrawable surname is masked
    pdf = client.get("/labels/print.pdf?kind=records&source=all&layout=roll_60x40")
    decoded = _decoded(pdf.content)[0]
    assert sorted(decoded) == sorted(["00012345-1", "ZY-00012346-2", "A7781-1"])  # every printable one decodes
    qr = client.get("/labels/print.pdf?kind=records&source=all&layout=a4_3x8&symbology=qr")
    assert sorted(_decoded(qr.content)[0]) == sorted(
        ["00012345-1", "ZY-00012346-2", "A7781-1", f"{long_mrn}-1", "病案-8"]
    )
    assert client.get(f"/records/{records[0].id}/slip").status_code == 200


def test_a_hundred_thousand_labels_are_printed_in_parts(client: TestClient, labelled, session: Session) -> None:
    project, records, batch = labelled
    session.execute(
        insert(Record),
        [
            {
                "project_id": project.id,
                "mrn": f"9{i:07d}",
                "visit": 1,
                "status": "registered",
                "created_at": datetime.now(UTC),
            }
            for i in range(100_000)
        ],
    )
    session.commit()
    home = client.get("/labels?kind=records&source=no_barcode")
    assert "100,002" in home.text and home.text.count('class="pdf-link"') == 102
    last = client.get("/labels/print?kind=records&source=no_barcode&part=102")
    assert last.status_code == 200 and last.text.count('class="label code128"') == 100_002 - 101 * 984
    assert client.get("/labels/print?kind=records&source=no_barcode&part=103").status_code == 422
