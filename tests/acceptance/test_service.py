"""Lots on a real database (SQLite and PostgreSQL): application, draw, review by two people, decision, correction."""

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import update
from sqlmodel import Session, col, select

from app.acceptance.applying import apply_for_acceptance, reapply
from app.acceptance.deciding import decide_lot, figures, progress
from app.acceptance.exceptions import (
    BadSeed,
    BadVerdict,
    LotStateError,
    NothingToAccept,
    RecordsNotReady,
    ReviewDeadlinePassed,
    ReviewIncomplete,
)
from app.acceptance.models import LotPage, LotRecord, LotStatus, SampleItem
from app.acceptance.review import FIELD_COLUMNS, check_record, judge_item, next_work, sampled_records
from app.acceptance.rules import split_thirds
from app.acceptance.sampling import draw_sample, manifest_hash
from app.acceptance.seeding import fix_seed, verify_round
from app.acceptance.service import (
    accepted_since,
    application_due,
    candidates,
    current_round,
    effective_status,
    rounds_of,
)
from app.audit.models import AuditEvent
from app.pages.models import Page
from tests.acceptance.helpers import T0, Shop, add_image, add_record, day, make_shop

ALL_RIGHT = dict.fromkeys(FIELD_COLUMNS, True)


def _lot_with(session: Session, shop: Shop, sizes: tuple[int, ...]):  # noqa: ANN202
    for n, size in enumerate(sizes):
        add_record(session, shop, f"M{n:04d}", size, T0 + timedelta(hours=n))
    session.commit()
    lot = apply_for_acceptance(
        session,
        shop.project,
        period_end=day("2026-01-31"),
        actor=shop.actor(shop.manager),
        today=day("2026-02-02"),
        now=T0 + timedelta(days=28),
    )
    session.commit()
    return lot


def _review_all(session: Session, shop: Shop, lot, *, fail: int = 0, wrong_fields: int = 0, today=None) -> None:  # noqa: ANN001
    """Review every sampled page (the first `fail` fail as blurred) and check every record."""
    today = today or lot.applied_on
    rnd = current_round(session, lot)
    now = T0 + timedelta(days=30)
    failed = 0
    for who in [shop.reviewer, shop.reviewer2] * 10_000:
        work = next_work(session, rnd, who.id, now)
        if work is None:
            break
        if work.kind == "item":
            item = session.get(SampleItem, work.id)
            bad = failed < fail
            failed += bad
            judge_item(
                session,
                lot,
                rnd,
                item,
                verdict="fail" if bad else "pass",
                defects=["blurred"] if bad else [],
                note=None,
                actor=shop.actor(who),
                today=today,
                now=now,
            )
        else:
            fields = dict(ALL_RIGHT)
            for name in FIELD_COLUMNS[:wrong_fields]:
                fields[name] = False
            wrong_fields = 0
            check_record(
                session,
                lot,
                rnd,
                work.id,
                fields_ok=fields,
                paper_pages=10,
                note=None,
                actor=shop.actor(who),
                today=today,
                now=now,
            )
    session.commit()


def test_application_freezes_finished_passing_records_of_the_period(session: Session) -> None:
    shop = make_shop(session)
    a = add_record(session, shop, "A", 10, T0)
    b = add_record(session, shop, "B", 20, T0 + timedelta(hours=1))
    add_record(session, shop, "LATE", 4, T0 + timedelta(days=40))  # finished after the period
    add_record(session, shop, "OPEN", 4, T0, finish=False)  # still being captured
    add_record(session, shop, "BAD", 3, T0, failing=(2,))  # a page failed QC: held back
    session.commit()
    seen = candidates(session, shop.project, day("2026-01-31"), today=day("2026-02-02"))
    assert (seen.records, seen.pages, seen.held_back) == (2, 30, 1)

    lot = apply_for_acceptance(
        session,
        shop.project,
        period_end=day("2026-01-31"),
        actor=shop.actor(shop.manager),
        today=day("2026-02-02"),
        now=T0 + timedelta(days=28),
    )
    session.commit()
    assert (lot.number, lot.status, lot.page_count, lot.record_count) == (1, "applied", 30, 2)
    assert lot.review_deadline == day("2026-02-12") and lot.period_start == shop.project.start_date
    records = set(session.exec(select(LotRecord.record_id).where(LotRecord.lot_id == lot.id)).all())
    assert records == {a.id, b.id}
    rows = session.exec(
        select(LotPage).where(LotPage.round_id == current_round(session, lot).id).order_by(LotPage.position)
    ).all()
    pages = session.exec(
        select(Page).where(col(Page.record_id).in_([a.id, b.id])).order_by(Page.captured_at, Page.id)
    ).all()
    assert [r.page_id for r in rows] == [p.id for p in pages]
    thirds = split_thirds(30)
    assert [r.third for r in rows] == [thirds.third_of(i) for i in range(30)]
    assert lot.manifest_hash == manifest_hash((r.page_id, r.image_sha256) for r in rows)
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "lot.apply")).one()
    assert event.detail["pages"] == 30 and event.actor_user_id == shop.manager.id

    # the same records are never offered twice; an empty application is refused
    with pytest.raises(NothingToAccept):
        apply_for_acceptance(
            session,
            shop.project,
            period_end=day("2026-01-31"),
            actor=shop.actor(shop.manager),
            today=day("2026-02-02"),
            now=T0 + timedelta(days=28),
        )
    session.rollback()
    later = apply_for_acceptance(
        session,
        shop.project,
        period_end=day("2026-03-01"),
        actor=shop.actor(shop.manager),
        today=day("2026-03-02"),
        now=T0 + timedelta(days=56),
    )
    assert (later.number, later.page_count, later.period_start) == (2, 4, day("2026-02-01"))


def test_application_due_after_each_cycle(session: Session) -> None:
    shop = make_shop(session)
    assert application_due(session, shop.project) == day("2026-04-04")  # started 2026-01-05, 3-month cycles
    _lot_with(session, shop, (5,))
    assert application_due(session, shop.project) == day("2026-04-30")  # Feb 1 + 3 months − 1 day


def test_seed_draws_the_reproducible_sample(session: Session) -> None:
    shop = make_shop(session, sample_rate=Decimal("0.1"))
    lot = _lot_with(session, shop, (10, 20, 5))
    rnd = fix_seed(
        session, lot, "  hospital dice 4-2-6  ", actor=shop.actor(shop.reviewer), today=day("2026-02-03"), now=T0
    )
    session.commit()
    assert rnd.seed == "hospital dice 4-2-6" and lot.status == "in_review"
    # ceil(3.5) = 4 over thirds 12/11/12: 1.37, 1.26, 1.37 -> 1 each, the spare to the front (tie with the back)
    assert rnd.sample_size == 4 and rnd.per_third == [2, 1, 1]
    expected = draw_sample(lot.manifest_hash, "hospital dice 4-2-6", 35, 4)
    items = session.exec(select(SampleItem).where(SampleItem.round_id == rnd.id).order_by(SampleItem.position)).all()
    assert [i.position for i in items] == expected == rnd.positions
    assert verify_round(session, lot, rnd).ok
    with pytest.raises(LotStateError):
        fix_seed(session, lot, "again", actor=shop.actor(shop.reviewer), today=day("2026-02-03"), now=T0)

    # a changed manifest row, or a changed sample, is found
    session.execute(
        update(LotPage).where(col(LotPage.round_id) == rnd.id, col(LotPage.position) == 0).values(image_sha256="f" * 64)
    )
    assert not verify_round(session, lot, rnd).manifest_hash_ok
    session.rollback()
    elsewhere = next(p for p in range(35) if p not in expected)
    session.execute(update(SampleItem).where(col(SampleItem.id) == items[0].id).values(position=elsewhere))
    result = verify_round(session, lot, rnd)
    assert result.manifest_hash_ok and not result.sample_ok
    session.rollback()


def test_seed_is_refused_empty_or_after_the_deadline(session: Session) -> None:
    shop = make_shop(session)
    lot = _lot_with(session, shop, (10,))
    with pytest.raises(BadSeed):
        fix_seed(session, lot, "   ", actor=shop.actor(shop.reviewer), today=day("2026-02-03"), now=T0)
    with pytest.raises(ReviewDeadlinePassed):
        fix_seed(session, lot, "late", actor=shop.actor(shop.reviewer), today=day("2026-02-13"), now=T0)


def test_lot_left_alone_is_deemed_accepted_the_day_after_its_deadline(session: Session) -> None:
    shop = make_shop(session)
    lot = _lot_with(session, shop, (10,))  # applied 2026-02-02, deadline 2026-02-12
    assert effective_status(lot, day("2026-02-12")) == "applied"
    assert accepted_since(lot, day("2026-02-12")) is None
    assert effective_status(lot, day("2026-02-13")) == "deemed_accepted"
    assert accepted_since(lot, day("2026-02-13")) == day("2026-02-13")
    assert lot.status == "applied"  # computed on read, never written


def test_two_reviewers_split_the_sample_and_the_lot_passes(session: Session) -> None:
    shop = make_shop(session, sample_rate=Decimal("0.2"))
    lot = _lot_with(session, shop, (10, 20, 5, 15))
    rnd = fix_seed(session, lot, "s1", actor=shop.actor(shop.reviewer), today=day("2026-02-03"), now=T0)
    session.commit()
    assert rnd.sample_size == 10
    now = T0 + timedelta(days=29)
    first = next_work(session, rnd, shop.reviewer.id, now)
    second = next_work(session, rnd, shop.reviewer2.id, now)
    assert first.kind == second.kind == "item" and first.id != second.id
    assert next_work(session, rnd, shop.reviewer.id, now) == first  # resumable: the same page until judged
    with pytest.raises(ReviewIncomplete):
        decide_lot(session, lot, shop.project, actor=shop.actor(shop.reviewer), today=day("2026-02-03"), now=now)
    _review_all(session, shop, lot)
    done = progress(session, rnd)
    assert done.complete and done.judged == 10 and done.checked == len(sampled_records(session, rnd))
    judges = set(session.exec(select(SampleItem.reviewed_by).where(SampleItem.round_id == rnd.id)).all())
    assert judges == {shop.reviewer.id, shop.reviewer2.id}
    rnd = decide_lot(session, lot, shop.project, actor=shop.actor(shop.reviewer), today=day("2026-02-05"), now=now)
    session.commit()
    assert (rnd.decision, lot.status, lot.accepted_on) == ("accepted", "accepted", day("2026-02-05"))
    assert rnd.reviewers == sorted([shop.reviewer.id, shop.reviewer2.id])
    assert rnd.interval_low == 0.0 and 0.25 < rnd.interval_high < 0.35  # 0 of 10: upper bound 1 − 0.025^(1/10)
    assert effective_status(lot, day("2027-01-01")) == "accepted"


def test_verdicts_are_checked(session: Session) -> None:
    shop = make_shop(session, sample_rate=Decimal("0.2"))
    lot = _lot_with(session, shop, (10,))
    rnd = fix_seed(session, lot, "s", actor=shop.actor(shop.reviewer), today=day("2026-02-03"), now=T0)
    item = session.exec(select(SampleItem).where(SampleItem.round_id == rnd.id)).first()
    kw = {"actor": shop.actor(shop.reviewer), "today": day("2026-02-03"), "now": T0}
    for verdict, defects, note in (
        ("fail", [], None),
        ("pass", ["blurred"], None),
        ("fail", ["coffee"], None),
        ("fail", ["other"], "  "),
        ("maybe", [], None),
    ):
        with pytest.raises(BadVerdict):
            judge_item(session, lot, rnd, item, verdict=verdict, defects=defects, note=note, **kw)
    judged = judge_item(
        session, lot, rnd, item, verdict="fail", defects=["other", "blurred", "blurred"], note="stain", **kw
    )
    assert judged.defects == ["blurred", "other"] and judged.note == "stain"
    with pytest.raises(BadVerdict):
        check_record(session, lot, rnd, 999_999, fields_ok=ALL_RIGHT, paper_pages=1, note=None, **kw)


def test_rejection_correction_and_a_second_round(session: Session) -> None:
    shop = make_shop(session, sample_rate=Decimal("0.2"))
    lot = _lot_with(session, shop, (10, 20, 5, 15))
    fix_seed(session, lot, "round one", actor=shop.actor(shop.reviewer), today=day("2026-02-03"), now=T0)
    session.commit()
    _review_all(session, shop, lot, fail=1)  # 9 of 10 = 90 % < 95 %
    first = current_round(session, lot)
    shown = figures(session, first)
    assert shown is not None and not shown.decision.images_ok and shown.decision.fields_ok
    assert shown.oc[0][0] == 0.01 and 0 < shown.oc[-1][1] < shown.oc[0][1] <= 1
    decide_lot(session, lot, shop.project, actor=shop.actor(shop.reviewer), today=day("2026-02-06"), now=T0)
    session.commit()
    assert (first.decision, lot.status, lot.correction_deadline) == ("rejected", "correcting", day("2026-02-16"))
    assert effective_status(lot, day("2026-03-01")) == "correcting"  # the review deadline no longer applies

    # the vendor re-shoots the failed page, but the new shot fails QC: not ready yet
    failed = session.exec(select(SampleItem).where(SampleItem.round_id == first.id, SampleItem.verdict == "fail")).one()
    page = session.get(Page, failed.page_id)
    add_image(session, shop, page, T0 + timedelta(days=33), passed=False)
    session.commit()
    with pytest.raises(RecordsNotReady):
        reapply(session, lot, shop.project, actor=shop.actor(shop.manager), today=day("2026-02-10"), now=T0)
    session.rollback()
    page = session.get(Page, failed.page_id)
    add_image(session, shop, page, T0 + timedelta(days=34))
    session.commit()
    second = reapply(session, lot, shop.project, actor=shop.actor(shop.manager), today=day("2026-02-10"), now=T0)
    session.commit()
    assert (second.number, lot.round_number, lot.status) == (2, 2, "applied")
    assert second.manifest_hash != first.manifest_hash and second.page_count == 50
    assert lot.review_deadline == day("2026-02-20") and lot.seed is None
    fix_seed(session, lot, "round two", actor=shop.actor(shop.reviewer2), today=day("2026-02-11"), now=T0)
    session.commit()
    _review_all(session, shop, lot, today=day("2026-02-11"))
    decide_lot(session, lot, shop.project, actor=shop.actor(shop.reviewer2), today=day("2026-02-12"), now=T0)
    session.commit()
    assert lot.status == "accepted" and [r.decision for r in rounds_of(session, lot)] == ["rejected", "accepted"]
    assert verify_round(session, lot, first).ok and verify_round(session, lot, second).ok
    with pytest.raises(LotStateError):
        reapply(session, lot, shop.project, actor=shop.actor(shop.manager), today=day("2026-02-13"), now=T0)


def test_wrong_front_page_fields_reject_a_lot_whose_images_pass(session: Session) -> None:
    shop = make_shop(session, sample_rate=Decimal("0.2"))
    lot = _lot_with(session, shop, (10, 20, 5, 15))
    fix_seed(session, lot, "fields", actor=shop.actor(shop.reviewer), today=day("2026-02-03"), now=T0)
    session.commit()
    _review_all(session, shop, lot, wrong_fields=1)  # 1 wrong of 5 × records ≥ 3 %
    rnd = decide_lot(session, lot, shop.project, actor=shop.actor(shop.reviewer), today=day("2026-02-04"), now=T0)
    assert rnd.decision == "rejected" and rnd.correct == rnd.sampled and rnd.fields_wrong == 1


def test_iso_2859_plan_decides_on_its_acceptance_number(session: Session) -> None:
    shop = make_shop(session, sampling_scheme="iso2859", aql=Decimal("2.5"))
    lot = _lot_with(session, shop, (10, 20, 5))  # 35 pages: letter D, arrow up to C: n = 5, Ac 0
    rnd = current_round(session, lot)
    assert (rnd.scheme, rnd.sample_size, rnd.acceptance_number) == ("iso2859", 5, 0)
    fix_seed(session, lot, "iso", actor=shop.actor(shop.reviewer), today=day("2026-02-03"), now=T0)
    session.commit()
    _review_all(session, shop, lot, fail=1)
    rnd = decide_lot(session, lot, shop.project, actor=shop.actor(shop.reviewer), today=day("2026-02-04"), now=T0)
    assert rnd.decision == "rejected" and rnd.correct == 4


def test_termination_lot_takes_every_finished_record_with_a_three_day_deadline(session: Session) -> None:
    shop = make_shop(session)
    add_record(session, shop, "A", 4, T0)
    add_record(session, shop, "B", 6, T0 + timedelta(days=60))
    session.commit()
    lot = apply_for_acceptance(
        session,
        shop.project,
        period_end=None,
        kind="termination",
        actor=shop.actor(shop.manager),
        today=day("2026-03-10"),
        now=T0 + timedelta(days=64),
    )
    assert (lot.kind, lot.page_count, lot.review_deadline) == ("termination", 10, day("2026-03-13"))
    assert effective_status(lot, day("2026-03-14")) == LotStatus.deemed_accepted


def test_review_after_the_deadline_is_refused(session: Session) -> None:
    shop = make_shop(session, sample_rate=Decimal("0.2"))
    lot = _lot_with(session, shop, (10,))
    rnd = fix_seed(session, lot, "s", actor=shop.actor(shop.reviewer), today=day("2026-02-03"), now=T0)
    item = session.exec(select(SampleItem).where(SampleItem.round_id == rnd.id)).first()
    with pytest.raises(ReviewDeadlinePassed):
        judge_item(
            session,
            lot,
            rnd,
            item,
            verdict="pass",
            defects=[],
            note=None,
            actor=shop.actor(shop.reviewer),
            today=day("2026-02-13"),
            now=T0,
        )


def test_two_reviewers_taking_pages_at_the_same_moment_never_get_the_same_one(session: Session, db) -> None:  # noqa: ANN001
    from concurrent.futures import ThreadPoolExecutor

    from app.core.db import writing

    shop = make_shop(session, sample_rate=Decimal("0.5"))
    lot = _lot_with(session, shop, (10, 10))
    rnd = fix_seed(session, lot, "race", actor=shop.actor(shop.reviewer), today=day("2026-02-03"), now=T0)
    session.commit()
    assert rnd.sample_size == 10

    def take(user_id: int) -> list[int]:
        got = []
        while True:
            with Session(writing(db)) as s:
                work = next_work(s, s.get(type(rnd), rnd.id), user_id, T0)
                s.commit()
            if work is None:
                return got
            with Session(writing(db)) as s:  # judge it (or check the record), so that the next call moves on
                if work.kind == "item":
                    got.append(work.id)
                    item = s.get(SampleItem, work.id)
                    item.verdict, item.reviewed_by = "pass", user_id
                    s.add(item)
                else:  # both may be handed the last record: the second save updates the first
                    who = shop.reviewer if user_id == shop.reviewer.id else shop.reviewer2
                    check_record(
                        s,
                        s.get(type(lot), lot.id),
                        s.get(type(rnd), rnd.id),
                        work.id,
                        fields_ok=ALL_RIGHT,
                        paper_pages=10,
                        note=None,
                        actor=shop.actor(who),
                        today=day("2026-02-03"),
                        now=T0,
                    )
                s.commit()

    with ThreadPoolExecutor(max_workers=2) as pool:
        a, b = pool.map(take, [shop.reviewer.id, shop.reviewer2.id])
    assert len(set(a) | set(b)) == 10 and not set(a) & set(b)


def test_termination_brings_open_reviews_and_later_corrections_to_its_deadline(session: Session) -> None:
    shop = make_shop(session, sample_rate=Decimal("0.2"))
    open_lot = _lot_with(session, shop, (10,))  # applied 2026-02-02, deadline 2026-02-12
    add_record(session, shop, "LATE", 6, T0 + timedelta(days=30))
    session.commit()
    term = apply_for_acceptance(
        session,
        shop.project,
        period_end=None,
        kind="termination",
        actor=shop.actor(shop.manager),
        today=day("2026-02-05"),
        now=T0 + timedelta(days=31),
    )
    session.commit()
    assert term.review_deadline == day("2026-02-08")
    session.refresh(open_lot)
    assert open_lot.review_deadline == day("2026-02-08") == current_round(session, open_lot).review_deadline
    assert effective_status(open_lot, day("2026-02-09")) == "deemed_accepted"
    event = session.exec(
        select(AuditEvent).where(AuditEvent.action == "lot.apply", AuditEvent.object_id == str(term.id))
    ).one()
    assert event.detail["shortened"] == [open_lot.number]

    # a lot rejected after termination gets the short deadline for its next round too
    fix_seed(session, open_lot, "t", actor=shop.actor(shop.reviewer), today=day("2026-02-06"), now=T0)
    session.commit()
    _review_all(session, shop, open_lot, fail=1, today=day("2026-02-06"))
    decide_lot(session, open_lot, shop.project, actor=shop.actor(shop.reviewer), today=day("2026-02-06"), now=T0)
    session.commit()
    again = reapply(session, open_lot, shop.project, actor=shop.actor(shop.manager), today=day("2026-02-07"), now=T0)
    assert again.review_deadline == day("2026-02-10")
