"""qc on reports with printed pictures (ultrasound B-mode fans, halftone photographs): their cells read as blurred
while the report's text is sharp, and sharp reports failed `blur` by region (bench.qc.run pictures 4/12). A blurred
patch of toned print whose nearest print on both sides is sharp is no defocus (qc.pictures); the same reports out of
focus, whole, in part or along a band (a bulging sheet), and shaded or shadowed text out of focus must keep failing."""

from __future__ import annotations

from dataclasses import replace

import cv2
import numpy as np
import pytest

import qc
from bench.qc import periodic
from bench.qc.generator import encode_jpeg, photograph, random_spec, render_paper
from qc import pictures
from qc import regions as rg
from qc import sharpness as sh


@pytest.mark.parametrize(("layout", "seed"), [("ultrasound", 2), ("ultrasound", 4), ("halftone", 19010)])
def test_a_sharp_report_with_printed_pictures_passes(layout: str, seed: int) -> None:
    """Failed by region before (ultrasound 2: 42 % of the cells, 4: 48 %, the fans; halftone 19010: 36 %, a picture)."""
    rep = qc.check(periodic.photo(seed, layout))
    assert rep.reasons == [], rep.metrics


@pytest.mark.parametrize("layout", ["ultrasound", "halftone"])
def test_the_same_report_out_of_focus_fails(layout: str) -> None:
    rep = qc.check(periodic.photo(2, layout, gauss_sigma=2.0))
    assert "blur" in rep.reasons, rep.metrics


@pytest.mark.parametrize(
    ("layout", "seed", "sigma", "angle"),
    [("ultrasound", 4, 8.0, 270.0), ("ultrasound", 2, 6.0, 90.0), ("halftone", 2, 6.0, 270.0)],
)
def test_a_report_out_of_focus_over_part_of_it_fails(layout: str, seed: int, sigma: float, angle: float) -> None:
    """A depth gradient from 40 % of the page: the blurred region runs to the page's side, nothing sharp beyond it."""
    rep = qc.check(periodic.photo(seed, layout, defocus_sigma=sigma, defocus_angle_deg=angle, defocus_start=0.4))
    assert "blur" in rep.reasons, rep.metrics


def _bulge(data: bytes, centre: float, half: float, peak: float) -> bytes:
    """The photo blurred along a band of rows, as a sheet bulging towards the camera: sigma `peak` px at row
    `centre`, falling linearly to 0 at `half` rows away (blends of 6 Gaussian levels), JPEG quality 92."""
    img = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR).astype(np.float32)
    sigma = peak * np.clip(1 - np.abs(np.arange(img.shape[0]) - centre) / half, 0, 1)
    levels = [img] + [cv2.GaussianBlur(img, (0, 0), peak * k / 5) for k in range(1, 6)]
    pos = sigma / (peak / 5)
    lo = np.floor(pos).astype(int).clip(0, 4)
    t = (pos - lo)[:, None, None]
    out = np.empty_like(img)
    for k in range(5):
        rows = lo == k
        out[rows] = levels[k][rows] * (1 - t[rows]) + levels[k + 1][rows] * t[rows]
    return cv2.imencode(".jpg", np.clip(out, 0, 255).astype(np.uint8), [cv2.IMWRITE_JPEG_QUALITY, 92])[1].tobytes()


@pytest.mark.parametrize(("layout", "seed", "centre"), [("ultrasound", 2, 1300), ("halftone", 19010, 1500)])
def test_a_report_bulging_across_its_pictures_fails(layout: str, seed: int, centre: float) -> None:
    """A band of rows blurred up to sigma 5 px across the pictures' lower edge and the findings below them."""
    rep = qc.check(_bulge(periodic.photo(seed, layout), centre, 430, 5.0))
    assert "blur" in rep.reasons, rep.metrics


def _photo(seed: int, kind: str, layout: str, shade: float = 0.0, **extra: float) -> bytes:
    """A generated page photo (bench.qc.generator), its paper shaded (× shade) over every other twelfth if shade."""
    spec = replace(random_spec(seed, kind), layout=layout, **extra)
    paper = render_paper(spec, spec.page_fill * spec.frame_wh[1] / 297.0).astype(np.float32)
    if shade:
        h = paper.shape[0]
        for k in range(1, 12, 2):
            paper[k * h // 12 : (k + 1) * h // 12] *= shade
    return encode_jpeg(photograph(np.clip(paper, 0, 255).astype(np.uint8), spec)[0], spec.jpeg_quality)


@pytest.mark.parametrize(
    ("seed", "kind", "layout", "shade", "shadow"),
    [(500, "defocus", "form", 0.6, 0.0), (501, "defocus", "dense", 0.0, 0.7), (502, "gauss", "form", 0.55, 0.7)],
)
def test_shaded_or_shadowed_text_out_of_focus_fails(
    seed: int, kind: str, layout: str, shade: float, shadow: float
) -> None:
    """The fourth break-it tester's kinds, which a rule on tone alone let through: tables with grey-shaded rows and
    pages under a deep hand shadow, out of focus over part of the page or all of it."""
    rep = qc.check(_photo(seed, kind, layout, shade, shadow=shadow))
    assert "blur" in rep.reasons, rep.metrics


def _map(
    rows: int,
    cols: int,
    blurred: set[tuple[int, int]],
    dark: set[tuple[int, int]],
    margin: int = 32,
    score: float = 0.4,
) -> tuple[np.ndarray, sh.Sharpness]:
    """A working image of 64 px cells (paper 230 with a dark stroke each; `dark` cells toned 90) in a margin of
    paper and its map: cells scored 0.9 (sharp), those in `blurred` `score` (0.4: sigma 2.9 working px)."""
    size = 64
    work = np.full((rows * size + 2 * margin, cols * size + 2 * margin), 230, np.uint8)
    cells = []
    for r in range(rows):
        for c in range(cols):
            y, x = margin + r * size, margin + c * size
            work[y + 20 : y + 24, x + 10 : x + 54] = 40
            if (r, c) in dark:
                work[y : y + size, x : x + size] = 90
            cells.append(sh.Cell(y=y, x=x, size=size, score=score if (r, c) in blurred else 0.9, edges=100))
    return work, sh.Sharpness(overall=0.9, worst_direction=0.9, edges=100 * len(cells), cells=tuple(cells))


def test_a_toned_blurred_island_between_sharp_text_leaves_the_map() -> None:
    island = {(2, 0), (2, 1), (2, 2)}
    work, sharp = _map(5, 3, island, island)
    kept = pictures.leave_out(work, sharp, 2.0, 1.2)
    assert len(kept.pictures) == 3 and len(kept.cells) == 12
    assert all(c.score == 0.9 for c in kept.cells)
    work, sharp = _map(3, 5, {(0, 2), (1, 2), (2, 2)}, {(0, 2), (1, 2), (2, 2)})  # sharp left and right of it
    assert len(pictures.leave_out(work, sharp, 2.0, 1.2).pictures) == 3


def test_a_toned_band_to_the_papers_edges_is_no_picture() -> None:
    """The same island, its tone running on across the margins to the paper's edges (a band darkened across the
    whole page and bulged there): defocus, its cells stay."""
    island = {(2, 0), (2, 1), (2, 2)}
    work, sharp = _map(5, 3, island, island)
    work[32 + 128 : 32 + 192, :] = np.minimum(work[32 + 128 : 32 + 192, :], 90)
    assert len(pictures.leave_out(work, sharp, 2.0, 1.2).pictures) == 0
    paper = np.zeros((work.shape[0] // 2, work.shape[1] // 2), np.uint8)
    paper[8:-8, 8:-8] = 1  # the paper inside a mat, on a grid half as fine; the band ends 16 px before the mat
    assert len(pictures.leave_out(work, sharp, 2.0, 1.2, (paper, 2)).pictures) == 0


@pytest.mark.parametrize(
    ("blurred", "dark"),
    [
        ({(4, 0), (4, 1), (4, 2)}, {(4, 0), (4, 1), (4, 2)}),  # at the page's side: defocus can do that
        ({(2, 0), (2, 1), (2, 2)}, set()),  # blurred text, not toned: no picture
        ({(2, 0), (2, 1), (2, 2), (3, 0), (3, 1), (3, 2), (4, 0), (4, 1), (4, 2)}, {(2, 0), (2, 1), (2, 2)}),
        # a bulge: blurred text right above and below the picture, sharp beyond (the fifth tester's kind)
        ({(1, 0), (1, 1), (1, 2), (2, 0), (2, 1), (2, 2), (3, 0), (3, 1), (3, 2)}, {(2, 0), (2, 1), (2, 2)}),
    ],
)
def test_blurred_regions_defocus_can_make_stay(blurred: set, dark: set) -> None:
    work, sharp = _map(5, 3, blurred, dark)
    kept = pictures.leave_out(work, sharp, 2.0, 1.2)
    assert len(kept.pictures) == 0 and kept is sharp


def test_a_blurred_band_runs_on_through_a_printed_picture() -> None:
    """Blurred rows 1 and 3 with a picture's cells (row 2) between them are one region of 6 of the 12 text cells."""
    work, sharp = _map(5, 3, {(1, 0), (1, 1), (1, 2), (3, 0), (3, 1), (3, 2)}, set())
    picture = tuple(c for c in sharp.cells if c.y // c.size == 2)
    text = tuple(c for c in sharp.cells if c.y // c.size != 2)
    region = rg.worst_region(replace(sharp, cells=text, pictures=picture), 2.0, 1.2)
    assert region is not None and region.share == 0.5
    alone = rg.worst_region(replace(sharp, cells=text), 2.0, 1.2)
    assert alone is not None and alone.share == 0.25


def test_print_on_a_tint_is_told_from_a_picture() -> None:
    """Sharp cells of a grey photocopy (flat tint 120 with dark strokes) are print on a tint; a picture's (speckle
    about 120) are not: a bulge across a tinted area is defocus (the sixth break-it tester's pasted copies)."""
    rng = np.random.default_rng(0)
    tint = np.full((64, 256), 120, np.uint8)
    tint[20:24, 10:54] = 30
    tint += rng.integers(0, 3, tint.shape, dtype=np.uint8)
    speckle = np.clip(120 + rng.normal(0, 40, (64, 256)), 0, 255).astype(np.uint8)
    cells = [sh.Cell(y=0, x=64 * k, size=64, score=0.9, edges=100) for k in range(4)]
    assert pictures._print_on_tint(tint, cells)
    assert not pictures._print_on_tint(speckle, cells)
    assert not pictures._print_on_tint(tint, cells[:2])  # too few cells to tell


def _taken(sharp: sh.Sharpness, rows: set[int]) -> sh.Sharpness:
    """The map as the second focus reading leaves it when its masks took the cells of `rows` whole: silent."""
    gone = [c for c in sharp.cells if c.y // c.size in rows]
    return replace(sharp, cells=tuple(c for c in sharp.cells if c not in gone), silent=tuple((c.y, c.x) for c in gone))


def test_cells_the_masks_took_between_sharp_print_stay_out() -> None:
    """A halftone picture or a shadow's edge between sharp print: the second reading's map is kept as it is."""
    _, first = _map(5, 3, {(2, 0), (2, 1), (2, 2)}, set(), score=0.55)
    second = _taken(first, {2})
    got = pictures.restore_masked(second, first, 2.0, 1.2)
    assert got.cells == second.cells and got.silent == second.silent


def test_cells_the_masks_took_to_the_text_areas_edge_are_blurred_again() -> None:
    """Dense print blurred over the lower part of the page: the taken cells run to the text area's edge, so they
    come back with their first, blurred reading; a sharp taken cell (row 1) comes back sharp."""
    _, first = _map(5, 3, {(3, 0), (3, 1), (3, 2), (4, 0), (4, 1), (4, 2)}, set(), score=0.55)  # sigma 2.9 px
    second = _taken(first, {1, 3, 4})
    got = pictures.restore_masked(second, first, 2.0, 1.2)
    assert sorted((c.y // c.size, c.x // c.size, c.score) for c in got.cells) == sorted(
        (r, c, 0.55 if r >= 3 else 0.9) for r in range(5) for c in range(3)
    )
    assert got.silent == ()
    region = rg.worst_region(got, 2.0, 1.2)
    assert region is not None and region.share == 0.4
    assert pictures.restore_masked(first, first, 2.0, 1.2) is first  # nothing taken
    whole = pictures.restore_masked(None, first, 2.0, 1.2)  # the masks took every edge: the first reading stands
    assert whole is not None and set(whole.cells) == set(first.cells) and whole.silent == ()


def test_cells_read_at_the_curves_end_are_a_change_of_light() -> None:
    """A shadow's soft edge reads at the end of the curve (score 0.39: 6 px at scale 2); the light mask took it
    for that: it does not come back, wherever it is (hand shadows from a frame side, bench/qc/sweeps.py shadows)."""
    _, first = _map(5, 3, {(4, 0), (4, 1)}, set(), score=0.39)
    second = _taken(first, {4})
    got = pictures.restore_masked(second, first, 2.0, 1.2)
    assert all(c.score == 0.9 for c in got.cells) and len(got.cells) == 13  # the sharp (4, 2) came back


def test_sharp_cells_the_masks_took_come_back_sharp() -> None:
    """A picture's blurred cells held by sharp print stay out; the sharp cells taken with them come back."""
    _, first = _map(5, 3, {(2, 0), (2, 1), (2, 2)}, set(), score=0.55)
    got = pictures.restore_masked(_taken(first, {1, 2}), first, 2.0, 1.2)
    assert sorted((c.y // c.size, c.score) for c in got.cells) == sorted(
        (r, 0.9) for r in (0, 1, 3, 4) for _ in range(3)
    )
    assert len(got.silent) == 3
