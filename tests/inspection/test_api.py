"""Through the real app: a station uploads, an inspector flags in the browser pages, the station sees the task
when it opens the record, a re-shoot closes it; another project's records and tasks are 404."""

import re
from datetime import date
from decimal import Decimal

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.accounts.models import Role
from app.audit.models import AuditEvent
from app.inspection.models import InspectionItem, InspectionRate, ReshootTask
from app.inspection.rates import set_rate
from app.pages.models import Page
from app.pages.processed import current_fingerprints, processed_of
from app.projects.models import Project
from tests.factories import browser_sign_in, make_user, page_jpeg, signed_in_station, upload


def _setup(client: TestClient, session: Session):  # noqa: ANN202
    auth = signed_in_station(client, session)
    project = session.get(Project, auth.project_id)
    set_rate(
        session,
        project,
        operator_id=None,
        percent=Decimal(100),
        from_date=date(2020, 1, 1),
        user_id=auth.user_id,
        actor={},
        now=project.created_at,
    )
    make_user(session, project, "qc1", Role.vendor_qc)
    session.commit()
    for n in (1, 2):
        r = upload(client, auth, page_jpeg(n), page=n, mrn="00012345")
        assert r.status_code == 201 and r.json()["verdict"] == "pass", r.text
    return auth, project


def _flag_next(client: TestClient, csrf: str, defect: str, note: str = "") -> int:
    r = client.get("/inspection/next", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"].startswith("/inspection/items/"), r.headers
    item_url = r.headers["location"]
    page = client.get(item_url)
    assert page.status_code == 200 and 'id="verdict-form"' in page.text
    r = client.post(
        item_url, data={"verdict": "flag", "defects": defect, "note": note, "csrf_token": csrf}, follow_redirects=False
    )
    assert r.status_code == 303 and r.headers["location"] == "/inspection/next", r.headers
    return int(item_url.rsplit("/", 1)[1])


def test_a_flag_reaches_the_station_and_a_reshoot_closes_it(client: TestClient, session: Session) -> None:
    auth, project = _setup(client, session)
    csrf = browser_sign_in(client, "qc1")
    item_id = _flag_next(client, csrf, "blurred", "印章模糊")
    item = session.get(InspectionItem, item_id)
    session.refresh(item)
    assert item.verdict == "flag" and item.defect == "blurred"
    session.commit()  # end the test's read: SQLite has one writer at a time

    client.cookies.clear()
    r = client.post("/api/v1/records", json={"mrn": "00012345", "visit": 1}, headers=auth.headers)
    assert r.status_code == 200, r.text
    tasks = r.json()["reshoot_tasks"]
    assert [(t["page_number"], t["reason"], t["reason_zh"], t["note"]) for t in tasks] == [
        (1, "blurred", "图像模糊", "印章模糊")
    ]
    record_id = r.json()["id"]
    assert client.get(f"/api/v1/records/{record_id}/reshoot-tasks", headers=auth.headers).json() == tasks
    thumb = client.get(tasks[0]["thumbnail_url"], headers=auth.headers)
    assert (
        thumb.status_code == 200 and thumb.headers["content-type"] == "image/jpeg" and thumb.content[:2] == b"\xff\xd8"
    )

    r = upload(client, auth, page_jpeg(11), page=1, mrn="00012345")  # the re-shoot
    assert r.status_code == 201 and r.json()["superseded_image_id"] == tasks[0]["image_id"]
    assert client.get(f"/api/v1/records/{record_id}/reshoot-tasks", headers=auth.headers).json() == []
    task = session.exec(select(ReshootTask)).one()
    session.refresh(task)
    assert task.status == "closed" and task.closed_by_image_id == r.json()["image_id"]
    session.commit()
    # A re-shoot for the closed task is an ordinary re-shoot.
    again = upload(client, auth, page_jpeg(12), page=1, mrn="00012345")
    assert again.status_code == 201
    session.refresh(task)
    assert task.status == "closed" and task.closed_by_image_id == r.json()["image_id"]
    actions = [e.action for e in session.exec(select(AuditEvent).where(AuditEvent.object_type == "reshoot_task"))]
    assert actions == ["reshoot_task.open", "reshoot_task.close"]


def test_another_projects_record_and_task_are_404(client: TestClient, session: Session) -> None:
    auth, project = _setup(client, session)
    csrf = browser_sign_in(client, "qc1")
    _flag_next(client, csrf, "cut_off")
    client.cookies.clear()
    task = session.exec(select(ReshootTask)).one()
    session.commit()
    stranger = signed_in_station(client, session, code="P2", username="op2")
    r = client.get(f"/api/v1/records/{task.record_id}/reshoot-tasks", headers=stranger.headers)
    assert r.status_code == 404 and r.json()["error"] == "record_not_found", r.text
    r = client.get(f"/api/v1/reshoot-tasks/{task.id}/thumb.jpg", headers=stranger.headers)
    assert r.status_code == 404 and r.json()["error"] == "reshoot_task_not_found"
    # and an inspector of the other project cannot open or judge this project's item
    make_user(session, session.get(Project, stranger.project_id), "qc2", Role.vendor_qc)
    session.commit()
    csrf2 = browser_sign_in(client, "qc2")
    item = session.exec(select(InspectionItem).where(InspectionItem.verdict.is_(None))).first()
    session.commit()
    assert client.get(f"/inspection/items/{item.id}").status_code == 404
    r = client.post(f"/inspection/items/{item.id}", data={"verdict": "pass", "csrf_token": csrf2})
    assert r.status_code == 404
    session.refresh(item)
    assert item.verdict is None


def test_a_flag_on_a_page_reshot_meanwhile_is_refused_with_the_reason(client: TestClient, session: Session) -> None:
    auth, _ = _setup(client, session)
    csrf = browser_sign_in(client, "qc1")
    r = client.get("/inspection/next", follow_redirects=False)
    item_url = r.headers["location"]
    item = session.get(InspectionItem, int(item_url.rsplit("/", 1)[1]))
    number = session.get(Page, item.page_id).page_number
    session.commit()
    client.cookies.clear()
    reshot = upload(client, auth, page_jpeg(21), page=number, mrn="00012345")
    assert reshot.status_code == 201
    csrf = browser_sign_in(client, "qc1")
    r = client.post(
        item_url, data={"verdict": "flag", "defects": "blurred", "csrf_token": csrf}, follow_redirects=False
    )
    assert r.status_code == 303 and r.headers["location"] == item_url
    assert "folio_flash" in r.headers.get("set-cookie", "")
    assert session.exec(select(ReshootTask)).all() == []
    session.commit()
    page = client.get(item_url)
    assert 'id="superseded"' in page.text and 'id="verdict-form"' not in page.text


def test_a_flag_without_exactly_one_defect_is_refused(client: TestClient, session: Session) -> None:
    _setup(client, session)
    csrf = browser_sign_in(client, "qc1")
    item_url = client.get("/inspection/next", follow_redirects=False).headers["location"]
    for data in (
        {"verdict": "flag"},
        {"verdict": "flag", "defects": ["blurred", "skewed"]},
        {"verdict": "flag", "defects": "other"},
        {"verdict": "flag", "defects": "nonsense"},
    ):
        r = client.post(item_url, data={**data, "csrf_token": csrf}, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == item_url, data
    assert session.exec(select(ReshootTask)).all() == []


def test_the_rate_form_refuses_bad_input_and_writes_nothing(client: TestClient, session: Session) -> None:
    from tests.accounts.test_route_roles import SECRET

    auth, project = _setup(client, session)
    manager = make_user(session, project, "mgr", Role.vendor_manager)
    manager.totp_secret = SECRET
    session.add(manager)
    session.commit()
    csrf = browser_sign_in(client, "mgr", totp_secret=SECRET)
    before = len(session.exec(select(InspectionRate)).all())
    session.commit()
    for data in (
        {"percent": "150"},
        {"percent": "x"},
        {"percent": "5", "operator_id": "abc"},
        {"percent": "5", "operator_id": "999999"},
    ):
        r = client.post(
            "/inspection/rates", data={"from_date": "2026-11-30", "csrf_token": csrf, **data}, follow_redirects=False
        )
        assert r.status_code == 303 and r.headers["location"] == "/inspection/rates", data
    assert len(session.exec(select(InspectionRate)).all()) == before
    session.commit()
    r = client.post(
        "/inspection/rates",
        data={"from_date": "2026-11-30", "percent": "5", "operator_id": str(auth.user_id), "csrf_token": csrf},
    )
    assert r.status_code == 200 and re.search(r"5\.00 %", r.text)


def _needs_look(session: Session, image_id: int) -> None:
    """The image's current processed copy (its project's present settings: the one the viewers show and a package
    delivers) kept the full frame: it needs a look. The copy must have been made (wait for the upload's own)."""
    copy = processed_of(session, image_id, current_fingerprints(session, [image_id])[image_id])
    assert copy is not None, f"image {image_id} has no current processed copy yet"
    copy.needs_look = True
    session.add(copy)
    session.commit()


def test_a_repeated_page_is_listed_with_both_images_and_can_be_flagged(client: TestClient, session: Session) -> None:
    auth, project = _setup(client, session)  # pages 1 and 2: distinct papers
    again = upload(client, auth, page_jpeg(1), page=3, mrn="00012345")  # page 1 shot again as page 3
    assert again.status_code == 201
    r = client.post(
        f"/api/v1/records/{again.json()['record_id']}/finish", json={"paper_page_count": 3}, headers=auth.headers
    )
    assert r.status_code == 200 and r.json()["complete"]
    record_id = again.json()["record_id"]
    csrf = browser_sign_in(client, "qc1")
    page = client.get(f"/inspection/records/{record_id}/repeats")
    assert page.status_code == 200
    assert re.findall(r'data-later="(\d+)"', page.text) == ["3"]
    assert f"/pages/{again.json()['page_id']}/thumb.jpg?image_id={again.json()['image_id']}" in page.text
    assert 'data-look="true"' not in page.text
    client.app.state.qc.wait_later()  # the upload's own copy made: it is the current one, marked below
    _needs_look(session, again.json()["image_id"])  # the later shot's copy kept the full frame: marked on the pair
    page = client.get(f"/inspection/records/{record_id}/repeats")
    assert page.text.count('data-look="true"') == 1 and page.text.count('class="look-mark"') == 1
    listing = client.get("/inspection/repeats")
    assert "00012345" in listing.text and "1 ↔ 3" in listing.text
    r = client.post(
        f"/inspection/pages/{again.json()['page_id']}/flag",
        data={
            "image_id": again.json()["image_id"],
            "defect": "extra_page",
            "csrf_token": csrf,
            "back": f"/inspection/records/{record_id}/repeats",
        },
        follow_redirects=False,
    )
    assert r.status_code == 303
    task = session.exec(select(ReshootTask)).one()
    assert (task.page_number, task.reason) == (3, "extra_page")
    session.commit()
    # the inspection screen shows the declared paper count against the captured pages
    item_url = client.get("/inspection/next", follow_redirects=False).headers["location"]
    screen = client.get(item_url).text
    assert 'id="paper-count">3' in screen and "count-mismatch" not in screen


def test_odd_input_on_every_inspection_route_is_never_a_server_error(client: TestClient, session: Session) -> None:
    auth, project = _setup(client, session)
    csrf = browser_sign_in(client, "qc1")
    item = session.exec(select(InspectionItem)).first()
    session.commit()
    answers = [
        client.get("/inspection/items/2147483647"),
        client.get("/inspection/items/0"),
        client.get("/inspection/items/abc"),
        client.get("/inspection/tasks?status=<script>"),
        client.get("/inspection/records/99999/repeats"),
        client.get("/production/defects?start=0000-00-00&end=9999-99-99&by=../../x"),
        client.get("/production/defects?start=2026-01-01&end=1990-01-01"),
        client.get("/production/defects.csv?by=station"),
        client.post(f"/inspection/items/{item.id}", data={"verdict": "x" * 9, "csrf_token": csrf}),
        client.post(
            f"/inspection/items/{item.id}",
            data={"verdict": "flag", "defects": "blurred", "note": "n" * 1001, "csrf_token": csrf},
        ),
        client.post(f"/inspection/pages/{item.page_id}/flag", data={"image_id": "-1", "csrf_token": csrf}),
        client.post(
            f"/inspection/pages/{item.page_id}/flag",
            data={"image_id": str(item.image_id), "back": "https://evil.example/", "csrf_token": csrf},
        ),
        client.post(
            f"/inspection/pages/{item.page_id}/flag",
            data={"image_id": "2147483647", "defect": "blurred", "csrf_token": csrf},
        ),
        client.post("/inspection/tasks/2147483647/cancel", data={"csrf_token": csrf}),
        client.post(f"/inspection/items/{item.id}", data={"verdict": "pass"}),  # no CSRF token
    ]
    statuses = [r.status_code for r in answers]
    assert all(s < 500 for s in statuses), statuses
    assert statuses[0] == 404 and statuses[4] == 404 and statuses[-1] in (400, 403)
    assert session.exec(select(ReshootTask)).all() == []


def test_the_custodian_sees_which_paper_needs_a_check_out_for_a_reshoot(client: TestClient, session: Session) -> None:
    from app.custody.models import CustodyState, RecordCustody

    _, project = _setup(client, session)
    csrf = browser_sign_in(client, "qc1")
    _flag_next(client, csrf, "blurred")
    task = session.exec(select(ReshootTask)).one()
    session.add(RecordCustody(project_id=project.id, record_id=task.record_id, state=CustodyState.inside))
    from tests.accounts.test_route_roles import SECRET

    keeper = make_user(session, project, "keeper", Role.custodian)
    keeper.totp_secret = SECRET  # the custodian approves: second factor required
    session.add(keeper)
    session.commit()
    browser_sign_in(client, "keeper", totp_secret=SECRET)
    page = client.get("/inspection/paper")
    assert page.status_code == 200 and "needs-checkout" in page.text and "00012345" in page.text
    assert 'href="/inspection/paper"' in client.get("/custody").text  # in the custodian's custody tabs
    assert client.get("/inspection").status_code == 403  # but not the inspection queue


def test_the_overview_in_chinese_says_waiting_for_inspection_not_for_approval(
    client: TestClient, session: Session
) -> None:
    _setup(client, session)
    browser_sign_in(client, "qc1")
    page = client.get("/inspection")  # Chinese unless the user chose otherwise
    assert page.status_code == 200 and "待检" in page.text and "待审批" not in page.text
