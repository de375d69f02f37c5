"""qc.check: decode once, measure, and judge against a profile."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np

from qc import focus as fo
from qc import light as lt
from qc import motion as mo
from qc import occlusion as oc
from qc import outline as ol
from qc import page as pg
from qc import paperedge as pe
from qc import regions as rg
from qc import rules as rl
from qc import sharpness as sh
from qc import skew as sk
from qc import textmarks as tm
from qc.decode import Decoded, ImageInput, load
from qc.messages import paper_name
from qc.pagehash import page_hash
from qc.profile import Profile, default_profile, load_profile
from qc.report import Metric, Report, make_report

FRAME_ASPECT_TOLERANCE = 0.02  # a page filling a frame of the paper's shape within this is that paper (a scan)
ANALYSIS_LONG = 1500  # the working image is halved for page, exposure, ink and text-skew analysis above this
MIN_ANALYSIS_SIDE = 32
NEAR_EMPTY = 3.0  # a page with less ink than this many times the profile's min_ink_ratio is nearly empty: a hand's
# shadow over it is no smeared print (a signature alone holds 0.0015-0.0033 of the paper: 1-2.2 x min_ink_ratio)


@dataclass(frozen=True)
class Measured:
    """Raw measurements of one image, before any threshold."""

    sharpness: sh.Sharpness | None
    blur_px: float | None  # equivalent Gaussian sigma of the softest edge direction, original pixels
    region: rg.Region | None  # the worst-focused region of the text area
    skew_deg: float | None
    skew_source: str  # "page_edges", "ruled_lines", "text_lines" or "none"
    skew_edges: float | None  # the outline's estimate: the skew itself where the outline gave it (square sides)
    skew_text: float | None  # the text lines' estimate
    exposure: pg.Exposure
    ink_ratio: float
    text_marks: int | None  # characters in lines of print on a page under min_ink_ratio (qc.textmarks.text_marks)
    smear_ratio: float  # share of the paper holding content of any sharpness (see page.smear_ratio)
    occlusion: oc.Occlusion
    mid_scale: float  # original pixels per pixel of the occlusion grid
    dpi: float | None
    dpi_from_page: bool
    blur_dpi: float | None  # the resolution the blur limits scale by (Profile.blur_allowance), None: not scaled
    page_found: bool
    full_frame: bool
    edge_contact: float
    contact_sides: tuple[float, float, float, float]  # share of the top, right, bottom, left frame side touched
    outline: ol.Outline | None = None  # the paper's corners in original (upright) pixels, for qc.processing
    text_cut: tuple[list[str], list[int]] = ([], [0, 0, 0, 0])  # full frame: sides cutting print, marks cut
    skew_rules: float | None = None  # the ruled lines' estimate (qc.rules)
    motion: mo.Motion | None = None  # a straight, even camera motion found in the cepstrum (qc.motion)
    stand: bool = False  # dpi is the fixed stand's (Profile.stand_dpi), not estimated from the outline
    sheet_mm: tuple[float, float] | None = None  # on a stand: the sheet's (short, long) sides measured, mm


def _halve(gray: np.ndarray) -> np.ndarray:
    """Half of a grey image by 2 x 2 averages (an odd last row or column is left out); uint8 (h // 2, w // 2)."""
    h, w = gray.shape[0] // 2, gray.shape[1] // 2
    return cv2.resize(gray[: 2 * h, : 2 * w], (max(1, w), max(1, h)), interpolation=cv2.INTER_AREA)


def _plausible_stated_dpi(dpi: float | None, dec: Decoded, prof: Profile) -> bool:
    """Whether a resolution the file states may relax the blur limits: the paper it implies (the image's long side
    at that dpi) is at least half the profile's paper's long side. 2400 dpi on a 2480 x 3508 image would be a
    37 mm page: a wrong header must not let a blurred page pass."""
    if dpi is None or dpi <= 0:
        return False
    return max(dec.width, dec.height) / dpi * 25.4 >= 0.5 * max(prof.paper_size_mm)


def resolve_profile(profile: Profile | dict[str, Any] | None) -> Profile:
    """None -> default profile; a dict or JSON path -> load_profile; a Profile as is."""
    return default_profile() if profile is None else load_profile(profile)


def measure(dec: Decoded, prof: Profile) -> Measured | None:
    """Every metric of a decoded image; None when it is too small to analyse."""
    work = dec.gray
    if min(work.shape) < MIN_ANALYSIS_SIDE:
        return None
    f_a = 2 if max(work.shape) >= ANALYSIS_LONG else 1
    ana = (
        cv2.resize(work, (work.shape[1] // f_a, work.shape[0] // f_a), interpolation=cv2.INTER_AREA)
        if f_a > 1
        else work
    )
    # the occlusion grid (half the analysis grid) and the page grid (a quarter), each by exact 2 x 2 averages:
    # OpenCV's area reduction takes its fast path only for whole factors (a 750-row image to 187 rows is 4.01)
    mid = _halve(ana)
    small = _halve(mid)
    f_l = work.shape[1] / small.shape[1]  # working pixels per small pixel
    page = pg.find_page(small)
    content, smear = pg.content_mask(small, page.mask)
    # the paper (bit 0) and the content (bit 1) brought to the analysis grid by one nearest-neighbour resize
    up = cv2.resize((page.mask & 1) | (content.view(np.uint8) << 1), ana.shape[::-1], interpolation=cv2.INTER_NEAREST)
    region = up & 1
    if not page.full_frame:
        k = max(3, int(0.015 * max(ana.shape)) | 1)
        region = cv2.erode(region, cv2.getStructuringElement(cv2.MORPH_RECT, (k, k)))
    expo = pg.exposure(ana, region)
    hat = pg.blackhat(ana)
    if expo.contrast < 1.5 * prof.min_contrast:  # a few dark strokes on light printing: read the strokes
        expo = pg.stroke_exposure(expo, ana, hat, region)
    ink = pg.ink_mask(ana, region, expo.contrast, hat)
    area = max(1, int(np.count_nonzero(region)))
    ink_ratio = float(np.count_nonzero(ink)) / area
    marks = tm.text_marks(ink) if ink_ratio < prof.min_ink_ratio else None  # a line of print, a note
    traces = up >> 1
    contact = max(page.contact)
    sheet = None  # a whole sheet's outline, read for a camera motion where the print cannot say (qc.focus)
    if page.quad is not None and contact <= prof.max_edge_contact:
        sheet = pe.Outline(work, page.quad * f_l, dec.scale)
    if smear > 0 and ink_ratio < NEAR_EMPTY * prof.min_ink_ratio:  # nearly empty: a shadow over it is no smear
        lines = tm.text_marks(ink) if marks is None else marks
        kept = lt.without_shadows(small, page.mask, content, sheet is not None and sheet.still())
        beside = np.count_nonzero(kept & ~lt.near_ink(ink, kept.shape))  # a signature's strokes are no smear
        left = smear * float(beside) / max(1, int(np.count_nonzero(content)))
        # unless a smeared trace stays beside the shadow (no line of print to explain it): the shadow may hide the
        # rest of it, and the page reads as it did (a smeared note by the fingers read blank, the tester's 2 of 76)
        if left < lt.LEFT_BESIDE * prof.min_smear_ratio or lines >= prof.min_text_marks:
            smear = left
            traces = cv2.resize(kept.view(np.uint8), ana.shape[::-1], interpolation=cv2.INTER_NEAREST)
    edge = outline = None
    if page.quad is not None:
        quad, reach = page.quad * f_l, 2.5 * f_l
        sides = sk.trace_sides(work, quad, reach)  # followed once for the skew and the outline
        edge, outline = sk.page_edge_fit(work, quad, reach, sides), ol.refine(work, quad, reach, sides)
    doubtful = edge is None or not edge.trusted  # a whole pair of sides running together is trusted as it is
    # a few words, or a hair in pieces, pin no angle down (a short line read 1.7° off, a hair 15-32°): not measured
    text = sk.text_fit(ink) if doubtful and ink_ratio >= prof.min_ink_ratio else None
    rules = rl.ruled_fit(hat, ink, region, None if text is None else text[0]) if doubtful else None
    skew, skew_source = sk.decide(edge, text, None if rules is None else rules[0])
    text_area = (ink.view(np.uint8) | traces).view(bool)
    mid_wh = (mid.shape[1], mid.shape[0])
    occ = oc.find(
        mid,
        cv2.resize(
            page.mask if page.bright is None else oc.solid_outline(page.bright), mid_wh, interpolation=cv2.INTER_NEAREST
        ),
        cv2.resize(ink.view(np.uint8), mid_wh, interpolation=cv2.INTER_AREA) > 0,
        page.object_grey,
    )
    text_cut = tm.text_cut_sides(ink, prof.max_cut_text_marks) if page.full_frame else ([], [0, 0, 0, 0])
    dpi, dpi_from_page, sheet_mm = dec.meta_dpi, False, None
    stand = None if page.full_frame else prof.stand_dpi_of(dec.width, dec.height)  # a photo on the stand
    whole = page.quad is not None and contact <= prof.max_edge_contact
    if stand is not None:  # measured once for every sheet on it, whatever the sheet's size: no paper assumed
        dpi, dpi_from_page = stand, True
        if whole:  # the refined outline where it is certain: the coarse grid's reads about 1 % small
            sure = outline is not None and outline.certain
            quad, unit = (outline.corners, dec.scale) if sure else (page.quad, f_l * dec.scale)
            sheet_mm = pg.sheet_size_mm(quad, unit, stand)
    elif whole and pg.matches_paper(page.quad, prof.paper_size_mm):
        dpi, dpi_from_page = pg.effective_dpi(page.quad, f_l * dec.scale, prof.paper_size_mm), True
    blur_dpi = dpi if dpi_from_page or _plausible_stated_dpi(dpi, dec, prof) else None
    stated_low = dec.meta_dpi is None or (blur_dpi is not None and blur_dpi < prof.blur_reference_dpi)
    if page.full_frame and not dpi_from_page and stated_low:  # a scan stating no dpi, or a placeholder (72): when
        # its frame has the paper's shape it is that paper, for the blur limits only (a 600 dpi A4 scan is judged as
        # its 300 dpi copy is); the resolution rule is not applied to a guess, nor a header shown wrong overruled
        frame = np.array([[0, 0], [small.shape[1], 0], [small.shape[1], small.shape[0]], [0, small.shape[0]]], float)
        if pg.matches_paper(frame, prof.paper_size_mm, FRAME_ASPECT_TOLERANCE):
            blur_dpi = pg.effective_dpi(frame, f_l * dec.scale, prof.paper_size_mm)
    allowance = prof.blur_allowance(blur_dpi)
    sharp, blur, region, motion = fo.focus(work, mid, text_area, ink, region, f_a, dec.scale, allowance, prof, sheet)
    return Measured(
        motion=motion,
        sharpness=sharp,
        blur_px=blur,
        region=region,
        skew_deg=skew,
        skew_source=skew_source,
        skew_edges=None if edge is None else skew if skew_source == "page_edges" else edge.angle,
        skew_text=None if text is None else text[0],
        skew_rules=None if rules is None else rules[0],
        exposure=expo,
        ink_ratio=ink_ratio,
        text_marks=marks,
        smear_ratio=smear,
        occlusion=occ,
        mid_scale=dec.scale * work.shape[1] / mid_wh[0],
        dpi=dpi,
        dpi_from_page=dpi_from_page,
        stand=stand is not None,
        sheet_mm=sheet_mm,
        blur_dpi=blur_dpi,
        page_found=page.quad is not None,
        full_frame=page.full_frame,
        edge_contact=contact,
        contact_sides=page.contact,
        text_cut=text_cut,
        outline=None
        if outline is None
        else ol.Outline(
            outline.corners * dec.scale, outline.certain and contact <= prof.max_edge_contact, outline.sides_clean
        ),
    )


def _num(metrics: dict[str, Metric], key: str) -> float | None:
    v = metrics.get(key)
    return float(v) if isinstance(v, int | float) and not isinstance(v, bool) else None


def judge_metrics(
    metrics: dict[str, Metric], prof: Profile, width: int, height: int, intentionally_blank: bool = False
) -> list[str]:
    """Reason codes for an image from its flat metrics (empty list = pass)."""
    reasons = []
    if min(width, height) < prof.min_side_px:
        reasons.append("low_resolution")
    ink = _num(metrics, "ink_ratio")
    if ink is None:
        return reasons
    sparse = ink < prof.min_ink_ratio
    marks = _num(metrics, "text_marks")  # counted on pages with less ink than min_ink_ratio (None: not counted)
    blank = sparse and (marks is None or marks < prof.min_text_marks)  # a line of print, a note: not blank
    # no sharp strokes, yet the paper holds content: print smeared past recognition (motion), not an empty page
    smeared = sparse and (_num(metrics, "smear_ratio") or 0.0) >= prof.min_smear_ratio
    blur, skew = _num(metrics, "blur_px"), _num(metrics, "skew_deg")
    region_share = _num(metrics, "blur_region_share") or 0.0
    blurred = smeared or fo.blur_fails(blur, region_share, prof.blur_allowance(_num(metrics, "blur_dpi")), prof)
    if blank and not blurred and not intentionally_blank:
        reasons.append("blank")  # a page found blurred held content: it moved or is out of focus, it is not empty
    if blurred:
        reasons.append("blur")
    if skew is not None and abs(skew) > prof.max_skew_deg:
        reasons.append("skew")
    full_frame = bool(metrics.get("full_frame"))
    if (_num(metrics, "paper_level") or 0.0) < prof.min_paper_level:
        reasons.append("too_dark")
    elif (_num(metrics, "clipped_highlights") or 0.0) > prof.max_clipped_highlights and not full_frame:
        reasons.append("too_bright")
    if (_num(metrics, "contrast") or 0.0) < prof.min_contrast and not sparse:  # too little ink to measure it by
        reasons.append("low_contrast")
    occluded = (_num(metrics, "occluded_share") or 0.0) > prof.max_occluded_share
    if occluded:
        reasons.append("occluded")
    contact = _num(metrics, "edge_contact") or 0.0
    sides = metrics.get("edge_contact_sides")
    if occluded and isinstance(sides, list) and len(sides) == len(SIDE_NAMES):
        # an object reaching in from a frame side joins the paper to that side: it is the object, not the page,
        # that touches there, and the operator is told to clear it (a page also cut off there shows next shot)
        blamed = set(metrics.get("occluded_sides") or [])  # type: ignore[arg-type]
        contact = max((float(c or 0.0) for n, c in zip(SIDE_NAMES, sides, strict=True) if n not in blamed), default=0.0)
    text_cut = bool(metrics.get("text_cut_sides"))
    if (full_frame and (prof.require_page_border or text_cut)) or (not full_frame and contact > prof.max_edge_contact):
        reasons.append("cut_off")
    dpi = _num(metrics, "dpi")
    if dpi is not None and dpi < prof.min_dpi:
        reasons.append("low_resolution")
    return reasons


def _r(v: float | None, nd: int = 4) -> float | None:
    return None if v is None else round(float(v), nd)


SIDE_NAMES = ("top", "right", "bottom", "left")


def metrics_of(
    m: Measured | None, dec: Decoded, intentionally_blank: bool, prof: Profile | None = None
) -> dict[str, Metric]:
    """Flat, JSON-friendly metrics of a measurement (prof: the profile whose paper size dpi assumed)."""
    out: dict[str, Metric] = {
        "work_scale": _r(dec.scale, 3),
        "intentionally_blank": intentionally_blank,
        "short_side_px": min(dec.width, dec.height),
    }
    if m is None:
        out.update(
            {k: None for k in ("sharpness", "blur_px", "skew_deg", "brightness", "contrast", "dpi", "ink_ratio")}
        )
        return out
    e = m.exposure
    out.update(
        {
            "sharpness": None if m.blur_px is None else _r(1.0 / (1.0 + m.blur_px)),
            "blur_px": _r(m.blur_px, 3),
            "edge_score": _r(m.sharpness.worst_direction) if m.sharpness else None,
            "edge_score_overall": _r(m.sharpness.overall) if m.sharpness else None,
            "edges": m.sharpness.edges if m.sharpness else 0,
            "sharpness_cells": len(m.sharpness.cells) if m.sharpness else 0,
            "blur_region_px": _r(m.region.blur_px, 3) if m.region else None,
            "blur_region": list(m.region.box) if m.region else None,
            "blur_region_share": _r(m.region.share) if m.region else None,
            "motion_px": _r(m.motion.length_px, 1) if m.motion and m.motion.measured else None,
            "motion_seen": m.motion is not None,  # a camera motion found, measured (motion_px) or not
            "motion_double": bool(m.motion and m.motion.double),  # two images of the page (qc.motion.double_image)
            "skew_deg": _r(m.skew_deg, 3),
            "skew_from_page_edges": m.skew_source == "page_edges",
            "skew_source": m.skew_source,
            "skew_page_edges_deg": _r(m.skew_edges, 3),
            "skew_text_lines_deg": _r(m.skew_text, 3),
            "skew_ruled_lines_deg": _r(m.skew_rules, 3),
            "brightness": _r(e.brightness),
            "paper_level": _r(e.paper_level),
            "ink_level": _r(e.ink_level),
            "contrast": _r(e.contrast),
            "clipped_highlights": _r(e.clipped_highlights),
            "clipped_shadows": _r(e.clipped_shadows),
            "ink_ratio": _r(m.ink_ratio, 5),
            "text_marks": m.text_marks,
            "smear_ratio": _r(m.smear_ratio, 5),
            "occluded_share": _r(m.occlusion.share),
            "occluded_sides": list(m.occlusion.sides),
            "occlusion_box": None
            if m.occlusion.box is None
            else [int(round(v * m.mid_scale)) for v in m.occlusion.box],
            "dpi": _r(m.dpi, 1),
            "dpi_from_page": m.dpi_from_page,
            "blur_dpi": _r(m.blur_dpi, 1),
            "page_found": m.page_found,
            "full_frame": m.full_frame,
            "edge_contact": _r(m.edge_contact),
            "edge_contact_sides": [_r(c) for c in m.contact_sides],
            "text_cut_sides": list(m.text_cut[0]),
            "text_cut_marks": list(m.text_cut[1]),
            "touching_sides": [n for n, c in zip(SIDE_NAMES, m.contact_sides, strict=True) if c > 0],
            "page_corners": None if m.outline is None else [[_r(x, 1), _r(y, 1)] for x, y in m.outline.corners],
            "outline_certain": bool(m.outline and m.outline.certain),
            "assumed_paper": paper_name((prof or default_profile()).paper_size_mm)
            if m.dpi_from_page and not m.stand
            else None,
            "dpi_source": ("stand" if m.stand else "page_outline") if m.dpi_from_page else "file" if m.dpi else None,
            "sheet_mm": None if m.sheet_mm is None else [_r(v, 1) for v in m.sheet_mm],
            **(_stand_used(prof) if m.stand else {}),
        }
    )
    return out


def _stand_used(prof: Profile | None) -> dict[str, Metric]:
    """The stand a photo's resolution came from, kept with its metrics so that its message still names it once
    the project's stand is measured again or cleared (qc.messages.detail)."""
    p = prof or default_profile()
    return {"stand_dpi": p.stand_dpi, "stand_frame_px": list(p.stand_frame_px)}


def check(
    image: ImageInput, profile: Profile | dict[str, Any] | None = None, *, intentionally_blank: bool = False
) -> Report:
    """Check one page image against a profile and return its Report (raises QCInputError on bad input)."""
    prof = resolve_profile(profile)
    return _judge(load(image, prof.max_pixels), prof, intentionally_blank)


def check_hashed(
    image: ImageInput, profile: Profile | dict[str, Any] | None = None, *, intentionally_blank: bool = False
) -> tuple[Report, str | None]:
    """`check`, plus the page's perceptual hash (qc.pagehash.page_hash) taken from the same decoded working image:
    (Report, 64 hex digits or None). Raises QCInputError on bad input, like `check`."""
    prof = resolve_profile(profile)
    dec = load(image, prof.max_pixels)
    return _judge(dec, prof, intentionally_blank), page_hash(dec.gray)


def _judge(dec: Decoded, prof: Profile, intentionally_blank: bool) -> Report:
    metrics = metrics_of(measure(dec, prof), dec, intentionally_blank, prof)
    reasons = judge_metrics(metrics, prof, dec.width, dec.height, intentionally_blank)
    return make_report(reasons, metrics, dec.width, dec.height, prof)


def deskew(image: np.ndarray, angle_deg: float) -> np.ndarray:
    """A straightened copy of an image measured at angle_deg (CCW positive); the canvas grows to fit."""
    if not isinstance(image, np.ndarray) or image.ndim not in (2, 3) or image.size == 0:
        raise ValueError("deskew needs a non-empty grey or colour numpy image")
    h, w = image.shape[:2]
    rot = cv2.getRotationMatrix2D((w / 2.0, h / 2.0), -float(angle_deg), 1.0)
    c, s = abs(rot[0, 0]), abs(rot[0, 1])
    nw, nh = int(round(h * s + w * c)), int(round(h * c + w * s))
    rot[0, 2] += nw / 2.0 - w / 2.0
    rot[1, 2] += nh / 2.0 - h / 2.0
    return cv2.warpAffine(image, rot, (nw, nh), flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REPLICATE)
