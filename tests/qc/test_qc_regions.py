"""qc on what real photographs show: large lossless scans, partial defocus, motion, objects over the page,
verdicts that carry their figures, and where the skew came from."""

from __future__ import annotations

import io
import math
from dataclasses import replace

import cv2
import numpy as np
import pytest
from PIL import Image, ImageDraw

import qc
from bench.qc.generator import hand_shadow
from qc.messages import REASONS, detail
from tests.qc.helpers import SMALL


def _scan(seed: int, dpi: float, bits: int, paper_mm=(210.0, 297.0)) -> bytes:
    from bench.qc.generator import render_scan

    return render_scan(seed, dpi, bits=bits, paper_mm=paper_mm)[0]


def test_large_crisp_bilevel_scan_is_not_blurred() -> None:
    """A 1-bit A4 scan at ~528 dpi (4365x6174, decoded at 1/4): the measurement floor must not grow with it."""
    data = _scan(11, 528.0, bits=1)
    rep = qc.check(data)
    assert rep.height > 6000 and rep.metrics["work_scale"] == pytest.approx(4.0, abs=0.01)
    assert "blur" not in rep.reasons, rep.metrics
    assert rep.metrics["blur_px"] < 1.0 and rep.metrics["blur_region_share"] < 0.05


@pytest.mark.xfail(
    strict=True,
    reason="open (session 27): a bilevel image has no grey ramps, so its edge profiles read 0.63 px whatever "
    "blurred the page before its threshold; blur in it shows only in the strokes' shapes, which qc does not read",
)
@pytest.mark.parametrize("sigma", [3.0, 6.0])
def test_a_page_blurred_before_its_black_and_white_threshold_fails_for_blur(sigma: float) -> None:
    """The A5 600 dpi grey scan blurred by sigma (600 dpi pixels), then cut to black and white at half grey as a
    scanner's or a document camera's bilevel mode does (DA/T 31 allows bilevel for pages of text): the body text
    falls apart into slivers (sigma 3 and more), the grey file fails for blur (2.6 px at sigma 3), the bilevel
    one passes with the crisp scan's 0.63 px."""
    grey = cv2.imdecode(np.frombuffer(_scan(12, 600.0, bits=8, paper_mm=(148.0, 210.0)), np.uint8), 0)
    buf = io.BytesIO()
    Image.fromarray(cv2.GaussianBlur(grey, (0, 0), sigma) >= 128).save(buf, "PNG", dpi=(600, 600))
    rep = qc.check(buf.getvalue())
    assert "blur" in rep.reasons, rep.metrics


@pytest.mark.parametrize(("seed", "layout"), [(1, "form"), (3, "form"), (2, "sparse")])
def test_a_600_dpi_scan_without_a_stated_resolution_is_judged_as_600_dpi(seed: int, layout: str) -> None:
    """An 8-bit A4 scan at 600 dpi with a scanner's softness (sigma 0.8 px) passes when its file states 600 dpi
    (the blur limits grow with the resolution), but one without a dpi tag (or with a placeholder 72) was held to
    the 300 dpi limits and failed for blur (1.04-1.15 px). A page filling a frame of the paper's shape is that
    paper, for the blur limits only: the resolution rule is not applied to the guess."""
    from bench.qc.generator import render_scan

    img = cv2.imdecode(np.frombuffer(render_scan(seed, 600.0, bits=8, layout=layout)[0], np.uint8), 0)
    rep = qc.check(cv2.imencode(".png", cv2.GaussianBlur(img, (0, 0), 0.8))[1].tobytes())
    assert rep.verdict == "pass", rep.metrics
    assert rep.metrics["blur_dpi"] == pytest.approx(600.0, rel=0.01) and rep.metrics["dpi"] is None


def test_grey_600_dpi_scan_passes() -> None:
    rep = qc.check(_scan(12, 600.0, bits=8, paper_mm=(148.0, 210.0)))
    assert rep.verdict == "pass", rep.metrics
    assert rep.metrics["dpi"] == pytest.approx(600.0) and rep.metrics["full_frame"] is True


def _soft_scan(sigma: float, dpi: float = 600.0, stated: float | None = None) -> bytes:
    """The A5 600 dpi grey scan blurred by sigma (600 dpi pixels), saved at `dpi` (300: halved by area)."""
    grey = cv2.imdecode(np.frombuffer(_scan(12, 600.0, bits=8, paper_mm=(148.0, 210.0)), np.uint8), 0)
    grey = cv2.GaussianBlur(grey, (0, 0), sigma)
    if dpi != 600.0:
        grey = cv2.resize(grey, None, fx=dpi / 600.0, fy=dpi / 600.0, interpolation=cv2.INTER_AREA)
    buf = io.BytesIO()
    Image.fromarray(grey).save(buf, "PNG", dpi=(stated or dpi, stated or dpi))
    return buf.getvalue()


def test_blur_limits_hold_on_the_paper_at_any_resolution() -> None:
    """A 600 dpi scanner's softness of 1.6 px is 0.8 px at 300 dpi: the same page on paper passes at both
    resolutions (it failed at 600 dpi, its pixels being half as wide); a scan blurred past reading still fails,
    and the message gives the limit at its resolution."""
    for dpi in (600.0, 300.0):
        rep = qc.check(_soft_scan(1.6, dpi))
        assert rep.metrics["dpi"] == pytest.approx(dpi) and "blur" not in rep.reasons, (dpi, rep.metrics)
    soft = qc.check(_soft_scan(6.0))
    assert "blur" in soft.reasons, soft.metrics
    msg = next(m for m in soft.messages if m["code"] == "blur")
    assert "2.0 px allowed at 600 dpi" in msg["en"] and "600 dpi 下允许 2.0 像素" in msg["zh"], msg
    assert qc.default_profile().blur_allowance(600.0) == 2.0 and qc.default_profile().blur_allowance(200.0) == 1.0
    assert qc.default_profile().blur_allowance(None) == 1.0


def test_a_resolution_the_page_cannot_have_does_not_relax_the_blur_limits() -> None:
    """2400 dpi stated on the A5 scan's pixels would be a 52 mm page: the header is wrong, the limits stay at the
    reference (the blurred scan passed with it); the dpi is still reported as stated."""
    for sigma in (3.0, 6.0):
        rep = qc.check(_soft_scan(sigma, stated=2400.0))
        assert rep.metrics["dpi"] == pytest.approx(2400.0) and rep.metrics["blur_dpi"] is None
        assert "blur" in rep.reasons, (sigma, rep.metrics)
    honest = qc.check(_soft_scan(1.6))
    assert honest.metrics["blur_dpi"] == pytest.approx(600.0) and "blur" not in honest.reasons


def test_sharp_page_has_no_blurred_region(page_jpeg) -> None:
    rep = qc.check(page_jpeg(seed=1, layout="text", angle_deg=0.4)[0], SMALL)
    assert rep.metrics["blur_region_share"] == 0.0 and rep.metrics["sharpness_cells"] > 20
    assert "blur" not in rep.reasons


@pytest.mark.parametrize(("seed", "angle", "layout"), [(61, 0.0, "text"), (62, 180.0, "form"), (63, 270.0, "dense")])
def test_partial_defocus_fails_with_its_region(page_jpeg, seed: int, angle: float, layout: str) -> None:
    """Half the page out of focus (a depth gradient) fails for blur though the sharp half passes on its own;
    the region box lies in the defocused half (full-image pixels)."""
    data, truth = page_jpeg(seed=seed, layout=layout, defocus_sigma=5.0, defocus_angle_deg=angle, defocus_start=0.3)
    assert truth.extras["defocused_share"] >= 0.3
    rep = qc.check(data, SMALL)
    assert "blur" in rep.reasons, rep.metrics
    assert rep.metrics["blur_region_share"] >= 0.2
    x0, y0, x1, y1 = rep.metrics["blur_region"]
    assert 0 <= x0 < x1 <= rep.width and 0 <= y0 < y1 <= rep.height
    cx, cy = (x0 + x1) / 2 / rep.width - 0.5, (y0 + y1) / 2 / rep.height - 0.5
    towards = (math.cos(math.radians(angle)), -math.sin(math.radians(angle)))
    assert cx * towards[0] + cy * towards[1] > 0, rep.metrics["blur_region"]
    msg = next(m for m in rep.messages if m["code"] == "blur")
    assert msg["zh"].startswith(REASONS["blur"][0]) and "%" in msg["en"]


@pytest.mark.parametrize(("length", "angle"), [(8.0, 30.0), (12.0, 100.0), (16.0, 150.0)])
def test_motion_blur_on_12mp_frames(page_jpeg, length: float, angle: float) -> None:
    data, _ = page_jpeg(seed=64, layout="text", motion_px=length, motion_angle_deg=angle, frame_wh=(4000, 3000))
    rep = qc.check(data, SMALL)
    assert "blur" in rep.reasons and "blank" not in rep.reasons, rep.metrics


def _smeared_sheet(length: float, angle: float, lines: int = 17) -> np.ndarray:
    """A sparse sheet of faint print on a dark desk, smeared by a camera movement of `length` px."""
    from bench.qc.generator import _font, _motion_kernel, _random_text

    rng = np.random.default_rng(3)
    img = np.full((1500, 2000), 40, np.uint8)
    paper = Image.new("L", (900, 1300), 236)
    d = ImageDraw.Draw(paper)
    for i in range(lines):
        d.text((60, 60 + i * 70), _random_text(rng, 48), font=_font(16, 0), fill=165)
    img[100:1400, 550:1450] = np.asarray(paper)
    if length:
        img = cv2.filter2D(img.astype(np.float32), -1, _motion_kernel(length, angle))
    return np.clip(img + rng.normal(0, 1.5, img.shape), 0, 255).astype(np.uint8)


@pytest.mark.parametrize(("length", "angle"), [(40.0, 90.0), (40.0, 75.0)])
def test_smeared_print_is_blur_not_blank(length: float, angle: float) -> None:
    """Movement smears small print until no stroke is left (ink ratio ~0): the operator is told it moved."""
    rep = qc.check(_smeared_sheet(length, angle), SMALL)
    assert rep.metrics["ink_ratio"] < qc.default_profile().min_ink_ratio
    assert "blur" in rep.reasons and "blank" not in rep.reasons, rep.metrics


def test_more_blur_over_a_region_never_passes_what_less_blur_failed() -> None:
    """The lower 45 % of a 12 MP page defocused: at sigma 3 it fails; at 6 and 8 its strokes merge past any edge
    the centre of a cell can follow, and those cells fell silent, so the region looked smaller and the page
    passed (share 0.18). Silent cells beside the blurred ones are scored over their whole area now."""
    from bench.qc.generator import PageSpec, render_jpeg

    data, truth = render_jpeg(PageSpec(seed=3, layout="text"))
    img = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    top, bottom = min(c[1] for c in truth.corners), max(c[1] for c in truth.corners)
    y0 = int(bottom - 0.45 * (bottom - top))
    for sigma in (3.0, 6.0, 8.0):
        out = img.copy()
        out[y0:] = cv2.GaussianBlur(img, (0, 0), sigma)[y0:]
        rep = qc.check(cv2.imencode(".jpg", out, [cv2.IMWRITE_JPEG_QUALITY, 90])[1].tobytes())
        assert "blur" in rep.reasons and rep.metrics["blur_region_share"] >= 0.2, (sigma, rep.metrics)
        assert rep.metrics["blur_region"][1] >= y0 - 300  # the box lies over the defocused part (one cell of slack)


def test_smeared_blank_sheet_stays_blank() -> None:
    """Its outline ramps as a moved page's does (qc.paperedge), but no print says the camera moved."""
    rep = qc.check(_smeared_sheet(40.0, 90.0, lines=0), SMALL)
    assert rep.reasons == ["blank"], rep.metrics


@pytest.mark.parametrize(
    ("occluder", "side", "layout"),
    [("finger", 0, "text"), ("thumb", 1, "form"), ("phone", 2, "text"), ("pen", 3, "form"), ("finger", 1, "dense")],
)
def test_object_over_the_page_is_occluded(page_jpeg, occluder: str, side: int, layout: str) -> None:
    data, truth = page_jpeg(
        seed=70 + side, layout=layout, occluder=occluder, occluder_side=side, occluder_pos=0.45, occluder_reach=0.3
    )
    rep = qc.check(data, SMALL)
    assert "occluded" in rep.reasons, rep.metrics
    assert rep.metrics["occluded_share"] == pytest.approx(truth.extras["occluded_share"], rel=0.6)
    x0, y0, x1, y1 = rep.metrics["occlusion_box"]
    assert 0 <= x0 < x1 <= rep.width and 0 <= y0 < y1 <= rep.height
    assert rep.metrics["occluded_sides"] == [("top", "right", "bottom", "left")[side]]
    msg = next(m for m in rep.messages if m["code"] == "occluded")
    assert msg["zh"].startswith(REASONS["occluded"][0]) and "%" in msg["en"]


@pytest.mark.parametrize("seed", [7000, 7002, 7003])
def test_object_from_a_frame_side_is_not_also_cut_off(seed: int) -> None:
    """A thumb reaching in from the frame joins the paper to that side: the verdict names the thumb only (these
    generated pages used to fail `cut_off` too, telling the operator to move a page that lay whole in the frame),
    and the paper's own outline is found without it (it used to be lost: no page, no outline dpi, no skew from
    the edges)."""
    from bench.qc.generator import random_spec, render_jpeg

    data, _truth = render_jpeg(random_spec(seed, "occluded"))
    rep = qc.check(data)
    assert rep.reasons == ["occluded"], rep.metrics
    assert rep.metrics["page_found"] and rep.metrics["skew_source"] == "page_edges", rep.metrics
    assert rep.metrics["edge_contact_sides"] == [0.0, 0.0, 0.0, 0.0]  # the paper does not touch the frame


@pytest.mark.parametrize(
    ("seed", "occluder", "side", "pos", "reach"),
    [
        (7001, "finger", 1, 0.6, 0.3),
        (7001, "finger", 2, 0.3, 0.2),
        (7001, "thumb", 0, 0.3, 0.4),
        (7001, "thumb", 3, 0.3, 0.3),
        (7002, "finger", 0, 0.6, 0.25),
    ],
)
def test_a_finger_lit_brighter_than_the_background_is_occluded_not_cut_off(
    seed: int, occluder: str, side: int, pos: float, reach: float
) -> None:
    """A skin-coloured finger or thumb over a dark mat is brighter than the mat: it joined the paper's bright
    region, reached the frame's edge, and the page was called `cut_off` ("move the page into the frame") while
    it lay whole in the frame with a finger on its text (a sweep of 128 such pages: 96 `cut_off`, now 126
    `occluded`, 2 passed whose thumb lies over a printed line). The verdict is `occluded`, from the right side."""

    from bench.qc.generator import object_spec, render_jpeg

    spec = object_spec(seed, occluder, side, pos, reach)
    data, truth = render_jpeg(spec)
    rep = qc.check(data)
    assert rep.reasons == ["occluded"], rep.metrics
    assert rep.metrics["occluded_sides"] == [("top", "right", "bottom", "left")[side]]
    assert rep.metrics["occluded_share"] == pytest.approx(truth.extras["occluded_share"], rel=0.6)


@pytest.mark.parametrize(
    ("seed", "side", "pos", "reach"),
    [
        (30002, 1, 0.2032, 0.3499),
        (30018, 0, 0.2549, 0.2715),
        (30014, 3, 0.4217, 0.1210),
        (30058, 2, 0.2412, 0.2404),
    ],
)
def test_a_phone_over_a_corner_of_the_page_is_occluded(seed: int, side: int, pos: float, reach: float) -> None:
    """A phone (72 mm wide) lying over the page near a corner enters the paper's outline along a long stretch,
    longer than it reaches in: it was taken for a band along the frame's edge and the page passed (8 of 16 phones
    in a sweep of 64 objects). An object now needs to reach in a quarter of how wide it enters, not half."""

    from bench.qc.generator import object_spec, render_jpeg

    spec = object_spec(seed, "phone", side, pos, reach)
    data, truth = render_jpeg(spec)
    rep = qc.check(data)
    assert "occluded" in rep.reasons, rep.metrics
    # the share is of the paper seen: a corner under the phone lies outside the outline of what is seen
    assert 0.0 < rep.metrics["occluded_share"] <= truth.extras["occluded_share"] * 1.6


@pytest.mark.parametrize(
    ("seed", "occluder", "side", "pos", "reach"),
    [
        (31006, "finger", 1, 0.4262413959913092, 0.3410667409178908),
        (31007, "thumb", 3, 0.41967242927929865, 0.3481496965751497),
        (31023, "thumb", 0, 0.30293519778374445, 0.23588690513801874),
    ],
)
def test_a_finger_held_above_the_page_is_occluded(seed: int, occluder: str, side: int, pos: float, reach: float):
    """A finger or thumb held above the page is out of focus (sigma 30 px on a 12 MP frame): its edge is as soft as
    a hand shadow's and the page passed (7 of 8 at sigma 30 in a sweep of 32). It hides print row by row - its rows
    hold print beside it and none shows inside it, not even as relief - which a shadow never does: an object."""

    from bench.qc.generator import object_spec, render_jpeg

    spec = object_spec(seed, occluder, side, pos, reach, sigma=30.0)
    rep = qc.check(render_jpeg(spec)[0])
    assert "occluded" in rep.reasons, rep.metrics
    assert rep.metrics["occluded_sides"] == [("top", "right", "bottom", "left")[side]]


def test_a_thin_finger_out_of_focus_over_dense_print_is_occluded() -> None:
    """bench/qc/run.py fingers_soft 16006: a finger from the bottom at sigma 24 px over dense print (hiding 3 % of
    it) passed: its rim lets print show through, so only 54 % of the print beside it was hidden inside it (80 %
    needed). The print hidden is judged on the region's core (qc.occlusion.CORE)."""
    from bench.qc.generator import random_spec, render_jpeg

    rep = qc.check(render_jpeg(random_spec(16006, "fingers_soft"))[0])
    assert "occluded" in rep.reasons, rep.metrics
    assert rep.metrics["occluded_sides"] == ["bottom"], rep.metrics


@pytest.mark.parametrize(
    "job",
    [
        ("fingers_soft", 16000),  # from the left margin over the start of dense lines: 0.42 in the text area
        ((31014, "finger", 1, 0.275911044343951, 0.3895788437768056), 30.0),  # bench/qc/sweeps.py soft
        ((31023, "thumb", 0, 0.20440279667561667, 0.17024166719322623), 30.0),
    ],
    ids=["bench-16000", "sweep-31014", "sweep-31023"],
)
def test_a_finger_out_of_focus_from_the_margin_over_line_ends_is_occluded(job: tuple) -> None:
    """A finger held above the page (sigma 20-30 px on a 12 MP frame) that comes in over the margin and covers the
    ends of lines lies mostly outside the text area (its core 0.28-0.45 in it) and passed: a region had to lie half
    in the text area to be judged as hiding print (bench fingers_soft 8 of 10 caught, the soft sweep 27 of 32).
    From a quarter in it, it is judged when print runs up to it (qc.occlusion._print_up_to)."""
    from bench.qc.generator import object_spec, random_spec, render_jpeg

    spec = random_spec(job[1], job[0]) if isinstance(job[0], str) else object_spec(*job[0], sigma=job[1])
    rep = qc.check(render_jpeg(spec)[0])
    assert "occluded" in rep.reasons, rep.metrics


@pytest.mark.parametrize(
    "page",
    [
        ("shadow", 8009),  # over signatures and a stamp under the last line: print 0.30 of the density around it
        (20018, 2, 0.5830673612136112, 25.0, "sparse"),  # bench/qc/sweeps.py shadows: blank paper beside a stamp
    ],
    ids=["bench-shadow-8009", "sweep-shadow-20018"],
)
def test_a_hand_shadow_half_in_the_text_area_is_no_object(page: tuple) -> None:
    """A hand's soft shadow from the page's foot lies 0.44-0.48 in the text area (the ink's bounding box, down to a
    stamp) with no print showing inside it: beside a finger's case above, but print does not run up to it (the last
    line lies along its top, a stamp stands clear of it), and it stays no object."""
    from bench.qc.generator import random_spec, render_jpeg

    data = (
        render_jpeg(random_spec(page[1], page[0]))[0]
        if len(page) == 2
        else hand_shadow(*page[:4], (4000, 3000), layout=page[4])
    )
    rep = qc.check(data)
    assert "occluded" not in rep.reasons and rep.metrics["occluded_share"] == 0.0, rep.metrics


@pytest.mark.parametrize(
    ("seed", "occluder", "side", "pos", "reach"),
    [
        (32014, "ruler", 0, 0.6040174143655466, 0.20055400694700953),
        (32007, "silver_phone", 3, 0.6900418615817949, 0.2872688172175066),
        (32013, "silver_phone", 1, 0.7375665849502206, 0.25748717301195884),
    ],
)
def test_a_wide_bright_object_over_a_dark_mat_is_occluded_not_cut_off(
    seed: int, occluder: str, side: int, pos: float, reach: float
) -> None:
    """A wooden ruler (30 mm) or a silver phone (72 mm) is lit brighter than a dark mat and joins the paper's
    bright region, reaching the frame: too wide for the square that opens fingers away, it stayed part of the
    paper and the page failed `cut_off` ("move the page into the frame") while it lay whole in the frame (4 of 16
    in a sweep). Wider squares are tried while a frame side is still touched narrowly."""

    from bench.qc.generator import object_spec, render_jpeg

    spec = object_spec(seed, occluder, side, pos, reach)
    rep = qc.check(render_jpeg(spec)[0])
    assert rep.reasons == ["occluded"], rep.metrics
    assert rep.metrics["occluded_sides"] == [("top", "right", "bottom", "left")[side]]


@pytest.mark.parametrize("thumb", [True, False])
def test_a_dense_page_on_a_light_mat_keeps_its_outline(thumb: bool) -> None:
    """On a mat nearly as light as the paper (grey 0.9 of it) Otsu's threshold falls between them and the blocks
    of dense print, at the page grid's scale nearly the mat's grey, fell out of the paper's bright region: its
    outline came out torn and reached the frame: the page failed cut_off without a thumb and cut_off instead of
    occluded with one. A
    region full of holes (under 0.8 of its hull) is found again with the print closed away first."""
    from dataclasses import replace

    from bench.qc.generator import random_spec, render_jpeg

    spec = replace(
        random_spec(7002, "occluded"),
        mat_bgr=(210, 213, 216),
        occluder="thumb" if thumb else "",
        occluder_side=3,
        occluder_pos=0.6,
        occluder_reach=0.25,
    )
    rep = qc.check(render_jpeg(spec)[0])
    assert rep.reasons == (["occluded"] if thumb else []), rep.metrics
    assert rep.metrics["edge_contact_sides"] == [0.0, 0.0, 0.0, 0.0]


@pytest.mark.parametrize("seed", [80, 81, 82])
def test_stamps_handwriting_and_shadows_are_not_occluded(page_jpeg, seed: int) -> None:
    """Red seals, handwriting and a soft hand shadow from the frame's side are not objects over the page."""
    plain, _ = page_jpeg(seed=seed, layout="form")
    shaded, _ = page_jpeg(seed=seed, layout="form", shadow=0.4, occluder_side=seed % 4)
    for data in (plain, shaded):
        rep = qc.check(data, SMALL)
        assert "occluded" not in rep.reasons and rep.metrics["occluded_share"] == 0.0, rep.metrics


def test_low_resolution_says_the_dpi_and_paper_it_assumed(page_jpeg) -> None:
    far, truth = page_jpeg(seed=9, page_fill=0.35)
    rep = qc.check(far, SMALL | {"min_dpi": 200.0})
    assert "low_resolution" in rep.reasons
    assert rep.metrics["assumed_paper"] == "A4 (210×297 mm)"
    msg = next(m for m in rep.messages if m["code"] == "low_resolution")
    assert f"{rep.metrics['dpi']:.0f} dpi" in msg["en"] and "A4" in msg["en"] and "200" in msg["en"]
    assert f"{rep.metrics['dpi']:.0f} dpi" in msg["zh"] and "按 A4" in msg["zh"]
    a3 = qc.check(far, SMALL | {"min_dpi": 200.0, "paper_size_mm": [297, 420]})
    assert a3.metrics["assumed_paper"] == "A3 (297×420 mm)"


def test_figures_never_read_as_the_limit_they_failed() -> None:
    """199.6 dpi against 200 is not "200 dpi"; blur 1.013 px against 1.0 is not "1.0 px"."""
    prof = qc.default_profile()
    zh, en = detail("low_resolution", {"dpi": 199.6, "dpi_from_page": False, "short_side_px": 2000}, prof)
    assert en.startswith("the file states 199.6 dpi") and zh.startswith("文件标注 199.6 dpi")
    _, en = detail("low_resolution", {"dpi": 150.2, "dpi_from_page": True, "short_side_px": 2000}, prof)
    assert en.startswith("estimated 150 dpi")
    zh, en = detail("blur", {"blur_px": 1.013}, prof)
    assert en == "blur about 1.01 px; 1.0 px allowed" and zh.startswith("模糊约 1.01 像素")
    assert detail("blur", {"blur_px": 2.04}, prof)[1] == "blur about 2.0 px; 1.0 px allowed"
    # failed by a region over the whole page while the page figure stays under the limit (a dense sheet at
    # sigma 3, tests/qc/test_qc_dense.py): the region's blur is given, never "0.98 px; 1.0 px allowed"
    whole = {"blur_px": 0.978, "blur_region_px": 1.718, "blur_region_share": 0.9014}
    assert detail("blur", whole, prof)[1] == "blur about 1.7 px; 1.0 px allowed"


def test_a_receipt_is_not_given_an_a4_resolution(page_jpeg) -> None:
    """A till receipt (80 x 240 mm, about 1:3) is not an A4 sheet: its resolution is not estimated from its
    outline as if it were (that halved it and failed the page), and no paper size is said to be assumed."""
    receipt, _ = page_jpeg(seed=5, paper_mm=(80.0, 240.0))
    rep = qc.check(receipt)
    assert rep.metrics["dpi_from_page"] is False and rep.metrics["assumed_paper"] is None
    assert rep.metrics["dpi"] is None and "low_resolution" not in rep.reasons, rep.metrics
    a4, _ = page_jpeg(seed=5)
    assert qc.check(a4).metrics["dpi_from_page"] is True  # the same shot of an A4 sheet is estimated


def test_low_resolution_from_the_file_says_the_file_stated_it() -> None:
    """A resolution taken from the file's own header is said to be the file's, not an estimate on A4 paper."""
    metrics = {"dpi": 150.0, "dpi_from_page": False, "assumed_paper": None, "short_side_px": 1052}
    zh, en = detail("low_resolution", metrics, qc.default_profile())
    assert en == "the file states 150 dpi and the paper's outline gave no estimate; at least 200 dpi needed"
    assert zh.startswith("文件标注 150 dpi") and "A4" not in zh and "A4" not in en


def test_cut_off_says_which_side_and_how_much(page_jpeg) -> None:
    cut, _ = page_jpeg(seed=9, offset=(0.3, 0.0))
    rep = qc.check(cut, SMALL)
    assert "cut_off" in rep.reasons
    top, right, bottom, left = rep.metrics["edge_contact_sides"]
    assert right > 0.5 and left == 0.0
    msg = next(m for m in rep.messages if m["code"] == "cut_off")
    assert f"right {right:.0%}" in msg["en"] and f"右边 {right:.0%}" in msg["zh"]


def test_bare_message_still_available() -> None:
    from qc.report import message

    assert message("occluded") == {"code": "occluded", "zh": REASONS["occluded"][0], "en": REASONS["occluded"][1]}
    assert set(REASONS) >= {"blur", "occluded", "cut_off", "low_resolution"}


def test_skew_source_is_reported(page_jpeg) -> None:
    data, truth = page_jpeg(seed=2, layout="form", angle_deg=5.0, page_fill=0.62)
    rep = qc.check(data, SMALL)
    assert rep.metrics["skew_source"] == "page_edges" and rep.metrics["skew_from_page_edges"] is True
    assert rep.metrics["skew_page_edges_deg"] == rep.skew_deg
    assert rep.metrics["skew_text_lines_deg"] is None  # a whole pair of sides is trusted: text lines not needed
    full, _ = page_jpeg(seed=3, layout="dense", angle_deg=-4.0, page_fill=2.0)
    assert qc.check(full, SMALL).metrics["skew_source"] == "text_lines"


def _trimmed(seed: int, layout: str, angle: float, cuts: dict[str, float]) -> tuple[bytes, float]:
    """A 2000 x 1500 photo of a sheet turned `angle` degrees whose sides named in `cuts` ("top", "bottom",
    "left") were cut that many degrees off square, as a slip torn off a pad or a strip cut from a bound register:
    JPEG bytes and the print's true skew."""
    from bench.qc.generator import PageSpec, encode_jpeg, photograph, render_paper

    spec = PageSpec(seed=seed, layout=layout, angle_deg=angle, frame_wh=(2000, 1500), page_fill=0.85)
    spec = replace(spec, intrinsic_sigma=0.3, noise=1.5, perspective=0.0)
    paper = render_paper(spec, spec.page_fill * 1500 / spec.paper_mm[1])
    h, w = paper.shape[:2]
    yy, xx = np.mgrid[0:h, 0:w]
    for side, deg in cuts.items():
        slant = math.tan(math.radians(deg))
        if side == "left":
            paper[xx < 0.06 * w + (yy - h / 2) * slant] = spec.mat_bgr
        else:
            cut = 0.06 * h + (xx - w / 2) * slant
            paper[(yy < cut) if side == "top" else (yy > h - cut)] = spec.mat_bgr
    img, truth = photograph(paper, spec)
    return encode_jpeg(img, 92), truth.skew_deg


@pytest.mark.parametrize(
    ("seed", "layout", "angle", "cuts", "fails"),
    [
        (5, "text", 4.0, {"bottom": 4.0}, True),
        (6, "form", 3.8, {"top": -3.6}, True),
        (7, "text", -1.0, {"bottom": -4.0}, False),
        (8, "text", 3.6, {"top": 4.0, "left": -3.5}, True),
        (9, "text", -2.2, {"top": 4.0, "left": -3.5}, False),
        (10, "text", 0.0, {"top": 4.0, "bottom": -4.0}, False),
    ],
    ids=[
        "turned-4-bottom-cut",
        "turned-3.8-top-cut",
        "turned-minus-1-bottom-cut",
        "top-and-left-cut-3.6",
        "top-and-left-cut-minus-2.2",
        "slanted-strip-0",
    ],
)
def test_a_sheet_cut_off_square_is_judged_by_its_square_sides(
    seed: int, layout: str, angle: float, cuts: dict[str, float], fails: bool
) -> None:
    """The session-27 testers' sheets, cut on a slant at one or two sides, the other sides and the print turned
    alike. The two horizontal sides, 4° apart, were trusted as a pair and averaged: a page turned 4° read 2° and
    passed, one turned -1° read -3.2° and failed. Opposite sides further apart than PAIR_SPREAD are no square
    sheet's: the pair that runs together gives the skew; where none does (top and left cut) or the pairs turn
    apart (a strip slanted alike at top and bottom, read 4° at 0°), the two sides that run with the print."""
    data, truth = _trimmed(seed, layout, angle, cuts)
    rep = qc.check(data)
    assert rep.skew_deg == pytest.approx(truth, abs=0.3), rep.metrics
    assert rep.metrics["skew_source"] == "page_edges", rep.metrics
    assert rep.metrics["skew_page_edges_deg"] == rep.skew_deg  # the square sides' reading, not all sides' mean
    assert ("skew" in rep.reasons) is fails, rep.metrics


@pytest.mark.parametrize(
    ("layout", "band"),
    [("orders", (2 / 3, 1.2)), ("orders", (0.15, 0.4)), ("form", (0.15, 0.4))],
    ids=["order-sheet-bottom-third", "order-sheet-band", "form-band"],
)
def test_the_blurred_region_box_stays_on_the_blurred_band(layout: str, band: tuple[float, float]) -> None:
    """A ruled sheet blurred (sigma 3.5 px) over a band of its height: the region's box keeps to the band, within
    a cell. The second reading's masks leave a cell holding only a ruled line or the sheet's outline silent; read
    as blurred past following, it chained the band on over the sharp rows (the session-27 tester's form blurred
    over its bottom third was boxed whole, 67 % of its text; here the bottom third boxed from the page's top)."""
    from bench.qc.generator import encode_jpeg, random_spec, render
    from qc.sharpness import cell_size

    img, truth = render(replace(random_spec(60, "sharp"), layout=layout, angle_deg=0.3))
    top, bottom = min(y for _, y in truth.corners), max(y for _, y in truth.corners)
    y0, y1 = (int(top + f * (bottom - top)) for f in band)
    img[y0:y1] = cv2.GaussianBlur(img, (0, 0), 3.5)[y0:y1]
    rep = qc.check(encode_jpeg(img, 90))
    cell = cell_size((1500, 2000)) * rep.metrics["work_scale"]
    box = rep.metrics["blur_region"]
    assert "blur" in rep.reasons, rep.metrics
    assert box[1] >= y0 - cell and box[3] <= min(y1, img.shape[0]) + cell, (box, y0, y1)


def test_a_whole_pair_of_sides_too_far_apart_is_checked_against_the_print() -> None:
    """Where no pair of opposite sides runs together (both cut off square, or the other pair not in view), clean
    text lines that disagree decide; a pair turned apart by a photo's perspective alone is trusted as before."""
    from qc.skew import PAIR_SPREAD, EdgeFit, decide

    apart = EdgeFit(angle=2.0, sides=2, pair=True, whole=True, spread=PAIR_SPREAD + 1.5)
    together = EdgeFit(angle=2.0, sides=2, pair=True, whole=True, spread=1.9)
    assert decide(apart, (4.1, 0.5)) == (4.1, "text_lines")
    assert decide(apart, (4.1, 0.05)) == (2.0, "page_edges")  # print too faint to overrule it
    assert decide(together, (4.1, 0.5)) == (2.0, "page_edges")


def test_clipped_outline_defers_to_text_lines(page_jpeg) -> None:
    """The page's outline partly outside the frame: the skew stays within 0.3° of the truth."""
    data, truth = page_jpeg(seed=90, layout="dense", angle_deg=2.5, page_fill=0.9, offset=(0.0, 0.12))
    rep = qc.check(data, SMALL)
    assert rep.skew_deg == pytest.approx(truth.skew_deg, abs=0.3), rep.metrics


def _clean(**kw: float) -> dict[str, object]:
    """The metrics of a page that passes the default profile on every reason, with `kw` changed."""
    page = {"ink_ratio": 0.05, "smear_ratio": 0.1, "blur_px": 0.6, "blur_region_share": 0.0, "skew_deg": 0.0}
    page |= {"paper_level": 0.9, "contrast": 0.8, "clipped_highlights": 0.0, "occluded_share": 0.0, "dpi": 300.0}
    page |= {"full_frame": False, "edge_contact": 0.0}
    return page | kw


def test_calibrator_sets_the_occlusion_and_region_limits() -> None:
    """Limits too lax for the confirmed pages are tightened to just between the good and the bad."""
    from qc.calibrate import calibrate

    lax = qc.load_profile({"max_occluded_share": 0.05, "max_blur_region_share": 0.6})
    good = [_clean(blur_region_share=s) for s in (0.0, 0.05, 0.1)]
    covered = [_clean(occluded_share=s) for s in (0.02, 0.04)]
    soft = [_clean(blur_region_share=s) for s in (0.3, 0.5)]
    prof = calibrate(lax, good, covered + soft)
    assert prof.max_occluded_share == pytest.approx(0.01) and prof.max_blur_region_share == pytest.approx(0.2)


def test_calibrator_can_loosen_a_limit_past_the_softest_good_page() -> None:
    """One good page slightly softer than the limit, one bad page skewed: the blur limit opens just past the good
    page (before, only thresholds between two measured values were tried, so it stayed and the good page failed)."""
    from qc.calibrate import calibrate

    prof = calibrate(qc.default_profile(), [_clean(blur_px=1.013)], [_clean(skew_deg=6.0)])
    assert 1.013 < prof.max_blur_px < 1.1 and prof.max_skew_deg == 3.0


def test_calibrator_does_not_tighten_a_limit_for_pages_bad_for_another_reason() -> None:
    """The bad pages are blurred; they happen to lie a little more skewed and with more ink than the good ones.
    Only the blur limit moves: a skew limit of 0.6° or an ink minimum of 0.19 would reject good pages elsewhere
    and word covered pages as smeared (seen on a 7 + 7 image calibration)."""
    from qc.calibrate import calibrate, confusion

    good = [_clean(blur_px=0.6 + 0.02 * i, skew_deg=0.1 * i) for i in range(7)]
    bad = [_clean(blur_px=0.9 + 0.01 * i, skew_deg=0.7 + 0.1 * i, ink_ratio=0.2) for i in range(7)]
    base = qc.default_profile()
    prof = calibrate(base, good, bad)
    assert prof.max_blur_px == pytest.approx(0.81)  # between the softest good page (0.72) and the sharpest bad (0.9)
    changed = {k for k, v in prof.to_dict().items() if v != base.to_dict()[k]}
    assert changed == {"name", "max_blur_px"}, changed
    from qc.checker import judge_metrics

    cm = confusion(
        [not judge_metrics(m, prof, 4000, 3000) for m in good], [not judge_metrics(m, prof, 4000, 3000) for m in bad]
    )
    assert (cm.good_fail, cm.bad_pass) == (0, 0)


@pytest.mark.parametrize(("seed", "side", "strength"), [(8001, 3, 0.5), (8001, 2, 0.7), (8001, 0, 0.8), (8002, 0, 0.7)])
def test_a_deep_hand_shadow_is_not_an_object(seed: int, side: int, strength: float) -> None:
    """A hand between the lamp and the page casts a shadow with a fairly sharp edge (sigma 15 px here) that takes
    half or more of the light: darker than any occluder threshold, print faint in absolute terms, and over blank
    paper nothing shows through at all. It was called `occluded` (15 of 53 such pages); an object's edge crosses
    in 2-3 grid pixels for how dark it is, a shadow's in about ten, and print under it keeps its depth relative to
    the paper beside it."""
    rep = qc.check(hand_shadow(seed, side, strength, 15.0))
    assert "occluded" not in rep.reasons and rep.metrics["occluded_share"] == 0.0, rep.metrics


def test_a_file_stating_two_resolutions_is_judged_by_the_coarser() -> None:
    """A header stating 300 dpi across and 150 dpi down (a fax-like or mis-set scanner) holds the detail of 150
    dpi down the page: the stated resolution is the lower one (only the horizontal was read before)."""
    from PIL import Image

    img = np.full((1754, 1240), 255, np.uint8)  # A4 at 150 dpi
    for y in range(150, 1600, 40):
        cv2.putText(img, "Folio 2026 discharge record", (100, y), cv2.FONT_HERSHEY_SIMPLEX, 1.0, 0, 2)
    buf = io.BytesIO()
    Image.fromarray(img).save(buf, "PNG", dpi=(300, 150))
    rep = qc.check(buf.getvalue())
    assert rep.metrics["dpi"] == pytest.approx(150, abs=0.5) and "low_resolution" in rep.reasons, rep.metrics
    msg = next(m for m in rep.messages if m["code"] == "low_resolution")
    assert "the file states 150 dpi" in msg["en"] and "文件标注 150 dpi" in msg["zh"]


def test_a_corner_lost_in_a_shadow_does_not_lower_the_resolution() -> None:
    """A deep hand shadow over the top right corner takes it out of the paper's bright region: the outline's top
    side came out 20 % short, the estimate 198.9 dpi for a page of 211.5 and the page failed low_resolution. A side
    much shorter than its opposite one has lost a corner: the longer one is used."""
    from bench.qc.generator import random_spec, render_jpeg

    data, truth = render_jpeg(random_spec(13010, "shadow_deep"))
    rep = qc.check(data)
    assert "low_resolution" not in rep.reasons, rep.metrics
    assert rep.metrics["dpi"] == pytest.approx(truth.dpi, rel=0.03)


@pytest.mark.parametrize("seed", [14001, 14004])
def test_a_pale_finger_over_a_dark_mat_is_occluded_not_cut_off(seed: int) -> None:
    """A pale finger (0.85-0.88 of the paper's grey) joins the paper's bright region and reaches the frame; it was
    kept as part of the paper (too bright to be an object) and the page failed `cut_off` with no outline found.
    A thin part that touches the frame away from the paper's corners, or reaches out much further than it is
    thick, is an object however pale; over the paper it is looked for as a smooth body (no print in it)."""
    from bench.qc.generator import random_spec, render_jpeg

    data, truth = render_jpeg(random_spec(seed, "fingers"))
    rep = qc.check(data)
    assert rep.reasons == ["occluded"], rep.metrics
    assert rep.metrics["page_found"] and rep.metrics["edge_contact_sides"] == [0.0, 0.0, 0.0, 0.0]
    assert rep.metrics["occluded_share"] == pytest.approx(truth.extras["occluded_share"], rel=0.3)


def test_decide_keeps_a_whole_pair_of_sides_and_needs_clean_text_lines() -> None:
    from qc.skew import EdgeFit, decide

    one_side = EdgeFit(angle=1.0, sides=1, pair=False, whole=True, spread=0.0)
    pair = EdgeFit(angle=1.0, sides=2, pair=True, whole=True, spread=0.1)
    assert decide(one_side, (0.4, 0.2)) == (0.4, "text_lines")  # disagree by 0.6°, clean lines: they decide
    assert decide(one_side, (0.4, 0.08)) == (1.0, "page_edges")  # a glued slip's or handwriting's lines: not clean
    assert decide(one_side, (0.85, 0.3)) == (1.0, "page_edges")  # within 0.25°: the outline is the more precise
    assert decide(pair, (0.4, 0.3)) == (1.0, "page_edges")
    assert decide(one_side, (0.4, 0.3), rules=0.7) == (0.7, "ruled_lines")
    assert decide(None, None) == (None, "none")
