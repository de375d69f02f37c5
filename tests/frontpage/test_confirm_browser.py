"""The vendor's QC closes a false alarm of the front-page check in chromium against a real `folio serve`
(screenshot: test-artifacts/frontpage-confirmed.png): a photographed front page, read by the real OCR (in this
process, as the reading job would), its MRN then taken as misread; the QC compares the crop with the values,
confirms, and the alert is gone, the confirmation shown with who and when."""

from sqlmodel import Session, select

from app.core.db import make_engine, writing
from app.frontpage import checks
from app.frontpage.models import FrontPage, FrontPageReading
from app.pages.models import Page
from app.records.models import Record
from tests.conftest import shot
from tests.custody.test_browser import _sign_in
from tests.live import LiveServer


def _misread_reading(server: LiveServer, record_id: int, values, fields: dict) -> int:  # noqa: ANN001
    """The record's values as printed, and a reading of its page whose MRN was misread (one digit)."""
    misread = (values.mrn[:-1] + str((int(values.mrn[-1]) + 3) % 10)).strip()
    fields = {**fields, "mrn": {**fields["mrn"], "value": misread, "score": 0.97}}
    engine = make_engine(server.database_url)
    with Session(writing(engine)) as s:
        record = s.get(Record, record_id)
        record.patient_name, record.discharge_date, record.visit = values.name, values.discharge_date, values.visit
        s.add(record)
        s.add(
            FrontPage(
                project_id=record.project_id,
                record_id=record.id,
                diagnosis=values.diagnosis,
                diagnosis_code=values.diagnosis_code,
                operation=values.operation,
                operation_code=values.operation_code,
            )
        )
        page = s.exec(select(Page).where(Page.record_id == record_id, Page.page_number == 1)).one()
        reading = FrontPageReading(
            project_id=record.project_id,
            record_id=record.id,
            page_id=page.id,
            image_id=page.current_image_id,
            status="done",
            attempts=1,
            fields=fields,
            lines=[],
        )
        s.add(reading)
        s.flush()
        checks.finish(s, reading)
        s.commit()
        reading_id = reading.id
    engine.dispose()
    return reading_id


def test_the_qc_confirms_a_misread_mrn_beside_its_crop(browser, live_server: LiveServer, front_page, reader) -> None:  # noqa: ANN001
    values, data, skew = front_page
    read = reader(data, skew)
    assert read["fields"].get("mrn", {}).get("box"), read["fields"]  # the crop needs where the MRN is
    live_server.extra_env["FOLIO_OCR_WORKERS"] = "0"  # this test's reading only
    prov = live_server.provision()
    live_server.add_user(prov.project_code, "qc_live", "vendor_qc")
    live_server.start()
    up = live_server.upload_page(live_server.operator_headers(prov), values.mrn, 1, data)
    assert up["verdict"] == "pass", up
    _misread_reading(live_server, up["record_id"], values, read["fields"])  # the record takes the page's visit

    context, pg = _sign_in(browser, live_server, "qc_live", second_factor=False)
    try:
        pg.goto(f"{live_server.base_url}/frontpage/check/records/{up['record_id']}")
        assert pg.locator("#wrong-record-alert").count() == 1
        assert pg.locator('tr[data-field="mrn"][data-state="mismatch"] img.ocr-crop').count() == 1
        pg.fill("#confirm-note", "截图上病案号与记录一致，识别错了一位")
        pg.wait_for_load_state("networkidle")
        shot(pg, "frontpage-confirm-form")
        pg.click('button[data-confirm-field="mrn"]')
        pg.wait_for_selector('tr[data-field="mrn"][data-state="confirmed"]')
        pg.wait_for_load_state("networkidle")  # the crops are in
        assert pg.locator('#ocr-confirmations [data-confirmed-field="mrn"]').count() == 1
        assert "截图上病案号与记录一致" in pg.inner_text("#ocr-confirmations")
        assert "1 个字段经人工确认为识别错误" in pg.inner_text("#ocr-outcome")
        if pg.get_attribute("#ocr-outcome", "data-outcome") == "match":  # the OCR read every other field right
            assert pg.locator("#wrong-record-alert").count() == 0
        shot(pg, "frontpage-confirmed")
    finally:
        context.close()
