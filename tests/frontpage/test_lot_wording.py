"""The lot's front-page check: one mismatch is worded in the singular; the advice to correct the records is for
the vendor, not the hospital's reviewers (issue 18 review, finding 6)."""

from types import SimpleNamespace

from app.core.templates import environment
from app.frontpage.crosscheck import LotFrontPages

OVER = LotFrontPages(
    records=10, checked=10, mismatched=1, wrong_record=0, unreadable=0, fields_compared=50, fields_wrong=5, limit=0.03
)


def _request(ocr: str) -> SimpleNamespace:
    return SimpleNamespace(app=SimpleNamespace(state=SimpleNamespace(settings=SimpleNamespace(ocr=ocr))))


def _render(ocr: str = "on", lang: str = "en", fp_lot: LotFrontPages = OVER, **ctx: object) -> str:
    template = environment(lang).get_template("frontpage/_lot_check.html")
    return template.render(fp_lot=fp_lot, request=_request(ocr), **ctx)


def test_one_mismatch_is_singular_and_the_advice_is_for_the_vendor_only() -> None:
    vendor = _render(is_manager=True)
    assert "1 mismatch open" in vendor and "mismatches open" not in vendor
    assert "correct the records before the hospital reviews them" in vendor
    reviewer = _render(is_manager=False, can_apply=False)
    assert "correct the records" not in reviewer and 'class="bad"' in reviewer


def test_with_the_check_off_earlier_figures_are_marked_as_such() -> None:
    off = _render("off", is_manager=True)
    assert 'data-state="off"' in off and "FOLIO_OCR=off" in off
    assert "readings made while the check was on" in off and "1 mismatch open" in off


def test_fields_and_records_closed_by_a_person_are_worded_with_their_own_unit() -> None:
    """No record fully closed but 2 fields confirmed: no "0 … closed, of which 2 fields" sentence; records are
    counted as 份病案, fields as 个字段 (the record's screen counts fields too), singular and plural right."""
    only_fields = LotFrontPages(**{**OVER.__dict__, "closed_by_person": 0, "fields_confirmed": 2})
    zh = _render(lang="zh_CN", fp_lot=only_fields).split('id="lot-closed-by-person">')[1].split("</p>")[0]
    assert "0 " not in zh and "其中" not in zh and "份病案" not in zh
    assert "共 2 个字段经人工确认为识别错误，在下方的字段差错率中计为正确。" in zh
    one = LotFrontPages(**{**OVER.__dict__, "closed_by_person": 1, "fields_confirmed": 1})
    zh = _render(lang="zh_CN", fp_lot=one)
    assert "1 份病案的不一致字段均经人工确认为识别错误，不计为未解决的不一致。" in zh and "共 1 个字段" in zh
    en = _render(fp_lot=one)
    assert "1 record differed only in fields a person confirmed as misread: it does not count" in en
    assert "In all, 1 field was confirmed by a person as misread; it counts" in en
    many = _render(fp_lot=LotFrontPages(**{**OVER.__dict__, "closed_by_person": 2, "fields_confirmed": 3}))
    assert "2 records differed only" in many and "In all, 3 fields were confirmed" in many
    assert 'id="lot-closed-by-person"' not in _render()  # none: nothing said
