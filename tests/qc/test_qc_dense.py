"""A dense form (长期医嘱单: a table of 1.6 mm print on every line, ink on ~40 % of the text area), found by the
ninth break-it tester (session 14) with its own page drawer. Out of focus at sigma 3 px, whole or over its right
40 %, or tilted away from the camera over its right half, it passed: its blurred print merges into toned bands
that the second focus reading's masks take whole (the light-change closing dims over the block, the rows read as
ruled lines), so its cells fell silent and the few left, the thin rules, read sharp. Fixed by
qc.pictures.restore_masked (session 15): a cell the masks took keeps its first, blurred reading unless sharp
print holds it on both sides."""

from __future__ import annotations

import math

import cv2
import numpy as np
import pytest
from PIL import Image, ImageDraw

import qc
from bench.qc.generator import _font, _motion_kernel

PX_PER_MM = 600 / 25.4
CHARS = (
    "患者主诉既往史现病史体格检查诊断治疗医嘱护理记录出院入院手术麻醉血压脉搏呼吸体温"
    "神志清楚精神可饮食睡眠二便正常心肺腹部未见异常0123456789"
)


def _mm(v: float) -> int:
    return int(round(v * PX_PER_MM))


def _form(seed: int, size_mm: float = 1.6, gap_mm: float = 1.6) -> np.ndarray:
    """An A4 order sheet drawn at 600 dpi (grey uint8): rules every size_mm + gap_mm, seven columns of text."""
    rng = np.random.default_rng(seed)
    pil = Image.new("L", (_mm(210), _mm(297)), 245)
    d = ImageDraw.Draw(pil)
    font = _font(int(size_mm * PX_PER_MM), 0)  # Noto Sans CJK (fonts-noto-cjk, scripts/debian-packages.sh)
    assert font is not None
    cols = [12, 30, 45, 110, 130, 150, 170, 198]
    y = 25.0
    while y < 285:
        d.line([(_mm(12), _mm(y)), (_mm(198), _mm(y))], fill=30, width=_mm(0.15))
        for c0, c1 in zip(cols, cols[1:], strict=False):
            n = max(1, int((c1 - c0 - 1) / size_mm))
            if rng.random() < 0.85:
                text = "".join(CHARS[i] for i in rng.integers(0, len(CHARS), n))
                d.text((_mm(c0 + 0.5), _mm(y + 0.6)), text, font=font, fill=20)
        y += size_mm + gap_mm
    for c in cols:
        d.line([(_mm(c), _mm(25)), (_mm(c), _mm(285))], fill=30, width=_mm(0.15))
    return np.asarray(pil)


def _frame(paper: np.ndarray) -> tuple[np.ndarray, int, int]:
    """The sheet filling 87 % of a 4000 x 3000 frame's height on a dark mat (float32), its left edge and width."""
    ph = int(0.87 * 3000)
    pw = int(ph * 210 / 297)
    frame = np.full((3000, 4000), 50, np.float32)
    y0, x0 = (3000 - ph) // 2, (4000 - pw) // 2
    frame[y0 : y0 + ph, x0 : x0 + pw] = cv2.resize(paper, (pw, ph), interpolation=cv2.INTER_AREA)
    return frame, x0, pw


def _jpeg(img: np.ndarray) -> bytes:
    img = img + np.random.default_rng(0).normal(0, 2, img.shape).astype(np.float32)
    return cv2.imencode(".jpg", np.clip(img, 0, 255).astype(np.uint8), [cv2.IMWRITE_JPEG_QUALITY, 90])[1].tobytes()


def _photo(paper: np.ndarray, sigma: float, start: float = 0.0, steps: int = 1) -> bytes:
    """The sheet photographed (_frame), camera softness 0.6 px, plus `sigma` from `start` (a share of the paper's
    width) to its right edge, in `steps` even steps of depth (1: all of it)."""
    frame, x0, pw = _frame(paper)
    img = cv2.GaussianBlur(frame, (0, 0), 0.6)
    x1 = int(x0 + pw * start) if start > 0 else 0
    for k in range(1, steps + 1):
        a = x1 + (x0 + pw - x1) * (k - 1) // steps if start > 0 else 0
        img[:, a:] = cv2.GaussianBlur(frame, (0, 0), math.hypot(0.6, sigma * k / steps))[:, a:]
    return _jpeg(img)


def _shaken(paper: np.ndarray, length: int, angle: float) -> bytes:
    """The sheet photographed (_frame, softness 0.6 px) while the camera moved evenly `length` px along `angle`
    degrees (0: along its lines)."""
    img = cv2.GaussianBlur(_frame(paper)[0], (0, 0), 0.6)
    if angle == 0:
        return _jpeg(cv2.blur(img, (length, 1)))
    return _jpeg(cv2.filter2D(img, -1, _motion_kernel(length, angle)))


@pytest.fixture(scope="module")
def form() -> np.ndarray:
    return _form(1)


def test_the_sharp_dense_form_passes(form: np.ndarray) -> None:
    rep = qc.check(_photo(form, 0.0))
    assert rep.reasons == [], rep.metrics


def test_the_dense_form_at_sigma_1_5_fails(form: np.ndarray) -> None:
    rep = qc.check(_photo(form, 1.5))
    assert "blur" in rep.reasons, rep.metrics


def test_the_dense_form_at_sigma_3_fails(form: np.ndarray) -> None:
    rep = qc.check(_photo(form, 3.0))  # passed before session 15 (blur 0.98 px, no region)
    assert "blur" in rep.reasons, rep.metrics
    assert rep.metrics["blur_region_share"] >= 0.8
    assert rep.messages[0]["detail_en"].startswith("blur about 1.7 px"), rep.messages  # the region's, not 0.98


def test_the_dense_form_blurred_over_its_right_40_percent_fails_there(form: np.ndarray) -> None:
    rep = qc.check(_photo(form, 3.0, 0.6))  # passed before session 15 (region share 0.0)
    assert "blur" in rep.reasons, rep.metrics
    x0, _, _, _ = rep.metrics["blur_region"]
    assert x0 > 2000 and rep.metrics["blur_region_share"] >= 0.3, rep.metrics  # 60 % across the paper is x 2184


@pytest.fixture(scope="module")
def small_form() -> np.ndarray:
    return _form(1, 1.2)


def test_the_sharp_form_of_1_2_mm_print_passes(small_form: np.ndarray) -> None:
    rep = qc.check(_photo(small_form, 0.0))
    assert rep.reasons == [], rep.metrics


@pytest.mark.parametrize("sigma", [1.5, 2.0])
def test_the_form_of_1_2_mm_print_out_of_focus_fails(small_form: np.ndarray, sigma: float) -> None:
    """Passed with no blur figure at all (tenth break-it tester, session 15): the first reading found the page
    blurred (1.6 and 1.9 px), and the second, without light edges and ruled lines, read nothing - both masks took
    the whole sheet of merged print - so the page was left with no blur figure. A reading that reads nothing does
    not overrule the one that did."""
    rep = qc.check(_photo(small_form, sigma))
    assert "blur" in rep.reasons, rep.metrics
    assert rep.metrics["blur_px"] > 1.4, rep.metrics


@pytest.mark.xfail(
    strict=True, reason="its blurred cells read 0.7-1.2 px, at or under the region limit of 1.2 (docstring)"
)
@pytest.mark.parametrize(
    ("sigma", "start", "steps"), [(2.0, 0.6, 1), (3.0, 0.5, 6)], ids=["right-40%-sigma-2", "tilted-right-half-to-3"]
)
def test_the_dense_form_blurred_less_over_its_right_side_fails(
    form: np.ndarray, sigma: float, start: float, steps: int
) -> None:
    """Open (session 15): blurred by sigma 2 over its right 40 %, or tilted so that its right half goes from sigma
    0.5 to 3 in six steps, the blurred cells still read (the second reading's masks leave part of their print) at
    0.7-1.2 px against a region limit of 1.2: under the limit where sigma is 2 or less, and the cells past it
    (sigma 2.5-3) are 17 % of the text, under the 20 % a region needs."""
    rep = qc.check(_photo(form, sigma, start, steps))
    assert "blur" in rep.reasons, rep.metrics


def _scan(paper: np.ndarray, angle: float) -> bytes:
    """A 600 dpi grey PNG scan of the sheet, turned `angle` degrees counter-clockwise on the glass: no page edge
    in view, so the skew is the text lines' (qc.skew.text_fit)."""
    h, w = paper.shape
    turned = cv2.warpAffine(paper, cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0), (w, h), borderValue=245)
    return cv2.imencode(".png", turned)[1].tobytes()


@pytest.mark.parametrize("angle", [-2.0, -0.7, 0.0, 0.4, 1.5])
def test_a_scan_of_the_dense_form_reads_its_own_skew(form: np.ndarray, angle: float) -> None:
    """Each read 25-31° before session 15 and failed `skew`: the text lines' ink was thinned to every k-th pixel
    of its row-major list, a lattice whose diagonals outscored the sheet's rows (the ninth tester's table scans)."""
    rep = qc.check(_scan(form, angle))
    assert abs(rep.metrics["skew_deg"] - angle) <= 0.15, rep.metrics
    assert rep.reasons == [], rep.metrics


@pytest.mark.parametrize(
    ("size_mm", "gap_mm", "angle", "was"),
    [(1.2, 0.72, 2.45, -31.66), (1.6, 1.6, 7.3, -31.74), (1.2, 1.6, -15.6, 30.77), (1.4, 0.9, -7.3, None)],
)
def test_a_scan_of_a_dense_sheet_turned_reads_its_rows(
    size_mm: float, gap_mm: float, angle: float, was: float | None
) -> None:
    """Order sheets of 1.2-1.6 mm print (rows 1.92-3.2 mm apart) scanned at 600 dpi and turned read `was` before
    session 17 (None: read right; with the scanner's softness and another drawing, 1.2 mm print turned 0.7° read
    4.04° and 1.4 mm turned 1.3° -30.47°): the wide text-line search stepped 1° with 3 px bins, so the rows drifted
    a bin across the page between its steps, and the block of dense print scored higher 40° off its rows than the
    rows did (qc.skew.COARSE_DETREND)."""
    rep = qc.check(_scan(_form(2, size_mm, gap_mm), angle))
    assert abs(rep.metrics["skew_deg"] - angle) <= 0.15, (was, rep.metrics)
    assert rep.metrics["skew_source"] == "text_lines", rep.metrics


@pytest.mark.parametrize(("length", "angle"), [(6, 0.0), (10, 0.0), (16, 0.0), (16, 30.0), (20, 30.0)])
def test_the_dense_form_shaken_fails_as_moved(form: np.ndarray, length: int, angle: float) -> None:
    """Each passed before session 16 (tenth break-it tester: "shake 6-8 px along the rows of a ruled form"). Shaken
    along its lines, each line of print is a band whose edges, the rules' and its own, stay sharp (0.5 px), and its
    cepstrum has no peak deep enough (qc.motion.smeared_print reads the lost fine detail of its print); at 30
    degrees the cepstrum has one, but the page's edges read sharp, so it was never asked (qc.focus)."""
    rep = qc.check(_shaken(form, length, angle))
    assert "blur" in rep.reasons, rep.metrics
    assert rep.metrics["motion_seen"] is True, rep.metrics
    assert rep.metrics["blur_region_share"] == 1.0, rep.metrics
    assert "camera moved" in rep.messages[0]["detail_en"], rep.messages


def test_a_short_shake_along_the_lines_is_told_without_a_length(form: np.ndarray) -> None:
    """Shaken 4 px along its lines the sheet has no cepstral peak to measure the motion by; it was told "the camera
    moved about 10 px", smeared_print's lower bound (break-it tester 11). Now it is told the camera moved."""
    rep = qc.check(_shaken(form, 4, 0.0))
    assert "blur" in rep.reasons and rep.metrics["motion_seen"] is True, rep.metrics
    assert rep.metrics["motion_px"] is None, rep.metrics
    assert rep.messages[0]["detail_en"].startswith("the camera moved during the shot"), rep.messages
    assert "相机移动" in rep.messages[0]["detail_zh"], rep.messages


def _ruled(header: bool, gap_mm: float = 6.0, line_mm: float = 0.15) -> np.ndarray:
    """A continuation sheet (病程记录) at 600 dpi: ruled lines line_mm wide only, every gap_mm, under a header or
    none."""
    pil = Image.new("L", (_mm(210), _mm(297)), 245)
    d = ImageDraw.Draw(pil)
    if header:
        d.text((_mm(80), _mm(12)), "病程记录", font=_font(int(5 * PX_PER_MM), 0), fill=20)
        d.text((_mm(15), _mm(22)), "姓名  科别  床号  住院号", font=_font(int(3 * PX_PER_MM), 0), fill=20)
    y = 30.0
    while y < 285:
        d.line([(_mm(15), _mm(y)), (_mm(195), _mm(y))], fill=60, width=_mm(line_mm))
        y += gap_mm
    return np.asarray(pil)


@pytest.mark.parametrize("header", [True, False])
@pytest.mark.parametrize("gap_mm", [5.0, 8.0])
def test_a_sharp_ruled_sheet_is_no_smear(header: bool, gap_mm: float) -> None:
    """Its lines have no detail along them, as smeared print has none: its cells are mostly paper, so
    qc.motion.smeared_print does not read them (PRINT_SHARE)."""
    rep = qc.check(_photo(_ruled(header, gap_mm), 0.0))
    assert rep.reasons == [], rep.metrics
    assert rep.metrics["motion_px"] is None, rep.metrics


@pytest.mark.parametrize("kind", ["photo", "scan"])
def test_a_sharp_blank_sheet_of_heavy_rules_is_no_shake(kind: str) -> None:
    """Rules 0.25 mm wide, 8 mm apart, nothing else: failed `blur` as "the camera moved about 56 px" (break-it
    tester 11; the photo at 1403a4d too, the 300 dpi scan since cd93dcc). The rules' pitch wraps round the
    cepstrum's window and deepens it steadily to the search's edge, a ramp and no dip (qc.motion._radial_minimum)."""
    sheet = _ruled(False, 8.0, 0.25)
    if kind == "photo":
        rep = qc.check(_photo(sheet, 0.0))
    else:
        half = cv2.resize(sheet, (sheet.shape[1] // 2, sheet.shape[0] // 2), interpolation=cv2.INTER_AREA)
        rep = qc.check(cv2.imencode(".png", half)[1].tobytes())
    assert "blur" not in rep.reasons and not rep.metrics["motion_seen"], rep.metrics


def test_a_sharp_block_of_hatching_is_no_shake() -> None:
    """A hatched block (lines 0.25 mm wide every 0.9 mm, grey 160) over half the sheet, no print on it: its lines
    have no fine detail along them, as smeared print has none, and it is ink enough to be read as print; it failed
    as a 10 px shake (break-it tester 11). Nothing varies along hatching even coarsely; smeared print still does,
    word by word (qc.motion.MIN_COARSE)."""
    pil = Image.fromarray(_ruled(True, 8.0))
    d = ImageDraw.Draw(pil)
    y = 40.0
    while y < 170:
        d.line([(_mm(20), _mm(y)), (_mm(190), _mm(y))], fill=160, width=_mm(0.25))
        y += 0.9
    rep = qc.check(_photo(np.asarray(pil), 0.0))
    assert "blur" not in rep.reasons and not rep.metrics["motion_seen"], rep.metrics
