"""Production screens over HTTP on both backends: figures against the database, roles, forms, CSV, languages."""

import re
from datetime import date, timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func
from sqlmodel import Session, col, select

from app.accounts.models import Role
from app.audit.models import AuditEvent
from app.core.clock import local_date, utcnow
from app.pages.models import Page
from app.production.models import WorkdayOverride
from app.projects.models import Project
from tests.factories import make_project, make_user
from tests.production.helpers import SECRET, add_shot, at, csrf_of, record_of, sign_in, web_user


@pytest.fixture
def web(client: TestClient) -> TestClient:
    """The app client with no cookies left from an earlier test."""
    client.cookies.clear()
    yield client
    client.cookies.clear()


def _project_with_production(session: Session) -> tuple[Project, int, int]:
    """A project with 30 days of production by two operators, ending today (Asia/Shanghai)."""
    from app.accounts.service import create_station

    project = make_project(session, daily_quota=4, target_pages=2000)
    project.start_date = date(2026, 1, 5)
    session.add(project)
    op1, op2 = make_user(session, project, "op1"), make_user(session, project, "op2")
    op1.display_name, op2.display_name = "张敏", "李强"
    station, _ = create_station(session, project_id=project.id, name="工位 01")
    today = local_date(utcnow(), project.timezone)
    n = 0
    for back in range(0, 30):
        day = today - timedelta(days=back)
        for who, count in ((op1, 1 + back % 5), (op2, back % 3)):
            for _ in range(count):
                n += 1
                rec = record_of(session, project, f"{n // 20:06d}")
                add_shot(
                    session,
                    project,
                    rec,
                    n % 20 + 1,
                    operator_id=who.id,
                    station_id=station.id,
                    when=at(day, 8, n % 50),
                    passed=n % 7 != 0,
                )
    session.commit()
    return project, op1.id, op2.id


def _good(session: Session, first: date, last: date, operator_id: int | None = None) -> int:
    query = select(func.count()).where(
        col(Page.qc_passed).is_(True),
        col(Page.deleted_at).is_(None),
        col(Page.capture_date) >= first,
        col(Page.capture_date) <= last,
    )
    if operator_id is not None:
        query = query.where(Page.operator_id == operator_id)
    n = session.exec(query).one()
    session.rollback()  # end the read at once: the app's requests need SQLite's write lock for their sessions
    return n


def _kpi(html: str, name: str) -> str:
    match = re.search(rf'id="kpi-{name}">([^<]+)<', html)
    assert match, f"no KPI {name}"
    return match.group(1).strip()


def test_production_screen_matches_the_database(web: TestClient, session: Session) -> None:
    project, op1, op2 = _project_with_production(session)
    web_user(session, project, "qc1", Role.vendor_qc)
    sign_in(web, "qc1")
    today = local_date(utcnow(), project.timezone)
    r = web.get("/production")
    assert r.status_code == 200
    first = today - timedelta(days=29)
    assert _kpi(r.text, "good") == f"{_good(session, first, today):,}"
    assert '<svg class="chart" id="daily-chart"' in r.text and "style=" not in r.text
    assert r.text.count('class="bar') >= 30  # one bar per day (+ legend keys)
    rows = dict(re.findall(r'<tr data-operator="(\d+)">.*?class="num good">([\d,]+)<', r.text, re.S))
    assert rows == {
        str(op1): f"{_good(session, first, today, op1):,}",
        str(op2): f"{_good(session, first, today, op2):,}",
    }
    week = web.get(f"/production?start={(today - timedelta(days=6)).isoformat()}&end={today.isoformat()}")
    assert _kpi(week.text, "good") == f"{_good(session, today - timedelta(days=6), today):,}"
    assert "合格页数" in week.text  # Chinese by default


def test_operator_sees_only_their_own_lines(web: TestClient, session: Session) -> None:
    project, op1, op2 = _project_with_production(session)
    sign_in(web, "op1")
    today = local_date(utcnow(), project.timezone)
    r = web.get("/production")
    assert re.findall(r'<tr data-operator="(\d+)"', r.text) == [str(op1)]
    assert _kpi(r.text, "good") == f"{_good(session, today - timedelta(days=29), today, op1):,}"
    t = web.get("/today")
    assert re.findall(r'<tr data-operator="(\d+)"', t.text) == [str(op1)]
    assert web.get("/progress").status_code == 403
    assert web.get("/records").status_code == 403
    nav = re.findall(r'<nav class="mainnav".*?</nav>', t.text, re.S)[0]
    assert 'href="/production"' in nav and 'href="/progress"' not in nav and 'href="/records"' not in nav


def test_operator_page_and_who_may_open_it(web: TestClient, session: Session) -> None:
    project, op1, op2 = _project_with_production(session)
    web_user(session, project, "qc1", Role.vendor_qc)
    sign_in(web, "qc1")
    today = local_date(utcnow(), project.timezone)
    r = web.get(f"/production/operators/{op2}")
    assert r.status_code == 200 and "李强" in r.text and 'id="operator-chart"' in r.text
    days = re.findall(r'<tr data-day="([\d-]+)">\s*<td>[\d-]+</td>\s*<td class="num good">(\d+)<', r.text)
    with_pages = session.exec(
        select(Page.capture_date, func.count())
        .where(
            Page.operator_id == op2, col(Page.qc_passed).is_(True), col(Page.capture_date) >= today - timedelta(days=29)
        )
        .group_by(Page.capture_date)
    ).all()
    session.rollback()
    assert {d: int(n) for d, n in days if int(n)} == {d.isoformat(): n for d, n in with_pages}
    sign_in(web, "op1")
    assert web.get(f"/production/operators/{op1}").status_code == 200
    assert web.get(f"/production/operators/{op2}").status_code == 404  # an operator sees only their own days


def test_bad_dates_are_shown_next_to_their_fields(web: TestClient, session: Session) -> None:
    project, *_ = _project_with_production(session)
    web_user(session, project, "qc1", Role.vendor_qc)
    sign_in(web, "qc1")
    r = web.get("/production?start=2026-13-40&end=2026-02-01")
    assert r.status_code == 422
    assert 'id="start" name="start" type="date" value="2026-13-40" aria-invalid="true"' in r.text
    assert 'id="start-error">请按 YYYY-MM-DD 格式输入日期。<' in r.text
    r = web.get("/production?start=2026-03-01&end=2026-02-01")
    assert r.status_code == 422 and 'id="end-error">结束日期早于开始日期。<' in r.text


def test_csv_export(web: TestClient, session: Session) -> None:
    project, op1, op2 = _project_with_production(session)
    web_user(session, project, "qc1", Role.vendor_qc)
    sign_in(web, "qc1")
    today = local_date(utcnow(), project.timezone)
    first = today - timedelta(days=6)
    r = web.get(f"/production/export.csv?start={first.isoformat()}&end={today.isoformat()}")
    assert r.status_code == 200 and r.headers["content-type"] == "text/csv; charset=utf-8"
    assert "attachment" in r.headers["content-disposition"]
    assert r.content.startswith(b"\xef\xbb\xbf")
    lines = r.content.decode("utf-8-sig").strip().split("\r\n")
    assert lines[0].split(",")[:4] == ["日期", "工作日", "操作员", "合格页数"]
    good = sum(int(line.split(",")[3]) for line in lines[1:])
    assert good == _good(session, first, today)
    assert any(",张敏," in line for line in lines[1:])
    # Every status and day type in words, never a code ("short", "day_off", 1/0).
    rows = [line.split(",") for line in lines[1:]]
    assert {r[1] for r in rows} <= {"工作日", "休息日"} and {r[5] for r in rows} <= {"达标", "未达标", "休息日"}
    assert not any(code in lines[1:][i] for i in range(len(rows)) for code in (",short,", ",day_off,", ",met,"))


def test_progress_screen_matches_the_database(web: TestClient, session: Session) -> None:
    project, *_ = _project_with_production(session)
    web_user(session, project, "cust", Role.custodian)
    sign_in(web, "cust")
    r = web.get("/progress")
    assert r.status_code == 200
    done = _good(session, date(2000, 1, 1), date(2100, 1, 1))
    assert _kpi(r.text, "done") == f"{done:,}"
    assert _kpi(r.text, "remaining") == f"{project.target_pages - done:,}"
    assert '<svg class="chart" id="burnup-chart"' in r.text and 'class="actual-line"' in r.text
    assert re.match(r"\d{4}-\d{2}-\d{2}$", _kpi(r.text, "forecast"))  # a pace exists: a finish date is forecast
    assert 'id="calendar-assumed"' in r.text  # the contract runs into years the official data lacks


def test_today_screen_in_both_languages(web: TestClient, session: Session) -> None:
    project, op1, op2 = _project_with_production(session)
    web_user(session, project, "qc1", Role.vendor_qc)
    sign_in(web, "qc1")
    today = local_date(utcnow(), project.timezone)
    r = web.get("/today")
    assert "今日" in r.text and 'data-refresh="30"' in r.text
    assert _kpi(r.text, "good") == str(_good(session, today, today))
    web.get("/lang/en", follow_redirects=False)
    r = web.get("/today")
    assert "By operator" in r.text and "By station" in r.text and "工位 01" in r.text
    web.cookies.delete("folio_lang")


def test_roles_without_production_rights_are_refused(web: TestClient, session: Session) -> None:
    project = make_project(session)
    web_user(session, project, "auditor", Role.audit_admin, SECRET)
    sign_in(web, "auditor", SECRET)
    for path in ("/production", "/production/export.csv", "/progress", "/calendar", "/records"):
        assert web.get(path).status_code == 403, path


def test_calendar_entries_need_the_settings_right_and_csrf(web: TestClient, session: Session) -> None:
    project = make_project(session)
    web_user(session, project, "qc1", Role.vendor_qc)
    web_user(session, project, "admin", Role.sysadmin, SECRET)
    sign_in(web, "qc1")
    page = web.get("/calendar")
    assert page.status_code == 200 and 'action="/calendar"' not in page.text
    assert "2027, 2028" in page.text  # the years the official data does not cover yet
    r = web.post("/calendar", data={"calendar_date": "2027-02-08", "kind": "off", "csrf_token": csrf_of(page.text)})
    assert r.status_code == 403
    sign_in(web, "admin", SECRET)
    page = web.get("/calendar")
    assert web.post("/calendar", data={"calendar_date": "2027-02-08", "kind": "off"}).status_code == 403  # no CSRF
    bad = web.post("/calendar", data={"calendar_date": "8.2.2027", "kind": "off", "csrf_token": csrf_of(page.text)})
    assert bad.status_code == 422 and 'id="calendar_date-error"' in bad.text
    ok = web.post(
        "/calendar",
        data={"calendar_date": "2027-02-08", "kind": "off", "note": "春节", "csrf_token": csrf_of(page.text)},
        follow_redirects=False,
    )
    assert ok.status_code == 303
    listed = web.get("/calendar")
    assert '<tr data-date="2027-02-08">' in listed.text and "春节" in listed.text
    row = session.exec(select(WorkdayOverride)).one()
    assert (row.calendar_date, row.is_working_day, row.note) == (date(2027, 2, 8), False, "春节")
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "calendar.override_set")).one()
    assert event.object_id == "2027-02-08" and event.actor_role == "sysadmin"
    row_id = row.id
    session.rollback()
    gone = web.post(f"/calendar/{row_id}/delete", data={"csrf_token": csrf_of(listed.text)}, follow_redirects=False)
    assert gone.status_code == 303
    session.expire_all()
    assert session.exec(select(WorkdayOverride)).first() is None
