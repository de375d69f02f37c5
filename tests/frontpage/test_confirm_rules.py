"""crosscheck.with_confirmations: a person's confirmation closes a difference only while the values it vouched for
stand (pure rules, hand-made checks)."""

from datetime import date

from app.frontpage.crosscheck import Outcome, check_record, vouched, with_confirmations

RECORD = {
    "mrn": "10002",
    "visit": 1,
    "name": "测试",
    "discharge_date": date(2026, 1, 3),
    "diagnosis": "急性阑尾炎",
    "diagnosis_code": "",
    "operation": None,
    "operation_code": None,
}


def _page(**over: str) -> dict[str, dict]:
    values = {"mrn": "10002", "visit": "1", "name": "测试", "discharge_date": "2026年1月3日", "diagnosis": "急性阑尾炎"}
    return {k: {"value": v, "box": [0, 0, 10, 10], "score": 0.99} for k, v in {**values, **over}.items()}


def _field(check, name: str):  # noqa: ANN001, ANN202
    return next(f for f in check.fields if f.field == name)


def test_a_confirmed_mrn_closes_the_alarm_and_counts_as_compared_and_right() -> None:
    check = check_record(RECORD, _page(mrn="10020"))
    assert (check.outcome, check.wrong_record, check.wrong(), check.compared()) == (Outcome.mismatch, True, 1, 4)
    closed = with_confirmations(check, {"mrn": vouched(_field(check, "mrn"))})
    assert _field(closed, "mrn").state == "confirmed" and closed.mismatches == []
    assert (closed.outcome, closed.wrong_record, closed.wrong(), closed.compared(), closed.confirmed()) == (
        Outcome.match,
        False,
        0,
        4,
        1,
    )


def test_a_confirmation_does_not_hold_once_its_values_changed() -> None:
    check = check_record(RECORD, _page(name="张三"))
    held = {"name": vouched(_field(check, "name"))}
    renamed = check_record({**RECORD, "name": "测验"}, _page(name="张三"))  # the record's value changed
    assert with_confirmations(renamed, held) == renamed and renamed.wrong_record
    reread = check_record(RECORD, _page(name="张四"))  # the page reads otherwise
    assert with_confirmations(reread, held).outcome == Outcome.mismatch


def test_a_confirmation_of_a_field_that_matches_or_is_unread_changes_nothing() -> None:
    check = check_record(RECORD, _page(diagnosis="慢性阑尾炎"))
    stale = {"name": ("测试", "", "测试", ""), "diagnosis": ("急性阑尾炎", "", "急性阑尾炎", "")}
    assert with_confirmations(check, stale) == check
    assert with_confirmations(check, {}) is check


def test_other_fields_keep_deciding_the_outcome() -> None:
    """The MRN confirmed, the diagnosis unread: unreadable, never match; the diagnosis differing: still open."""
    check = check_record(RECORD, {**_page(mrn="10020"), "diagnosis": {"value": "??", "box": None, "score": 0.2}})
    closed = with_confirmations(check, {"mrn": vouched(_field(check, "mrn"))})
    assert closed.outcome == Outcome.unreadable and not closed.wrong_record
    both = check_record(RECORD, _page(mrn="10020", diagnosis="慢性阑尾炎"))
    half = with_confirmations(both, {"mrn": vouched(_field(both, "mrn"))})
    assert (half.outcome, half.wrong_record) == (Outcome.mismatch, False)
    assert [f.field for f in half.mismatches] == ["diagnosis"]


def test_an_edit_the_comparison_treats_as_equal_keeps_the_confirmation() -> None:
    """Spaces, full-width forms, a date or a code written another way are equal to the comparison, so they keep a
    confirmation; a change it sees voids it."""
    recorded = {**RECORD, "diagnosis_code": "K35.8"}
    check = check_record(recorded, _page(name="张三", diagnosis="慢性阑尾炎 K35.900"))
    held = {f: vouched(_field(check, f)) for f in ("name", "diagnosis")}
    assert with_confirmations(check, held).mismatches == []
    same = {**recorded, "name": "测 试", "diagnosis": "急性阑尾炎（）", "diagnosis_code": "K35.800"}
    kept = with_confirmations(check_record(same, _page(name="张三", diagnosis="慢性阑尾炎 K35.900")), held)
    assert kept.mismatches == [] and kept.outcome == Outcome.match
    changed = {**same, "name": "测验"}
    reopened = with_confirmations(check_record(changed, _page(name="张三", diagnosis="慢性阑尾炎 K35.900")), held)
    assert [f.field for f in reopened.mismatches] == ["name"] and reopened.wrong_record
