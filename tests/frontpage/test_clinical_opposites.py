"""Clinically opposite diagnoses and operations never compare as "same" (issue 18 review, finding 1)."""

from datetime import date

import pytest

from app.frontpage.crosscheck import Outcome, check_record, same_text

RECORD = {
    "mrn": "00123456",
    "visit": 2,
    "name": "张三",
    "discharge_date": date(2024, 6, 5),
    "diagnosis": "急性阑尾炎",
    "diagnosis_code": None,
    "operation": "腹腔镜下阑尾切除术",
    "operation_code": None,
}

OPPOSITES = [
    ("diagnosis", "急性阑尾炎", "慢性阑尾炎"),
    ("diagnosis", "2型糖尿病", "1型糖尿病"),
    ("diagnosis", "左股骨颈骨折", "右股骨颈骨折"),
    ("operation", "左侧腹股沟疝修补术", "右侧腹股沟疝修补术"),
    ("diagnosis", "乳腺恶性肿瘤", "乳腺良性肿瘤"),
    ("operation", "甲状腺部分切除术", "甲状腺全部切除术"),
]


def _r(value: str) -> dict:
    return {"value": value, "box": [1, 2, 3, 4], "score": 0.99}


def _readings(**over: str) -> dict:
    base = {
        "mrn": "00123456",
        "visit": "2",
        "name": "张三",
        "discharge_date": "2024-06-05",
        "diagnosis": RECORD["diagnosis"],
        "operation": RECORD["operation"],
    }
    base.update(over)
    return {k: _r(v) for k, v in base.items()}


@pytest.mark.parametrize(("name", "recorded", "read"), OPPOSITES)
def test_one_character_apart_is_differs(name: str, recorded: str, read: str) -> None:
    assert not same_text(recorded, read)
    result = check_record({**RECORD, name: recorded}, _readings(**{name: read}))
    assert result.outcome == Outcome.mismatch
    assert [(f.field, f.state) for f in result.mismatches] == [(name, "mismatch")]


@pytest.mark.parametrize(("recorded", "read"), [("急性阑尾炎", " 急性 阑尾炎。"), ("２型糖尿病", "2型糖尿病")])
def test_equal_after_normalising_is_same(recorded: str, read: str) -> None:
    assert same_text(recorded, read)


def test_differing_icd_codes_differ_even_with_the_same_name() -> None:
    readings = _readings()
    readings["diagnosis_code"] = _r("K35.900")
    result = check_record({**RECORD, "diagnosis_code": "K35.800"}, readings)
    assert result.outcome == Outcome.mismatch and [f.field for f in result.mismatches] == ["diagnosis"]


def test_the_code_printed_in_the_name_cell_decides_too() -> None:
    result = check_record({**RECORD, "diagnosis_code": "K35.800"}, _readings(diagnosis="急性阑尾炎 K35.900"))
    assert result.outcome == Outcome.mismatch
    assert check_record({**RECORD, "diagnosis_code": "K35.800"}, _readings(diagnosis="急性阑尾炎 K35.800")).outcome == (
        Outcome.match
    )
