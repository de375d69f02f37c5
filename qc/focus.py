"""The focus figures of a page: its blur, the worst region of its text area and an even shake (qc.checker)."""

from __future__ import annotations

import cv2
import numpy as np

from qc import light as lt
from qc import motion as mo
from qc import paperedge as pe
from qc import pictures as pic
from qc import regions as rg
from qc import rules as rl
from qc import sharpness as sh
from qc import smear as sm
from qc.profile import Profile

NEAR_LIMIT = 0.7  # a page whose edge score leaves its blur at this share of the limit or more is a straight, even
# motion (qc.motion) on the usual evidence: such smears of thin print measure 0.74-1.0 of it (0.74: a table shaken
# 15 px across its rules, with camera noise), sharp generated photos 0.5-0.72; under it, on stricter evidence


def focus(
    work: np.ndarray,
    mid: np.ndarray,
    text_area: np.ndarray,
    ink: np.ndarray,
    paper: np.ndarray,
    f_a: int,
    scale: float,
    allowance: float,
    prof: Profile,
    outline: pe.Outline | None = None,
) -> tuple[sh.Sharpness | None, float | None, rg.Region | None, mo.Motion | None]:
    """The focus figures of the text area: its sharpness map, the page's blur (original px), the worst region and
    a straight, even motion (qc.motion). `text_area` and `ink` (bool: ink and content, ink alone) and `paper`
    (uint8 0/1) are on the analysis grid, f_a times smaller than `work`.

    A page found blurred is measured again without the edges where the light changes (qc.light): a hand shadow's
    soft boundary across sparse print is no blur of the print; nor are its ruled lines (qc.rules.line_mask), whose
    thin edges and crossings read as blurred on a sharp chart; cells those masks took whole are read as the first
    time unless sharp print holds them (qc.pictures.restore_masked: dense print blurred into bands). A smear too
    long for the edge profiles (qc.smear) is the page's blur when it is the larger. Printed pictures leave the map
    (qc.pictures). Every page is looked at for an even shake (also one failed already: the operator is told the
    camera moved), whose region is then the whole text area: in the cepstrum (qc.motion.straight_motion; on stricter
    evidence for a page whose edges read sharp, under NEAR_LIMIT of the limit: dense print shaken 16-20 px read
    0.5 px), else in the lost fine detail of its print (qc.motion.smeared_print: dense print shaken along its lines).
    Where the print showed no edge across some direction (qc.smear.lopsided) or none at all, too sparse to say it
    moved, `outline` is asked (the motion the paper's outline shows, qc.paperedge; None: not a photo of a whole
    sheet). A motion found in the print alone that the outline shows did not happen, or that sparse print rises too
    steeply along, is no motion (Outline.contradicts: print regular along a line, such as rows of dashes, whose
    spectrum has a smear's zeros).
    """
    corners = sh.select_cells(text_area, f_a, work.shape)
    limit = prof.max_region_blur_px * allowance  # the same blur on the paper at any resolution
    sharp = first = sh.measure(work, corners)
    smear_px = sm.smeared_blur(work, text_area, f_a, sharp, scale) if text_area.any() else None  # whole page's edges
    if smear_px is not None and outline is not None and outline.still():
        smear_px = None  # a smear that long ramps the paper's outline too (a signature's loops merge at 1/8)

    def figures(sharp: sh.Sharpness | None, skip: np.ndarray | None, read_first: sh.Sharpness | None = None) -> tuple:
        read = read_first if sharp is None else sharp  # the masks took every edge: the first reading stands
        blur = None if read is None else sh.original_blur(sh.sigma_of_score(read.worst_direction), scale)
        if smear_px is not None:
            blur = smear_px if blur is None else max(blur, smear_px)
        if sharp is not None:
            sharp = rg.rescore_silent(work, sharp, scale, limit, skip, straight=skip is None)
        if read_first is not None:  # after the re-scoring: a masked cell next to a restored one is no blur
            sharp = pic.restore_masked(sharp, read_first, scale, limit)
        if sharp is not None:
            sharp = pic.leave_out(work, sharp, scale, limit, (paper, f_a))
        return sharp, blur, None if sharp is None else rg.worst_region(sharp, scale, limit)

    sharp, blur, region = figures(sharp, None)
    if blur_fails(blur, region.share if region else 0.0, allowance, prof):
        skip = cv2.resize(lt.light_edges(mid), work.shape[::-1], interpolation=cv2.INTER_NEAREST)
        skip |= rl.line_mask(work)  # and its print is read without its ruled lines (qc.rules.line_mask)
        sharp, blur, region = figures(sh.measure(work, corners, skip, straight=False), skip, first)
    motion, sparse = None, first is None or sm.lopsided(first.directions)  # sparse: too few edges to say it moved
    if blur is not None:  # thin print smeared evenly keeps steep edges; a page failed already is told whether it moved
        power = mo.power_spectrum(work, corners)
        strict = blur < NEAR_LIMIT * prof.max_blur_px * allowance
        motion = mo.straight_motion(work, corners, scale, strict=strict, power=power)
        if motion is None:
            motion = mo.smeared_print(work, corners, ink, f_a, scale)
        if motion is not None and outline is not None and outline.contradicts(motion, corners, sparse):
            motion = None  # the paper's outline is as sharp across it as a still photo's, or sparse print as steep
        if motion is None and power is not None and blur <= prof.max_blur_px * allowance:  # each image is sharp
            motion = _double_image(work, power, scale, outline, corners)
    if motion is None and outline is not None and sparse:
        motion = outline.motion(corners)  # a few lines smeared 10-100 px keep only their sharp edges along the motion
    if motion is None:
        return sharp, blur, region, None
    if sharp is not None and sharp.cells:  # the whole text area moved: it is the region
        region = rg.Region(motion.blur_px, rg.cells_box(list(range(len(sharp.cells))), sharp.cells, scale), 1.0)
    return sharp, motion.blur_px if blur is None else max(blur, motion.blur_px), region, motion


def _double_image(
    gray: np.ndarray, power: np.ndarray, scale: float, outline: pe.Outline | None, corners: list[tuple[int, int]]
) -> mo.Motion | None:
    """A double image in the print's cepstrum (qc.motion.double_image) that the paper's outline, where it can show
    it, does not deny: two images d apart step each side across d twice, d apart, and its ramp (20-80 %) spans
    them. Where the outline cannot (none, or the pair across d unread or too little across it), only a stronger
    one (qc.motion.UNSEEN_GHOST)."""
    found = mo.double_image(power, scale, seen=True, gray=gray, corners=corners)
    if found is None:
        return None
    if outline is not None and outline.shows(found):
        return None if outline.contradicts(found, corners, sparse=False) else found
    return found if found.double >= mo.UNSEEN_GHOST else None


def blur_fails(blur: float | None, region_share: float, allowance: float, prof: Profile) -> bool:
    """The blur rule: the page's blur over max_blur_px, or its worst region's share of the text at
    max_blur_region_share or more (limits × allowance, Profile.blur_allowance)."""
    return (blur is not None and blur > prof.max_blur_px * allowance) or region_share >= prof.max_blur_region_share
