"""The delivered page (qc.processing): upright, cropped to the paper with an even margin, the right way round,
resolution written, colour and ICC kept; the full frame kept where the outline is uncertain."""

import io
from dataclasses import replace

import numpy as np
import pytest
from PIL import Image, ImageCms

import qc
from bench.qc.generator import PageSpec, photograph, random_spec, render_jpeg, render_paper, render_scan
from qc.errors import QCInputError
from qc.processing import Settings, jp2_available, process

FRAME = (2000, 1500)


def _marked_page(angle: float = 4.0, seed: int = 3) -> tuple[np.ndarray, object]:
    """A photographed page (BGR) with a black square in its top-left corner, to tell which way round it is."""
    spec = PageSpec(seed=seed, layout="text", angle_deg=angle, frame_wh=FRAME, page_fill=0.8, perspective=0.01)
    paper = render_paper(spec, spec.page_fill * FRAME[1] / spec.paper_mm[1])
    h, w = paper.shape[:2]
    paper[int(0.06 * h) : int(0.16 * h), int(0.08 * w) : int(0.22 * w)] = 0
    return photograph(paper, spec)


def _jpeg(bgr: np.ndarray, orientation: int = 1, **kw) -> bytes:
    im = Image.fromarray(np.ascontiguousarray(bgr[..., ::-1]))
    exif = Image.Exif()
    if orientation != 1:
        exif[0x0112] = orientation
    out = io.BytesIO()
    im.save(out, "JPEG", quality=92, exif=exif.tobytes(), **kw)
    return out.getvalue()


def _open(data: bytes) -> Image.Image:
    im = Image.open(io.BytesIO(data))
    im.load()
    return im


def _mark_quadrant(im: Image.Image) -> tuple[int, int]:
    """(row, column) of the darkest quadrant's centre of mass of black pixels: (0, 0) is top-left."""
    g = np.asarray(im.convert("L"))
    ys, xs = np.nonzero(g < 40)
    return int(ys.mean() > g.shape[0] / 2), int(xs.mean() > g.shape[1] / 2)


def _process(data: bytes, settings: Settings | None = None):
    return process(data, qc.check(data, {"min_dpi": 60}).metrics, settings)


def test_page_is_cropped_upright_with_even_margin_and_dpi_written():
    frame, truth = _marked_page(angle=6.0)
    data = _jpeg(frame)
    out = _process(data)
    im = _open(data=out.data)
    assert (im.width, im.height) == (out.width, out.height)
    # cropped: the page's size plus a 3 mm margin on each side, A4 proportions, far smaller than the frame
    margin = 3.0 / 25.4 * out.dpi
    assert abs((out.height - 2 * margin) / (out.width - 2 * margin) - 297 / 210) < 0.01
    assert out.width * out.height < 0.5 * FRAME[0] * FRAME[1]
    assert out.dpi == pytest.approx(truth.dpi, rel=0.01)
    assert im.info["dpi"][0] == pytest.approx(round(out.dpi), abs=0.6)  # JFIF density is whole dots per inch
    # upright: qc measures no skew left; the mark is top-left; colour is kept (the red stamp survives)
    assert abs(qc.check(out.data, {"min_dpi": 60}).skew_deg) < 0.1
    assert _mark_quadrant(im) == (0, 0)
    assert im.mode == "RGB"
    # the margin is an even band of mat: its mean is dark on all four sides, the page inside is bright
    g = np.asarray(im.convert("L")).astype(float)
    m = int(margin * 0.6)
    for band in (g[:m, m:-m], g[-m:, m:-m], g[m:-m, :m], g[m:-m, -m:]):
        assert band.mean() < 90
    assert g[int(margin) + 10 : -int(margin) - 10, int(margin) + 10 : -int(margin) - 10].mean() > 150
    kinds = [s["step"] for s in out.steps]
    assert kinds[:2] == ["orientation", "perspective_crop"] and not out.needs_look


@pytest.mark.parametrize("orientation", [3, 6, 8, 2])
def test_exif_orientation_is_applied(orientation):
    frame, _ = _marked_page(angle=-3.0, seed=5)
    stored = {
        3: np.rot90(frame, 2),
        6: np.rot90(frame, 1),  # the viewer turns it 90° clockwise
        8: np.rot90(frame, -1),
        2: frame[:, ::-1],
    }[orientation]
    out = _process(_jpeg(stored, orientation))
    im = _open(out.data)
    assert im.height > im.width  # an A4 page stands upright
    assert _mark_quadrant(im) == (0, 0)
    assert out.steps[0] == {"step": "orientation", "exif_orientation": orientation}


def test_icc_profile_is_kept_and_srgb_assigned_otherwise():
    frame, _ = _marked_page()
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()  # lcms's own date: not the assigned one
    out = _process(_jpeg(frame, icc_profile=icc))
    assert out.icc == "kept" and _open(out.data).info["icc_profile"] == icc
    png = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(frame[..., ::-1])).save(png, "PNG")
    out = _process(png.getvalue())
    srgb = ImageCms.ImageCmsProfile(io.BytesIO(_open(out.data).info["icc_profile"]))
    assert out.icc == "srgb_assigned" and "sRGB" in ImageCms.getProfileDescription(srgb)


def test_uncertain_outline_keeps_the_full_frame_and_asks_for_a_look():
    spec = random_spec(9, "clipped", frame_wh=FRAME)  # the top of the page runs off the frame
    data, _ = render_jpeg(spec)
    metrics = qc.check(data, {"min_dpi": 60}).metrics
    assert metrics["page_corners"] is not None and not metrics["outline_certain"]
    out = process(data, metrics)
    assert out.needs_look
    assert out.width >= FRAME[0] and out.height >= FRAME[1]  # nothing cut; a deskew only grows the canvas
    assert "full_frame_kept" in [s["step"] for s in out.steps]


def test_scan_without_mat_is_deskewed_by_the_measured_angle():
    data, angle = render_scan(4, 150, angle_deg=2.0)
    metrics = qc.check(data).metrics
    out = process(data, metrics)
    assert not out.needs_look
    deskew = next(s for s in out.steps if s["step"] == "deskew")
    assert deskew["angle_deg"] == pytest.approx(angle, abs=0.2)
    assert out.colour_mode == "L" and _open(out.data).mode == "L"
    assert abs(qc.check(out.data).skew_deg) < 0.15
    assert out.dpi == pytest.approx(150, abs=1)


def test_lossless_tiff_and_jpeg2000():
    frame, _ = _marked_page()
    data = _jpeg(frame)
    out = _process(data, Settings(format="tiff"))
    im = _open(out.data)
    assert out.media_type == "image/tiff" and im.info["compression"] == "tiff_adobe_deflate"
    assert im.info["dpi"][0] == pytest.approx(out.dpi, abs=0.05)
    if jp2_available():
        out2 = _process(data, Settings(format="jp2"))
        j = _open(out2.data)
        assert out2.media_type == "image/jp2" and j.size == im.size
        assert j.info["dpi"][0] == pytest.approx(out.dpi, abs=0.05)
        assert np.array_equal(np.asarray(j), np.asarray(im))  # lossless: the same pixels as the TIFF


def test_fingerprint_names_the_settings():
    a = Settings()
    assert a.fingerprint() == Settings().fingerprint()
    assert a.fingerprint() != replace(a, jpeg_quality=90).fingerprint()
    assert a.fingerprint() != replace(a, margin_mm=5.0).fingerprint()
    assert a.fingerprint() != replace(a, paper_mm=(216.0, 279.0)).fingerprint()
    assert Settings(format="tiff", jpeg_quality=70).fingerprint() == Settings(format="tiff").fingerprint()
    with pytest.raises(ValueError):
        Settings(format="gif")


def test_unreadable_master_is_refused():
    with pytest.raises(QCInputError):
        process(b"\xff\xd8\xff\xe0 not really", {})


def test_a_copy_made_again_is_the_same_file() -> None:
    """A processed copy is stored under its SHA-256: made again (a lost file, another process, a later second) it
    must be byte for byte the same, also when sRGB is assigned (lcms stamps its profile with the time)."""
    import subprocess
    import sys

    from qc.icc import srgb

    other = subprocess.run(
        [sys.executable, "-c", "import time; time.sleep(1.1); from qc.icc import srgb; print(srgb().hex())"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()
    assert other == srgb().hex()
