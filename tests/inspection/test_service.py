"""The inspection queue and re-shoot tasks on a real database (SQLite and PostgreSQL), racing requests included."""

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import Engine
from sqlmodel import Session, select

from app.audit.models import AuditEvent
from app.custody.models import CustodyState, RecordCustody
from app.inspection.exceptions import (
    AlreadyFlagged,
    AlreadyInspected,
    BadFlag,
    BadRate,
    ImageSuperseded,
    OperatorNotFound,
    PageHasOpenTask,
)
from app.inspection.models import InspectionItem, ReshootTask
from app.inspection.rates import set_rate
from app.inspection.service import after_ingest, flag_page, judge, next_item
from app.inspection.tasks import cancel_task, get_task, held_back_records, paper_needed, record_tasks
from app.pages.exceptions import PageNotFound
from app.pages.models import Page, PageImage
from app.pages.service import page_images
from tests.acceptance.helpers import T0, add_image, add_record
from tests.inspection.helpers import actor, flag_as, ingest_hook, judge_as, make_qc_shop, race

NOW = T0 + timedelta(days=1)


def _events(session: Session, action: str) -> list[AuditEvent]:
    return list(session.exec(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


def test_pages_are_chosen_by_the_rate_and_always_when_close_to_a_threshold(session: Session) -> None:
    qs = make_qc_shop(session, percent="0")
    record = add_record(session, qs.shop, "A1", 4, T0)
    page = session.exec(select(Page).where(Page.record_id == record.id, Page.page_number == 2)).one()
    image = session.get(PageImage, page.current_image_id)
    image.qc_metrics = {"blur_px": 0.95, "dpi": 300.0}  # 0.95 px against the default 1.0 px limit: close
    session.add(image)
    items = ingest_hook(session, qs, record)
    assert [(i.page_id, i.why, i.near) for i in items] == [(page.id, "near", ["blur_px"])]
    set_rate(
        session,
        qs.shop.project,
        operator_id=qs.shop.operator.id,
        percent="100",
        from_date=T0.date(),
        user_id=qs.shop.manager.id,
        actor=actor(qs.shop.manager),
        now=NOW,
    )
    other = add_record(session, qs.shop, "A2", 3, T0)
    assert [i.why for i in ingest_hook(session, qs, other)] == ["rate"] * 3
    failing = add_record(session, qs.shop, "A3", 2, T0, failing=(1, 2))
    assert ingest_hook(session, qs, failing) == []  # a failing shot is re-shot at the station anyway


def test_bad_rates_are_refused_and_nothing_is_written(session: Session) -> None:
    qs = make_qc_shop(session)
    before = len(_events(session, "inspection.rate"))
    for bad in ("101", "-1", "abc", "NaN"):
        with pytest.raises(BadRate):
            set_rate(
                session,
                qs.shop.project,
                operator_id=None,
                percent=bad,
                from_date=T0.date(),
                user_id=qs.shop.manager.id,
                actor={},
                now=NOW,
            )
    with pytest.raises(OperatorNotFound):  # an inspector is not an operator
        set_rate(
            session,
            qs.shop.project,
            operator_id=qs.inspector.id,
            percent="5",
            from_date=T0.date(),
            user_id=qs.shop.manager.id,
            actor={},
            now=NOW,
        )
    assert len(_events(session, "inspection.rate")) == before


def test_a_full_width_percent_is_read_like_a_half_width_one(session: Session) -> None:
    qs = make_qc_shop(session)
    for typed, want in (("5％", Decimal("5")), (" ５ ％ ", Decimal("5")), ("12.5%", Decimal("12.5"))):
        row = set_rate(
            session,
            qs.shop.project,
            operator_id=qs.shop.operator.id,
            percent=typed,
            from_date=T0.date(),
            user_id=qs.shop.manager.id,
            actor={},
            now=NOW,
        )
        assert row.percent == want, typed


def test_a_flag_opens_a_task_and_a_reshoot_closes_it_keeping_the_old_image(session: Session) -> None:
    qs = make_qc_shop(session)
    record = add_record(session, qs.shop, "B1", 3, T0)
    items = ingest_hook(session, qs, record)
    item = next_item(session, qs.shop.project.id, qs.inspector.id, NOW)
    assert item is not None and item.id == items[0].id and item.inspector_id == qs.inspector.id
    task = judge_as(
        session, qs.shop.project, item, qs.inspector, "flag", "blurred", note="  the stamp is soft ", now=NOW
    )
    assert (task.record_id, task.page_number, task.reason, task.note, task.flagged_by, task.status) == (
        record.id,
        1,
        "blurred",
        "the stamp is soft",
        qs.inspector.id,
        "open",
    )
    assert task.operator_id == qs.shop.operator.id and task.station_id == qs.shop.station_id
    assert [e.detail["reason"] for e in _events(session, "reshoot_task.open")] == ["blurred"]
    assert [v.page_number for v in record_tasks(session, record)] == [1]

    page = session.get(Page, task.page_id)
    flagged_image = page.current_image_id
    new = add_image(session, qs.shop, page, NOW + timedelta(hours=1))
    after_ingest(
        session,
        project=qs.shop.project,
        page=page,
        image=new,
        previous_image_id=flagged_image,
        report={},
        actor=actor(qs.shop.operator),
    )
    session.refresh(task)
    assert (task.status, task.closed_by_image_id) == ("closed", new.id)
    assert [i.id for i in page_images(session, page.id)] == [flagged_image, new.id]  # history kept
    assert _events(session, "reshoot_task.close")[-1].detail["flagged_image_id"] == flagged_image
    assert session.exec(select(InspectionItem).where(InspectionItem.image_id == new.id)).one().why == "reshoot"
    assert record_tasks(session, record) == []

    # A second re-shoot of the page (its task closed already) is an ordinary re-shoot: nothing reopens or fails.
    newer = add_image(session, qs.shop, page, NOW + timedelta(hours=2))
    after_ingest(
        session,
        project=qs.shop.project,
        page=page,
        image=newer,
        previous_image_id=new.id,
        report={},
        actor=actor(qs.shop.operator),
    )
    session.refresh(task)
    assert (task.status, task.closed_by_image_id) == ("closed", new.id)
    assert len(_events(session, "reshoot_task.close")) == 1


def test_a_page_flagged_outside_the_queue_cannot_pass_while_its_task_is_open(session: Session) -> None:
    qs = make_qc_shop(session)
    record = add_record(session, qs.shop, "B2", 2, T0)
    ingest_hook(session, qs, record)
    item = next_item(session, qs.shop.project.id, qs.inspector.id, NOW)
    assert item is not None
    task = flag_as(session, qs.shop.project, item.page_id, item.image_id, qs.inspector2, "blurred", now=NOW)
    session.commit()
    with pytest.raises(PageHasOpenTask) as refused:
        judge_as(session, qs.shop.project, item, qs.inspector, "pass", now=NOW)
    assert refused.value.code == "page_has_open_task" and refused.value.status == 409
    session.rollback()
    session.refresh(item)
    assert item.verdict is None and _events(session, "inspection.pass") == []
    # once the page is re-shot (or the task withdrawn), the page is judged normally
    cancel_task(session, task, user_id=qs.inspector2.id, actor=actor(qs.inspector2), now=NOW)
    judge_as(session, qs.shop.project, item, qs.inspector, "pass", now=NOW)
    session.refresh(item)
    assert item.verdict == "pass"


def test_a_flag_on_a_superseded_image_is_refused_and_writes_nothing(session: Session) -> None:
    qs = make_qc_shop(session)
    record = add_record(session, qs.shop, "C1", 2, T0)
    item = ingest_hook(session, qs, record)[0]
    page = session.get(Page, item.page_id)
    add_image(session, qs.shop, page, NOW)  # re-shot after it was queued
    session.commit()
    with pytest.raises(ImageSuperseded):
        judge_as(session, qs.shop.project, item, qs.inspector, "flag", "blurred", now=NOW)
    session.rollback()
    with pytest.raises(ImageSuperseded):
        flag_as(session, qs.shop.project, page.id, item.image_id, qs.inspector, "blurred", now=NOW)
    session.rollback()
    assert session.exec(select(ReshootTask)).all() == []
    assert session.get(InspectionItem, item.id).verdict is None
    assert _events(session, "reshoot_task.open") == []
    # the superseded image is no longer offered
    assert next_item(session, qs.shop.project.id, qs.inspector.id, NOW).page_id != page.id


def test_another_projects_page_and_task_are_not_found(session: Session) -> None:
    qs = make_qc_shop(session, "P1")
    other = make_qc_shop(session, "P2")
    record = add_record(session, other.shop, "D1", 1, T0)
    item = ingest_hook(session, other, record)[0]
    with pytest.raises(PageNotFound):
        flag_as(session, qs.shop.project, item.page_id, item.image_id, qs.inspector, "blurred", now=NOW)
    task = flag_as(session, other.shop.project, item.page_id, item.image_id, other.inspector, "blurred", now=NOW)
    with pytest.raises(Exception) as caught:
        get_task(session, qs.shop.project.id, task.id)
    assert caught.value.status == 404 and caught.value.code == "reshoot_task_not_found"


def test_bad_flags_are_refused(session: Session) -> None:
    qs = make_qc_shop(session)
    record = add_record(session, qs.shop, "E1", 1, T0)
    item = ingest_hook(session, qs, record)[0]
    for defect, note, code in (
        ("smudge", None, "bad_defect"),
        ("other", "", "note_required"),
        (None, None, "bad_defect"),
    ):
        with pytest.raises(BadFlag) as caught:
            judge_as(session, qs.shop.project, item, qs.inspector, "flag", defect, note=note, now=NOW)
        assert caught.value.code == code
    with pytest.raises(BadFlag):
        judge_as(session, qs.shop.project, item, qs.inspector, "maybe", now=NOW)
    assert session.get(InspectionItem, item.id).verdict is None


def test_a_second_verdict_on_the_same_page_is_refused_and_names_who_judged(session: Session) -> None:
    qs = make_qc_shop(session)
    record = add_record(session, qs.shop, "F1", 1, T0)
    item = ingest_hook(session, qs, record)[0]
    judge_as(session, qs.shop.project, item, qs.inspector, "pass", now=NOW)
    with pytest.raises(AlreadyInspected) as caught:
        judge_as(session, qs.shop.project, item, qs.inspector2, "flag", "blurred", now=NOW + timedelta(hours=1))
    assert qs.inspector.display_name in caught.value.detail
    assert [e.actor_user_id for e in _events(session, "inspection.pass")] == [qs.inspector.id]


def test_two_inspectors_taking_pages_at_once_never_get_the_same_page(session: Session, db: Engine) -> None:
    qs = make_qc_shop(session)
    for n in range(3):
        ingest_hook(session, qs, add_record(session, qs.shop, f"G{n}", 2, T0))
    session.commit()
    pid = qs.shop.project.id
    for _ in range(3):
        a, b = race(
            db,
            lambda s: next_item(s, pid, qs.inspector.id, NOW).id,
            lambda s: next_item(s, pid, qs.inspector2.id, NOW).id,
        )
        assert isinstance(a, int) and isinstance(b, int) and a != b
        for item_id, who in ((a, qs.inspector), (b, qs.inspector2)):
            item = session.get(InspectionItem, item_id)
            session.refresh(item)
            assert item.inspector_id == who.id
            judge_as(session, qs.shop.project, item, who, "pass", now=NOW)
        session.commit()
    assert next_item(session, pid, qs.inspector.id, NOW) is None


def test_two_inspectors_flagging_the_same_page_at_once_one_wins_the_other_is_told(session: Session, db: Engine) -> None:
    qs = make_qc_shop(session)
    item = ingest_hook(session, qs, add_record(session, qs.shop, "H1", 1, T0))[0]
    session.commit()
    project = qs.shop.project

    def flag(user):  # noqa: ANN001, ANN202
        return lambda s: (
            flag_page(
                s,
                project,
                item.page_id,
                item.image_id,
                defect="cut_off",
                note=None,
                user_id=user.id,
                actor=actor(user),
                now=NOW,
            ).id
        )

    results = race(db, flag(qs.inspector), flag(qs.inspector2))
    winners = [r for r in results if isinstance(r, int)]
    losers = [r for r in results if isinstance(r, AlreadyFlagged)]
    assert len(winners) == 1 and len(losers) == 1, results
    assert losers[0].status == 409 and losers[0].code == "already_flagged"
    tasks = session.exec(select(ReshootTask)).all()
    assert [t.id for t in tasks] == winners
    assert len(_events(session, "reshoot_task.open")) == 1

    # The same through the queue: both judge the one item at once; one verdict is kept.
    item2 = ingest_hook(session, qs, add_record(session, qs.shop, "H2", 1, T0))[0]
    session.commit()

    def verdict(user):  # noqa: ANN001, ANN202
        def job(s: Session) -> int:
            mine = s.get(InspectionItem, item2.id)
            return judge(
                s,
                project,
                mine,
                verdict="flag",
                defect="blurred",
                note=None,
                user_id=user.id,
                actor=actor(user),
                now=NOW,
            ).id

        return job

    results = race(db, verdict(qs.inspector), verdict(qs.inspector2))
    assert sum(isinstance(r, int) for r in results) == 1, results
    assert sum(isinstance(r, AlreadyInspected | AlreadyFlagged) for r in results) == 1, results
    assert len(session.exec(select(ReshootTask).where(ReshootTask.page_id == item2.page_id)).all()) == 1


def test_open_tasks_hold_records_back_and_the_custodian_sees_their_paper(session: Session) -> None:
    qs = make_qc_shop(session)
    held = add_record(session, qs.shop, "K1", 3, T0)
    add_record(session, qs.shop, "K2", 3, T0)
    items = ingest_hook(session, qs, held)
    for item in items[1:]:
        judge_as(
            session, qs.shop.project, item, qs.inspector, "flag", "skewed" if item is items[1] else "blurred", now=NOW
        )
    back = held_back_records(session, qs.shop.project.id)
    assert [(h.mrn, h.pages) for h in back] == [("K1", [(2, "skewed"), (3, "blurred")])]
    paper = paper_needed(session, qs.shop.project.id)
    assert [(p.record.mrn, p.tasks, p.needs_checkout) for p in paper] == [("K1", 2, False)]
    session.add(RecordCustody(project_id=qs.shop.project.id, record_id=held.id, state=CustodyState.inside))
    session.flush()  # the paper went back to the records room: the custodian must hand it out again
    paper = paper_needed(session, qs.shop.project.id)
    assert [(p.record.mrn, p.custody_state, p.needs_checkout) for p in paper] == [("K1", "in", True)]

    task = session.exec(select(ReshootTask).where(ReshootTask.page_id == items[1].page_id)).one()
    cancel_task(session, task, user_id=qs.inspector.id, actor=actor(qs.inspector), now=NOW)
    assert task.status == "cancelled" and len(_events(session, "reshoot_task.cancel")) == 1
    with pytest.raises(AlreadyInspected):
        cancel_task(session, task, user_id=qs.inspector.id, actor=actor(qs.inspector), now=NOW)
    assert [h.pages for h in held_back_records(session, qs.shop.project.id)] == [[(3, "blurred")]]


def test_the_rate_default_row_uses_decimal_percent(session: Session) -> None:
    qs = make_qc_shop(session, percent="5")
    row = set_rate(
        session,
        qs.shop.project,
        operator_id=None,
        percent="12.5%",
        from_date=T0.date(),
        user_id=qs.shop.manager.id,
        actor={},
        now=NOW,
    )
    assert row.percent == Decimal("12.50")


def test_a_withdrawn_pages_task_holds_nothing_back(session: Session) -> None:
    from app.records.service import renumber

    qs = make_qc_shop(session)
    record = add_record(session, qs.shop, "W1", 3, T0)
    items = ingest_hook(session, qs, record)
    judge_as(session, qs.shop.project, items[2], qs.inspector, "flag", "extra_page", now=NOW)
    assert [h.mrn for h in held_back_records(session, qs.shop.project.id)] == ["W1"]
    renumber(
        session,
        record,
        key="withdraw-3",
        op="delete",
        page_number=3,
        station_id=qs.shop.station_id,
        user_id=qs.shop.operator.id,
        now=NOW,
    )
    assert held_back_records(session, qs.shop.project.id) == []
    assert record_tasks(session, record) == [] and paper_needed(session, qs.shop.project.id) == []
