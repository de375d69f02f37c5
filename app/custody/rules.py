"""Pure custody rules: what a scan may mean, which handover a record's state allows, how long paper has been out."""

import re
from dataclasses import dataclass
from datetime import date

from app.core.typed import typed_text
from app.records.rules import MRN_PATTERN, RecordKey

CODE_PATTERN = re.compile(r"^[0-9A-Za-z][0-9A-Za-z\-_/. ]{0,63}$")


def clean_code(raw: str) -> str:
    """A scanned code without control characters, normalised as a typed code (NFKC, surrounding blanks)."""
    return typed_text(re.sub(r"[\x00-\x1f\x7f]", "", raw))


def typed_key(code: str) -> RecordKey | None:
    """MRN and visit typed by hand as 'MRN visit' (a space between), or None."""
    parts = code.split()
    if len(parts) == 2 and MRN_PATTERN.match(parts[0]) and re.fullmatch(r"\d{1,3}", parts[1]) and int(parts[1]) >= 1:
        return RecordKey(parts[0], int(parts[1]))
    return None


def refusal_for_checkout(state: str | None) -> str | None:
    """Why a record in this state cannot be checked out, or None: only paper in the records room leaves it."""
    if state in (None, "in"):
        return None
    return "pending_out" if state == "pending_out" else "already_out"


def refusal_for_return(state: str | None, ever_returned: bool) -> str | None:
    """Why a record in this state cannot be returned, or None: only paper that is out comes back, and once."""
    if state == "out":
        return None
    if state == "pending_out":
        return "pending_out"
    return "already_returned" if ever_returned else "not_checked_out"


def days_out(out_since: date, today: date) -> int:
    """Whole days since the check-out was confirmed (0 on the day itself)."""
    return max(0, (today - out_since).days)


def is_overdue(days: int, limit: int) -> bool:
    """True once paper has been out for more than the project's limit."""
    return days > limit


def handover_label(kind: str, number: int) -> str:
    """The batch's number as printed on its sheet: C00012 for a check-out, R00003 for a return."""
    return f"{'C' if kind == 'checkout' else 'R'}{number:05d}"


@dataclass(frozen=True)
class ScanLine:
    """A line of a handover batch as scanned: the code, and the condition of the paper with a note."""

    code: str
    condition: str = "normal"
    note: str = ""


def expand_box_range(prefix: str, first: int, last: int, width: int) -> list[str]:
    """Box barcodes PREFIX + zero-padded numbers from first to last (at most 1000 at a time)."""
    if first < 0 or last < first or last - first >= 1000:
        raise ValueError("give a range of 1 to 1000 numbers, the first not above the last")
    return [f"{prefix}{n:0{width}d}" for n in range(first, last + 1)]
