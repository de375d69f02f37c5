"""The lot's front-page check: one mismatch is worded in the singular; the advice to correct the records is for
the vendor, not the hospital's reviewers (issue 18 review, finding 6)."""

from app.core.templates import environment
from app.frontpage.crosscheck import LotFrontPages

OVER = LotFrontPages(
    records=10, checked=10, mismatched=1, wrong_record=0, unreadable=0, fields_compared=50, fields_wrong=5, limit=0.03
)


def _render(**ctx: object) -> str:
    return environment("en").get_template("frontpage/_lot_check.html").render(fp_lot=OVER, **ctx)


def test_one_mismatch_is_singular_and_the_advice_is_for_the_vendor_only() -> None:
    vendor = _render(is_manager=True)
    assert "1 mismatch open" in vendor and "mismatches open" not in vendor
    assert "correct the records before the hospital reviews them" in vendor
    reviewer = _render(is_manager=False, can_apply=False)
    assert "correct the records" not in reviewer and 'class="bad"' in reviewer
