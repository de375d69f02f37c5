"""Pure rules of front-page data: the fields, reading dates and codes, checking a row, guessing the column mapping."""

import re
from dataclasses import dataclass, field
from datetime import date, datetime

from app.core.typed import typed_text
from app.frontpage.xlsx import CellIssue
from app.navigation import N_, NC_
from app.records.rules import MRN_PATTERN

# The fields of an import, in the order the mapping form shows them; the first six must be mapped.
FIELDS = ("mrn", "visit", "name", "discharge_date", "diagnosis", "diagnosis_code", "operation", "operation_code")
REQUIRED = ("mrn", "visit", "name", "discharge_date", "diagnosis", "diagnosis_code")
FIELD_LABELS = {
    "mrn": N_("MRN"),
    "visit": N_("Visit"),
    "name": N_("Patient name"),
    "discharge_date": N_("Discharge date"),
    "diagnosis": N_("Main diagnosis"),
    "diagnosis_code": N_("Diagnosis code (ICD-10)"),
    "operation": NC_("front-page field", "Operation"),
    "operation_code": N_("Operation code (ICD-9-CM-3)"),
}
# Column headings seen in hospital records systems' exports, for a first guess at the mapping: the national
# front-page form's own headings (住院病案首页, 卫医政发〔2011〕84号: 病案号, 第 次住院, 姓名, 出院时间, 出院诊断 /
# 主要诊断 + 疾病编码, 手术及操作编码 + 手术及操作名称) and the variants records systems export.
HEADER_GUESSES = {
    "mrn": ("病案号", "住院号", "病历号", "病案编号", "mrn"),
    "visit": ("住院次数", "入院次数", "第次住院", "次数", "visit"),
    "name": ("姓名", "患者姓名", "病人姓名", "name", "patient_name"),
    "discharge_date": ("出院日期", "出院时间", "出院日期时间", "discharge_date"),
    "diagnosis": (
        "主要诊断",
        "出院主要诊断",
        "主要诊断名称",
        "出院主要诊断名称",
        "主诊断",
        "出院诊断",
        "diagnosis",
    ),
    "diagnosis_code": (
        "主要诊断编码",
        "主要诊断代码",
        "主要诊断疾病编码",
        "出院主要诊断编码",
        "主要诊断icd-10",
        "主要诊断icd10",
        "疾病编码",
        "icd-10",
        "diagnosis_code",
    ),
    "operation": (
        "主要手术",
        "主要手术名称",
        "手术名称",
        "手术及操作",
        "手术及操作名称",
        "主要手术及操作",
        "主要手术及操作名称",
        "手术操作",
        "手术操作名称",
        "主要手术操作",
        "主要手术操作名称",
        "operation",
    ),
    "operation_code": (
        "主要手术编码",
        "手术编码",
        "手术及操作编码",
        "主要手术及操作编码",
        "手术操作编码",
        "主要手术操作编码",
        "icd-9-cm-3",
        "operation_code",
    ),
}
# When no known heading matches: (a heading holds one of these words, and one of these (if any), and none of
# these: the neighbouring columns of the form, such as dates, levels, surgeons, anaesthesia, admission diagnosis).
_CODE_WORDS = ("编码", "代码", "icd")
_KEYWORD_GUESSES = {
    "operation_code": (("手术", "操作"), _CODE_WORDS, ("日期", "级别", "医师", "术者", "麻醉", "切口")),
    "operation": (("手术", "操作"), (), (*_CODE_WORDS, "日期", "级别", "医师", "术者", "麻醉", "切口", "费")),
    "diagnosis_code": (("诊断",), _CODE_WORDS, ("入院", "门急诊", "门诊", "其他", "病理", "损伤")),
    "diagnosis": (("诊断",), (), (*_CODE_WORDS, "入院", "门急诊", "门诊", "其他", "病理", "损伤", "日期", "医师")),
}
# ICD-10 as coded in China (GB/T 14396, national clinical edition 2.0): K35.800, I10.x00x002, O80, A17.0+
ICD10 = re.compile(r"^[A-Z][0-9]{2}(?:\.[0-9x]{1,4}(?:x[0-9]{3})?)?[+*†]?$")
# ICD-9-CM-3 procedures (clinical edition 2.0): 47.09, 47.0901, 36.0600x001
ICD9CM3 = re.compile(r"^[0-9]{2}(?:\.[0-9x]{1,4}(?:x[0-9]{3})?)?$")
NAME_MAX, TEXT_MAX = 120, 200
EARLIEST = date(1900, 1, 1)

PROBLEMS = {
    "required": N_("%(field)s is empty"),
    "bad_mrn": N_("%(field)s must be 1-32 letters or digits"),
    "bad_visit": N_("%(field)s must be a whole number from 1 to 999"),
    "bad_date": N_("%(field)s is not a date (use YYYY-MM-DD)"),
    "date_range": N_("%(field)s must lie between 1900-01-01 and today"),
    "too_long": N_("%(field)s is too long"),
    "bad_icd10": N_("%(field)s is not an ICD-10 code (like K35.800 or I10.x00x002)"),
    "bad_icd9": N_("%(field)s is not an ICD-9-CM-3 code (like 47.09 or 47.0901)"),
    "pair": N_("give both the operation and its code, or neither"),
    "duplicate": N_("the same MRN and visit as row %(row)s"),
    # A cell that cannot be read exactly as the workbook shows it (app/frontpage/xlsx.py): never guessed.
    "formula_uncached": N_("%(field)s is a formula without a saved value: open and save the file in Excel or WPS"),
    "cell_error": N_("%(field)s shows an error value (such as #N/A or #REF!)"),
    "scientific": N_("%(field)s is a long number shown in scientific notation: format the column as text"),
    "digits_lost": N_("%(field)s has more digits than a spreadsheet number keeps: format the column as text"),
    "number_format": N_("%(field)s has a number format that cannot be read exactly: format the column as text"),
    "date_serial": N_("%(field)s is a number, not a date: format the column as a date"),
    "hidden_row": N_("the row is hidden in the workbook: show it or delete it"),
}
# Fields that identify or code something: normalised as typed codes (NFKC, surrounding blanks) before the check.
CODE_FIELDS = ("mrn", "visit", "discharge_date", "diagnosis_code", "operation_code")


@dataclass(frozen=True)
class FrontPageRow:
    """One valid row, normalised."""

    mrn: str
    visit: int
    name: str
    discharge_date: date
    diagnosis: str
    diagnosis_code: str
    operation: str | None
    operation_code: str | None


@dataclass(frozen=True)
class Problem:
    """Why a field of a row was refused: a PROBLEMS code, the field, and extra values for the message."""

    code: str
    field: str | None = None
    row: int | None = None


@dataclass
class Checked:
    """A row's outcome: the normalised row, or the problems that refuse it."""

    row_number: int
    raw: dict[str, str]
    row: FrontPageRow | None = None
    problems: list[Problem] = field(default_factory=list)


def text(value: object) -> str:
    """A cell as trimmed text: whole-number floats lose their '.0', dates become YYYY-MM-DD."""
    if value is None:
        return ""
    if isinstance(value, CellIssue):
        return value.shown
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


_DATE = re.compile(r"^(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?$")


def parse_date(value: object) -> date | None:
    """A date from a cell: a date or datetime, YYYY-MM-DD (or / . 年月日), YYYYMMDD, with an optional time."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    raw = typed_text(text(value))
    if re.fullmatch(r"\d{8}", raw):
        parts = (raw[:4], raw[4:6], raw[6:])
    else:
        match = _DATE.match(raw)
        if not match:
            return None
        parts = match.groups()
    try:
        return date(int(parts[0]), int(parts[1]), int(parts[2]))
    except ValueError:
        return None


def normalise_code(raw: str) -> str:
    """An ICD code without spaces, capital first letter, lower-case 'x' extensions (K35.800X002 → K35.800x002)."""
    code = re.sub(r"\s+", "", raw)
    return (code[:1].upper() + code[1:].replace("X", "x")) if code else code


# A code as the national clinical editions write it (ICD-10 国家临床版2.0, ICD-9-CM-3 手术操作分类代码国家临床版
# 2.0): the original code, a 2-digit national extension (00: the original code's own title, 01-99: narrower
# entries of their own), then perhaps an additional x### part. Where the original has no character there, an "x"
# holds its place (I10 → I10.x00, ICD-9-CM-3 84.3 → 84.3x00).
_ICD10_PARTS = re.compile(r"^([A-Z][0-9]{2})(?:\.([0-9x])([0-9]{2})?)?(x[0-9]{3})?([+*†]?)$")
_ICD9_PARTS = re.compile(r"^([0-9]{2})\.([0-9]{2}|[0-9]x|[0-9])([0-9]{2})?(x[0-9]{3})?$")


def national_code(raw: str) -> str:
    """A code in the national clinical edition's full form, so that one code written short and long compares
    equal: an original code without extension gets the extension 00 that stands for it (ICD-9-CM-3 51.23 →
    51.2300, 84.3 → 84.3x00; ICD-10 I25.1 → I25.100, K35.8 → K35.800, I10 → I10.x00). A code with an extension
    keeps it (I25.103 is a narrower entry than I25.1, never equal to it); anything else (I25.10, not a code) is
    only normalised (normalise_code)."""
    code = normalise_code(raw)
    m = _ICD10_PARTS.match(code)
    if m:
        head, sub, ext, extra, mark = m.groups()
        if ext is None and extra is None:
            return f"{head}.{sub or 'x'}00{mark}"
        return code
    m = _ICD9_PARTS.match(code)
    if m and m.group(3) is None and m.group(4) is None:
        sub = m.group(2)
        return f"{m.group(1)}.{sub}{'00' if len(sub) == 2 else 'x00' if sub.isdigit() else '00'}"
    return code


def check_row(row_number: int, raw: dict[str, object], today: date) -> Checked:
    """Check one row of mapped values; every problem of the row is listed, not just the first."""
    values = {f: typed_text(text(raw.get(f))) if f in CODE_FIELDS else text(raw.get(f)) for f in FIELDS}
    out = Checked(row_number, values)
    problems = out.problems
    unreadable = {f for f in FIELDS if isinstance(raw.get(f), CellIssue)}
    for name in sorted(unreadable, key=FIELDS.index):
        problems.append(Problem(raw[name].code, name))  # type: ignore[union-attr]
    for name in REQUIRED:
        if not values[name]:
            problems.append(Problem("required", name))
    mrn = values["mrn"]
    if mrn and "mrn" not in unreadable and not MRN_PATTERN.match(mrn):
        problems.append(Problem("bad_mrn", "mrn"))
    visit = None
    if values["visit"]:
        if re.fullmatch(r"\d{1,3}", values["visit"]) and int(values["visit"]) >= 1:
            visit = int(values["visit"])
        else:
            problems.append(Problem("bad_visit", "visit"))
    discharge = None
    if values["discharge_date"]:
        discharge = parse_date(raw.get("discharge_date"))
        if discharge is None:
            if "discharge_date" not in unreadable:  # a bare 5-digit number is a date serial without a date format
                serial = re.fullmatch(r"\d{5}(\.\d+)?", values["discharge_date"])
                problems.append(Problem("date_serial" if serial else "bad_date", "discharge_date"))
        elif not EARLIEST <= discharge <= today:
            problems.append(Problem("date_range", "discharge_date"))
            discharge = None
    if len(values["name"]) > NAME_MAX:
        problems.append(Problem("too_long", "name"))
    for name in ("diagnosis", "operation"):
        if len(values[name]) > TEXT_MAX:
            problems.append(Problem("too_long", name))
    diagnosis_code = normalise_code(values["diagnosis_code"])
    if diagnosis_code and not ICD10.match(diagnosis_code):
        problems.append(Problem("bad_icd10", "diagnosis_code"))
    operation_code = normalise_code(values["operation_code"])
    if operation_code and not ICD9CM3.match(operation_code):
        problems.append(Problem("bad_icd9", "operation_code"))
    if bool(values["operation"]) != bool(operation_code):
        problems.append(Problem("pair", "operation"))
    if not problems and visit is not None and discharge is not None:
        out.row = FrontPageRow(
            mrn=mrn,
            visit=visit,
            name=values["name"],
            discharge_date=discharge,
            diagnosis=values["diagnosis"],
            diagnosis_code=diagnosis_code,
            operation=values["operation"] or None,
            operation_code=operation_code or None,
        )
    return out


def check_rows(rows: list[tuple[int, dict[str, object]]], today: date) -> list[Checked]:
    """Check every row; a later row with the same MRN and visit as an earlier one is refused as a duplicate."""
    seen: dict[tuple[str, int], int] = {}
    results = []
    for number, raw in rows:
        checked = check_row(number, raw, today)
        if checked.row is not None:
            key = (checked.row.mrn, checked.row.visit)
            if key in seen:
                checked.problems.append(Problem("duplicate", None, seen[key]))
                checked.row = None
            else:
                seen[key] = number
        results.append(checked)
    return results


def _norm_header(header: str) -> str:
    return re.sub(r"[\s_()]+", "", typed_text(header)).lower()  # NFKC: （） and ＭＲＮ are () and MRN


def guess_mapping(headers: list[str]) -> dict[str, str]:
    """For each field, the heading that looks like it: first an exact known name (ignoring case, spaces and
    brackets), else, for the diagnosis and operation columns, the first heading with the field's words and none
    of the neighbouring columns' words (so "手术及操作（名称）" is the operation, "手术及操作日期" is not)."""
    by_norm = {_norm_header(h): h for h in headers if h}
    mapping: dict[str, str] = {}
    for name, guesses in HEADER_GUESSES.items():
        for guess in guesses:
            if _norm_header(guess) in by_norm:
                mapping[name] = by_norm[_norm_header(guess)]
                break
    taken = set(mapping.values())
    for name, (one_of, and_one_of, none_of) in _KEYWORD_GUESSES.items():
        if name in mapping:
            continue
        for norm, header in by_norm.items():
            fits = (
                any(w in norm for w in one_of)
                and (not and_one_of or any(w in norm for w in and_one_of))
                and not any(w in norm for w in none_of)
            )
            if fits and header not in taken:
                mapping[name] = header
                taken.add(header)
                break
    return mapping


def mapping_problems(mapping: dict[str, str], headers: list[str]) -> list[str]:
    """The required fields without a column, and fields mapped to a column the file does not have."""
    missing = [f for f in REQUIRED if not mapping.get(f)]
    absent = [f for f, h in mapping.items() if h and h not in headers]
    return missing + [f for f in absent if f not in missing]
