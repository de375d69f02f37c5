"""The reviewer's record check shows the recorded front page; a record without one counts as missing, and the
vendor is warned before applying; held-back records are listed with their reason."""

import re

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.acceptance.held_back import FAILED_QC, held_back_records, without_front_page
from app.acceptance.models import RecordFieldCheck
from app.records.models import Record
from tests.acceptance.helpers import T0, add_record, make_shop
from tests.acceptance.test_views import _csrf, _lot_id, make_shop_with_records, sign_in


def test_held_back_records_name_their_reason_and_records_without_front_page_are_counted(session: Session) -> None:
    shop = make_shop(session)
    add_record(session, shop, "GOOD", 3, T0)
    add_record(session, shop, "NOFP", 3, T0, front_page=False)
    add_record(session, shop, "BAD", 4, T0, failing=(2, 4))
    add_record(session, shop, "OPEN", 2, T0, finish=False)  # not finished: neither in a lot nor held back
    session.commit()
    total, held = held_back_records(session, shop.project)
    assert total == 1
    assert [(h.mrn, h.reason, h.pages) for h in held] == [("BAD", FAILED_QC, (2, 4))]
    assert without_front_page(session, shop.project) == 1  # NOFP would enter the lot without one


def test_a_record_without_front_page_is_shown_as_missing_and_counted_wrong(
    client: TestClient, session: Session
) -> None:
    make_shop_with_records(client, session, front_pages=2, held_back=True)  # the third record has no front page

    sign_in(client, "mgr")
    page = client.get("/acceptance")
    warning = re.search(r'id="without-front-page">([^<]+)<', page.text).group(1)
    assert "1 份待验收的已完成病案没有首页信息" in warning
    assert "1 份已完成病案没有首页信息" in re.search(r'data-confirm="([^"]+)"', page.text).group(1)
    held = re.search(r'<details class="held-back".*?</details>', page.text, flags=re.S).group(0)
    assert 'href="/records/' in held and "779999" in held and "质检不合格" in held
    form = {"csrf_token": _csrf(page.text), "kind": "regular"}
    r = client.post("/acceptance/lots", data=form, follow_redirects=False)
    lot_id = _lot_id(r.headers["location"])

    sign_in(client, "rev")
    lot_page = client.get(f"/acceptance/lots/{lot_id}")
    csrf = _csrf(lot_page.text)
    client.post(f"/acceptance/lots/{lot_id}/seed", data={"csrf_token": csrf, "seed": "1-2-3"})
    screens = {}
    for _ in range(50):
        target = client.get(f"/acceptance/lots/{lot_id}/review", follow_redirects=False).headers["location"]
        if "/items/" in target:
            client.post(target, data={"csrf_token": csrf, "verdict": "pass"})
        elif "/records/" in target:
            screens[int(target.rsplit("/", 1)[1])] = client.get(target).text
            client.post(target, data={"csrf_token": csrf, "paper_pages": "4"})  # nothing ticked wrong
        else:
            break
    without_id = session.exec(select(Record.id).where(Record.mrn == "770002")).one()
    session.rollback()  # end the read: the test's session must not hold SQLite's write lock
    assert without_id in screens and len(screens) == 3
    missing = screens[without_id]
    assert 'id="no-front-page"' in missing and "未记录" in missing
    recorded = next(html for rid, html in screens.items() if rid != without_id)
    assert 'data-field="diagnosis">肺炎 · J18.900<' in recorded and 'id="no-front-page"' not in recorded
    assert 'data-field="mrn">77' in recorded

    check = session.exec(select(RecordFieldCheck).where(RecordFieldCheck.record_id == without_id)).one()
    assert (check.name_ok, check.discharge_date_ok, check.diagnosis_ok, check.operation_ok) == (False,) * 4
    assert check.mrn_ok  # the MRN is the record's own, ticked right
    session.rollback()
    lot_page = client.get(f"/acceptance/lots/{lot_id}")
    rate = re.search(r'id="field-error-rate">([^<]+)<', lot_page.text).group(1)
    assert rate == "26.67%"  # 4 of 15 fields: the missing front page is not "0.00 %"
