"""Comparing what a front page says (OCR) with what the record says (pure rules).

Normalisation (issue 18): NFKC (full-width → half-width), no spaces or punctuation, dates in any of 2024-06-05,
2024年6月5日, 2024.6.5, 2024/6/5, 20240605; ICD codes compared as codes where the import holds one. An unread
field never counts as a match: a page with an unread MRN (or nothing read at all) is "unreadable", unless another
field read with confidence differs (then "mismatch"). A confident reading without its field's shape (a visit that
is not a number) is "unread", never "differs".
"""

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field, replace
from datetime import date

from app.frontpage.rules import national_code, normalise_code, parse_date
from app.navigation import N_
from app.records.rules import MRN_PATTERN

# The five fields of the acceptance check (DESIGN.md: ≤ 3 % wrong among name, MRN, discharge date, main
# diagnosis, operation), and the visit, which with the MRN says whose page it is.
CHECKED = ("mrn", "visit", "name", "discharge_date", "diagnosis", "operation")
FIVE = ("name", "mrn", "discharge_date", "diagnosis", "operation")
FORM_LABELS = ("visit", "discharge_date", "diagnosis", "operation")  # labels a front page has, other forms not
# A mismatch here (read with confidence): possibly the wrong record's page, as the banner says ("its front page
# shows another MRN or name"). A visit that differs is shown as a difference, never this alarm: one handwritten
# digit is too weak a sign (issue 18 review: "1" read as "T" raised it).
WRONG_RECORD = ("mrn", "name")
MIN_SCORE = 0.5  # an OCR confidence below this reads as "unread"
# An ICD-10 code (a letter, two digits, maybe a dot and more), the same with its letter read as a look-alike digit
# (I25.103 read "125.103": three characters before the dot are ICD-10's, never ICD-9-CM-3's two), or an ICD-9-CM-3
# code (two digits, a dot, more); never part of a longer run of letters and digits (no "25.103" inside "125.103").
_ICD = re.compile(
    r"(?<![0-9A-Z])(?:[A-Z]\d{2}(?:\.[0-9X]{1,8})?|[0-9|]\d{2}\.[0-9X]{1,8}|\d{2}\.[0-9X]{1,8})(?![0-9A-Z])"
)
# OCR misreadings of an ICD-10 code's letter: digits that look like letters (seen: I as 1, bench/frontpage_ocr.py).
_LETTER_LOOKALIKES = {"1": "I", "|": "I", "0": "O", "5": "S", "8": "B", "2": "Z"}
_PUNCT = re.compile(r"[\s,，.。:：;；、·'\"“”‘’()（）\[\]【】_\-—]+")
# OCR misreadings inside a number (an MRN of digits): letters that look like digits.
_DIGIT_LOOKALIKES = str.maketrans(
    {"O": "0", "o": "0", "D": "0", "I": "1", "l": "1", "|": "1", "Z": "2", "S": "5", "B": "8", "g": "9"}
)


class Outcome:
    """A record's result (stable codes, worded by app/wording.py)."""

    match = "match"
    mismatch = "mismatch"
    unreadable = "unreadable"
    no_data = "no_data"  # the record holds none of name, discharge date, diagnosis, operation: never "match"


OUTCOME_LABELS = {
    "match": N_("Matches the record"),
    "mismatch": N_("Differs from the record"),
    "unreadable": N_("Could not be read"),
    "no_data": N_("No front-page data to compare"),
}
STATE_LABELS = {
    "match": N_("same"),
    "mismatch": N_("differs"),
    "unread": N_("not legible"),
    "not_entered": N_("not entered"),
    "not_on_page": N_("not found on the page"),
    "not_read": N_("the page could not be read"),
    "confirmed": N_("differed; checked by a person: the reading was wrong"),
}
OCR_STATE_LABELS = {
    "on": N_("The front-page check is on: new front pages are read in the background."),
    "off": N_("The front-page check is off on this server (FOLIO_OCR=off)."),
    "missing": N_("The front-page check is off: the OCR package is not installed (pip install 'folio[ocr]')."),
}


@dataclass(frozen=True)
class FieldCheck:
    """One field: its state (match | mismatch | unread | not_entered | not_on_page | not_read | confirmed: it
    differed and a person confirmed the record's value, see with_confirmations), both values, the image box;
    for the diagnosis and the operation also the codes (the record's, the page's), which decide where both exist."""

    field: str
    state: str
    recorded: str
    read: str
    box: tuple[int, int, int, int] | None = None
    recorded_code: str = ""
    read_code: str = ""

    def fingerprint(self) -> str:
        """A digest of the values a screen shows of this field (vouched): the confirmation form carries it, and a
        confirmation is refused when the values changed since the screen was shown (confirming.py)."""
        return hashlib.sha256("\x1f".join(vouched(self)).encode()).hexdigest()[:16]


@dataclass(frozen=True)
class RecordCheck:
    """The result for one record: the outcome, each field, and whether the page may be another record's.
    legible: False when the page was not read, or is not a front page as far as can be told (its readings are
    then not offered as suggestions)."""

    outcome: str
    fields: list[FieldCheck] = field(default_factory=list)
    legible: bool = True

    @property
    def mismatches(self) -> list[FieldCheck]:
        """The fields whose reading differs from the record."""
        return [f for f in self.fields if f.state == "mismatch"]

    @property
    def wrong_record(self) -> bool:
        """True when the MRN or the name differs (WRONG_RECORD): the page may belong to another record."""
        return any(f.field in WRONG_RECORD for f in self.mismatches)

    def compared(self, names: tuple[str, ...] = FIVE) -> int:
        """How many of these fields were compared (matched, mismatched, or confirmed right by a person)."""
        return sum(1 for f in self.fields if f.field in names and f.state in ("match", "mismatch", "confirmed"))

    def confirmed(self, names: tuple[str, ...] = FIVE) -> int:
        """How many of these fields differed and a person confirmed the record's value (the reading was wrong)."""
        return sum(1 for f in self.fields if f.field in names and f.state == "confirmed")

    def wrong(self, names: tuple[str, ...] = FIVE) -> int:
        """How many of these fields differ."""
        return sum(1 for f in self.mismatches if f.field in names)


def plain(text: str) -> str:
    """NFKC, no spaces or punctuation, upper-case Latin: the form two texts are compared in."""
    return _PUNCT.sub("", unicodedata.normalize("NFKC", text or "")).upper()


def same_mrn(recorded: str, read: str) -> bool:
    """MRNs agree exactly after NFKC and spaces; in an all-digit MRN, letters OCR confuses with digits count as them."""
    a, b = plain(recorded), plain(read)
    if a.isdigit():
        b = plain(unicodedata.normalize("NFKC", read).translate(_DIGIT_LOOKALIKES))
    return bool(a) and a == b


def plausible_mrn(recorded: str, read: str) -> bool:
    """A read MRN looks like the project's MRNs: after NFKC, spaces and punctuation an MRN as records take it
    (app.records.rules.MRN_PATTERN: Latin letters and digits), all digits where the record's MRN is, its length
    within 2 of the record's. A label's own text (",病案号,病程记录,") or a stray number ("97" for 00123456) is
    not an MRN."""
    a = plain(recorded)
    b = plain(unicodedata.normalize("NFKC", read or "").translate(_DIGIT_LOOKALIKES) if a.isdigit() else read)
    if not MRN_PATTERN.match(b) or abs(len(b) - len(a)) > 2:
        return False
    return b.isdigit() or not a.isdigit()


def is_front_page(readings: dict[str, dict]) -> bool:
    """The readings come from a 住院病案首页: its MRN label and at least two of the labels of visit, discharge
    date, main diagnosis and operation were found (a progress note or an order sheet has 姓名 and 病案号 too)."""
    return "mrn" in readings and sum(f in readings for f in FORM_LABELS) >= 2


def not_read(recorded: dict[str, object]) -> RecordCheck:
    """The check of a page that could not be read, or is not a front page: "unreadable", every entered field
    "not_read" (never "not found on the page", which says the page was read)."""
    fields = [replace(f, state="not_read") if f.recorded else f for f in check_record(recorded, None).fields]
    return RecordCheck(Outcome.unreadable, fields, legible=False)


def _visit_digits(read: str) -> str:
    """The digits of a visit as printed (第2次 → 2), letters OCR confuses with digits read as them; "" when the
    reading is anything but a number of 1 to 3 digits (such as "T" for a handwritten "1")."""
    text = plain(unicodedata.normalize("NFKC", read or "").translate(_DIGIT_LOOKALIKES))
    text = text.removeprefix("第").removesuffix("次住院").removesuffix("次")
    return text if re.fullmatch(r"\d{1,3}", text) else ""


def plausible_visit(read: str) -> bool:
    """A read visit is a number (第2次, 02, ２); anything else counts as not legible, like an implausible MRN."""
    return bool(_visit_digits(read))


def same_visit(recorded: int | str, read: str) -> bool:
    """Visit numbers agree as whole numbers (第2次 = 2 = 02)."""
    digits = _visit_digits(read)
    return bool(digits) and int(digits) == int(recorded)


def read_date(text: str) -> date | None:
    """A date as printed on a form: 2024-06-05, 2024年6月5日, 2024.6.5, 2024/6/5, 20240605 (a time after it is
    ignored); None when it is none of these."""
    t = re.sub(r"\s+", "", unicodedata.normalize("NFKC", text or ""))
    m = re.search(r"(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})", t) or re.search(r"(\d{4})(\d{2})(\d{2})", t)
    if not m:
        return None
    return parse_date(f"{m.group(1)}-{m.group(2)}-{m.group(3)}")


def codes_in(text: str) -> list[str]:
    """The ICD-10 or ICD-9-CM-3 codes in a text, normalised (K35.800X002 → K35.800x002); an ICD-10 code whose
    letter was read as a look-alike digit gets its letter back (125.103 → I25.103, 110.x00x002 → I10.x00x002)."""
    out = []
    for code in _ICD.findall(unicodedata.normalize("NFKC", text or "").upper()):
        if code[0] in _LETTER_LOOKALIKES and code.find(".") == 3:
            code = _LETTER_LOOKALIKES[code[0]] + code[1:]
        out.append(normalise_code(code))
    return out


def same_text(recorded: str, read: str) -> bool:
    """Names of a diagnosis or operation agree only when equal after normalising (NFKC, spaces, punctuation, an
    ICD code printed beside the name left out). No similarity ratio: 急性/慢性阑尾炎, 左/右, 良性/恶性 differ by one
    character and are clinically opposite (issue 18 review)."""
    a, b = _text_key(recorded), _text_key(read)
    return bool(a) and a == b


def _text_key(text: str) -> str:
    """A diagnosis or operation name as same_text compares it."""
    return plain(_ICD.sub("", unicodedata.normalize("NFKC", text or "").upper())) or plain(text)


def same_code(recorded: str, page_codes: list[str]) -> bool:
    """The record's code is among the page's, both in the national edition's full form (rules.national_code:
    51.23 = 51.2300, I25.1 = I25.100, never I25.103)."""
    return national_code(recorded) in {national_code(c) for c in page_codes}


def _coded(recorded: str, code: str | None, read: str, page_codes: list[str]) -> bool:
    """A diagnosis or operation agrees by its ICD code where both the import and the page hold one (the codes
    decide, whatever the names say); else by its name (same_text)."""
    if code and page_codes:
        return same_code(code, page_codes)
    return same_text(recorded, read)


_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def _plausible(name: str, recorded: str, read: str, page_codes: list[str]) -> bool:
    """A confident reading that has the shape of its field; one that has not (scribbles read as "eee") is
    "unread", never "differs": a visit is a number, a date is a date (read_date), a name written in Chinese has
    a Chinese character (a Latin name a Latin letter), a diagnosis or operation has a Chinese character or a code."""
    if name == "visit":
        return plausible_visit(read)
    if name == "discharge_date":
        return read_date(read) is not None
    if name == "name":
        return bool(_CJK.search(read)) if _CJK.search(recorded) else bool(re.search(r"[A-Za-z]", read))
    if name in ("diagnosis", "operation"):
        return bool(_CJK.search(read) or page_codes)
    return True


def check_record(recorded: dict[str, object], readings: dict[str, dict] | None) -> RecordCheck:
    """Compare a record with its page's readings.

    recorded: mrn, visit, name, discharge_date (date or None), diagnosis, diagnosis_code, operation, operation_code
    (None or "" where not entered). readings: field → {"value", "box", "score"} as stored by the reading job (None:
    the page could not be read). A page that is not a front page (is_front_page) or whose MRN is not one
    (plausible_mrn) is not_read(): unreadable, never a mismatch; a reading without its field's shape (_plausible)
    is "unread". Outcome: mismatch when any field differs; else
    unreadable when the MRN or any entered one of the five fields could not be read (a visit number too small to
    find is not decisive); else no_data when the record holds none of name, discharge date, diagnosis and
    operation (an MRN alone is not a check of the page's contents); else match.
    """
    readings = readings or {}
    mrn = readings.get("mrn") or {}
    if readings and (
        not is_front_page(readings)
        or (
            mrn.get("value")
            and float(mrn.get("score", 0)) >= MIN_SCORE
            and not plausible_mrn(str(recorded.get("mrn") or ""), mrn["value"])
        )
    ):
        return not_read(recorded)
    out: list[FieldCheck] = []
    for name in CHECKED:
        want = recorded.get(name)
        shown = "" if want is None else (want.isoformat() if isinstance(want, date) else str(want))
        got = readings.get(name)
        box = tuple(got["box"]) if got and got.get("box") else None
        value = (got or {}).get("value", "") or ""
        if not shown:
            out.append(FieldCheck(name, "not_entered", "", value, box))
            continue
        if got is None:
            out.append(FieldCheck(name, "not_on_page", shown, "", None))
            continue
        codes = {"recorded_code": "", "read_code": ""}
        page_codes: list[str] = []
        if name in ("diagnosis", "operation"):
            got_code = readings.get(f"{name}_code") or {}
            page_codes = codes_in(got_code.get("value", "")) + codes_in(value)
            codes = {"recorded_code": str(recorded.get(f"{name}_code") or ""), "read_code": " ".join(page_codes)}
        if not value or float(got.get("score", 0)) < MIN_SCORE or not _plausible(name, shown, value, page_codes):
            out.append(FieldCheck(name, "unread", shown, value, box))
            continue
        if name == "mrn":
            ok = same_mrn(shown, value)
        elif name == "visit":
            ok = same_visit(shown, value)
        elif name == "discharge_date":
            ok = read_date(value) == want
        elif name == "name":
            ok = plain(shown) == plain(value)
        else:
            ok = _coded(shown, recorded.get(f"{name}_code"), value, page_codes)  # type: ignore[arg-type]
        out.append(FieldCheck(name, "match" if ok else "mismatch", shown, value, box, **codes))
    return RecordCheck(_outcome(out), out)


def _outcome(fields: list[FieldCheck]) -> str:
    """The outcome of compared fields (check_record's rule); a field a person confirmed counts as a match."""
    states = {f.field: ("match" if f.state == "confirmed" else f.state) for f in fields}
    if any(s == "mismatch" for s in states.values()):
        return Outcome.mismatch
    if states["mrn"] != "match" or any(states[f] in ("unread", "not_on_page") for f in FIVE):
        return Outcome.unreadable
    if all(states[f] == "not_entered" for f in FIVE if f != "mrn"):
        return Outcome.no_data
    return Outcome.match


def vouched(f: FieldCheck) -> tuple[str, str, str, str]:
    """What a person's confirmation of a differing field vouches for: the record's value and code, and what the
    page was read as (value and codes). The confirmation holds while these stay the same."""
    return (f.recorded, f.recorded_code, f.read, f.read_code)


def settled(name: str, values: tuple[str, str, str, str]) -> tuple[str, str, str, str]:
    """A field's vouched values in the comparison's own normalisation (check_record): what it treats as equal
    (spaces, punctuation, full-width forms; 第2次 and 02; 2024年6月5日 and 2024-06-05; I25.1 and I25.100) is
    equal here, so that such an edit keeps a person's confirmation."""
    if name == "visit":
        key = lambda t: str(int(d)) if (d := _visit_digits(t)) else plain(t)  # noqa: E731
    elif name == "discharge_date":
        key = lambda t: str(read_date(t) or plain(t))  # noqa: E731
    elif name in ("diagnosis", "operation"):
        key = _text_key
    else:
        key = plain
    recorded, recorded_code, read, read_code = values
    codes = " ".join(national_code(c) for c in (recorded_code or "").split())
    read_codes = " ".join(national_code(c) for c in (read_code or "").split())
    return (key(recorded), codes, key(read), read_codes)


def with_confirmations(check: RecordCheck, confirmed: dict[str, tuple[str, str, str, str]]) -> RecordCheck:
    """The check with the differences a person confirmed closed (issue 18 follow-up: an OCR misreading).

    confirmed: field → vouched(field) when it was confirmed. A differing field whose values are still those
    becomes "confirmed" (counted as compared and right, never as a mismatch or a wrong-record alarm); the outcome
    is recomputed. A confirmation whose field no longer differs, or whose values changed since as the comparison
    sees them (settled: "刘 涛" is 刘涛; the record's value corrected, the page read again), does not apply: the
    check stands as it is now.
    """
    if not confirmed:
        return check
    fields = [
        replace(f, state="confirmed")
        if f.state == "mismatch"
        and f.field in confirmed
        and settled(f.field, confirmed[f.field]) == settled(f.field, vouched(f))
        else f
        for f in check.fields
    ]
    return replace(check, outcome=_outcome(fields), fields=fields)


@dataclass(frozen=True)
class LotFrontPages:
    """The front-page check over a set of records: how many were checked, mismatches, the field error rate."""

    records: int
    checked: int
    mismatched: int
    wrong_record: int
    unreadable: int
    fields_compared: int
    fields_wrong: int
    limit: float
    closed_by_person: int = 0  # differing records whose every difference a person confirmed as a misreading
    fields_confirmed: int = 0  # fields of the five counted right because a person confirmed them

    @property
    def error_rate(self) -> float | None:
        """Wrong fields among the five compared (None when none was compared)."""
        return self.fields_wrong / self.fields_compared if self.fields_compared else None

    @property
    def over_limit(self) -> bool:
        """True when the estimated rate exceeds the contract's limit (equality passes, like the review)."""
        rate = self.error_rate
        return rate is not None and rate > self.limit
