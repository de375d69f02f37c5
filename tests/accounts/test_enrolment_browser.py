"""The owner's enrolment page in chromium, in Chinese, against a real `folio serve`
(screenshots: test-artifacts/enrol-zh-*.png)."""

import time

from sqlmodel import Session, select

from app.accounts import totp
from app.accounts.enrolment import issue_link
from app.accounts.models import Role, User
from app.accounts.service import create_user
from app.core.clock import utcnow
from app.core.db import make_engine, writing
from app.projects.models import Project
from tests.conftest import shot
from tests.live import LiveServer


def test_a_reviewer_sets_up_the_account_in_chinese(live_server: LiveServer, page) -> None:  # noqa: ANN001
    live_server.provision(code="ENROL")
    engine = make_engine(live_server.database_url)
    with Session(writing(engine)) as s:
        project = s.exec(select(Project).where(Project.code == "ENROL")).one()
        user = create_user(
            s, username="rev_sun", password=None, role=Role.reviewer, display_name="孙审核", project_id=project.id
        )
        _, token = issue_link(s, user, issued_by=None, now=utcnow(), hours=72, why="console")
        s.commit()
    live_server.start()

    page.goto(f"{live_server.base_url}/enrol/{token}")
    assert page.inner_text("h1") == "开通您的账户"
    assert "rev_sun" in page.inner_text("main") and "审核" in page.inner_text("main")
    assert page.locator("img.qr").is_visible()
    shot(page, "enrol-zh-form")
    secret = page.locator("code.secret").inner_text()
    page.fill("#password", "孙审核的密码-2026")
    page.fill("#confirm", "孙审核的密码-2026")
    page.fill("#code", totp.code_at(secret, totp.step_of(time.time())))
    page.click("form button[type=submit]")
    page.wait_for_load_state()
    assert page.inner_text("h1") == "您的账户已开通"
    assert page.locator("ol.codes li").count() == 10
    shot(page, "enrol-zh-done")
    with Session(engine) as s:
        owner = s.exec(select(User).where(User.username == "rev_sun")).one()
        assert (owner.enrolment_pending, owner.totp_secret) == (False, secret)
    engine.dispose()
