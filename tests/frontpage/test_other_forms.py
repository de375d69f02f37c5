"""A page of another form, or an MRN reading that is no MRN, is "unreadable" with nothing to suggest: never a
mismatch, never "possibly the wrong record's page" (issue 18 review, finding 4)."""

from datetime import date

import pytest

from app.frontpage.checks import RecordView
from app.frontpage.crosscheck import Outcome, check_record, plausible_mrn
from app.frontpage.models import FrontPageReading

RECORD = {
    "mrn": "00123456",
    "visit": 2,
    "name": "张三",
    "discharge_date": date(2024, 6, 5),
    "diagnosis": "急性阑尾炎",
    "diagnosis_code": None,
    "operation": None,
    "operation_code": None,
}


def _r(value: str) -> dict:
    return {"value": value, "box": [1, 2, 3, 4], "score": 0.95}


FRONT = {"visit": "2", "name": "张三", "discharge_date": "2024-06-05", "diagnosis": "急性阑尾炎", "operation": ""}


@pytest.mark.parametrize("value", [",病案号,病程记录,", "97", "病案号", "0012345６７８９"])
def test_a_reading_that_is_no_mrn_is_unreadable(value: str) -> None:
    assert not plausible_mrn("00123456", value)
    result = check_record(RECORD, {k: _r(v) for k, v in {**FRONT, "mrn": value}.items()})
    assert result.outcome == Outcome.unreadable and not result.wrong_record and not result.legible
    assert {f.state for f in result.fields if f.recorded} == {"not_read"}


@pytest.mark.parametrize("value", ["00123465", "0012-3465", "OO123465"])
def test_another_mrn_of_the_same_shape_is_still_a_wrong_record(value: str) -> None:
    assert plausible_mrn("00123456", value)
    result = check_record(RECORD, {k: _r(v) for k, v in {**FRONT, "mrn": value}.items()})
    assert result.outcome == Outcome.mismatch and result.wrong_record


def test_a_progress_note_is_not_a_front_page() -> None:
    # 病程记录: 姓名 and 病案号 in its header, none of the front page's other labels.
    readings = {"name": _r("李四"), "mrn": _r("00998877")}
    result = check_record(RECORD, readings)
    assert result.outcome == Outcome.unreadable and not result.wrong_record and result.mismatches == []
    view = RecordView(
        FrontPageReading(project_id=1, record_id=1, page_id=1, image_id=1, status="done", fields=readings), result
    )
    assert view.suggestions == {}


def test_a_front_page_offers_its_readings() -> None:
    readings = {k: _r(v) for k, v in {**FRONT, "mrn": "00123456"}.items()}
    result = check_record(RECORD, readings)
    assert result.outcome == Outcome.match
    view = RecordView(
        FrontPageReading(project_id=1, record_id=1, page_id=1, image_id=1, status="done", fields=readings), result
    )
    assert view.suggestions["mrn"] == "00123456"
