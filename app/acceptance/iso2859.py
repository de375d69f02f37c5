"""ISO 2859-1 / GB/T 2828.1 single sampling, normal inspection, general inspection level II.

Transcribed from Table 1 (sample size code letters) and Table 2-A (single sampling plans for
normal inspection) for the AQLs 0.10 to 6.5 (percent nonconforming). In Table 2-A a cell is an
acceptance/rejection pair "Ac Re", or an arrow: "v" (↓) use the first plan below the arrow,
"^" (↑) use the first plan above it; the arrow's plan brings its own sample size. When the
sample size reaches the lot size, every item is inspected (100 % inspection, the same Ac/Re).
"""

from dataclasses import dataclass
from decimal import Decimal

from app.acceptance.rules import _check_count

# Table 1, general inspection level II: (largest lot size of the row, code letter).
CODE_LETTERS_LEVEL_II: tuple[tuple[int, str], ...] = (
    (8, "A"),
    (15, "B"),
    (25, "C"),
    (50, "D"),
    (90, "E"),
    (150, "F"),
    (280, "G"),
    (500, "H"),
    (1200, "J"),
    (3200, "K"),
    (10000, "L"),
    (35000, "M"),
    (150000, "N"),
    (500000, "P"),
)
LARGEST_LETTER = "Q"  # 500,001 and over

# Table 2-A: the sample size of each code letter (R is reached only through arrows).
SAMPLE_SIZES: dict[str, int] = {
    "A": 2,
    "B": 3,
    "C": 5,
    "D": 8,
    "E": 13,
    "F": 20,
    "G": 32,
    "H": 50,
    "J": 80,
    "K": 125,
    "L": 200,
    "M": 315,
    "N": 500,
    "P": 800,
    "Q": 1250,
    "R": 2000,
}
LETTERS: str = "ABCDEFGHJKLMNPQR"

AQLS: tuple[Decimal, ...] = tuple(
    Decimal(a) for a in ("0.10", "0.15", "0.25", "0.40", "0.65", "1.0", "1.5", "2.5", "4.0", "6.5")
)

# Table 2-A, the columns of AQLS in order.
# fmt: off
TABLE_2A: dict[str, tuple[str, ...]] = {
    #       0.10    0.15    0.25    0.40    0.65     1.0      1.5      2.5      4.0      6.5
    "A": ("v",    "v",    "v",    "v",    "v",     "v",     "v",     "v",     "v",     "0 1"),
    "B": ("v",    "v",    "v",    "v",    "v",     "v",     "v",     "v",     "0 1",   "^"),
    "C": ("v",    "v",    "v",    "v",    "v",     "v",     "v",     "0 1",   "^",     "v"),
    "D": ("v",    "v",    "v",    "v",    "v",     "v",     "0 1",   "^",     "v",     "1 2"),
    "E": ("v",    "v",    "v",    "v",    "v",     "0 1",   "^",     "v",     "1 2",   "2 3"),
    "F": ("v",    "v",    "v",    "v",    "0 1",   "^",     "v",     "1 2",   "2 3",   "3 4"),
    "G": ("v",    "v",    "v",    "0 1",  "^",     "v",     "1 2",   "2 3",   "3 4",   "5 6"),
    "H": ("v",    "v",    "0 1",  "^",    "v",     "1 2",   "2 3",   "3 4",   "5 6",   "7 8"),
    "J": ("v",    "0 1",  "^",    "v",    "1 2",   "2 3",   "3 4",   "5 6",   "7 8",   "10 11"),
    "K": ("0 1",  "^",    "v",    "1 2",  "2 3",   "3 4",   "5 6",   "7 8",   "10 11", "14 15"),
    "L": ("^",    "v",    "1 2",  "2 3",  "3 4",   "5 6",   "7 8",   "10 11", "14 15", "21 22"),
    "M": ("v",    "1 2",  "2 3",  "3 4",  "5 6",   "7 8",   "10 11", "14 15", "21 22", "^"),
    "N": ("1 2",  "2 3",  "3 4",  "5 6",  "7 8",   "10 11", "14 15", "21 22", "^",     "^"),
    "P": ("2 3",  "3 4",  "5 6",  "7 8",  "10 11", "14 15", "21 22", "^",     "^",     "^"),
    "Q": ("3 4",  "5 6",  "7 8",  "10 11", "14 15", "21 22", "^",    "^",     "^",     "^"),
    "R": ("5 6",  "7 8",  "10 11", "14 15", "21 22", "^",    "^",     "^",     "^",     "^"),
}
# fmt: on


def code_letter(lot_size: int) -> str:
    """The sample size code letter of a lot at general inspection level II (Table 1)."""
    _check_count("lot_size", lot_size)
    if lot_size < 2:
        raise ValueError(f"ISO 2859-1 lots start at 2 items, got {lot_size}")
    for largest, letter in CODE_LETTERS_LEVEL_II:
        if lot_size <= largest:
            return letter
    return LARGEST_LETTER


@dataclass(frozen=True)
class IsoPlan:
    """A single sampling plan for one lot: sample size, acceptance and rejection numbers."""

    lot_size: int
    aql: Decimal
    code_letter: str
    plan_letter: str
    sample_size: int
    acceptance: int
    rejection: int

    @property
    def full_inspection(self) -> bool:
        """Whether the plan inspects every item of the lot (its sample would not be smaller than the lot)."""
        return self.sample_size == self.lot_size

    def accepts(self, nonconforming: int) -> bool:
        """Whether the lot is accepted with this many nonconforming items in the sample."""
        _check_count("nonconforming", nonconforming)
        return nonconforming <= self.acceptance


def iso_plan(lot_size: int, aql: Decimal) -> IsoPlan:
    """The normal-inspection single sampling plan for a lot at level II and an AQL, arrows followed."""
    if aql not in AQLS:
        raise ValueError(f"AQL {aql} is not one of {', '.join(str(a) for a in AQLS)}")
    column = AQLS.index(aql)
    letter = code_letter(lot_size)
    row = LETTERS.index(letter)
    cell = TABLE_2A[LETTERS[row]][column]
    while cell in ("v", "^"):
        row += 1 if cell == "v" else -1
        cell = TABLE_2A[LETTERS[row]][column]
    ac, re = (int(x) for x in cell.split())
    plan_letter = LETTERS[row]
    return IsoPlan(
        lot_size=lot_size,
        aql=aql,
        code_letter=letter,
        plan_letter=plan_letter,
        sample_size=min(SAMPLE_SIZES[plan_letter], lot_size),
        acceptance=ac,
        rejection=re,
    )
