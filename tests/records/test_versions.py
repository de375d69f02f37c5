"""What a viewer shows of a shot (app.records.versions) and the pages that need a look (app.inspection.looks), on
both backends: why the master is shown, the size and dpi of each version, the current copy's needs-look mark, the
vendor QC's list, count and the look opened as an inspection item (and the bad inputs: another project's page, a
page that needs no look, an image no longer current)."""

from datetime import timedelta

import pytest
from sqlmodel import Session, select

from app.core.clock import utcnow
from app.inspection.exceptions import ImageSuperseded, ItemNotFound
from app.inspection.looks import count_looks, look_lines, open_look
from app.inspection.models import InspectionItem
from app.inspection.service import judge
from app.pages.models import Page, PageImage, ProcessedImage
from app.pages.processed import current_fingerprints
from app.records.versions import (
    DONE_CROPPED,
    DONE_FULL_FRAME,
    WHY_BEING_MADE,
    WHY_FAILED,
    WHY_OUTDATED,
    looked_images,
    versions_of,
    versions_of_id,
)
from tests.acceptance.helpers import T0, add_image, add_record, fake_sha, make_shop
from tests.factories import make_user


def _current(session: Session, image: PageImage) -> str:
    """The fingerprint of the image's project's present settings: the copy the viewers show."""
    return current_fingerprints(session, [image.id])[image.id]


def _copy(
    session: Session,
    image: PageImage,
    *,
    media: str = "image/jpeg",
    look: bool = False,
    n: int = 0,
    current: bool = True,
    steps: list | None = None,
) -> None:
    session.add(
        ProcessedImage(
            image_id=image.id,
            fingerprint=_current(session, image) if current else f"f{n}{media[-3:]}",
            sha256=fake_sha(f"copy-{image.id}-{n}-{media}"),
            size_bytes=10,
            media_type=media,
            width=900 - n,
            height=1300,
            dpi=300.0,
            colour_mode="RGB",
            icc="srgb",
            needs_look=look,
            steps=steps or [],
        )
    )
    session.flush()


def _images(session: Session, record_id: int) -> list[PageImage]:
    pages = session.exec(select(Page).where(Page.record_id == record_id).order_by(Page.page_number)).all()
    return [session.get(PageImage, p.current_image_id) for p in pages]


def test_the_viewer_says_which_version_it_shows_and_why(session: Session) -> None:
    shop = make_shop(session)
    record = add_record(session, shop, "100001", 5, T0, finish=False, failing=(2,))
    ok, failed, making, jp2, newer = _images(session, record.id)
    ok.qc_metrics = {"dpi": 301.4, "dpi_from_page": True}
    _copy(session, ok, steps=[{"step": "perspective_crop"}])
    _copy(session, jp2, media="image/jp2", steps=[{"step": "full_frame_kept"}])  # the current copy is JPEG 2000
    _copy(session, newer, look=True, n=1, current=False)  # other settings: stale, never shown
    _copy(session, newer, current=False, n=2, steps=[{"step": "deskew"}])
    _copy(session, making, look=True, n=3, current=False)
    v = versions_of(session, [ok, failed, making, jp2, newer])
    assert v[ok.id].shown == "processed" and v[ok.id].why_master is None
    assert (v[ok.id].processed.width, v[ok.id].processed.dpi) == (900, 300.0)
    assert (v[ok.id].master.width, v[ok.id].master.dpi, v[ok.id].master.dpi_estimated) == (1000, 301.4, True)
    assert (v[failed.id].shown, v[failed.id].why_master, v[failed.id].processed) == ("master", WHY_FAILED, None)
    assert v[ok.id].processed.done == DONE_CROPPED
    assert (v[making.id].why_master, v[making.id].processed) == (WHY_OUTDATED, None)  # only a stale copy
    assert not v[making.id].needs_look  # the stale copy's mark is not the delivered page's
    assert (v[jp2.id].shown, v[jp2.id].why_master, v[jp2.id].processed.done) == ("processed", None, DONE_FULL_FRAME)
    assert (v[newer.id].shown, v[newer.id].why_master) == ("master", WHY_OUTDATED)
    assert v[failed.id].master.dpi is None  # no measurement: no dpi said
    failed.qc_metrics = {"dpi": 215.2, "dpi_from_page": True, "dpi_source": "stand"}  # a fixed stand's camera
    stand = versions_of(session, [failed])[failed.id].master
    assert (stand.dpi, stand.dpi_from_stand, stand.dpi_estimated) == (215.2, True, False)
    assert versions_of_id(session, 10**6) is None
    asked: list[int] = []  # the viewer has the missing current copies made (app.pages.processed.queue_missing_copy)
    versions_of(session, [ok, failed, making, jp2, newer], missing=asked.append)
    assert sorted(asked) == sorted([making.id, newer.id])  # not the failed shot, not those with a current copy
    third = add_record(session, shop, "100003", 1, T0, finish=False)
    (fresh,) = _images(session, third.id)
    assert versions_of(session, [fresh])[fresh.id].why_master == WHY_BEING_MADE  # no copy at all yet


def test_pages_that_need_a_look_are_listed_counted_opened_and_judged(session: Session) -> None:
    shop = make_shop(session)
    qc_user = make_user(session, shop.project, "qc1", "vendor_qc")
    record = add_record(session, shop, "100002", 3, T0, finish=False)
    first, second, third = _images(session, record.id)
    _copy(session, first, look=True)
    _copy(session, second)
    _copy(session, third, look=True)
    session.commit()
    assert looked_images(session, [first.id, second.id, third.id]) == {first.id, third.id}
    assert count_looks(session, shop.project.id) == 2
    assert [line.page_number for line in look_lines(session, shop.project.id, include_judged=False)] == [1, 3]

    now = utcnow()
    item_id = open_look(session, shop.project.id, first.page_id, first.id, qc_user.id, now)
    item = session.get(InspectionItem, item_id)
    assert (item.why, item.inspector_id, item.image_id) == ("look", qc_user.id, first.id)
    assert open_look(session, shop.project.id, first.page_id, first.id, qc_user.id, now) == item_id  # the same item
    with pytest.raises(ItemNotFound):
        open_look(session, shop.project.id, second.page_id, second.id, qc_user.id, now)  # no look needed
    other = make_shop(session, code="P2")
    with pytest.raises(Exception) as refused:  # another project's page: 404
        open_look(session, other.project.id, first.page_id, first.id, qc_user.id, now)
    assert getattr(refused.value, "status", None) == 404

    judge(
        session,
        shop.project,
        item,
        verdict="pass",
        defect=None,
        note=None,
        user_id=qc_user.id,
        actor={"actor_user_id": qc_user.id},
        now=now,
    )
    session.commit()
    assert count_looks(session, shop.project.id) == 1
    lines = look_lines(session, shop.project.id, include_judged=True)
    assert [(line.page_number, line.verdict) for line in lines] == [(1, "pass"), (3, None)]

    # a re-shoot replaces the third page's image: the old image can no longer be opened, the new one needs none
    page3 = session.get(Page, third.page_id)
    add_image(session, shop, page3, T0 + timedelta(hours=1))
    session.commit()
    with pytest.raises(ImageSuperseded):
        open_look(session, shop.project.id, third.page_id, third.id, qc_user.id, now)
    assert count_looks(session, shop.project.id) == 0


def test_the_current_copy_decides_the_look_not_the_newest(session: Session) -> None:
    """Wrong depth (issue 16): an image's copies of other settings may be newer than its current one (the copy of
    the project's present settings, the one the viewer shows and a package delivers). Only the current copy's mark
    counts: thumbnails' marks, the vendor QC's list and count, opening a look, the delivery's warning."""
    shop = make_shop(session)
    qc_user = make_user(session, shop.project, "qc1", "vendor_qc")
    record = add_record(session, shop, "100004", 3, T0, finish=False)
    stale_look, current_look, unknown = _images(session, record.id)
    _copy(session, stale_look)  # the current copy is plain ...
    _copy(session, stale_look, look=True, n=1, current=False)  # ... a newer one of other settings is marked
    _copy(session, current_look, look=True)  # the current copy is marked ...
    _copy(session, current_look, n=2, current=False)  # ... a newer one of other settings is plain
    _copy(session, unknown, look=True, n=3, current=False)  # only a stale marked copy: not known yet
    session.commit()
    ids = [stale_look.id, current_look.id, unknown.id]
    v = versions_of(session, [stale_look, current_look, unknown])
    assert {i for i in ids if v[i].needs_look} == {current_look.id}  # what the viewer shows ...
    assert looked_images(session, ids) == {current_look.id}  # ... is what the thumbnails mark
    assert count_looks(session, shop.project.id) == 1
    assert [line.image_id for line in look_lines(session, shop.project.id, include_judged=True)] == [current_look.id]
    now = utcnow()
    for image in (stale_look, unknown):
        with pytest.raises(ItemNotFound):
            open_look(session, shop.project.id, image.page_id, image.id, qc_user.id, now)
    assert open_look(session, shop.project.id, current_look.page_id, current_look.id, qc_user.id, now)
    session.rollback()

    # the project's settings change: no image has a current copy any more, so none is marked until it is made
    shop.project.delivery_profile = {"margin_mm": 5}
    session.add(shop.project)
    session.commit()
    assert not any(v.needs_look for v in versions_of(session, [stale_look, current_look, unknown]).values())
    assert looked_images(session, ids) == set()
    assert count_looks(session, shop.project.id) == 0
    assert look_lines(session, shop.project.id, include_judged=True) == []
    _copy(session, unknown, look=True, n=4)  # the new settings' copy of the third page is made, marked
    session.commit()
    assert looked_images(session, ids) == {unknown.id} and count_looks(session, shop.project.id) == 1
    assert count_looks(session, shop.project.id, among=select(PageImage.id).where(PageImage.id != unknown.id)) == 0
