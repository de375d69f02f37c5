"""The custodian prints a handover batch's labels and a record's routing slip from the browser (live server)."""


import pytest
from sqlmodel import Session, select

from app.accounts.models import User
from app.core.db import make_engine, writing
from app.custody.models import Handover, HandoverItem
from app.projects.models import Project
from app.records.models import Record
from tests.conftest import ARTIFACTS
from tests.live import browser_sign_in

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


@pytest.mark.browser
def test_custodian_prints_batch_labels_and_a_routing_slip(live_server, browser) -> None:  # noqa: ANN001
    prov = live_server.provision()
    live_server.add_user(prov.project_code, "keeper", "custodian", totp_secret=SECRET)
    live_server.add_user(prov.project_code, "mgr", "vendor_manager", totp_secret=SECRET)
    engine = make_engine(live_server.database_url)
    with Session(writing(engine)) as s:
        project = s.exec(select(Project).where(Project.code == prov.project_code)).one()
        keeper = s.exec(select(User).where(User.username == "keeper")).one()
        mgr = s.exec(select(User).where(User.username == "mgr")).one()
        batch = Handover(
            project_id=project.id,
            kind="checkout",
            number=1,
            handed_over_by=keeper.id,
            received_by=mgr.id,
            created_by=keeper.id,
            declared_count=30,
            item_count=30,
        )
        s.add(batch)
        s.flush()
        for i in range(30):
            record = Record(
                project_id=project.id, mrn=f"{12345 + i:08d}", visit=1, patient_name="王小明", paper_page_count=20 + i
            )
            s.add(record)
            s.flush()
            s.add(HandoverItem(handover_id=batch.id, record_id=record.id, position=i + 1, scanned=record.mrn))
        s.commit()
        batch_id, first_record = batch.id, s.exec(select(Record).order_by(Record.id)).first().id
    engine.dispose()
    live_server.start()
    page = browser.new_page(viewport={"width": 1366, "height": 900})
    browser_sign_in(page, live_server, "keeper", SECRET, then=None)
    page.goto(f"{live_server.base_url}/custody/handovers/{batch_id}")
    page.click("#labels-link")
    assert page.locator("#label-total").inner_text().startswith("共 30 张标签")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "labels-choose.png"), full_page=True)
    page.click("a.print-link")
    page.wait_for_selector(".label-sheet")
    assert page.locator(".label").count() == 30 and page.locator(".label-sheet").count() == 2
    assert page.locator(".label svg.code128").count() == 30
    page.screenshot(path=str(ARTIFACTS / "labels-sheet.png"))
    page.emulate_media(media="print")
    assert not page.locator(".sheet-tools").is_visible()  # the tools do not print
    page.emulate_media(media="screen")
    page.goto(f"{live_server.base_url}/records/{first_record}")
    page.click("#slip-link")
    assert page.locator("#slip-code").inner_text() == "00012345-1"
    facts = page.locator("#slip-facts").inner_text()
    assert "C00001" in facts and "王*" in facts and "王小明" not in facts
    page.screenshot(path=str(ARTIFACTS / "routing-slip.png"), full_page=True)
