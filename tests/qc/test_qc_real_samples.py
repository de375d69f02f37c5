"""qc on the thirteen real photographed and scanned pages in shared/samples/real."""

from __future__ import annotations

import csv

import pytest

import qc

SKEW_TOLERANCE = {"skew_deskew_8_poster.png": 0.5}  # stated skews are whole degrees from deskew's own tests
SHARP = [
    "edge_noteshrink_marker.jpg",
    "photo_lept_cat_007.jpg",
    "photo_lept_zanotti_78.jpg",
    "photo_mzucker_boston_cooking_a.jpg",
    "scan_tess_unlv_8087.tif",
    "zh_photo_rapidund_form.jpg",
    "skew_deskew_2.png",
    "skew_deskew_4.png",
    "skew_deskew_5.png",
    "skew_deskew_8_poster.png",
]


def _rows(real_dir):  # type: ignore[no-untyped-def]
    with open(real_dir / "SOURCES.csv", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_every_sample_is_checked(real_dir) -> None:
    rows = _rows(real_dir)
    assert len(rows) == 13
    for row in rows:
        rep = qc.check(real_dir / row["file"])
        assert rep.verdict in ("pass", "fail") and rep.width > 0


@pytest.mark.parametrize(
    "name", ["skew_deskew_2.png", "skew_deskew_4.png", "skew_deskew_5.png", "skew_deskew_8_poster.png"]
)
def test_stated_skews(real_dir, name: str) -> None:
    stated = {r["file"]: r["page_skew_deg"] for r in _rows(real_dir)}[name]
    rep = qc.check(real_dir / name)
    assert rep.skew_deg == pytest.approx(float(stated), abs=SKEW_TOLERANCE.get(name, 0.6))
    if abs(float(stated)) >= 5.0:  # well beyond the default 3° limit
        assert "skew" in rep.reasons


def _printed_rule_angle(path) -> float:  # type: ignore[no-untyped-def]
    """The page's skew measured independently of qc: the median angle of the long straight printed rules (form
    lines, staves) found by OpenCV's probabilistic Hough transform at 0.05° resolution, in qc's sign (CCW +)."""
    import cv2
    import numpy as np

    grey = cv2.imread(str(path), cv2.IMREAD_GRAYSCALE)
    lines = cv2.HoughLinesP(
        cv2.Canny(grey, 50, 150), 1, np.pi / 3600, threshold=200, minLineLength=grey.shape[1] // 4, maxLineGap=5
    ).reshape(-1, 4)
    angles = [np.degrees(np.arctan2(y2 - y1, x2 - x1)) for x1, y1, x2, y2 in lines]
    near = [a for a in angles if abs(a) < 20]
    assert len(near) >= 2, path
    return -float(np.median(near))


@pytest.mark.parametrize("name", ["skew_deskew_2.png", "skew_deskew_4.png", "skew_deskew_5.png"])
def test_skew_within_0_3_degrees_of_the_printed_rules(real_dir, name: str) -> None:
    """Issue 14's target "skew within 0.3° of a known angle": SOURCES.csv states whole degrees (deskew's own
    test expectations: the payment slip's "3.0" is 3.38° by its printed lines), so the known angle here is
    measured from the page's long printed rules by an independent method."""
    rep = qc.check(real_dir / name)
    assert rep.skew_deg == pytest.approx(_printed_rule_angle(real_dir / name), abs=0.3), rep.metrics


@pytest.mark.parametrize("name", SHARP)
def test_sharp_samples_not_blur(real_dir, name: str) -> None:
    rep = qc.check(real_dir / name)
    assert "blur" not in rep.reasons, rep.metrics


def test_defocused_phone_photo_is_blur(real_dir) -> None:
    assert "blur" in qc.check(real_dir / "blur_sbrunner_input_phone.jpg").reasons


def test_lab_report_shot_too_close_fails_cut_off(real_dir) -> None:
    """The lab report fills the frame and its print runs off the top and bottom edges ("(临床内分泌)" of the
    sheet below, the other sheet's number), so it fails as incomplete, with the sides named. Its own text is
    legible at 1000x750 (cells 0.58 px, like the sharp form's 0.55): the defocused corner is another sheet lying
    over it, 2-4 % of the text cells, so it is not called blurred (see the closing note of issue 14)."""
    rep = qc.check(real_dir / "zh_blur_paddle_lab_report.jpg")
    assert rep.verdict == "fail" and "cut_off" in rep.reasons, rep.metrics
    assert rep.metrics["full_frame"] is True and set(rep.metrics["text_cut_sides"]) >= {"top", "bottom"}
    msg = next(m for m in rep.messages if m["code"] == "cut_off")
    assert "print runs off the frame at the top and bottom" in msg["en"], msg
    assert "文字被画面上、下边截断" in msg["zh"], msg


def test_scans_and_full_frame_pages_with_margins_cut_no_print(real_dir) -> None:
    """No character of a scan or of a page shot with its margins touches the image's edge."""
    for name in (
        "skew_deskew_2.png",
        "skew_deskew_5.png",
        "skew_deskew_8_poster.png",
        "scan_tess_unlv_8087.tif",
        "photo_lept_zanotti_78.jpg",
        "edge_noteshrink_marker.jpg",
    ):
        rep = qc.check(real_dir / name)
        assert rep.metrics["full_frame"] is True and rep.metrics["text_cut_sides"] == [], (name, rep.metrics)
        assert "cut_off" not in rep.reasons, name


def test_defocused_magazine_photo_is_also_cut_off(real_dir) -> None:
    """The magazine column is shot so close that lines run off the bottom and left edges (besides the blur)."""
    rep = qc.check(real_dir / "blur_sbrunner_input_phone.jpg")
    assert {"blur", "cut_off"} <= set(rep.reasons) and set(rep.metrics["text_cut_sides"]) == {"bottom", "left"}


def test_exif_rotated_cookbook_is_upright(real_dir) -> None:
    rep = qc.check(real_dir / "photo_mzucker_boston_cooking_a.jpg")
    assert (rep.width, rep.height) == (2448, 3264)
    assert abs(rep.skew_deg or 0.0) < 1.0


def test_scans_without_mat_are_not_cut_off_and_resolution_not_guessed(real_dir) -> None:
    rep = qc.check(real_dir / "skew_deskew_2.png")
    assert rep.metrics["full_frame"] is True and "cut_off" not in rep.reasons
    assert rep.metrics["dpi"] is None and "low_resolution" not in rep.reasons
    unlv = qc.check(real_dir / "scan_tess_unlv_8087.tif")
    assert unlv.metrics["dpi"] == 300.0 and unlv.verdict == "pass"


def test_skewed_book_photo(real_dir) -> None:
    rep = qc.check(real_dir / "photo_lept_cat_007.jpg")
    assert 3.5 <= abs(rep.skew_deg or 0.0) <= 5.5 and "skew" in rep.reasons


def test_cut_off_petrol_bill_fails_cut_off(real_dir) -> None:
    """The top line of print is outside the frame (SOURCES.csv): the page is incomplete, not blurred."""
    rep = qc.check(real_dir / "cutoff_cvrecipes_petrol_bill.jpg")
    assert rep.verdict == "fail"
    assert "cut_off" in rep.reasons and "blur" not in rep.reasons, rep.metrics


def test_no_real_sample_is_occluded_or_regionally_blurred_when_sharp(real_dir) -> None:
    """Book curls, a yellowed page, scanner borders, a shadowed lab report: none is an object over the page."""
    for row in _rows(real_dir):
        rep = qc.check(real_dir / row["file"])
        assert "occluded" not in rep.reasons, (row["file"], rep.metrics)
        if row["file"] in SHARP:
            assert (rep.metrics["blur_region_share"] or 0.0) < 0.2, (row["file"], rep.metrics)


def test_book_page_resolution_failure_says_why(real_dir) -> None:
    """The sharp 1052x1524 book page fails for resolution; the message gives the dpi and where it came from: the
    file's header says 150 dpi (its outline is not found whole), so no paper size is said to be assumed."""
    rep = qc.check(real_dir / "photo_lept_zanotti_78.jpg")
    assert rep.reasons == ["low_resolution"]
    assert rep.metrics["dpi_from_page"] is False
    msg = rep.messages[0]
    assert "the file states 150 dpi" in msg["en"] and "200 dpi" in msg["en"] and "A4" not in msg["en"]
    assert "文件标注 150 dpi" in msg["zh"] and "A4" not in msg["zh"]


def test_cut_off_bill_says_which_sides(real_dir) -> None:
    rep = qc.check(real_dir / "cutoff_cvrecipes_petrol_bill.jpg")
    msg = next(m for m in rep.messages if m["code"] == "cut_off")
    assert "top 100%" in msg["en"] and "上边 100%" in msg["zh"], msg
