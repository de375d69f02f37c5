"""The plan a lot gets (flat 3 % or ISO 2859-1), the count-based decision, months and application due dates."""

from datetime import date
from decimal import Decimal

import pytest

from app.acceptance.plans import lot_plan
from app.acceptance.rules import add_months, decide_by_count, next_application_due

D = date.fromisoformat
TERMS = {"sample_rate": Decimal("0.03"), "aql": Decimal("2.5"), "min_pass_rate": Decimal("0.95")}


@pytest.mark.parametrize(
    ("size", "sample", "per_third", "ac"),
    [
        (1, 1, (0, 1, 0), 0),
        (34, 2, (1, 1, 0), 0),  # thirds 11/12/11, shares .65/.71/.65: the middle, then the front (tie)
        (100, 3, (1, 1, 1), 0),
        (3000, 90, (30, 30, 30), 4),  # floor(5 % of 90)
    ],
)
def test_flat_plan(size: int, sample: int, per_third: tuple, ac: int) -> None:
    plan = lot_plan("flat", size, **TERMS)
    assert (plan.sample.size, plan.sample.per_third, plan.acceptance_number) == (sample, per_third, ac)


@pytest.mark.parametrize(
    ("size", "aql", "sample", "ac"),
    [
        (1, "2.5", 1, 0),  # below Table 1: the single page is inspected
        (35, "2.5", 5, 0),  # D → ↑ C: 5, Ac 0
        (3000, "2.5", 125, 7),  # K: 125, 7/8
        (3000, "1.0", 125, 3),  # K: 125, 3/4
        (1_000_000, "0.65", 1250, 14),  # Q: 1250, 14/15
    ],
)
def test_iso_plan(size: int, aql: str, sample: int, ac: int) -> None:
    plan = lot_plan("iso2859", size, **{**TERMS, "aql": Decimal(aql)})
    assert (plan.sample.size, plan.acceptance_number) == (sample, ac)


def test_unknown_scheme_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown sampling scheme"):
        lot_plan("random", 10, **TERMS)


def test_decide_by_count_is_exact_at_the_acceptance_number() -> None:
    assert decide_by_count(125, 118, 10, 0, 7, Decimal("0.03")).accepted  # 7 wrong = Ac
    assert not decide_by_count(125, 117, 10, 0, 7, Decimal("0.03")).accepted  # 8 wrong = Re
    both = decide_by_count(125, 125, 100, 4, 7, Decimal("0.03"))  # images fine, 4 % of fields wrong
    assert both.images_ok and not both.fields_ok and not both.accepted


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        ("2026-01-31", 1, "2026-02-28"),
        ("2024-01-31", 1, "2024-02-29"),
        ("2026-11-30", 3, "2027-02-28"),
        ("2026-12-15", 1, "2027-01-15"),
        ("2026-03-31", 0, "2026-03-31"),
        ("2026-08-31", 1, "2026-09-30"),
    ],
)
def test_add_months_across_month_ends(start: str, months: int, expected: str) -> None:
    assert add_months(D(start), months) == D(expected)


def test_next_application_due_is_the_last_day_of_the_cycle() -> None:
    assert next_application_due(D("2026-01-01"), 3) == D("2026-03-31")
    assert next_application_due(D("2026-01-05"), 3) == D("2026-04-04")
    assert next_application_due(D("2026-11-30"), 3) == D("2027-02-27")
    with pytest.raises(ValueError):
        next_application_due(D("2026-01-01"), 0)
