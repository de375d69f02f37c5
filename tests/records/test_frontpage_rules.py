"""Front-page rules: dates, ICD code shapes, a row's every problem, duplicates, the guessed column mapping."""

from datetime import date, datetime

import pytest

from app.frontpage.rules import check_row, check_rows, guess_mapping, mapping_problems, normalise_code, parse_date

TODAY = date(2026, 11, 22)
GOOD = {
    "mrn": "00012345",
    "visit": "2",
    "name": "张三",
    "discharge_date": "2024-03-15",
    "diagnosis": "急性阑尾炎",
    "diagnosis_code": "K35.800",
    "operation": "腹腔镜下阑尾切除术",
    "operation_code": "47.0100",
}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2024-03-15", date(2024, 3, 15)),
        ("2024/3/5", date(2024, 3, 5)),
        ("2024.03.15", date(2024, 3, 15)),
        ("2024年3月15日", date(2024, 3, 15)),
        ("20240315", date(2024, 3, 15)),
        ("2024-03-15 10:30:00", date(2024, 3, 15)),
        (datetime(2024, 3, 15, 8, 0), date(2024, 3, 15)),
        (date(2024, 3, 15), date(2024, 3, 15)),
        ("2024-02-30", None),
        ("15/03/2024", None),
        ("45366", None),  # an Excel serial number is not taken for a date
        ("", None),
    ],
)
def test_dates(value: object, expected: date | None) -> None:
    assert parse_date(value) == expected


@pytest.mark.parametrize(
    ("field", "code", "ok"),
    [
        ("diagnosis_code", "K35.800", True),
        ("diagnosis_code", "I10.x00x002", True),
        ("diagnosis_code", "k35.800X002", True),  # normalised to K35.800x002
        ("diagnosis_code", "O80", True),
        ("diagnosis_code", "A17.0+", True),
        ("diagnosis_code", "K35", True),
        ("diagnosis_code", "35.800", False),
        ("diagnosis_code", "KK5.8", False),
        ("diagnosis_code", "K35.80000", False),
        ("operation_code", "47.09", True),
        ("operation_code", "47.0901", True),
        ("operation_code", "36.0600x001", True),
        ("operation_code", "K35.800", False),
        ("operation_code", "4709", False),
    ],
)
def test_code_shapes(field: str, code: str, ok: bool) -> None:
    checked = check_row(2, {**GOOD, field: code}, TODAY)
    assert (checked.row is not None) is ok, checked.problems
    if not ok:
        assert [p.field for p in checked.problems] == [field]


def test_normalised_codes() -> None:
    assert normalise_code(" k35.800X002 ") == "K35.800x002"
    assert check_row(2, {**GOOD, "diagnosis_code": "i10.X00x002"}, TODAY).row.diagnosis_code == "I10.x00x002"


def test_a_bad_row_lists_every_problem() -> None:
    checked = check_row(
        7,
        {
            "mrn": "A-1",
            "visit": "0",
            "name": "",
            "discharge_date": "2030-01-01",
            "diagnosis": "x",
            "diagnosis_code": "??",
            "operation": "某手术",
            "operation_code": "",
        },
        TODAY,
    )
    assert checked.row is None
    assert [(p.code, p.field) for p in checked.problems] == [
        ("required", "name"),
        ("bad_mrn", "mrn"),
        ("bad_visit", "visit"),
        ("date_range", "discharge_date"),
        ("bad_icd10", "diagnosis_code"),
        ("pair", "operation"),
    ]


def test_no_operation_is_fine_and_numbers_from_excel_lose_their_dot_zero() -> None:
    row = check_row(2, {**GOOD, "operation": "", "operation_code": None, "visit": 2.0}, TODAY).row
    assert row is not None and row.operation is None and row.operation_code is None and row.visit == 2


def test_duplicates_refer_to_the_first_row() -> None:
    results = check_rows([(2, GOOD), (3, {**GOOD, "mrn": "00012346"}), (4, GOOD)], TODAY)
    assert [r.row is not None for r in results] == [True, True, False]
    assert results[2].problems[0].code == "duplicate" and results[2].problems[0].row == 2


def test_guessed_mapping_from_chinese_headings() -> None:
    headers = ["序号", "病案号", "住院次数", "姓名", "出院日期", "主要诊断", "主要诊断编码", "主要手术", "主要手术编码"]
    mapping = guess_mapping(headers)
    assert mapping == {
        "mrn": "病案号",
        "visit": "住院次数",
        "name": "姓名",
        "discharge_date": "出院日期",
        "diagnosis": "主要诊断",
        "diagnosis_code": "主要诊断编码",
        "operation": "主要手术",
        "operation_code": "主要手术编码",
    }
    assert mapping_problems({**mapping, "visit": ""}, headers) == ["visit"]
    assert mapping_problems({**mapping, "name": "患者"}, headers) == ["name"]
