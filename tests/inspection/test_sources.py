"""Defects traced to their source, with hand-counted figures, on both backends; the CSV and the screen."""

import csv
import io
from datetime import timedelta

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.accounts.models import Role
from app.accounts.service import create_station
from app.inspection.sources import sources_csv, sources_report
from app.pages.models import Page
from tests.acceptance.helpers import T0, add_image, add_record
from tests.factories import browser_sign_in, make_user
from tests.inspection.helpers import ingest_hook, judge_as, make_qc_shop

NOW = T0 + timedelta(days=1)
DAY = T0.date()


def _scene(session: Session):  # noqa: ANN202
    """Operator A shoots 4 pages (page 1 re-shot by QC flag, page 2 flagged 'skewed' and still open, page 3 fails
    QC and is re-shot); operator B shoots 2 clean pages at another station the next week."""
    qs = make_qc_shop(session)
    shop = qs.shop
    rec = add_record(session, shop, "S1", 4, T0, failing=(3,))
    items = {i.page_id: i for i in ingest_hook(session, qs, rec)}
    pages = session.exec(select(Page).where(Page.record_id == rec.id).order_by(Page.page_number)).all()
    judge_as(session, shop.project, items[pages[0].id], qs.inspector, "flag", "blurred", now=NOW)
    judge_as(session, shop.project, items[pages[1].id], qs.inspector, "flag", "skewed", now=NOW)
    judge_as(session, shop.project, items[pages[3].id], qs.inspector, "pass", now=NOW)
    add_image(session, shop, pages[0], T0 + timedelta(hours=2))
    add_image(session, shop, pages[2], T0 + timedelta(hours=2))
    first_operator = shop.operator
    other = make_user(session, shop.project, "op_b")
    station_b, _ = create_station(session, project_id=shop.project.id, name="station B")
    shop.operator, shop.station_id = other, station_b.id
    add_record(session, shop, "S2", 2, T0 + timedelta(days=7))
    session.commit()
    return qs, first_operator, other


def test_figures_per_operator_station_and_week(session: Session) -> None:
    qs, op_a, b = _scene(session)
    project = qs.shop.project
    report = sources_report(session, project.id, project.timezone, DAY, DAY + timedelta(days=13))
    lines = {s.key: s for s in report.lines}
    a = lines[op_a.id]
    # A: 6 shots (4 first + 2 re-shots); first pass = page 4 only (1 re-shot+flagged, 2 flagged, 3 failed+re-shot)
    assert (a.shots, a.first_shots, a.first_pass, a.reshot) == (6, 4, 1, 2)
    assert a.first_pass_yield == 0.25 and a.reshoot_rate == 2 / 6
    assert a.inspected == 3 and a.flags == {"blurred": 1, "skewed": 1} and a.flag_rate_of("skewed") == 1 / 3
    assert (lines[b.id].shots, lines[b.id].first_pass_yield, lines[b.id].flags) == (2, 1.0, {})
    assert [(w.name, w.shots) for w in report.weeks] == [("2026-01-05", 6), ("2026-01-12", 2)]
    assert report.total.shots == 8 and report.total.first_pass == 3

    by_station = sources_report(
        session, project.id, project.timezone, DAY, DAY + timedelta(days=13), dimension="station"
    )
    assert sorted((s.name, s.shots) for s in by_station.lines) == [("station B", 2), ("station P1", 6)]

    own = sources_report(session, project.id, project.timezone, DAY, DAY + timedelta(days=13), only_user_id=b.id)
    assert [(s.key, s.shots) for s in own.lines] == [(b.id, 2)] and own.total.flags == {}

    rows = list(csv.reader(io.StringIO(sources_csv(report).lstrip("\ufeff"))))
    header = rows[0]
    line_a = next(r for r in rows[1:] if r[0] == "operator" and r[1] != b.display_name)
    assert line_a[header.index("first_pass_yield_pct")] == "25.00"
    assert line_a[header.index("flags_skewed")] == "1"
    assert [r[1] for r in rows if r[0] == "week"] == ["2026-01-05", "2026-01-12"]


def test_an_operator_sees_only_his_own_figures_and_the_csv(client: TestClient, session: Session) -> None:
    qs, op_a, b = _scene(session)
    browser_sign_in(client, "op_b")
    page = client.get("/production/defects?start=2026-01-05&end=2026-01-18&by=station")
    assert page.status_code == 200
    assert 'id="kpi-fpy">100.0%' in page.text and op_a.display_name not in page.text.split('id="sources"')[1]
    r = client.get("/production/defects.csv?start=2026-01-05&end=2026-01-18")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert [row[1] for row in csv.reader(io.StringIO(r.text.lstrip("\ufeff"))) if row[0] == "operator"] == [
        b.display_name
    ]
    # bad dates fall back to the last twelve weeks, never a 500
    assert client.get("/production/defects?start=2026-13-40&end=x").status_code == 200
    from tests.accounts.test_route_roles import SECRET

    custodian = make_user(session, qs.shop.project, "rev_x", Role.custodian)
    custodian.totp_secret = SECRET  # every approving role signs in with a second factor
    session.add(custodian)
    session.commit()
    browser_sign_in(client, "rev_x", totp_secret=SECRET)
    page = client.get("/production/defects?start=2026-01-05&end=2026-01-18")
    assert page.status_code == 200 and "25.0%" in page.text  # a custodian (view_production) sees everyone


def test_flags_outside_the_queue_are_inspections_and_withdrawn_flags_do_not_count(session: Session) -> None:
    """The tester's 133 %: 3 pages judged in the queue (1 flagged), 2 pages of another record flagged outside it,
    1 of those withdrawn. Inspected 4 (3 + the outside flag kept), flags 2, flag rate 50 %, the withdrawn flag
    leaves first pass alone; /inspection and /production/defects agree, the summary equals a recount."""
    from app.inspection.recount import mismatches
    from app.inspection.screens import progress_by_operator
    from app.inspection.tasks import cancel_task
    from tests.inspection.helpers import actor, flag_as

    qs = make_qc_shop(session)
    shop, project = qs.shop, qs.shop.project
    queued = add_record(session, shop, "Q1", 3, T0)
    items = ingest_hook(session, qs, queued)  # 100 %: the three pages are queued
    judge_as(session, project, items[0], qs.inspector, "pass", now=NOW)
    judge_as(session, project, items[1], qs.inspector, "pass", now=NOW)
    judge_as(session, project, items[2], qs.inspector, "flag", "blurred", now=NOW)
    other = add_record(session, shop, "Q2", 3, T0)  # not queued: flagged outside the queue
    pages = session.exec(select(Page).where(Page.record_id == other.id).order_by(Page.page_number)).all()
    flag_as(session, project, pages[0].id, pages[0].current_image_id, qs.inspector2, "skewed", now=NOW)
    mistaken = flag_as(session, project, pages[1].id, pages[1].current_image_id, qs.inspector2, "cut_off", now=NOW)
    cancel_task(session, mistaken, user_id=qs.inspector2.id, actor=actor(qs.inspector2), now=NOW)
    session.commit()

    line = sources_report(session, project.id, project.timezone, DAY, DAY).lines[0]
    assert (line.inspected, line.flags, line.flag_rate) == (4, {"blurred": 1, "skewed": 1}, 0.5)
    assert (line.first_shots, line.first_pass) == (6, 4)  # pages Q1/3 and Q2/1 flagged; Q2/2's flag withdrawn
    screen = progress_by_operator(session, project.id, DAY, DAY)
    assert [(p.chosen, p.inspected, p.flagged, p.waiting) for p in screen] == [(4, 4, 2, 0)]
    assert screen[0].flag_rate == line.flag_rate
    assert mismatches(session, project) == {}
