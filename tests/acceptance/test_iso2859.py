"""ISO 2859-1 / GB/T 2828.1 level II normal single sampling: code letters, plans, arrows."""

from decimal import Decimal

import pytest

from app.acceptance.iso2859 import AQLS, LETTERS, SAMPLE_SIZES, TABLE_2A, code_letter, iso_plan

D = Decimal


@pytest.mark.parametrize(
    ("lot", "letter"),
    [
        (2, "A"), (8, "A"), (9, "B"), (15, "B"), (16, "C"), (25, "C"), (26, "D"), (50, "D"),
        (51, "E"), (90, "E"), (91, "F"), (150, "F"), (151, "G"), (280, "G"), (281, "H"), (500, "H"),
        (501, "J"), (1200, "J"), (1201, "K"), (3200, "K"), (3201, "L"), (10_000, "L"), (10_001, "M"),
        (35_000, "M"), (35_001, "N"), (150_000, "N"), (150_001, "P"), (500_000, "P"), (500_001, "Q"),
        (3_600_000, "Q"),
    ],
)  # fmt: skip
def test_code_letters_level_ii(lot: int, letter: str) -> None:
    assert code_letter(lot) == letter


def test_code_letter_refuses_tiny_lots() -> None:
    with pytest.raises(ValueError):
        code_letter(1)


@pytest.mark.parametrize(
    ("lot", "aql", "plan_letter", "n", "ac", "re"),
    [
        # Direct cells.
        (1000, "0.65", "J", 80, 1, 2),
        (1000, "1.0", "J", 80, 2, 3),
        (1000, "1.5", "J", 80, 3, 4),
        (1000, "2.5", "J", 80, 5, 6),
        (1000, "4.0", "J", 80, 7, 8),
        (1000, "6.5", "J", 80, 10, 11),
        (3000, "2.5", "K", 125, 7, 8),
        (3000, "6.5", "K", 125, 14, 15),
        (400, "2.5", "H", 50, 3, 4),
        (20_000, "1.0", "M", 315, 7, 8),
        (5_000, "2.5", "L", 200, 10, 11),
        (3_600_000, "1.0", "Q", 1250, 21, 22),
        (1_000_000, "0.65", "Q", 1250, 14, 15),
        (30, "6.5", "D", 8, 1, 2),
        (5, "6.5", "A", 2, 0, 1),
        # Arrows.
        (1000, "0.25", "H", 50, 0, 1),  # J ↑ H
        (1000, "0.40", "K", 125, 1, 2),  # J ↓ K
        (60, "1.5", "D", 8, 0, 1),  # E ↑ D
        (60, "2.5", "F", 20, 1, 2),  # E ↓ F
        (20, "4.0", "B", 3, 0, 1),  # C ↑ B
        (20, "6.5", "D", 8, 1, 2),  # C ↓ D
        (10, "6.5", "A", 2, 0, 1),  # B ↑ A
        (3_600_000, "1.5", "P", 800, 21, 22),  # Q ↑ P
        (3_600_000, "6.5", "L", 200, 21, 22),  # Q ↑ P ↑ N ↑ M ↑ L
        (20_000, "6.5", "L", 200, 21, 22),  # M ↑ L
        (500, "0.65", "J", 80, 1, 2),  # H ↓ J
        (1000, "0.10", "K", 125, 0, 1),  # J ↓ K
        (5_000, "0.10", "K", 125, 0, 1),  # L ↑ K
    ],
)
def test_plans(lot: int, aql: str, plan_letter: str, n: int, ac: int, re: int) -> None:
    plan = iso_plan(lot, D(aql))
    assert (plan.plan_letter, plan.sample_size, plan.acceptance, plan.rejection) == (plan_letter, n, ac, re)
    assert plan.code_letter == code_letter(lot)
    assert plan.accepts(ac) and not plan.accepts(re)
    assert not plan.full_inspection


def test_arrow_past_the_lot_size_means_inspecting_everything() -> None:
    # Lot of 5 (A), AQL 0.65: ↓ to F, n = 20 > 5, so all 5 are inspected, accept on 0.
    plan = iso_plan(5, D("0.65"))
    assert (plan.code_letter, plan.plan_letter, plan.sample_size, plan.acceptance) == ("A", "F", 5, 0)
    assert plan.full_inspection
    # Lot of 2 (A), AQL 6.5: n = 2 = lot.
    assert iso_plan(2, D("6.5")).full_inspection


def test_aql_must_be_a_table_column() -> None:
    assert iso_plan(1000, D("2.50")).acceptance == 5  # same number, other spelling
    with pytest.raises(ValueError):
        iso_plan(1000, D("3.0"))


def test_table_follows_the_diagonals() -> None:
    """Independent check of the transcription: Ac/Re pairs run along diagonals letter + AQL column."""
    ladder = ["0 1", "^", "v", "1 2", "2 3", "3 4", "5 6", "7 8", "10 11", "14 15", "21 22"]
    first_column = 5  # 0.10 is the sixth AQL of the full series 0.010 ... 1000
    for row, letter in enumerate(LETTERS):
        assert len(TABLE_2A[letter]) == len(AQLS)
        for column, cell in enumerate(TABLE_2A[letter]):
            diagonal = row + first_column + column - 14  # 0 on the "0 1" diagonal A/6.5 ... Q/0.010
            expected = "v" if diagonal < 0 else ladder[diagonal] if diagonal < len(ladder) else "^"
            assert cell == expected, (letter, AQLS[column])
            if cell not in ("v", "^"):
                ac, re = map(int, cell.split())
                assert re == ac + 1


def test_every_lot_size_and_aql_resolves() -> None:
    for lot in [2, 8, 9, 26, 91, 281, 1201, 10_001, 150_001, 500_001, 10_000_000]:
        for aql in AQLS:
            plan = iso_plan(lot, aql)
            assert plan.sample_size == min(SAMPLE_SIZES[plan.plan_letter], lot)
            assert plan.rejection == plan.acceptance + 1
