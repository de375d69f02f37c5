"""Production service on SQLite and PostgreSQL: the trigger-kept summary, Today, a period, progress."""

from datetime import date

from fastapi.testclient import TestClient
from sqlalchemy import func, text
from sqlmodel import Session, col, select

from app.pages.models import Page, PageImage
from app.production import summary
from app.production.calendar import calendar_for, coverage, delete_override, overrides_of, set_override
from app.production.models import ProductionDay
from app.production.period import operator_detail, production_csv, production_report
from app.production.progress import progress_report
from app.production.rules import QuotaStatus, WorkCalendar
from app.production.service import today_board
from app.projects.models import Project
from tests.factories import make_project, make_user, page_jpeg, signed_in_station, upload
from tests.production.helpers import add_shot, at, record_of, second_station

D1, D2 = date(2026, 2, 12), date(2026, 2, 14)  # Thursday; the adjusted working Saturday


def _row(session: Session, day: date, operator_id: int, station_id: int) -> tuple[int, int, int, int] | None:
    r = session.exec(
        select(ProductionDay).where(
            ProductionDay.capture_date == day,
            ProductionDay.operator_id == operator_id,
            ProductionDay.station_id == station_id,
        )
    ).first()
    return None if r is None else (r.good_pages, r.images, r.failed_images, r.reshoots)


def test_summary_follows_uploads_reshoots_and_withdrawals(client: TestClient, session: Session) -> None:
    a = signed_in_station(client, session)
    b = second_station(client, session, a.project_id, "op2")
    when = {"captured_at": at(D1).isoformat()}
    assert upload(client, a, page_jpeg(1), page=1, **when).json()["verdict"] == "pass"
    assert upload(client, a, page_jpeg(2, blur=3.5), page=2, **when).json()["verdict"] == "fail"
    assert upload(client, a, page_jpeg(3), page=2, captured_at=at(D1, 11).isoformat()).json()["verdict"] == "pass"
    third = upload(client, a, page_jpeg(4), page=3, **when).json()
    # op2 re-shoots page 3 two days later at another station, and the shot fails: the page leaves op1's day.
    assert (
        upload(client, b, page_jpeg(5, dark=True), page=3, captured_at=at(D2).isoformat()).json()["verdict"] == "fail"
    )
    session.expire_all()
    assert _row(session, D1, a.user_id, a.station_id) == (2, 4, 1, 1)
    assert _row(session, D2, b.user_id, b.station_id) == (0, 1, 1, 1)
    session.rollback()  # end the read: SQLite lets one writer in at a time
    # Withdraw page 1 (a wrong shot): one good page fewer for op1's day.
    r = client.post(
        f"/api/v1/records/{third['record_id']}/operations",
        json={"key": "withdraw-page-1", "op": "delete", "page_number": 1},
        headers=a.headers,
    )
    assert r.status_code == 200, r.text
    session.expire_all()
    assert _row(session, D1, a.user_id, a.station_id) == (1, 4, 1, 1)
    # The summary equals a recount from the pages and images themselves.
    project = session.get(Project, a.project_id)
    assert summary.mismatches(session, project) == {}
    good = session.exec(select(func.count()).where(col(Page.qc_passed).is_(True), col(Page.deleted_at).is_(None))).one()
    assert good == sum(r.good_pages for r in session.exec(select(ProductionDay))) == 1
    assert session.exec(select(func.count()).select_from(PageImage)).one() == 5


def test_rebuild_restores_a_damaged_summary(session: Session) -> None:
    project = make_project(session)
    op = make_user(session, project)
    from app.accounts.service import create_station

    station, _ = create_station(session, project_id=project.id, name="s")
    rec = record_of(session, project, "100")
    for n in range(1, 6):
        add_shot(session, project, rec, n, operator_id=op.id, station_id=station.id, when=at(D1), passed=n != 3)
    add_shot(session, project, rec, 3, operator_id=op.id, station_id=station.id, when=at(D2))
    session.commit()
    assert summary.mismatches(session, project) == {}
    session.execute(text("UPDATE production_day SET good_pages = good_pages + 7"))
    assert len(summary.mismatches(session, project)) == 2
    assert summary.rebuild(session, project) == 2
    assert summary.mismatches(session, project) == {}
    assert _row(session, D1, op.id, station.id) == (4, 5, 1, 0)
    assert _row(session, D2, op.id, station.id) == (1, 1, 0, 1)


def test_today_board_per_operator_and_station(client: TestClient, session: Session) -> None:
    a = signed_in_station(client, session)
    b = second_station(client, session, a.project_id, "op2")
    upload(client, a, page_jpeg(11), page=1)
    upload(client, a, page_jpeg(12, blur=3.5), page=2)
    upload(client, a, page_jpeg(13), page=2)
    upload(client, b, page_jpeg(14), page=1, mrn="777")
    project = session.get(Project, a.project_id)
    from app.core.clock import local_date, utcnow

    day = local_date(utcnow(), project.timezone)
    board = today_board(session, project, day, calendar_for(session, project))
    by_op = {r.user_id: r for r in board.operators}
    assert (by_op[a.user_id].good_pages, by_op[a.user_id].images, by_op[a.user_id].reshoots) == (2, 3, 1)
    assert (by_op[b.user_id].good_pages, by_op[b.user_id].images, by_op[b.user_id].failed_images) == (1, 1, 0)
    assert by_op[a.user_id].stations == "station P1" and by_op[b.user_id].stations == "station op2"
    assert by_op[a.user_id].last_capture_at is not None
    assert {s.station_id: s.good_pages for s in board.stations} == {a.station_id: 2, b.station_id: 1}
    assert board.totals["good"] == 3 == session.exec(select(func.count()).where(col(Page.qc_passed).is_(True))).one()
    expected = QuotaStatus.short if board.working_day else QuotaStatus.day_off
    assert by_op[a.user_id].status is expected
    mine = today_board(session, project, day, calendar_for(session, project), only_user_id=b.user_id)
    assert [r.user_id for r in mine.operators] == [b.user_id]


def _festival_project(session: Session) -> tuple[Project, int, int, int]:
    """Quota 3; op1 works through the 2026 Spring Festival, op2 on two days."""
    project = make_project(session, daily_quota=3, target_pages=40)
    op1 = make_user(session, project, "op1")
    op2 = make_user(session, project, "op2")
    from app.accounts.service import create_station

    station, _ = create_station(session, project_id=project.id, name="s1")
    plan = {  # day: (op1 good, op1 failed-and-left, op2 good)
        date(2026, 2, 12): (3, 0, 2),
        date(2026, 2, 13): (2, 1, 0),
        date(2026, 2, 14): (3, 0, 4),  # adjusted working Saturday
        date(2026, 2, 16): (1, 0, 0),  # holiday overtime
        date(2026, 2, 24): (2, 0, 0),
    }
    n = 0
    for day, (good1, bad1, good2) in plan.items():
        for who, count, passed in ((op1, good1, True), (op1, bad1, False), (op2, good2, True)):
            for _ in range(count):
                n += 1
                rec = record_of(session, project, f"R{n // 10}")
                add_shot(
                    session,
                    project,
                    rec,
                    n % 10 + 1,
                    operator_id=who.id,
                    station_id=station.id,
                    when=at(day, 9 + n % 8),
                    passed=passed,
                )
    # one re-shoot on 12 Feb: op1 shoots a page again (still passing) -> an extra upload, no extra good page
    page = session.exec(select(Page).where(Page.capture_date == date(2026, 2, 12), Page.operator_id == op1.id)).first()
    rec = session.get(type(record_of(session, project, "R0")), page.record_id)
    add_shot(
        session,
        project,
        rec,
        page.page_number,
        operator_id=op1.id,
        station_id=station.id,
        when=at(date(2026, 2, 12), 17),
    )
    session.commit()
    return project, op1.id, op2.id, station.id


def test_production_report_over_the_festival(session: Session) -> None:
    project, op1, op2, _ = _festival_project(session)
    cal = calendar_for(session, project)
    report = production_report(session, project, date(2026, 2, 9), date(2026, 3, 1), cal)
    assert report.working_days == 11  # 9-14 Feb (6 with the Saturday), 24-28 Feb (5)
    ops = {o.user_id: o.period for o in report.operators}
    # op1: 3 + 2 + 3 + 1 + 2 = 11 good over 4 working days on duty (12, 13, 14, 24), overtime on the 16th
    assert (ops[op1].good_pages, ops[op1].working_days_on_duty, ops[op1].days_off_worked) == (11, 4, 1)
    assert ops[op1].average == 2.75 and ops[op1].days_met == 2 and ops[op1].meets_quota is False
    assert (ops[op1].images, ops[op1].failed_images, ops[op1].reshoots) == (13, 1, 1)
    assert ops[op2].average == 3.0 and ops[op2].days_met == 1  # 2 on the 12th, 4 on the 14th
    totals = {d.day: (d.good_pages, d.working, d.operators_on_duty) for d in report.days}
    assert totals[date(2026, 2, 14)] == (7, True, 2)
    assert totals[date(2026, 2, 16)] == (1, False, 1)
    assert totals[date(2026, 2, 20)] == (0, False, 0)
    assert (
        report.team.good_pages
        == 17
        == session.exec(select(func.count()).where(col(Page.qc_passed).is_(True), col(Page.deleted_at).is_(None))).one()
    )
    only = production_report(session, project, date(2026, 2, 9), date(2026, 3, 1), cal, only_user_id=op2)
    assert [o.user_id for o in only.operators] == [op2] and only.team.good_pages == 6


def test_operator_detail_gives_the_running_average(session: Session) -> None:
    project, op1, _, _ = _festival_project(session)
    detail = operator_detail(session, project, op1, date(2026, 2, 9), date(2026, 3, 1), calendar_for(session, project))
    got = [
        (ln.figures.day.day, ln.figures.good_pages, ln.quota.status.value, ln.quota.shortfall) for ln in detail.lines
    ]
    assert got == [
        (12, 3, "met", 0),
        (13, 2, "short", 1),
        (14, 3, "met", 0),
        (16, 1, "day_off", 0),
        (24, 2, "short", 1),
    ]
    averages = [round(ln.running_average, 3) for ln in detail.lines]
    assert averages == [
        3.0,
        2.5,
        2.667,
        2.667,
        2.75,
    ]  # the holiday's page lifts the average only on the next working day
    assert detail.period.average == 2.75 and detail.name == "op1"


def test_production_csv_is_utf8_with_bom_and_one_line_per_operator_day(session: Session) -> None:
    project, op1, _, _ = _festival_project(session)
    cal = calendar_for(session, project)
    report = production_report(session, project, date(2026, 2, 9), date(2026, 3, 1), cal)
    text_ = production_csv(report, cal)
    assert text_.startswith("\ufeffdate,working_day,operator,")
    lines = text_.strip("\ufeff").strip().split("\r\n")
    assert len(lines) == 1 + 7  # op1 on 5 days, op2 on 2 days
    assert "2026-02-16,0,op1,1,0,day_off,0,1,0,0" in lines
    assert "2026-02-13,1,op1,2,3,short,1,3,1,0" in lines
    assert "2026-02-14,1,op2,4,3,met,0,4,0,0" in lines


def test_csv_cells_never_start_a_formula(session: Session) -> None:
    project, op1, _, _ = _festival_project(session)
    from app.accounts.models import User

    user = session.get(User, op1)
    user.display_name = "=HYPERLINK(1)"
    session.add(user)
    session.commit()
    cal = calendar_for(session, project)
    report = production_report(session, project, date(2026, 2, 12), date(2026, 2, 12), cal)
    assert ",'=HYPERLINK(1)," in production_csv(report, cal)


def test_progress_report_against_hand_numbers(session: Session) -> None:
    project, *_ = _festival_project(session)
    project.start_date, project.end_date = date(2026, 2, 2), date(2026, 3, 31)
    session.add(project)
    session.commit()
    report = progress_report(session, project, date(2026, 2, 26), calendar_for(session, project), window=5)
    assert report.progress.done == 17 and report.progress.remaining == 23 and report.progress.percent == 42.5
    # 23 pages over the working days 26 Feb - 31 Mar: 26, 27, 28 Feb (Sat) + 22 weekdays of March = 25
    assert report.pace.working_days_left == 25 and report.pace.per_day == 1
    # window: 12, 13, 14, 24, 25 Feb; pages 5 + 2 + 7 + 1 (16th) + 2 = 17 -> 3.4 a day; 23 / 3.4 -> 7 days
    assert report.forecast.pace == 17 / 5
    assert report.forecast.working_days_needed == 7
    assert report.forecast.finish_date == date(2026, 3, 5)  # 26, 27, 28 (Sat) Feb, 2, 3, 4, 5 Mar
    assert report.series[-1] == (date(2026, 2, 26), 17)


def test_overrides_feed_the_calendar_and_are_audited(session: Session) -> None:
    project = make_project(session)
    actor = {"actor_user_id": None, "actor_role": "sysadmin"}
    set_override(session, project, day=date(2027, 1, 1), working=False, note="New Year", actor=actor)
    row = set_override(session, project, day=date(2026, 2, 24), working=True, note="", actor=actor)
    set_override(session, project, day=date(2026, 2, 24), working=False, note="changed", actor=actor)
    session.commit()
    assert overrides_of(session, project.id) == {date(2027, 1, 1): False, date(2026, 2, 24): False}
    cal = calendar_for(session, project)
    assert not cal.is_working(date(2026, 2, 24)) and not cal.is_working(date(2027, 1, 1))
    cov = coverage(project, overrides_of(session, project.id))
    assert cov.project_years == (2026, 2027, 2028, 2029) and cov.missing_years == (2028, 2029)
    delete_override(session, project, override_id=row.id, actor=actor)
    session.commit()
    assert WorkCalendar(overrides_of(session, project.id)).is_working(date(2026, 2, 24))
    from app.audit.models import AuditEvent

    actions = [e.action for e in session.exec(select(AuditEvent).order_by(col(AuditEvent.id)))]
    assert actions.count("calendar.override_set") == 3 and actions.count("calendar.override_delete") == 1


def test_recount_in_a_zone_with_summer_time(session: Session) -> None:
    """SQLite cannot shift by a changing offset: the recount dates such images in Python, and still agrees."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    from app.accounts.service import create_station

    project = make_project(session, timezone="Europe/Berlin")
    op = make_user(session, project)
    station, _ = create_station(session, project_id=project.id, name="s")
    rec = record_of(session, project, "300")
    berlin = ZoneInfo("Europe/Berlin")
    shots = [
        datetime(2026, 1, 15, 0, 30, tzinfo=berlin),
        datetime(2026, 7, 15, 0, 30, tzinfo=berlin),
    ]  # UTC: the day before
    for n, when in enumerate(shots, start=1):
        add_shot(session, project, rec, n, operator_id=op.id, station_id=station.id, when=when)
    session.commit()
    counts = summary.recount(session, project)
    assert sorted(k[0] for k in counts) == [date(2026, 1, 15), date(2026, 7, 15)]
    assert summary.mismatches(session, project) == {}
