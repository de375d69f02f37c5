"""Closing a front-page check's false alarm over HTTP: the vendor's QC confirms a difference was misread; the
alert, the open count and the lot's figures follow; a hospital reviewer may not; a new reading or changed values
void it; bad inputs get clear refusals (issue 18 follow-up). Readings are written as rows (test_check_views.py)."""

import re
from datetime import date, timedelta

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.accounts.models import Role
from app.audit.models import AuditEvent
from app.frontpage import checks
from app.frontpage.models import FrontPageConfirmation, FrontPageReading
from app.pages.models import Page
from tests.acceptance.helpers import T0, add_image, add_record, make_shop
from tests.custody.web import enrol, sign_in
from tests.factories import make_user
from tests.frontpage.test_check_views import _fields, _read


def _shop_with_misread(session: Session, misread: dict[str, str], mrn: str = "10002"):  # noqa: ANN202
    """A project whose record `mrn` has a front page read with these fields differing, a vendor QC inspector."""
    shop = make_shop(session)
    record = add_record(session, shop, mrn, 3, T0)
    record.discharge_date = date(2026, 1, 3)
    session.add(record)
    session.commit()
    reading = _read(session, record, {**_fields(mrn), **misread})
    qc = make_user(session, shop.project, "qc_P1", Role.vendor_qc)
    qc.display_name = "质检小王"
    session.add(qc)
    session.commit()
    return shop, record, reading, qc


def _confirm(client: TestClient, record_id: int, csrf: str, **form: object):  # noqa: ANN202
    """Post the confirm form; `seen` (what the screen showed) as the record's check screen now has it, unless given."""
    if "seen" not in form:
        form["seen"] = _seen(client, record_id)
    return client.post(
        f"/frontpage/check/records/{record_id}/confirm", data={"csrf_token": csrf, **form}, follow_redirects=False
    )


def _seen(client: TestClient, record_id: int) -> list[str]:
    return re.findall(r'name="seen" value="([^"]+)"', client.get(f"/frontpage/check/records/{record_id}").text)


def _manager_saves_name(client: TestClient, session: Session, shop, record, name: str) -> None:  # noqa: ANN001
    """The project manager saves the record's front-page fields by hand with this name (the client stays his)."""
    enrol(session, shop.manager)
    entry = {"csrf_token": sign_in(client, shop.manager), "name": name, "discharge_date": "2026-01-03"}
    entry |= {"diagnosis": "急性阑尾炎", "diagnosis_code": "K35.800"}
    assert client.post(f"/frontpage/records/{record.id}", data=entry, follow_redirects=False).status_code == 303


def _events(session: Session, action: str) -> list[AuditEvent]:
    return list(session.exec(select(AuditEvent).where(AuditEvent.action == action)))


def _now(session: Session, reading_id: int) -> FrontPageReading:
    """The reading as stored now (only it is reloaded: an expired user would reload, and lock SQLite, later)."""
    return session.get(FrontPageReading, reading_id, populate_existing=True)


def _confirmations(session: Session) -> list[FrontPageConfirmation]:
    return list(session.exec(select(FrontPageConfirmation).execution_options(populate_existing=True)))


def test_qc_confirms_a_misread_mrn_and_the_alert_and_the_open_count_close(client: TestClient, session: Session) -> None:
    shop, record, reading, qc = _shop_with_misread(session, {"mrn": "10020"})
    assert reading.wrong_record and reading.outcome == "mismatch"
    enrol(session, shop.manager)
    sign_in(client, shop.manager)
    assert 'id="wrong-record-alert"' in client.get("/frontpage").text
    assert 'data-mismatched="1" data-closed-by-person="0"' in client.get("/acceptance").text

    csrf = sign_in(client, qc)
    page = client.get(f"/frontpage/check/records/{record.id}").text
    assert 'id="wrong-record-alert"' in page and 'id="confirm-misread"' in page
    assert 'data-confirm-field="mrn"' in page and 'data-confirm-field="diagnosis"' not in page
    r = _confirm(client, record.id, csrf, reading_id=reading.id, field="mrn", note="页上是 10002，识别错")
    assert r.status_code == 303 and r.headers["location"] == f"/frontpage/check/records/{record.id}"
    page = client.get(r.headers["location"]).text
    assert "确认为识别错误" in page  # the flash, in Chinese
    assert "（1 个字段经人工确认为识别错误）" in page  # fields, as the lot page counts them
    assert 'data-field="mrn" data-state="confirmed"' in page and 'id="wrong-record-alert"' not in page
    shown = page.split('id="ocr-confirmations"')[1].split("</section>")[0]
    assert 'data-confirmed-field="mrn"' in shown and "质检小王" in shown and "页上是 10002，识别错" in shown
    assert 'id="confirm-misread"' not in page  # nothing left to confirm

    stored = _now(session, reading.id)
    assert (stored.outcome, stored.wrong_record, stored.fields_wrong, stored.fields_confirmed) == ("match", False, 0, 1)
    assert stored.closed_by_person and checks.wrong_record_count(session, shop.project.id) == 0
    [event] = _events(session, "frontpage.confirm")
    assert event.actor_user_id == qc.id and event.object_id == str(record.id)
    assert event.detail == {"reading_id": reading.id, "fields": ["mrn"], "note": "页上是 10002，识别错"}
    session.commit()  # the test's session holds SQLite's write lock until then

    sign_in(client, shop.manager)
    assert 'id="wrong-record-alert"' not in client.get("/frontpage").text
    lots = client.get("/acceptance").text
    assert 'data-mismatched="0" data-closed-by-person="1"' in lots  # closed, and said so
    assert 'id="lot-closed-by-person"' in lots and "1 份病案的不一致字段均经人工确认为识别错误" in lots

    # Confirming it again: a clear refusal with its code, nothing added.
    csrf = sign_in(client, qc)
    again = _confirm(client, record.id, csrf, reading_id=reading.id, field="mrn")
    assert again.status_code == 409 and "<code>frontpage_already_confirmed</code>" in again.text
    assert "此不一致已有人确认" in again.text  # explained in the reader's language
    assert len(_confirmations(session)) == 1
    session.commit()


def test_confirm_all_differences_of_the_reading_at_once(client: TestClient, session: Session) -> None:
    shop, record, reading, qc = _shop_with_misread(session, {"name": "张三", "discharge_date": "2026年1月8日"})
    csrf = sign_in(client, qc)
    r = _confirm(client, record.id, csrf, reading_id=reading.id, fields=["name", "discharge_date"])
    assert r.status_code == 303
    page = client.get(r.headers["location"]).text
    assert 'data-field="name" data-state="confirmed"' in page
    assert 'data-field="discharge_date" data-state="confirmed"' in page
    stored = _now(session, reading.id)
    assert (stored.outcome, stored.fields_confirmed, stored.fields_wrong, stored.fields_compared) == ("match", 2, 0, 4)


def test_one_field_confirmed_leaves_the_others_open(client: TestClient, session: Session) -> None:
    """The MRN confirmed as misread closes the wrong-record alarm; the diagnosis still differs: the record stays a
    mismatch open, listed with the diagnosis only."""
    shop, record, reading, qc = _shop_with_misread(session, {"mrn": "10020", "diagnosis": "慢性阑尾炎"})
    csrf = sign_in(client, qc)
    assert _confirm(client, record.id, csrf, reading_id=reading.id, field="mrn").status_code == 303
    stored = _now(session, reading.id)
    assert (stored.outcome, stored.wrong_record, stored.closed_by_person) == ("mismatch", False, False)
    assert (stored.fields_wrong, stored.fields_confirmed) == (1, 1)
    session.commit()
    listed = client.get("/frontpage/check").text
    row = listed.split(f'/frontpage/check/records/{record.id}"')[0].rsplit("<tr", 1)[1]
    assert 'data-fields="diagnosis">1 (' in row and "row-alert" not in row
    screen = client.get(f"/frontpage/check/records/{record.id}").text
    assert 'data-confirm-field="diagnosis"' in screen and 'data-confirm-field="mrn"' not in screen


def test_a_hospital_reviewer_may_not_close_the_vendors_alarm(client: TestClient, session: Session) -> None:
    shop, record, reading, _ = _shop_with_misread(session, {"mrn": "10020"})
    enrol(session, shop.reviewer)
    csrf = sign_in(client, shop.reviewer)
    page = client.get(f"/frontpage/check/records/{record.id}")
    assert page.status_code == 200 and 'id="confirm-misread"' not in page.text
    r = _confirm(client, record.id, csrf, reading_id=reading.id, field="mrn")
    assert r.status_code == 403 and "<code>forbidden</code>" in r.text
    assert _now(session, reading.id).wrong_record
    assert _confirmations(session) == [] and _events(session, "frontpage.confirm") == []
    assert checks.wrong_record_count(session, shop.project.id) == 1


def test_a_new_reading_of_the_front_page_voids_the_confirmation(client: TestClient, session: Session) -> None:
    shop, record, reading, qc = _shop_with_misread(session, {"mrn": "10020"})
    csrf = sign_in(client, qc)
    assert _confirm(client, record.id, csrf, reading_id=reading.id).status_code == 303  # every difference
    assert checks.wrong_record_count(session, shop.project.id) == 0
    session.commit()

    page = session.exec(select(Page).where(Page.record_id == record.id, Page.page_number == 1)).one()
    add_image(session, shop, page, T0 + timedelta(hours=1))  # re-shot, and read again: the same misreading
    session.commit()
    again = _read(session, record, {**_fields("10002"), "mrn": "10020"})
    assert again.id != reading.id and again.wrong_record
    assert checks.wrong_record_count(session, shop.project.id) == 1
    [old] = _confirmations(session)
    assert old.voided_at is not None and old.void_reason == "new_reading"
    [void] = _events(session, "frontpage.confirmation_void")
    assert void.detail == {"reading_id": again.id, "fields": ["mrn"], "reason": "new_reading"}
    session.commit()

    screen = client.get(f"/frontpage/check/records/{record.id}").text
    assert 'data-field="mrn" data-state="mismatch"' in screen and 'id="wrong-record-alert"' in screen
    assert 'data-void-field="mrn" data-void-reason="new_reading"' in screen and 'id="confirm-misread"' in screen
    late = _confirm(client, record.id, csrf, reading_id=reading.id, field="mrn")  # the old reading's form
    assert late.status_code == 409 and "<code>frontpage_reading_not_current</code>" in late.text


def test_changed_values_void_the_confirmation_and_the_check_is_as_now(client: TestClient, session: Session) -> None:
    shop, record, reading, qc = _shop_with_misread(session, {"name": "张三"})
    csrf = sign_in(client, qc)
    assert _confirm(client, record.id, csrf, reading_id=reading.id, field="name").status_code == 303
    assert checks.wrong_record_count(session, shop.project.id) == 0
    session.commit()

    enrol(session, shop.manager)
    csrf = sign_in(client, shop.manager)
    entry = {
        "csrf_token": csrf,
        "name": "测验",  # changed, still not what the page reads
        "discharge_date": "2026-01-03",
        "diagnosis": "急性阑尾炎",
        "diagnosis_code": "K35.800",
    }
    assert client.post(f"/frontpage/records/{record.id}", data=entry, follow_redirects=False).status_code == 303
    [c] = _confirmations(session)
    assert c.void_reason == "values_changed"
    stored = _now(session, reading.id)
    assert stored.wrong_record and stored.outcome == "mismatch" and not stored.closed_by_person
    session.commit()
    screen = client.get(f"/frontpage/check/records/{record.id}").text
    assert 'data-field="name" data-state="mismatch"' in screen and 'data-void-reason="values_changed"' in screen


def test_bad_inputs_get_clear_refusals_never_500(client: TestClient, session: Session) -> None:
    shop, record, reading, qc = _shop_with_misread(session, {"mrn": "10020"})
    sibling = add_record(session, shop, "10003", 3, T0)
    session.commit()
    sibling_reading = _read(session, sibling, {**_fields("10003"), "mrn": "10030"})
    other_record = add_record(session, make_shop(session, code="P3"), "10002", 3, T0)
    session.commit()
    foreign = _read(session, other_record, {**_fields("10002"), "mrn": "10020"})
    csrf = sign_in(client, qc)
    cases = [
        ({"reading_id": 999999}, 404, "frontpage_reading_not_found"),
        ({"reading_id": foreign.id}, 404, "frontpage_reading_not_found"),  # another project's
        ({"reading_id": sibling_reading.id}, 404, "frontpage_reading_not_found"),  # another record's
        ({"reading_id": reading.id, "field": "diagnosis"}, 422, "frontpage_not_a_mismatch"),  # it matches
        ({"reading_id": reading.id, "field": "nothing"}, 422, "frontpage_not_a_mismatch"),
        ({"reading_id": reading.id, "fields": ["mrn", "visit"]}, 422, "frontpage_not_a_mismatch"),
        ({"reading_id": reading.id, "field": "x" * 21}, 422, "invalid"),
        ({"reading_id": reading.id, "note": "n" * 501}, 422, "frontpage_note_too_long"),
        ({"reading_id": "abc"}, 422, "invalid"),
        ({"reading_id": "9" * 10_000}, 422, "invalid"),  # beyond what int() converts (form fuzz found a 500)
        ({"reading_id": "\u00b2"}, 422, "invalid"),  # a digit to str.isdigit, not to int()
        ({}, 422, "invalid"),
        ({"reading_id": 10**30}, 404, "frontpage_reading_not_found"),
    ]
    for form, status, code in cases:
        r = _confirm(client, record.id, csrf, **form)
        assert (r.status_code, code in r.text) == (status, True), (form, r.status_code, r.text[:300])
        assert f'id="confirm-refused" data-code="{code}"' in r.text or code == "not_found", form  # the screen
        assert not r.text.startswith("{"), form  # never a JSON page
    assert _confirm(client, other_record.id, csrf, reading_id=foreign.id).status_code == 404  # not this project's
    assert _confirm(client, 10**30, csrf, reading_id=reading.id).status_code == 404
    no_csrf = client.post(f"/frontpage/check/records/{record.id}/confirm", data={"reading_id": reading.id})
    assert no_csrf.status_code == 403 and "csrf_failed" in no_csrf.text
    assert _confirmations(session) == []
    assert _now(session, reading.id).wrong_record


def test_a_note_at_the_browsers_limit_with_line_breaks_is_kept_and_a_refusal_reshows_the_screen(
    client: TestClient, session: Session
) -> None:
    """The browser counts a line break as one character (maxlength) but sends CRLF: 500 characters as it counts
    them are taken, stored with LF, control characters left out, and the note's text is in the audit event. A
    refusal re-shows the screen, explained in Chinese, with the note kept."""
    shop, record, reading, qc = _shop_with_misread(session, {"mrn": "10020", "name": "张三"})
    csrf = sign_in(client, qc)
    note = "页" * 248 + "\r\n" + "上" * 250 + "\r\n"  # 500 as the browser counts, 502 as sent
    note_plus = note + "错\x07"
    refused = _confirm(client, record.id, csrf, reading_id=reading.id, field="mrn", note=note_plus + "多")
    assert refused.status_code == 422 and 'id="confirm-refused" data-code="frontpage_note_too_long"' in refused.text
    assert "备注最多 500 个字符" in refused.text and "未确认任何内容" in refused.text
    assert "页" * 248 in refused.text.split('id="confirm-note"')[1]  # the note is not lost
    assert _confirmations(session) == []
    session.commit()

    r = _confirm(client, record.id, csrf, reading_id=reading.id, field="mrn", note="页" * 248 + "\r\n" + "上" * 251)
    assert r.status_code == 303, r.text[:300]
    [c] = _confirmations(session)
    assert c.note == "页" * 248 + "\n" + "上" * 251 and len(c.note) == 500
    session.commit()
    r = _confirm(client, record.id, csrf, reading_id=reading.id, field="name", note="\x00看\x1b过\x7f\r\n了\t")
    assert r.status_code == 303
    named = [c for c in _confirmations(session) if c.field == "name"][0]
    assert named.note == "看过\n了"
    assert [e.detail["note"] for e in _events(session, "frontpage.confirm")] == [c.note, "看过\n了"]


def test_a_confirmation_from_a_stale_screen_is_refused_when_the_values_changed(
    client: TestClient, session: Session
) -> None:
    """The QC opens the screen (name 测试 ≠ 张三 read); meanwhile the manager changes the record's name to 刘洋,
    still a difference. The QC's confirm from the old screen would vouch for 刘洋, which she never saw: refused
    (409, explained on the screen, in Chinese), nothing stored, the wrong-record alarm stays; from the screen as it
    is now it is taken."""
    shop, record, reading, qc = _shop_with_misread(session, {"name": "张三"})
    csrf = sign_in(client, qc)
    shown = _seen(client, record.id)
    assert [s.split(":")[0] for s in shown] == ["name"]
    session.commit()

    _manager_saves_name(client, session, shop, record, "刘洋")

    csrf = sign_in(client, qc)
    for form in ({"field": "name"}, {"fields": ["name"]}):
        stale = _confirm(client, record.id, csrf, reading_id=reading.id, seen=shown, **form)
        assert stale.status_code == 409, form
        assert 'id="confirm-refused" data-code="frontpage_values_changed"' in stale.text
        assert "数值已变更" in stale.text and "刘洋" in stale.text  # the values as they are now, on the screen
    missing = _confirm(client, record.id, csrf, reading_id=reading.id, field="name", seen=[])  # a form without it
    assert missing.status_code == 409 and "frontpage_values_changed" in missing.text
    assert _confirmations(session) == [] and _events(session, "frontpage.confirm") == []
    assert _now(session, reading.id).wrong_record
    session.commit()

    fresh = _confirm(client, record.id, csrf, reading_id=reading.id, field="name")  # the screen as it is now
    assert fresh.status_code == 303
    [c] = _confirmations(session)
    assert (c.recorded, c.read) == ("刘洋", "张三")


def test_an_edit_the_comparison_treats_as_equal_does_not_void_the_confirmation(
    client: TestClient, session: Session
) -> None:
    """The name saved as "测 试" and the date as 2026-1-3 are the same to the comparison: the confirmation holds and
    the alarm stays closed (a re-import that only changes spacing or full-width forms reopens nothing)."""
    shop, record, reading, qc = _shop_with_misread(session, {"name": "张三"})
    csrf = sign_in(client, qc)
    assert _confirm(client, record.id, csrf, reading_id=reading.id, field="name").status_code == 303
    session.commit()
    _manager_saves_name(client, session, shop, record, "测 试")
    [c] = _confirmations(session)
    assert c.voided_at is None and _events(session, "frontpage.confirmation_void") == []
    stored = _now(session, reading.id)
    assert (stored.outcome, stored.wrong_record, stored.fields_confirmed) == ("match", False, 1)
    session.commit()
    screen = client.get(f"/frontpage/check/records/{record.id}").text
    assert 'data-field="name" data-state="confirmed"' in screen and 'id="wrong-record-alert"' not in screen
