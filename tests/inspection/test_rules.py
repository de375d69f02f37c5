"""The pure rules of vendor QC, with hand-computed answers."""

from datetime import date
from decimal import Decimal

import pytest

from app.inspection.rules import (
    DEFAULT_PERCENT,
    HashedPage,
    RateStep,
    drawn,
    flag_problem,
    hamming,
    near_threshold,
    rate_on,
    ratio,
    repeats,
)

D = date.fromisoformat
PROFILE = {
    "max_blur_px": 1.3,
    "max_skew_deg": 3.0,
    "min_paper_level": 0.4,
    "max_clipped_highlights": 0.35,
    "min_contrast": 0.25,
    "min_ink_ratio": 0.0015,
    "max_edge_contact": 0.02,
    "min_dpi": 200.0,
}


def test_the_operators_own_latest_step_wins_then_the_project_default_then_5_percent() -> None:
    schedule = [
        RateStep(7, D("2026-11-02"), Decimal("100")),
        RateStep(7, D("2026-11-05"), Decimal("5")),
        RateStep(None, D("2026-11-01"), Decimal("10")),
    ]
    assert rate_on(schedule, 7, D("2026-11-01")) == Decimal("10")  # before his own steps: the default
    assert rate_on(schedule, 7, D("2026-11-02")) == Decimal("100")
    assert rate_on(schedule, 7, D("2026-11-04")) == Decimal("100")
    assert rate_on(schedule, 7, D("2026-11-05")) == Decimal("5")
    assert rate_on(schedule, 8, D("2026-11-30")) == Decimal("10")
    assert rate_on(schedule, 8, D("2026-10-30")) == DEFAULT_PERCENT
    assert rate_on([], 8, D("2026-10-30")) == Decimal("5")


def test_the_draw_is_reproducible_and_takes_the_share_asked_for() -> None:
    assert all(drawn(1, i, Decimal("100")) for i in range(1, 200))
    assert not any(drawn(1, i, Decimal("0")) for i in range(1, 200))
    taken = sum(drawn(1, i, Decimal("5")) for i in range(1, 20_001))
    assert 900 <= taken <= 1100  # 5 % of 20,000 = 1,000 (binomial sd ≈ 31)
    assert [drawn(1, i, Decimal("5")) for i in range(1, 500)] == [drawn(1, i, Decimal("5")) for i in range(1, 500)]
    assert [drawn(1, i, Decimal("50")) for i in range(1, 100)] != [drawn(2, i, Decimal("50")) for i in range(1, 100)]


@pytest.mark.parametrize(
    ("metrics", "close"),
    [
        ({"blur_px": 1.2}, ["blur_px"]),  # within 15 % below the 1.3 px limit
        ({"blur_px": 1.0}, []),  # 1.3 × 0.85 = 1.105: clear
        ({"blur_px": 1.4}, []),  # failing, not "close"
        ({"skew_deg": -2.8}, ["skew_deg"]),
        ({"skew_deg": 2.0}, []),
        ({"dpi": 215.0}, ["dpi"]),  # 200 … 230
        ({"dpi": 240.0}, []),
        ({"contrast": 0.26, "paper_level": 0.9}, ["contrast"]),
        ({"ink_ratio": 0.0016}, ["ink_ratio"]),
        ({"blur_px": None, "full_frame": True}, []),
    ],
)
def test_close_to_a_threshold_means_within_15_percent_on_the_passing_side(metrics: dict, close: list) -> None:
    assert near_threshold(metrics, PROFILE) == close


def test_the_ink_of_an_intentionally_blank_page_is_not_a_quality_figure() -> None:
    assert near_threshold({"ink_ratio": 0.0016}, PROFILE, intentionally_blank=True) == []


def test_a_flag_needs_one_known_defect_and_a_note_for_other() -> None:
    assert flag_problem("blurred", None) is None
    assert flag_problem("smudged", None) == "bad_defect"
    assert flag_problem("", None) == "bad_defect"
    assert flag_problem(None, "x") == "bad_defect"
    assert flag_problem("other", None) == "note_required"
    assert flag_problem("other", "stain over the diagnosis") is None
    assert flag_problem("blurred", "x" * 501) == "note_too_long"


def test_repeats_find_the_closest_earlier_page_and_skip_blank_pages() -> None:
    a, b, c = "0" * 64, "f" * 64, "0" * 63 + "7"  # c differs from a in 3 bits
    pages = [
        HashedPage(1, 11, 101, a),
        HashedPage(2, 12, 102, b),
        HashedPage(3, 13, 103, c),
        HashedPage(4, 14, 104, a, blank=True),
        HashedPage(5, 15, 105, b),
    ]
    found = repeats(pages, max_bits=10)
    assert [(r.earlier.page_number, r.later.page_number, r.distance) for r in found] == [(1, 3, 3), (2, 5, 0)]
    assert not found[0].consecutive
    assert repeats([HashedPage(1, 1, 1, a), HashedPage(2, 2, 2, c)], max_bits=10)[0].consecutive
    assert hamming(a, b) == 256
    assert ratio(1, 4) == 0.25 and ratio(1, 0) is None
