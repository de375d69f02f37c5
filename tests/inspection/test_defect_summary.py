"""The defects summary (defect_day, defect_day_code) against the per-shot computation it replaced, on generated
data (several operators, stations and weeks; failed shots, re-shoots, flags in and outside the queue, inspection
verdicts, acceptance verdicts given, changed and withdrawn), on both backends; its recount and rebuild."""

import random
from datetime import timedelta
from decimal import Decimal

from alembic import command
from sqlalchemy import inspect, update
from sqlmodel import Session, col, select

from app.acceptance.applying import apply_for_acceptance
from app.acceptance.models import SampleItem
from app.acceptance.review import judge_item
from app.acceptance.rules import DEFECT_CODES
from app.acceptance.seeding import fix_seed
from app.acceptance.service import current_round
from app.accounts.service import create_station
from app.core.migrate import alembic_config, upgrade
from app.inspection import recount
from app.inspection.exceptions import AlreadyFlagged
from app.inspection.models import DefectDay, DefectDayCode, InspectionItem, ReshootTask
from app.inspection.service import after_ingest
from app.inspection.sources import DIMENSIONS, sources_report
from app.inspection.tasks import cancel_task, open_task_of_page
from app.pages.models import Page, PageImage
from tests.acceptance.helpers import T0, add_image, add_record
from tests.factories import make_user
from tests.inspection.helpers import QCShop, actor, flag_as, judge_as, make_qc_shop
from tests.inspection.reference_sources import reference_report

CODES = [c for c in DEFECT_CODES if c != "other"]


def _reshoot(session: Session, qs: QCShop, page: Page, at, *, passed: bool = True) -> None:  # noqa: ANN001
    """A re-shoot as ingest makes it: the new image, then the vendor-QC hook (closes the task, enqueues)."""
    image = add_image(session, qs.shop, page, at, passed=passed)
    after_ingest(
        session,
        project=qs.shop.project,
        page=page,
        image=image,
        previous_image_id=image.supersedes_id,
        report={},
        actor=actor(qs.shop.operator),
    )


def _generate(session: Session, seed: int = 15) -> tuple[QCShop, list]:
    """Four weeks of three operators at two stations (some shots at night: another UTC day), with everything
    that changes the figures; returns the shop and the operators."""
    rng = random.Random(seed)
    qs = make_qc_shop(session)
    shop, project = qs.shop, qs.shop.project
    project.sample_rate = Decimal("0.2")  # a sample big enough to judge, change and withdraw verdicts
    operators = [shop.operator, make_user(session, project, "op_b"), make_user(session, project, "op_c")]
    stations = [shop.station_id, create_station(session, project_id=project.id, name="station 2")[0].id]
    records = []
    for n in range(12):
        shop.operator = operators[n % 3]
        shop.station_id = stations[(n // 3) % 2]
        at = T0 + timedelta(days=2 * n + n % 2, hours=15 + n % 3 * 4)  # 15-23 h UTC: 23-07 h in Shanghai
        failing = tuple(p for p in range(1, 9) if rng.random() < 0.15)
        records.append(add_record(session, shop, f"G{n:02d}", 8, at, failing=failing))
    pages = session.exec(select(Page).where(Page.project_id == project.id).order_by(Page.id)).all()
    for page in pages:
        after_ingest(
            session,
            project=project,
            page=page,
            image=session.get(PageImage, page.current_image_id),
            previous_image_id=None,
            report={},
            actor=actor(shop.operator),
        )
    items = session.exec(select(InspectionItem).where(InspectionItem.project_id == project.id)).all()
    now = T0 + timedelta(days=30)
    for item in items:
        roll = rng.random()
        if roll < 0.5:
            judge_as(session, project, item, qs.inspector, "pass", now=now)
        elif roll < 0.7:
            judge_as(session, project, item, qs.inspector2, "flag", rng.choice(CODES), now=now)
    for page in pages:  # flags outside the queue
        session.refresh(page)
        if rng.random() < 0.1:
            try:
                flag_as(session, project, page.id, page.current_image_id, qs.inspector, "other", "看不清", now=now)
            except AlreadyFlagged:
                pass
    for task in session.exec(select(ReshootTask).where(ReshootTask.project_id == project.id)).all():
        if rng.random() < 0.25:  # withdrawn: flagged by mistake (queue flags and outside flags alike)
            cancel_task(session, task, user_id=qs.inspector.id, actor=actor(qs.inspector), now=now)
    for page in pages:  # re-shoots: of flagged pages, of failed shots, and now and then a second one
        session.refresh(page)
        shop.operator = operators[rng.randrange(3)]
        shop.station_id = stations[rng.randrange(2)]
        image = session.get(PageImage, page.current_image_id)
        if not image.qc_passed or open_task_of_page(session, page.id) or rng.random() < 0.25:
            _reshoot(session, qs, page, image.captured_at + timedelta(days=rng.choice((0, 1, 6))))
            if rng.random() < 0.3:
                _reshoot(session, qs, page, image.captured_at + timedelta(days=8), passed=rng.random() < 0.7)
    session.commit()
    _acceptance(session, qs, rng)
    return qs, operators


def _acceptance(session: Session, qs: QCShop, rng: random.Random) -> None:
    """A lot of the records without open tasks, its sample judged: failed with one or two codes, some verdicts
    changed afterwards (fail to pass, pass to fail, other codes)."""
    shop = qs.shop
    today = (T0 + timedelta(days=45)).date()
    lot = apply_for_acceptance(
        session,
        shop.project,
        period_end=today,
        actor=shop.actor(shop.manager),
        today=today,
        now=T0 + timedelta(days=45),
    )
    fix_seed(session, lot, "seed-15", actor=shop.actor(shop.reviewer), today=today, now=T0 + timedelta(days=45))
    rnd = current_round(session, lot)
    items = session.exec(select(SampleItem).where(SampleItem.round_id == rnd.id).order_by(SampleItem.id)).all()
    assert len(items) >= 4

    def give(item: SampleItem, fail: bool) -> None:
        defects = rng.sample(CODES, rng.choice((1, 2))) if fail else []
        judge_item(
            session,
            lot,
            rnd,
            item,
            verdict="fail" if fail else "pass",
            defects=defects,
            note=None,
            actor=shop.actor(shop.reviewer),
            today=today,
            now=T0 + timedelta(days=46),
        )

    for n, item in enumerate(items):
        give(item, fail=n % 2 == 0)
    for item in items[:4]:
        give(item, fail=item.verdict == "pass" or rng.random() < 0.5)
    session.commit()


def test_the_summary_equals_the_per_shot_figures(session: Session) -> None:
    qs, operators = _generate(session)
    project = qs.shop.project
    tz = project.timezone
    days = sorted(session.exec(select(DefectDay.capture_date).where(DefectDay.project_id == project.id)).all())
    flags = session.exec(select(DefectDayCode.kind, DefectDayCode.n).where(DefectDayCode.n > 0)).all()
    assert {k for k, _ in flags} == {"flag", "acceptance"}  # the data has both kinds
    assert recount.mismatches(session, project) == {}
    first, last = days[0], days[-1]
    periods = [(first, last), (first + timedelta(days=3), last - timedelta(days=9)), (days[5], days[5])]
    compared = 0
    for dimension in DIMENSIONS:
        for a, b in periods:
            for only in (None, operators[1].id):
                want = reference_report(session, project.id, tz, a, b, dimension=dimension, only_user_id=only)
                got = sources_report(session, project.id, tz, a, b, dimension=dimension, only_user_id=only)
                assert got == want, (dimension, a, b, only)
                compared += 1
    whole = sources_report(session, project.id, tz, first, last)
    assert len(whole.lines) == 3 and len(whole.weeks) >= 4 and compared == 12
    assert whole.total.reshot > 0 and whole.total.first_pass < whole.total.first_shots
    assert whole.total.acceptance and whole.total.flags and whole.total.inspected > 0


def test_a_damaged_summary_is_found_and_rebuilt(session: Session) -> None:
    qs, _ = _generate(session, seed=3)
    project = qs.shop.project
    session.execute(
        update(DefectDay).where(col(DefectDay.project_id) == project.id).values(first_pass=DefectDay.first_pass + 1)
    )
    session.execute(update(DefectDayCode).values(n=0))
    wrong = recount.mismatches(session, project)
    assert len(wrong) == session.exec(select(DefectDay).where(DefectDay.project_id == project.id)).all().__len__()
    rows = recount.rebuild(session, project)
    assert rows == len(wrong) and recount.mismatches(session, project) == {}


def test_the_migration_back_fills_the_summary_from_existing_rows(session: Session, database_url: str) -> None:
    qs, _ = _generate(session, seed=7)
    project = qs.shop.project
    kept = {k: f.normal() for k, f in recount.stored(session, project.id).items()}
    session.commit()
    session.close()
    config = alembic_config(database_url)
    command.downgrade(config, "8c4e2b7a1f03")  # drops the summary...
    try:
        assert "defect_day" not in inspect(session.get_bind()).get_table_names()
    finally:
        upgrade(database_url)  # ...which the migration creates and fills again from the shots, tasks and samples
    assert {k: f.normal() for k, f in recount.stored(session, project.id).items()} == kept
    assert len(kept) > 20 and recount.mismatches(session, project) == {}
