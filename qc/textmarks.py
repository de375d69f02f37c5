"""Text-sized marks of the ink mask: sides of the frame that cut print, and lines of print on a near-empty page."""

from __future__ import annotations

import cv2
import numpy as np

LINE_MARKS = 4  # characters in a row (or a column) of text-sized marks that make a line of print (text_marks)
WORD_MARKS = 2  # ... or marks, each filled as print is (PRINT_FILL), that make a written word: a signed name of two
# or three characters (hair pieces are sparser, the two rims of a punch hole or specks of dust thinner)
LINE_GAP = 2.0  # ... each at most this many times its size from the next
LINE_ALIKE = 2.0  # ... and of a size across the line within this factor of it (print, not a hair's pieces)
PRINT_FILL = (0.35, 0.75)  # a mark whose ink fills this share of its box is print merged (_characters; print
# 0.41-0.71 on a photo's grid; a hair's curl 0.05-0.27, a staple, a pencil dash or a smudge 0.79-1.0)
MERGED_ACROSS = 6  # px: a lone mark this thick or more across its own rectangle may be a word merged into one
# (3 mm print on a photo's analysis grid: 9-11 px; a character's fragment or a crumb is thinner)
SIGNATURE_LOOPS = 3  # a lone mark that closes this many loops or more is handwriting in one stroke, a signature: each
# loop counts as a character (a cursive scribble 25-60 mm long closes 3-8 on a photo's grid; a hair's curl, a staple,
# a punch hole's rim close at most one or two)
SIGNATURE_LONG = 2.0  # ... and at least this many times as long as it is high: written along a line (the bench's
# signatures 2.5-8 x; a curly hair coiled into a tangle of loops 1.0-1.6 x, the session-25 tester's 7 of 8 not blank)
SIGNATURE_WIDE = 0.25  # a signature up to this share of the image's long side wide (80 mm on a photo of an A4 page)
MAX_MARKS = 400  # more text-sized marks than this are print, however little ink they hold


def _text_sized(bw: np.ndarray, bh: np.ndarray, long_side: int, wide: float = 0.1) -> np.ndarray:
    """Which marks (bounding boxes bw x bh, analysis px) are text-sized: 4 px to 6 % of the image's long side high,
    at most `wide` of it wide (a character or a word, not a speck of dust, a rule, a border or a shadow); bool."""
    return (bh >= 4) & (bh <= 0.06 * long_side) & (bw <= wide * long_side)


CUT_SIDES = ("top", "right", "bottom", "left")


def text_cut_sides(ink: np.ndarray, max_marks: int) -> tuple[list[str], list[int]]:
    """Frame sides where print runs off the image: more than `max_marks` text-sized ink marks cut by that side.

    For a page that fills the frame (no mat, no outline to test against the frame): a scan or a shot with its
    margins in view has no character touching the image's edge, a shot taken too close cuts through words.
    A text-sized mark is 4 px to 6 % of the long side high and at most 10 % of it wide on the analysis grid, so
    a scanner's dark border, a shadow or the desk are not counted. `ink` is the bool stroke mask
    (`ink_mask`). Returns (side names in top, right, bottom, left order; the cut marks per side).
    """
    h, w = ink.shape
    long_side = max(h, w)
    marks = ink.view(np.uint8) if ink.dtype == np.bool_ else (ink > 0).view(np.uint8)
    # Each side is searched in a band along it, just wider than a text-sized mark can reach from that side: a mark
    # touching the side and text-sized lies whole inside its band, so the band labels it exactly as the whole
    # image would; a mark that leaves the band is cut by the band's inner edge, spans the band and is too big to
    # be text, as it is in the whole image. The four bands are under half the image.
    across, along = int(0.06 * long_side) + 3, int(0.1 * long_side) + 3
    bands = (  # (the band along each side in CUT_SIDES order, its top-left corner in the image)
        (marks[: min(h, across)], (0, 0)),
        (marks[:, max(0, w - along) :], (max(0, w - along), 0)),
        (marks[max(0, h - across) :], (0, max(0, h - across))),
        (marks[:, : min(w, along)], (0, 0)),
    )
    edges = (marks[:2], marks[:, -2:], marks[-2:], marks[:, :2])  # a mark touching a side has ink within 1 px of it
    counts = []
    for side, (band, (ox, oy)) in enumerate(bands):
        if not edges[side].any():  # the usual scan: nothing touches this side, nothing to label (the costly part)
            counts.append(0)
            continue
        _, _, stats, _ = cv2.connectedComponentsWithStats(np.ascontiguousarray(band), connectivity=8)
        x, y = stats[1:, cv2.CC_STAT_LEFT] + ox, stats[1:, cv2.CC_STAT_TOP] + oy
        bw, bh = stats[1:, cv2.CC_STAT_WIDTH], stats[1:, cv2.CC_STAT_HEIGHT]
        text = _text_sized(bw, bh, long_side)
        touching = (y <= 1, x + bw >= w - 1, y + bh >= h - 1, x <= 1)[side]
        counts.append(int(np.count_nonzero(touching & text)))
    return [name for name, c in zip(CUT_SIDES, counts, strict=True) if c > max_marks], counts


def _gaps(start: np.ndarray, extent: np.ndarray) -> np.ndarray:
    """Pairwise gaps between intervals [start, start + extent) along one axis (negative where they overlap)."""
    end = start + extent
    return np.maximum(start[:, None], start[None, :]) - np.minimum(end[:, None], end[None, :])


def _neighbours(a: np.ndarray, da: np.ndarray, b: np.ndarray, db: np.ndarray) -> np.ndarray:
    """Pairs of marks that follow each other along axis a (start a, extent da; across it b, db): alike across
    (extents within LINE_ALIKE of each other), level (centres within half the smaller extent) and at most LINE_GAP
    times the larger extent apart; bool (n, n)."""
    small, big = np.minimum(db[:, None], db[None, :]), np.maximum(db[:, None], db[None, :])
    c = b + db / 2
    level = np.abs(c[:, None] - c[None, :]) <= 0.5 * small
    return (big <= LINE_ALIKE * small) & level & (_gaps(a, da) <= LINE_GAP * big)


def _characters(bw: np.ndarray, bh: np.ndarray, area: np.ndarray) -> np.ndarray:
    """How many characters each mark holds: print merged into one mark on a coarse grid ("出院小结" one mark 31 x
    9 px: ink on PRINT_FILL of its box, at least 4 px across) as many as its length holds its breadth, any other
    mark one (a hair's curl is sparser, a staple's wire or a pencil dash solid); int array."""
    across, along = np.minimum(bw, bh), np.maximum(bw, bh)
    return np.where(_solid(bw, bh, area), np.maximum(1, np.round(along / np.maximum(across, 1))), 1).astype(int)


def _solid(bw: np.ndarray, bh: np.ndarray, area: np.ndarray) -> np.ndarray:
    """Marks whose ink fills PRINT_FILL of their box and that are at least 4 px across: print, or a written
    character; bool."""
    box = bw * bh
    return (area >= PRINT_FILL[0] * box) & (area <= PRINT_FILL[1] * box) & (np.minimum(bw, bh) >= 4)


def text_marks(ink: np.ndarray) -> int:
    """How many characters (_characters) the text-sized marks (_text_sized) of the bool ink mask (`ink_mask`,
    analysis grid) hold in lines of print: rows or columns (a page turned a quarter) of marks, each alike in size
    across the line with the next, level with it and at most LINE_GAP times its size from it (_neighbours), of two
    marks or more that hold LINE_MARKS characters or more, or of WORD_MARKS marks or more each filled as print is
    (a signed name: a page whose only writing is a doctor's name of two or three characters was called blank),
    lone marks that are a word merged into one (_merged_word: 3 mm print on a photo's grid), and lone marks up to
    SIGNATURE_WIDE of the long side wide that close SIGNATURE_LOOPS loops or more, a loop a character (_signatures:
    a signature in one stroke, the only writing on a consent form's last page, was called blank).

    A page with too little ink for a page of print (the profile's min_ink_ratio) may still hold a line of it, a
    note or a signed name; an empty sheet's marks stand alone or fill their box otherwise: dust and fibre are smaller
    than text, punch holes and a staple are far apart, a hair's pieces are thin curls, a blank form's rules are one
    long mark each (qc.checker: blank needs both too little ink and fewer characters than the profile's
    min_text_marks).
    """
    h, w = ink.shape
    _, labels, stats, _ = cv2.connectedComponentsWithStats(ink.view(np.uint8), connectivity=8)
    every = stats  # every mark's row, for the signatures (_signatures), which may be wider than text-sized
    ids = 1 + np.flatnonzero(_text_sized(stats[1:, cv2.CC_STAT_WIDTH], stats[1:, cv2.CC_STAT_HEIGHT], max(h, w)))
    stats = stats[ids]
    if len(stats) > MAX_MARKS:
        return len(stats)  # a page of print that left little ink on the grid (faint, or small print): text
    x, y, bw, bh, area = (stats[:, k].astype(np.float32) for k in range(5))
    in_row = _neighbours(x, bw, y, bh)  # along x: level in y, alike in height
    in_column = _neighbours(y, bh, x, bw)  # a page turned a quarter
    near = in_row | in_column
    group = np.arange(len(stats))
    while True:  # each mark takes the lowest label among its neighbours until none changes: the lines' members
        nxt = np.minimum(np.where(near, group[None, :], len(stats)).min(axis=1, initial=len(stats)), group)
        nxt = nxt[nxt]  # and its label's label: a line of n marks settles in about log n rounds, not n
        if np.array_equal(nxt, group):
            break
        group = nxt
    each = _characters(bw, bh, area)
    chars = np.bincount(group, weights=each, minlength=len(stats))
    members = np.bincount(group, minlength=len(stats))
    written = np.bincount(group, weights=_solid(bw, bh, area), minlength=len(stats)) >= WORD_MARKS
    line = ((chars >= LINE_MARKS) | written) & (members >= WORD_MARKS)
    for i in np.flatnonzero((members[group] == 1) & (each >= WORD_MARKS)):  # a lone mark: a word merged into one
        if _merged_word(labels, int(ids[i]), stats[i]):
            line[group[i]] = True
    lone = np.ones(len(every), bool)
    lone[0] = False  # the background
    lone[ids[line[group] | (members[group] > 1)]] = False  # the marks of a line, or of a row with others
    return int(chars[line].sum()) + _signatures(labels, every, lone)


def _signatures(labels: np.ndarray, stats: np.ndarray, lone: np.ndarray) -> int:
    """The loops (_loops) of the lone marks (`lone`, bool per label) that close SIGNATURE_LOOPS of them or more and
    are a signature's size and shape: as high as a text-sized mark, up to SIGNATURE_WIDE of the long side wide and
    SIGNATURE_LONG times as long as high or more."""
    bw, bh = stats[:, cv2.CC_STAT_WIDTH], stats[:, cv2.CC_STAT_HEIGHT]
    sized = lone & _text_sized(bw, bh, max(labels.shape), SIGNATURE_WIDE)
    sized &= np.maximum(bw, bh) >= SIGNATURE_LONG * np.minimum(bw, bh)  # written along a line, not a tangle
    found = (_loops(labels, int(j), stats[j]) for j in np.flatnonzero(sized))
    return sum(n for n in found if n >= SIGNATURE_LOOPS)


def _loops(labels: np.ndarray, label: int, stat: np.ndarray) -> int:
    """How many closed loops a mark (label `label`, its connectedComponentsWithStats row `stat`) draws: the holes
    of its ink (inner contours) of 2 px or more."""
    contours, hierarchy = cv2.findContours(_mark(labels, label, stat), cv2.RETR_CCOMP, cv2.CHAIN_APPROX_SIMPLE)
    if hierarchy is None:
        return 0
    return sum(1 for c, h in zip(contours, hierarchy[0], strict=True) if h[3] >= 0 and cv2.contourArea(c) >= 2.0)


def _merged_word(labels: np.ndarray, label: int, stat: np.ndarray) -> bool:
    """Whether a lone mark (label `label`, its connectedComponentsWithStats row `stat`) is print merged into one:
    its ink fills PRINT_FILL of its smallest enclosing rectangle at any angle, MERGED_ACROSS px across it or more.
    A staple's wire or a dash drawn at a slant fills little of its upright box but nearly all of its own rectangle
    (counting a lone mark by its upright box made 14 of the session-24 tester's 20 debris sheets non-blank)."""
    rw, rh = cv2.minAreaRect(cv2.findNonZero(_mark(labels, label, stat)))[1]
    area = int(stat[cv2.CC_STAT_AREA])
    rw, rh = rw + 1.0, rh + 1.0  # pixel centres to pixel extents
    return min(rw, rh) >= MERGED_ACROSS and PRINT_FILL[0] * rw * rh <= area <= PRINT_FILL[1] * rw * rh


def _mark(labels: np.ndarray, label: int, stat: np.ndarray) -> np.ndarray:
    """One mark's pixels in its bounding box (`stat`, its connectedComponentsWithStats row): uint8 0/1."""
    x, y, bw, bh = (int(v) for v in stat[:4])
    return (labels[y : y + bh, x : x + bw] == label).view(np.uint8)
