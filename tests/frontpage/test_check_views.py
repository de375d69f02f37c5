"""The front-page check on screen: progress, the wrong-record alert, suggestions beside the entry form, the lot's
figures, the reviewer's information, the field crops, and a server with OCR off. Readings are written as rows
here (the OCR itself is tested in test_reading_job.py)."""

from datetime import date

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.accounts.models import Role
from app.core.storage import LocalImageStore
from app.frontpage import checks
from app.frontpage.models import FrontPage, FrontPageReading
from app.pages.models import Page, PageImage
from tests.acceptance.helpers import T0, add_record, make_shop
from tests.custody.web import PASSWORD, csrf, enrol, sign_in
from tests.factories import make_user


def _read(session: Session, record, fields: dict[str, str], sha: str | None = None) -> FrontPageReading:
    page = session.exec(select(Page).where(Page.record_id == record.id, Page.page_number == 1)).one()
    if sha:
        image = session.get(PageImage, page.current_image_id)
        image.sha256, image.qc_metrics = sha, {"skew_deg": 0.0}
        session.add(image)
    reading = FrontPageReading(
        project_id=record.project_id,
        record_id=record.id,
        page_id=page.id,
        image_id=page.current_image_id,
        status="done",
        attempts=1,
        width=1000,
        height=1400,
        fields={
            k: {"value": v, "box": [100, 100 + 40 * i, 260, 130 + 40 * i], "score": 0.99}
            for i, (k, v) in enumerate(fields.items())
        },
        lines=[],
    )
    session.add(reading)
    session.flush()
    checks.finish(session, reading)
    session.commit()
    return reading


def _fields(mrn: str, **over: str) -> dict[str, str]:
    return {
        "mrn": mrn,
        "visit": "1",
        "name": "测试",
        "discharge_date": "2026年1月3日",
        "diagnosis": "急性阑尾炎",
        **over,
    }


def test_manager_sees_the_wrong_record_alert_the_list_and_suggestions(client: TestClient, session: Session) -> None:
    shop = make_shop(session)
    good = add_record(session, shop, "10001", 3, T0)
    wrong = add_record(session, shop, "10002", 3, T0)
    for r in (good, wrong):
        r.discharge_date = date(2026, 1, 3)
        session.add(r)
    session.commit()
    _read(session, good, _fields("10001"))
    _read(session, wrong, _fields("10020", name="张三"))
    enrol(session, shop.manager)
    sign_in(client, shop.manager)

    home = client.get("/frontpage")
    assert 'id="wrong-record-alert"' in home.text and "可能是其他病案的页" in home.text  # on every screen, in Chinese
    check = client.get("/frontpage/check")
    assert 'id="kpi-read">2<' in check.text and 'id="kpi-waiting">0<' in check.text
    assert (
        f'/frontpage/check/records/{wrong.id}"' in check.text
        and f'/frontpage/check/records/{good.id}"' not in check.text
    )
    detail = client.get(f"/frontpage/check/records/{wrong.id}")
    assert 'data-field="mrn" data-state="mismatch"' in detail.text and "10020" in detail.text
    assert 'data-field="diagnosis" data-state="match"' in detail.text

    form = client.get(f"/frontpage/records/{wrong.id}")
    assert 'data-ocr-fill="fp_name" data-value="张三"' in form.text  # a suggestion with a button ...
    assert 'id="fp_name" name="name" value="测试"' in form.text  # ... never filled in by itself

    lots = client.get("/acceptance")
    assert 'id="lot-front-page-check" data-checked="2" data-mismatched="1"' in lots.text
    assert 'id="lot-field-error-rate"' in lots.text
    confirm = lots.text.split('id="apply-form" data-confirm="')[1].split('">')[0]
    assert "字段差错率" in confirm and "超过上限" in confirm  # the rate is over the 3 % limit (breakit b18)

    # Nor before full sign-in: the password alone, on the second-factor page (breakit b18).
    client.cookies.clear()
    login = client.get("/login")
    r = client.post(
        "/login",
        data={"username": shop.manager.username, "password": PASSWORD, "csrf_token": csrf(login.text)},
        follow_redirects=False,
    )
    assert r.headers["location"].startswith("/login/second-factor")
    second = client.get("/login/second-factor")
    assert second.status_code == 200 and 'id="wrong-record-alert"' not in second.text
    assert "可能是其他病案的页" not in second.text

    # A records custodian sees no alert (it is for the vendor's manager and QC).
    custodian = make_user(session, shop.project, "cust_fp", Role.custodian)
    enrol(session, custodian)
    sign_in(client, custodian)
    assert 'id="wrong-record-alert"' not in client.get("/frontpage").text


def test_the_crop_shows_where_the_field_was_read(client: TestClient, session: Session, image_store, front_page) -> None:
    values, data, skew = front_page
    shop = make_shop(session)
    record = add_record(session, shop, "20001", 2, T0)
    stored = LocalImageStore(image_store).put(data)
    reading = _read(session, record, _fields("20001"), sha=stored.sha256)
    enrol(session, shop.manager)
    sign_in(client, shop.manager)
    qc, runs = client.app.state.qc, []
    real_run = qc.run

    def counted(fn, *args):  # noqa: ANN001, ANN202
        runs.append(fn.__name__)
        return real_run(fn, *args)

    qc.run = counted
    try:
        for name in ("mrn", "name", "discharge_date", "mrn"):
            crop = client.get(f"/frontpage/check/readings/{reading.id}/crop.jpg?field={name}")
            assert crop.status_code == 200 and crop.content.startswith(b"\xff\xd8")
    finally:
        del qc.run
    assert runs == ["crops_jpeg"]  # one decode of the page for all its fields (issue 18 review)
    assert client.get(f"/frontpage/check/readings/{reading.id}/crop.jpg?field=nothing").status_code == 404
    assert client.get("/frontpage/check/readings/999999/crop.jpg?field=mrn").status_code == 404


def test_a_server_with_ocr_off_says_so_and_runs(client: TestClient, session: Session) -> None:
    shop = make_shop(session)
    enrol(session, shop.manager)
    sign_in(client, shop.manager)
    settings = client.app.state.settings
    before = settings.ocr
    settings.ocr = "off"
    try:
        page = client.get("/frontpage/check")
        assert page.status_code == 200 and 'data-state="off"' in page.text
        assert client.get("/frontpage").status_code == 200
    finally:
        settings.ocr = before


def test_another_visit_differs_and_a_visit_read_as_a_letter_is_not_legible(
    client: TestClient, session: Session
) -> None:
    """The banner ("another MRN or name") comes from the MRN or the name only; a visit read "T" for "1" (breakit
    b18) is not legible, so the record matches and no banner shows."""
    shop = make_shop(session)
    record = add_record(session, shop, "10003", 3, T0)
    other = add_record(session, shop, "10013", 3, T0)
    for r in (record, other):
        r.discharge_date = date(2026, 1, 3)
        session.add(r)
    session.commit()
    reading = _read(session, record, _fields("10003", visit="2"))  # the record is visit 1
    assert not reading.wrong_record and reading.outcome == "mismatch"
    misread = _read(session, other, _fields("10013", visit="T"))
    assert not misread.wrong_record and misread.outcome == "match"
    assert misread.fields_wrong == 0 and checks.wrong_record_count(session, shop.project.id) == 0
    enrol(session, shop.manager)
    sign_in(client, shop.manager)
    check = client.get("/frontpage/check")
    assert 'id="wrong-record-alert"' not in check.text
    row = check.text.split(f'/frontpage/check/records/{record.id}"')[0].rsplit("<tr", 1)[1]
    assert 'class="row-alert"' not in row and "可能是其他病案的页" not in row and "与病案记录不一致" in row
    assert 'data-fields="visit">1 (' in row
    assert f'/frontpage/check/records/{other.id}"' not in check.text


def test_no_use_button_when_the_reading_says_the_same_and_waiting_is_worded_for_reading(
    client: TestClient, session: Session
) -> None:
    shop = make_shop(session)
    record = add_record(session, shop, "10004", 3, T0)
    record.discharge_date, record.patient_name = date(2026, 1, 3), "测试"
    session.add(record)
    session.commit()
    _read(session, record, _fields("10004", name="李四"))  # 2026年1月3日 = 2026-01-03; the name differs
    enrol(session, shop.manager)
    sign_in(client, shop.manager)
    form = client.get(f"/frontpage/records/{record.id}").text
    assert 'data-ocr-fill="fp_discharge_date"' not in form and 'data-ocr-fill="fp_name" data-value="李四"' in form
    check = client.get("/frontpage/check").text
    assert "待识别" in check and "待审批" not in check


def test_codes_written_short_and_long_match_and_a_differing_code_is_shown(client: TestClient, session: Session) -> None:
    """breakit b18: 51.23 imported, 51.2300 printed: the same operation. A diagnosis I25.1 read I25.103 (a narrower
    national entry) differs, and the record check shows both codes. The form offers no "Use" for an equal code."""
    shop = make_shop(session)
    record = add_record(session, shop, "10005", 3, T0)
    record.discharge_date, record.patient_name = date(2026, 1, 3), "测试"
    session.add(record)
    fp = session.exec(select(FrontPage).where(FrontPage.record_id == record.id)).one()
    fp.diagnosis, fp.diagnosis_code = "冠状动脉粥样硬化性心脏病", "I25.1"
    fp.operation, fp.operation_code = "腹腔镜下胆囊切除术", "51.23"
    session.add(fp)
    session.commit()
    fields = _fields("10005", diagnosis="冠状动脉粥样硬化性心脏病", operation="腹腔镜下胆囊切除术")
    reading = _read(session, record, {**fields, "diagnosis_code": "I25.103", "operation_code": "51.2300"})
    assert reading.outcome == "mismatch" and reading.fields_wrong == 1
    enrol(session, shop.manager)
    sign_in(client, shop.manager)
    detail = client.get(f"/frontpage/check/records/{record.id}").text
    row = detail.split('data-field="diagnosis" data-state="mismatch"')[1].split("</tr>")[0]
    assert 'data-code="recorded">I25.1<' in row and 'data-code="read">I25.103<' in row
    assert 'data-field="operation" data-state="match"' in detail
    form = client.get(f"/frontpage/records/{record.id}").text
    assert 'data-ocr-fill="fp_operation_code"' not in form and 'data-ocr-fill="fp_diagnosis_code"' in form


def test_a_front_page_that_failed_qc_says_so_not_waiting(client: TestClient, session: Session) -> None:
    """breakit b18: page 1 a blank that failed QC showed "not read yet" for ever; it says to re-shoot instead.
    The entry form's check line has a full-width colon in Chinese."""
    shop = make_shop(session)
    failed = add_record(session, shop, "10006", 3, T0, finish=False, failing=(1,))
    good = add_record(session, shop, "10007", 3, T0)
    session.commit()
    first = session.exec(select(Page).where(Page.record_id == failed.id, Page.page_number == 1)).one()
    assert first.qc_passed is False
    _read(session, good, _fields("10007"))
    enrol(session, shop.manager)
    sign_in(client, shop.manager)
    detail = client.get(f"/frontpage/check/records/{failed.id}").text
    assert 'data-outcome="failed_qc"' in detail and "未通过质检" in detail and "尚未识别" not in detail
    form = client.get(f"/frontpage/records/{failed.id}").text
    assert "未通过质检" in form
    assert "首页核对：" in client.get(f"/frontpage/records/{good.id}").text
    waiting = add_record(session, shop, "10008", 3, T0)
    session.commit()
    assert 'data-outcome="none"' in client.get(f"/frontpage/check/records/{waiting.id}").text


def test_the_could_not_be_read_tile_counts_the_records_the_list_shows_so(client: TestClient, session: Session) -> None:
    """A page read, but its MRN not legible: the list shows the record as "could not be read", and so does the
    tile (not only the pages whose reading failed)."""
    shop = make_shop(session)
    record = add_record(session, shop, "10001", 3, T0)
    session.commit()
    reading = _read(session, record, {**_fields("10001"), "mrn": ""})
    assert (reading.status, reading.outcome) == ("done", "unreadable")
    enrol(session, shop.manager)
    sign_in(client, shop.manager)
    page = client.get("/frontpage/check").text
    assert page.count('data-outcome="unreadable"') == 1
    assert '<span class="kpi-value" id="kpi-unreadable">1</span>' in page
