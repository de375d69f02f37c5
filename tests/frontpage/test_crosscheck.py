"""The cross-check rules: normalisation, dates, codes, outcomes (hand-computed cases)."""

from datetime import date

import pytest

from app.frontpage.crosscheck import (
    Outcome,
    check_record,
    codes_in,
    read_date,
    same_code,
    same_mrn,
    same_text,
    same_visit,
)
from app.frontpage.locate import TextBox, locate
from app.frontpage.rules import national_code

RECORD = {
    "mrn": "00123456",
    "visit": 2,
    "name": "张三",
    "discharge_date": date(2024, 6, 5),
    "diagnosis": "急性阑尾炎",
    "diagnosis_code": "K35.800",
    "operation": "腹腔镜下阑尾切除术",
    "operation_code": "47.0100",
}


def _r(value: str, score: float = 0.99) -> dict:
    return {"value": value, "box": [1, 2, 3, 4], "score": score}


def _page(**over: str) -> dict:
    base = {
        "mrn": "00123456",
        "visit": "2",
        "name": "张 三",
        "discharge_date": "2024年6月5日",
        "diagnosis": "急性阑尾炎",
        "operation": "腹腔镜下阑尾切除术",
    }
    base.update(over)
    return {k: _r(v) for k, v in base.items()}


DATES = ["2024-06-05", "2024年6月5日", "2024.6.5", "2024/06/05", "20240605", "２０２４－０６－０５"]


@pytest.mark.parametrize("text", DATES)
def test_dates_in_every_printed_form(text: str) -> None:
    assert read_date(text) == date(2024, 6, 5)


@pytest.mark.parametrize("text", ["", "2024-13-05", "六月五日", "2024-6"])
def test_not_a_date(text: str) -> None:
    assert read_date(text) is None


def test_mrn_exact_after_nfkc_and_spaces_with_digit_lookalikes() -> None:
    assert same_mrn("00123456", "００１２３４５６")
    assert same_mrn("00123456", "0012 3456")
    assert same_mrn("00123456", "OO123456")  # letters OCR confuses with digits, in an all-digit MRN
    assert not same_mrn("00123456", "00123457")
    assert not same_mrn("00123456", "0123456")
    assert not same_mrn("", "")


def test_visit_and_codes_and_texts() -> None:
    assert same_visit(2, "第2次") and same_visit(2, "02") and not same_visit(2, "3") and not same_visit(2, "")
    assert codes_in("K35.800X002 急性") == ["K35.800x002"]
    assert same_text("急性阑尾炎", "急性阑尾炎 K35.800")
    assert not same_text("急性阑尾炎", "社区获得性肺炎")


def test_a_matching_page_matches() -> None:
    result = check_record(RECORD, _page())
    assert result.outcome == Outcome.match
    assert result.compared() == 5 and result.wrong() == 0 and not result.wrong_record


def test_a_different_mrn_is_a_possibly_wrong_record() -> None:
    result = check_record(RECORD, _page(mrn="00123465"))
    assert result.outcome == Outcome.mismatch and result.wrong_record
    (wrong,) = result.mismatches
    assert (wrong.field, wrong.recorded, wrong.read, wrong.box) == ("mrn", "00123456", "00123465", (1, 2, 3, 4))


def test_a_different_diagnosis_is_a_mismatch_but_not_a_wrong_record() -> None:
    result = check_record(RECORD, _page(diagnosis="社区获得性肺炎"))
    assert result.outcome == Outcome.mismatch and not result.wrong_record and result.wrong() == 1


def test_the_code_decides_where_the_page_prints_one() -> None:
    readings = _page(diagnosis="阑尾炎急性期")  # name worded otherwise, code equal
    readings["diagnosis_code"] = _r("K35.800")
    assert check_record(RECORD, readings).outcome == Outcome.match


def test_unreadable_is_never_match() -> None:
    assert check_record(RECORD, None).outcome == Outcome.unreadable
    assert check_record(RECORD, {}).outcome == Outcome.unreadable
    low = _page()
    low["mrn"] = _r("00123456", score=0.2)
    assert check_record(RECORD, low).outcome == Outcome.unreadable
    no_mrn = _page()
    del no_mrn["mrn"]
    assert check_record(RECORD, no_mrn).outcome == Outcome.unreadable


def test_fields_not_entered_are_not_compared() -> None:
    partial = {"mrn": "00123456", "visit": 2, "name": "张三"}
    result = check_record(partial, _page())
    assert result.outcome == Outcome.match and result.compared() == 2


def test_a_record_with_no_front_page_data_is_never_match() -> None:
    bare = {"mrn": "00123456", "visit": 2}
    result = check_record(bare, _page())
    assert result.outcome == Outcome.no_data and result.compared() == 1
    assert check_record(bare, _page(mrn="00123465")).outcome == Outcome.mismatch  # a wrong MRN still shows
    assert check_record(bare, None).outcome == Outcome.unreadable


def _box(text: str, x: float, y: float, w: float = 80, h: float = 24) -> TextBox:
    return TextBox(text, ((x, y), (x + w, y), (x + w, y + h), (x, y + h)), 0.99)


def test_labels_beside_inside_and_below() -> None:
    boxes = [
        _box("病案号", 0, 0),
        _box("00123456", 100, 2),
        _box("住院次数", 300, 0),
        _box("2", 400, 0, 20),
        _box("姓名：张三", 0, 40, 120),
        _box("性别", 300, 40),
        _box("男", 400, 40, 20),
        _box("出院日期", 0, 80),
        _box("主要诊断", 0, 120),
        _box("急性阑尾炎", 100, 120),
        _box("疾病编码", 300, 120),
        _box("K35.800", 400, 120),
        _box("手术及操作编码", 0, 160, 140),
        _box("手术及操作名称", 300, 160, 140),
        _box("47.0100", 0, 200),
        _box("腹腔镜下阑尾切除术", 300, 200, 180),
    ]
    found = {k: v.value for k, v in locate(boxes).items()}
    assert found == {
        "mrn": "00123456",
        "visit": "2",
        "name": "张三",
        "discharge_date": "",  # the label is there, its cell is empty: never the next label's text
        "diagnosis": "急性阑尾炎",
        "diagnosis_code": "K35.800",
        "operation": "腹腔镜下阑尾切除术",
        "operation_code": "47.0100",
    }


def test_visit_printed_as_the_national_form_does() -> None:
    assert locate([_box("第 3 次住院", 0, 0, 120)])["visit"].value == "3"


def test_an_empty_cell_never_takes_the_next_rows_value() -> None:
    boxes = [
        _box("住院次数", 300, 0),  # its "1" was too small to be found
        _box("性别", 300, 40),
        _box("女", 400, 40, 20),
    ]
    assert locate(boxes)["visit"].value == ""


def test_another_visit_read_with_confidence_differs_but_is_no_wrong_record_alarm() -> None:
    """The banner says "another MRN or name": a visit alone never raises it (issue 18 review)."""
    result = check_record(RECORD, _page(visit="3"))
    assert result.outcome == Outcome.mismatch and not result.wrong_record
    assert [f.field for f in result.mismatches] == ["visit"] and result.wrong() == 0
    assert check_record(RECORD, _page(name="李四")).wrong_record  # the name does raise it, and the MRN (above)


@pytest.mark.parametrize("read", ["T", "l", "二", "1次2", "eee", "1234"])
def test_a_visit_that_is_not_a_number_is_not_legible(read: str) -> None:
    """breakit b18: a printed "1" read as "T" was "possibly the wrong record's page" with all else equal."""
    record = {**RECORD, "visit": 1}
    result = check_record(record, _page(visit=read))
    states = {f.field: f.state for f in result.fields}
    expected = "match" if read == "l" else "unread"  # l is a look-alike of 1, like O of 0 in an MRN
    assert states["visit"] == expected and not result.wrong_record and result.outcome == Outcome.match
    assert same_visit(1, "第 1 次") and same_visit(12, "１２") and not same_visit(1, "T")


def test_an_icd10_letter_read_as_a_digit_is_the_same_code() -> None:
    """The bench's false flags (bench/frontpage_ocr.py --pages 30): I25.103 and I10.x00x002 read as 125.103 and
    110.x00x002 beside the right name. Three characters before the dot are an ICD-10 code, never ICD-9-CM-3's."""
    assert codes_in("125.103") == ["I25.103"] and codes_in("110.x00x002") == ["I10.x00x002"]
    assert codes_in("47.0100") == ["47.0100"] and codes_in("56.0x01") == ["56.0x01"]  # ICD-9-CM-3 as it was
    assert codes_in("x125.103") == [] and codes_in("1234.5") == []  # not a code, nor a code inside it
    record = {**RECORD, "diagnosis": "冠状动脉粥样硬化性心脏病", "diagnosis_code": "I25.103"}
    page = _page(diagnosis="冠状动脉粥样硬化性心脏病", diagnosis_code="125.103")
    assert {f.field: f.state for f in check_record(record, page).fields}["diagnosis"] == "match"
    # A different code still differs, whatever the name says (the codes decide), and so does a different digit.
    for read in ("163.900", "126.103", "I25.113"):
        page = _page(diagnosis="冠状动脉粥样硬化性心脏病", diagnosis_code=read)
        assert {f.field: f.state for f in check_record(record, page).fields}["diagnosis"] == "mismatch", read


def test_a_misread_label_below_an_unread_name_is_not_the_name() -> None:
    """bench/frontpage_ocr.py --seed 2000, page 2006: the handwritten name was not found, and the next row's label
    入院日期, read 人院日期, was taken as the name: a "wrong record" alarm for a name the page does not show."""
    boxes = [_box("姓名", 0, 40), _box("性别", 300, 40), _box("男", 400, 40, 20), _box("人院日期", 0, 80)]
    assert locate(boxes)["name"].value == ""  # unread, so the record's check is "unreadable", never a mismatch
    assert locate([_box("姓名", 0, 40), _box("王大明", 0, 80)])["name"].value == "王大明"  # a value below stays one


@pytest.mark.parametrize(
    ("short", "long"),
    [
        ("51.23", "51.2300"),
        ("47.01", "47.0100"),
        ("84.3", "84.3x00"),
        ("I25.1", "I25.100"),
        ("K35.8", "K35.800"),
        ("I10", "I10.x00"),
    ],
)
def test_a_code_written_short_and_long_is_the_same_code(short: str, long: str) -> None:
    """The national clinical editions append a 2-digit extension; 00 stands for the original code itself."""
    assert national_code(short) == national_code(long) == long
    assert same_code(short, [long]) and same_code(long, [short])


@pytest.mark.parametrize(
    ("a", "b"),
    [("I25.1", "I25.103"), ("51.23", "51.2301"), ("I25.10", "I25.100"), ("I10", "I10.x00x002"), ("51.2300", "51.2400")],
)
def test_a_national_extension_is_another_code(a: str, b: str) -> None:
    assert not same_code(a, [b]) and not same_code(b, [a])


def test_the_mismatch_line_carries_both_codes() -> None:
    """breakit b18: operation 51.23 in the import, 51.2300 on the page, was "differs" with two equal names."""
    record = {**RECORD, "operation": "腹腔镜下胆囊切除术", "operation_code": "51.23", "diagnosis_code": "I25.1"}
    page = _page(operation="腹腔镜下胆囊切除术", operation_code="51.2300", diagnosis_code="I25.100")
    result = check_record(record, page)
    assert result.outcome == Outcome.match
    page = _page(operation="腹腔镜下胆囊切除术", operation_code="51.2300", diagnosis_code="I25.103")
    states = {f.field: f for f in check_record(record, page).fields}
    assert states["operation"].state == "match" and states["diagnosis"].state == "mismatch"
    assert (states["diagnosis"].recorded_code, states["diagnosis"].read_code) == ("I25.1", "I25.103")


@pytest.mark.parametrize(
    ("field", "read"),
    [("diagnosis", "eee"), ("operation", "~~ ii"), ("name", "eee"), ("discharge_date", "eee"), ("visit", "T")],
)
def test_a_confident_reading_without_its_fields_shape_is_not_legible(field: str, read: str) -> None:
    """breakit b18: scribbles in every value, the diagnosis read "eee" at a high score, made the record
    "differs" and counted 1 wrong field of 1. Such a reading is "unread"; the record is unreadable."""
    scribbled = _page(**{field: read})
    result = check_record(RECORD, scribbled)
    states = {f.field: f.state for f in result.fields}
    assert states[field] == "unread" and not result.mismatches and not result.wrong_record
    assert result.wrong() == 0 and result.outcome == (Outcome.match if field == "visit" else Outcome.unreadable)
    # A real reading of another kind still differs; a code on the page makes a diagnosis without Chinese readable.
    assert check_record(RECORD, _page(diagnosis="社区获得性肺炎")).outcome == Outcome.mismatch
    assert check_record({**RECORD, "name": "John Smith"}, _page(name="Jon Smith")).wrong_record
    coded = _page(diagnosis="J18.900")
    assert {f.field: f.state for f in check_record(RECORD, coded).fields}["diagnosis"] == "mismatch"


def test_a_page_whose_only_differences_are_scribbles_is_unreadable() -> None:
    page = _page(diagnosis="eee", operation="xx", discharge_date="~~")
    del page["name"]
    result = check_record(RECORD, page)
    assert result.outcome == Outcome.unreadable and result.compared() == 1
