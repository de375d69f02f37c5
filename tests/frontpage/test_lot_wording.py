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


def _render(ocr: str = "on", **ctx: object) -> str:
    template = environment("en").get_template("frontpage/_lot_check.html")
    return template.render(fp_lot=OVER, request=_request(ocr), **ctx)


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
