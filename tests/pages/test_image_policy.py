"""The image policy's examples from issue 13, each with its right value, through the real server: upload, view,
thumbnail and the PDF page the delivery builds; and the property that whatever is accepted renders everywhere."""

import io
import uuid
from itertools import count
from pathlib import Path

import cv2
import numpy as np
import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image
from sqlalchemy import Engine, func
from sqlmodel import Session, select

from app.accounts.models import Role
from app.delivery.package import PlannedImage, PlannedRecord, record_pdf
from app.pages.models import PageImage
from app.records.thumbnails import render
from qc import imagefile, renditions
from qc.errors import QCInputError
from tests.factories import page_jpeg, signed_in_station, upload
from tests.pages.variants import (
    FORMAT_MODES,
    TIFF_COMPRESSIONS,
    UNDO,
    Variant,
    encode,
    exif_bytes,
    pdf_pages,
    rgb_of,
    same_picture,
)
from tests.production.helpers import sign_in, web_user


def _page_of(seed: int, orientation: int = 1, fmt: str = "JPEG", mode: str = "RGB") -> tuple[bytes, np.ndarray]:
    """A realistic page photo (QC passes it) stored turned by the inverse of `orientation`, with the tag set."""
    upright = Image.open(io.BytesIO(page_jpeg(seed))).convert(mode if mode != "I;16" else "L")
    want = np.asarray(upright.convert("RGB"))
    stored = upright.transpose(UNDO[orientation]) if orientation in UNDO else upright
    out = io.BytesIO()
    if mode == "I;16":
        stored = Image.fromarray(np.asarray(stored).astype(np.uint16) * 257)
    kw = {"exif": exif_bytes(orientation)} if orientation != 1 and fmt != "TIFF" else {}
    if fmt == "TIFF" and orientation != 1:
        kw["tiffinfo"] = {274: orientation}
    stored.save(out, fmt, **kw)
    return out.getvalue(), want


def _pdf_of(data: bytes) -> bytes:
    plan = PlannedRecord(1, "00000001_1", [PlannedImage("x", "0" * 64, Path("x"), 1, "首页")], "pdf/x.pdf")
    return record_pdf(plan, [data])


@pytest.fixture
def viewer(client: TestClient, session: Session):
    """The station that uploads and a signed-in manager who may see images (same project)."""
    auth = signed_in_station(client, session)
    from app.projects.models import Project

    project = session.get(Project, auth.project_id)
    web_user(session, project, "qc1", Role.vendor_qc)
    client.cookies.clear()
    sign_in(client, "qc1")
    yield auth
    client.cookies.clear()


def _shown(client: TestClient, page_id: int) -> np.ndarray:
    r = client.get(f"/pages/{page_id}/image?version=master")  # the master as the policy reads it
    assert r.status_code == 200, r.text
    return rgb_of(r.content)


@pytest.mark.parametrize("orientation", [2, 4, 5, 7, 6, 8, 3])
def test_mirrored_and_turned_exif_pages_are_delivered_right_way_round(
    client: TestClient, viewer, orientation: int
) -> None:
    data, want = _page_of(orientation, orientation)
    r = upload(client, viewer, data, page=orientation)
    assert r.status_code == 201, r.text
    assert r.json()["verdict"] == "pass", r.json()  # checked upright: not skewed, not cut off
    page_id = r.json()["page_id"]
    ok, why = same_picture(_shown(client, page_id), want)
    assert ok, f"view: {why}"
    ok, why = same_picture(rgb_of(client.get(f"/pages/{page_id}/thumb.jpg?version=master").content), want)
    assert ok, f"thumbnail: {why}"
    pages = pdf_pages(_pdf_of(data))
    ok, why = same_picture(pages[0], want)
    assert len(pages) == 1 and ok, f"pdf: {why}"


def test_mpo_camera_jpeg_is_accepted_and_its_main_image_is_the_page(client: TestClient, viewer, db: Engine) -> None:
    main = Image.open(io.BytesIO(page_jpeg(21)))
    preview = main.resize((main.width // 8, main.height // 8))
    out = io.BytesIO()
    main.save(out, "MPO", save_all=True, append_images=[preview], quality=92)
    data = out.getvalue()
    assert Image.open(io.BytesIO(data)).format == "MPO"
    r = upload(client, viewer, data, page=1)
    assert r.status_code == 201, r.text  # was 415
    with Session(db) as s:
        image = s.get(PageImage, r.json()["image_id"])
        assert (image.media_type, image.width, image.height) == ("image/jpeg", main.width, main.height)
    pages = pdf_pages(_pdf_of(data))
    assert len(pages) == 1  # the camera's preview image is not a second page
    ok, why = same_picture(pages[0], np.asarray(main.convert("RGB")))
    assert ok, why


@pytest.mark.parametrize("fmt", ["PNG", "TIFF"])
def test_16_bit_grey_scan_shows_correctly_in_view_thumbnail_and_pdf(client: TestClient, viewer, fmt: str) -> None:
    data, want = _page_of(31, 1, fmt, "I;16")
    assert Image.open(io.BytesIO(data)).mode.startswith("I;16")
    r = upload(client, viewer, data, page=1)
    assert r.status_code == 201, r.text
    page_id = r.json()["page_id"]
    for name, got in (
        ("view", _shown(client, page_id)),
        ("thumbnail", rgb_of(client.get(f"/pages/{page_id}/thumb.jpg?version=master").content)),
        ("pdf", pdf_pages(_pdf_of(data))[0]),
    ):
        assert got.mean() < 250, f"{name} is white"
        ok, why = same_picture(got, want)
        assert ok, f"{name}: {why}"


def test_invalid_orientation_values_read_upright() -> None:
    for value in (0, 9, 255, "garbage"):
        data, want = encode(Variant("JPEG", "RGB", value))
        assert imagefile.probe(data).orientation == 1
        ok, why = same_picture(imagefile.read(data).array, want)
        assert ok, f"{value}: {why}"
        assert len(pdf_pages(_pdf_of(data))) == 1


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "TIFF"])
@pytest.mark.parametrize("trailing", [b"\x00" * 512, b"TRAILER" * 9, b"\xff\xd8\xff\xe0junk"])
def test_bytes_after_the_end_are_ignored_everywhere(fmt: str, trailing: bytes) -> None:
    data, want = encode(Variant(fmt, "RGB", trailing=trailing))
    assert imagefile.probe(data).main_end <= len(data) - len(trailing)
    for name, got in (
        ("read", imagefile.read(data).array),
        ("thumbnail", rgb_of(renditions.thumbnail_jpeg(data))),
        ("pdf", pdf_pages(_pdf_of(data))[0]),
    ):
        ok, why = same_picture(got, want)
        assert ok, f"{name}: {why}"


def test_same_picture_can_fail() -> None:
    """The pixel check tells a mirrored, turned or blank page from the right one."""
    _, want = encode(Variant("PNG", "RGB"))
    assert not same_picture(want[:, ::-1], want)[0]
    assert not same_picture(np.rot90(want), want)[0]
    assert not same_picture(np.full_like(want, 255), want)[0]
    assert same_picture(want, want)[0]


def _rows_and_files(db: Engine, image_store: Path) -> tuple[int, int]:
    with Session(db) as s:
        rows = s.exec(select(func.count()).select_from(PageImage)).one()
    return rows, sum(1 for p in image_store.rglob("*") if p.is_file() and len(p.name) == 64)


REFUSED = [
    (lambda: encode(Variant("TIFF", "L", frames=2))[0], 422, "multi_page_image"),
    (lambda: encode(Variant("PNG", "RGB", frames=2))[0], 422, "multi_page_image"),
    (lambda: encode(Variant("JPEG", "RGB", cut=True))[0], 422, "image_truncated"),
    (lambda: encode(Variant("PNG", "RGB", cut=True))[0], 422, "image_truncated"),
    (lambda: encode(Variant("PNG", "RGB", cut=True, trailing=b"\x00" * 64))[0], 422, "image_truncated"),
    (lambda: _gif(), 415, "unsupported_media_type"),
    (lambda: _float_tiff(), 415, "unsupported_image_variant"),
    (lambda: _deep_png(7500, 7500), 413, "decoded_too_large"),
    (lambda: _short_png(0), 422, "undecodable_image"),  # a grey scan: qc's fast PNG path
    (lambda: _short_png(2), 422, "undecodable_image"),
]


def _gif() -> bytes:
    out = io.BytesIO()
    Image.new("P", (40, 40)).save(out, "GIF")
    return out.getvalue()


def _float_tiff() -> bytes:
    out = io.BytesIO()
    Image.fromarray(np.ones((40, 40), np.float32)).save(out, "TIFF")
    return out.getvalue()


def _short_png(colour_type: int) -> bytes:
    """A page as a grey (0) or RGB (2) PNG whose image data stops at the end of a row, 200 rows before the header's
    last, its CRCs right: Pillow read it with those rows black (qc.pngdata.require_rows)."""
    import struct
    import zlib

    grey = cv2.cvtColor(cv2.imdecode(np.frombuffer(page_jpeg(11), np.uint8), cv2.IMREAD_COLOR), cv2.COLOR_BGR2GRAY)
    px = grey if colour_type == 0 else cv2.merge([grey, grey, grey])
    raw = b"".join(b"\x00" + row.tobytes() for row in px[:-200])
    ihdr = struct.pack(">IIBBBBB", px.shape[1], px.shape[0], 8, colour_type, 0, 0, 0)
    body = [(b"IHDR", ihdr), (b"IDAT", zlib.compress(raw)), (b"IEND", b"")]
    return b"\x89PNG\r\n\x1a\n" + b"".join(
        struct.pack(">I", len(b)) + k + b + struct.pack(">I", zlib.crc32(k + b)) for k, b in body
    )


def _deep_png(width: int, height: int) -> bytes:
    """A 16-bit RGBA PNG (8 bytes a pixel decoded) of one colour: small on disk, width x height x 8 decoded."""
    import struct
    import zlib

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)

    comp = zlib.compressobj(9)
    row = b"\x00" + b"\xff" * (width * 8)
    idat = b"".join(comp.compress(row) for _ in range(height)) + comp.flush()
    ihdr = struct.pack(">IIBBBBB", width, height, 16, 6, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


@pytest.mark.parametrize(("make", "status", "code"), REFUSED)
def test_refused_variants_answer_their_code_and_write_nothing(
    client: TestClient, session: Session, db: Engine, image_store: Path, make, status: int, code: str
) -> None:
    auth = signed_in_station(client, session)
    before = _rows_and_files(db, image_store)
    r = upload(client, auth, make(), page=1)
    assert (r.status_code, r.json()["error"]) == (status, code), r.text
    assert _rows_and_files(db, image_store) == before


def test_decoded_bytes_limit_is_checked_from_the_header_alone() -> None:
    data = _deep_png(7500, 7500)  # 56 MP (under the pixel limit), 450 MB decoded
    with pytest.raises(QCInputError) as exc:
        imagefile.probe(data, imagefile.Limits(max_pixels=80_000_000))
    assert exc.value.code == "decoded_too_large"


# ---- the property: refused with a clear code and nothing written, or rendered correctly everywhere -------------

ORIENTATIONS = st.sampled_from([1, 2, 3, 4, 5, 6, 7, 8, 0, 9, "garbage"])


@st.composite
def variants(draw) -> Variant:
    fmt = draw(st.sampled_from(list(FORMAT_MODES)))
    mode = draw(st.sampled_from(FORMAT_MODES[fmt]))
    orientation = draw(ORIENTATIONS)
    if fmt == "TIFF" and (orientation == "garbage" or mode == "RGB16"):
        orientation = 1
    compression = draw(st.sampled_from(TIFF_COMPRESSIONS)) if fmt == "TIFF" else None
    if fmt == "TIFF" and orientation in (0, 9):
        compression = None
    frames = 1 if mode == "RGB16" else draw(st.sampled_from([1, 1, 2]))
    return Variant(
        fmt,
        mode,
        orientation,
        size=(draw(st.integers(24, 260)), draw(st.integers(24, 260))),
        frames=frames,
        trailing=draw(st.sampled_from([b"", b"\x00" * 64, b"TRAILER" * 9])),
        progressive=fmt == "JPEG" and draw(st.booleans()),
        icc=draw(st.booleans()),
        compression=compression,
        cut=draw(st.sampled_from([False, False, False, True])),
    )


_numbers = count(1)


@settings(max_examples=60, derandomize=True, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(v=variants())
def test_accepted_means_rendered_right_everywhere(
    client: TestClient, session: Session, db: Engine, image_store: Path, v: Variant
) -> None:
    auth = signed_in_station(client, session, code=f"V{uuid.uuid4().hex[:6]}", username=f"op{uuid.uuid4().hex[:6]}")
    data, want = encode(v)
    before = _rows_and_files(db, image_store)
    r = upload(client, auth, data, page=next(_numbers))
    if v.expected_refusal:
        assert r.status_code in (413, 415, 422), (v, r.text)
        expected = {"truncated": "image_truncated", "multi_page": "multi_page_image"}[v.expected_refusal]
        assert r.json()["error"] == expected, (v, r.text)
        assert _rows_and_files(db, image_store) == before
        return
    assert r.status_code == 201, (v, r.text)
    facts = imagefile.probe(data)
    display = render("display", data, max_pixels=60_000_000, max_decoded_bytes=400 << 20)
    shown = rgb_of(display) if display else rgb_of(data)  # b"": the browser shows the file itself
    assert display or facts.exif_orientation in (None, 1)
    for name, got in (
        ("view", shown),
        ("thumbnail", rgb_of(render("thumb", data, max_pixels=60_000_000, max_decoded_bytes=400 << 20))),
    ):
        ok, why = same_picture(got, want)
        assert ok, (v, name, why)
    pages = pdf_pages(_pdf_of(data))
    ok, why = same_picture(pages[0], want)
    assert len(pages) == 1 and ok, (v, "pdf", why)
