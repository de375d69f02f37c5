"""The hospital's reviewer sees the front page's OCR reading beside each recorded field (information only), and
the lot shows its front-page check."""

from sqlmodel import Session, select

from app.records.models import Record
from tests.acceptance.test_views import _csrf, _lot_id, make_shop_with_records, sign_in
from tests.frontpage.test_check_views import _read


def test_reviewer_sees_the_reading_beside_the_fields(client, session: Session) -> None:
    make_shop_with_records(client, session, front_pages=3)
    records = session.exec(select(Record).order_by(Record.mrn)).all()
    for record in records:
        # A front page (its visit and discharge-date labels were found too; another form is never offered).
        fields = {
            "mrn": record.mrn,
            "visit": str(record.visit),
            "discharge_date": "",
            "diagnosis": "肺炎",
            "name": "李四",
        }
        _read(session, record, fields)

    sign_in(client, "mgr")
    page = client.get("/acceptance")
    r = client.post(
        "/acceptance/lots", data={"csrf_token": _csrf(page.text), "kind": "regular"}, follow_redirects=False
    )
    lot_id = _lot_id(r.headers["location"])
    lot_page = client.get(f"/acceptance/lots/{lot_id}")
    assert 'id="lot-front-page-check" data-checked="3" data-mismatched="0"' in lot_page.text

    sign_in(client, "rev")
    lot_page = client.get(f"/acceptance/lots/{lot_id}")
    csrf = _csrf(lot_page.text)
    client.post(f"/acceptance/lots/{lot_id}/seed", data={"csrf_token": csrf, "seed": "1-2-3"})
    screen = None
    for _ in range(50):
        target = client.get(f"/acceptance/lots/{lot_id}/review", follow_redirects=False).headers["location"]
        if "/items/" in target:
            client.post(target, data={"csrf_token": csrf, "verdict": "pass"})
        elif "/records/" in target:
            screen = client.get(target).text
            break
        else:
            break
    assert screen is not None
    assert (
        'data-ocr-field="diagnosis">首页识别为： 肺炎<' in screen
        and 'data-ocr-field="name">首页识别为： 李四<' in screen
    )
    fieldset = screen[screen.index('id="recorded-fields"') : screen.index("</fieldset>")]
    assert 'name="wrong"' in fieldset and "checked" not in fieldset  # information only: the reviewer ticks


def test_with_ocr_off_the_lot_application_and_the_lot_say_the_check_is_off(client, session: Session) -> None:
    """breakit b18: with FOLIO_OCR=off /acceptance showed "0 of 1 records checked" as if the check had run."""
    make_shop_with_records(client, session, front_pages=2)
    settings = client.app.state.settings
    before = settings.ocr
    settings.ocr = "off"
    try:
        sign_in(client, "mgr")
        page = client.get("/acceptance")
        card = page.text.split('id="lot-front-page-check"')[1].split("</section>")[0]
        assert 'data-ocr="off"' in card and 'data-state="off"' in card and "已关闭首页核对" in card
        assert "份病案中已核对" not in card and "lot-field-error-rate" not in card
        r = client.post(
            "/acceptance/lots", data={"csrf_token": _csrf(page.text), "kind": "regular"}, follow_redirects=False
        )
        lot_page = client.get(f"/acceptance/lots/{_lot_id(r.headers['location'])}").text
        card = lot_page.split('id="lot-front-page-check"')[1].split("</section>")[0]
        assert "已关闭首页核对" in card and "份病案中已核对" not in card
    finally:
        settings.ocr = before
    on = client.get("/acceptance").text.split('id="lot-front-page-check"')
    assert len(on) == 1 or 'data-ocr="on"' in on[1]
