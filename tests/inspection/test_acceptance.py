"""A record with an open re-shoot task never enters an acceptance lot; the application goes ahead with the
others and lists what it held back and why; a corrected lot with an open task cannot be applied for again."""

from datetime import timedelta

import pytest
from sqlmodel import Session, select

from app.acceptance.applying import apply_for_acceptance, reapply
from app.acceptance.exceptions import NothingToAccept, RecordsNotReady
from app.acceptance.models import LotPage, LotRecord
from app.acceptance.service import candidates
from app.inspection import labels
from app.inspection.exceptions import RecordInLot
from app.inspection.models import ReshootTask
from app.inspection.service import after_ingest
from app.inspection.tasks import held_back_records, held_back_text, paper_needed
from app.pages.models import Page
from tests.acceptance.helpers import T0, add_image
from tests.acceptance.helpers import add_record as add_acc_record
from tests.inspection.helpers import actor, flag_as, ingest_hook, judge_as, make_qc_shop

LATER = T0 + timedelta(days=40)


def test_the_lot_application_holds_back_records_with_open_tasks_and_says_why(session: Session) -> None:
    qs = make_qc_shop(session)
    shop = qs.shop
    clean = add_acc_record(session, shop, "L1", 3, T0)
    flagged = add_acc_record(session, shop, "L2", 3, T0)
    items = ingest_hook(session, qs, flagged)
    judge_as(
        session, shop.project, items[1], qs.inspector, "flag", "cut_off", note="右下角缺", now=T0 + timedelta(days=2)
    )
    preview = candidates(session, shop.project, None, today=LATER.date())
    assert (preview.records, preview.pages, preview.held_back) == (1, 3, 1)

    lot = apply_for_acceptance(
        session, shop.project, period_end=LATER.date(), actor=shop.actor(shop.manager), today=LATER.date(), now=LATER
    )  # not an error: the lot goes ahead
    in_lot = session.exec(select(LotRecord.record_id).where(LotRecord.lot_id == lot.id)).all()
    assert in_lot == [clean.id]
    assert flagged.id not in session.exec(select(LotPage.record_id)).all()
    held = held_back_records(session, shop.project.id)
    assert [(h.mrn, h.pages) for h in held] == [("L2", [(2, "cut_off")])]
    text = held_back_text(held, lambda s: s, lambda code: {"cut_off": "Cut off"}[code])
    assert text == "Held back for open re-shoot tasks: L2/1: page 2 (Cut off)"

    # Only records with open tasks left: nothing to accept (the ordinary refusal), nothing written.
    session.commit()
    with pytest.raises(NothingToAccept):
        apply_for_acceptance(
            session,
            shop.project,
            period_end=LATER.date(),
            actor=shop.actor(shop.manager),
            today=LATER.date(),
            now=LATER,
        )
    session.rollback()

    # The re-shoot closes the task; the record goes into the next lot.
    page = session.exec(select(Page).where(Page.record_id == flagged.id, Page.page_number == 2)).one()
    old = page.current_image_id
    new = add_image(session, shop, page, LATER)
    after_ingest(
        session,
        project=shop.project,
        page=page,
        image=new,
        previous_image_id=old,
        report={},
        actor=actor(shop.operator),
    )
    assert held_back_records(session, shop.project.id) == []
    later = LATER + timedelta(days=1)
    lot2 = apply_for_acceptance(
        session, shop.project, period_end=later.date(), actor=shop.actor(shop.manager), today=later.date(), now=later
    )
    assert session.exec(select(LotRecord.record_id).where(LotRecord.lot_id == lot2.id)).all() == [flagged.id]


def test_a_corrected_lot_with_an_open_task_is_not_applied_for_again(session: Session) -> None:
    qs = make_qc_shop(session)
    shop = qs.shop
    record = add_acc_record(session, shop, "M1", 2, T0)
    lot = apply_for_acceptance(
        session, shop.project, period_end=LATER.date(), actor=shop.actor(shop.manager), today=LATER.date(), now=LATER
    )
    lot.status = "correcting"  # as after a rejection
    session.add(lot)
    page = session.exec(select(Page).where(Page.record_id == record.id, Page.page_number == 1)).one()
    flag_as(session, shop.project, page.id, page.current_image_id, qs.inspector, "blurred", now=LATER)
    with pytest.raises(RecordsNotReady) as caught:
        reapply(session, lot, shop.project, actor=shop.actor(shop.manager), today=LATER.date(), now=LATER)
    assert "M1/1" in caught.value.detail


def test_a_page_in_a_frozen_lot_cannot_be_flagged_and_its_paper_is_never_asked_for(session: Session) -> None:
    qs = make_qc_shop(session)
    shop = qs.shop
    record = add_acc_record(session, shop, "N1", 2, T0)
    lot = apply_for_acceptance(
        session, shop.project, period_end=LATER.date(), actor=shop.actor(shop.manager), today=LATER.date(), now=LATER
    )
    session.commit()
    page = session.exec(select(Page).where(Page.record_id == record.id, Page.page_number == 1)).one()
    with pytest.raises(RecordInLot) as refused:
        flag_as(session, shop.project, page.id, page.current_image_id, qs.inspector, "blurred", now=LATER)
    assert refused.value.code == "record_in_lot" and refused.value.status == 409
    words = labels.ERROR_MESSAGES["record_in_lot"] % refused.value.params
    assert f"lot {lot.number}:" in words and "acceptance process" in words
    session.rollback()
    assert session.exec(select(ReshootTask)).all() == []
    # A lot in correction may be flagged (the vendor corrects); once it is frozen again, the custodian is never
    # asked to hand the paper out for a re-shoot.
    lot.status = "correcting"
    session.add(lot)
    flag_as(session, shop.project, page.id, page.current_image_id, qs.inspector, "blurred", now=LATER)
    assert [p.record.id for p in paper_needed(session, shop.project.id)] == [record.id]
    lot.status = "in_review"
    session.add(lot)
    session.flush()
    assert paper_needed(session, shop.project.id) == []
