"""Contract terms change only through an approval by another authorised person."""

from decimal import Decimal

from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, select

from app.accounts.models import Approval, Role
from app.audit.models import AuditEvent
from app.projects.models import Project
from tests.factories import browser_sign_in, make_project, make_user

SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def _sign_in(client: TestClient, username: str) -> str:
    return browser_sign_in(client, username, totp_secret=SECRET)


def _admin(session: Session, project: Project, username: str) -> None:
    """A system administrator of the project with a second factor (committed)."""
    u = make_user(session, project, username=username, role=Role.sysadmin)
    u.totp_secret = SECRET
    session.add(u)
    session.commit()


def test_price_change_applies_only_after_finance_approves(client: TestClient, session: Session, db: Engine) -> None:
    project = make_project(session)
    for name, role in (("root", Role.sysadmin), ("money", Role.finance)):
        u = make_user(session, project, username=name, role=role)
        u.totp_secret = SECRET
        session.add(u)
    session.commit()
    csrf = _sign_in(client, "root")
    bad = client.post("/admin/project", data={"unit_price": "0.07777", "csrf_token": csrf})
    assert bad.status_code == 422 and 'id="e-unit_price"' in bad.text
    ok = client.post(
        "/admin/project",
        data={"unit_price": "0.080", "daily_quota": "3000", "reason": "re-negotiated", "csrf_token": csrf},
        follow_redirects=False,
    )
    assert ok.status_code == 303
    with Session(db) as s:
        approval = s.exec(select(Approval)).one()
        assert approval.payload["changes"] == {"unit_price": "0.080"}  # the quota did not change, so it is not asked
        assert s.get(Project, project.id).unit_price == Decimal("0.0770")
    assert client.post(f"/approvals/{approval.id}", data={"decision": "approve", "csrf_token": csrf}).status_code == 403
    csrf = _sign_in(client, "money")
    r = client.post(
        f"/approvals/{approval.id}", data={"decision": "approve", "csrf_token": csrf}, follow_redirects=False
    )
    assert r.status_code == 303
    with Session(db) as s:
        assert s.get(Project, project.id).unit_price == Decimal("0.08")
        event = s.exec(select(AuditEvent).where(AuditEvent.action == "project.terms_change")).one()
        assert event.detail["changes"] == {"unit_price": "0.080"}
    client.cookies.clear()


def test_iso_sampling_needs_a_tabulated_aql(client: TestClient, session: Session, db: Engine) -> None:
    project = make_project(session)
    _admin(session, project, "root2")
    csrf = _sign_in(client, "root2")
    bad = client.post("/admin/project", data={"sampling_scheme": "iso2859", "aql": "3", "csrf_token": csrf})
    assert bad.status_code == 422 and 'id="e-aql"' in bad.text
    ok = client.post(
        "/admin/project", data={"sampling_scheme": "iso2859", "aql": "1.0", "csrf_token": csrf}, follow_redirects=False
    )
    assert ok.status_code == 303
    with Session(db) as s:
        assert s.exec(select(Approval)).one().payload["changes"] == {"sampling_scheme": "iso2859", "aql": "1.0"}
    client.cookies.clear()


def test_refused_terms_say_why_in_the_readers_language(client: TestClient, session: Session) -> None:
    """The field's error is the reason in words (zh-CN here), not the parser's English ("invalid literal for int()")."""
    import html
    import re

    from app.core.i18n import LANG_COOKIE

    project = make_project(session)
    _admin(session, project, "root3")
    csrf = _sign_in(client, "root3")
    client.cookies.set(LANG_COOKIE, "zh-CN")
    cases = [  # (field, value, words)
        ("daily_quota", "abc", "不是有效的值：请填写数字"),
        ("daily_quota", "0", "必须在 1 至 100000 之间。"),
        ("unit_price", "0.07777", "最多 4 位小数。"),
        ("aql", "3", "必须是以下之一："),
        ("end_date", "2020-01-01", "结束日期必须晚于开始日期。"),
        ("", "", "没有要更改的内容：所有值都与现在相同。"),
    ]
    for field, value, words in cases:
        r = client.post("/admin/project", data={field: value, "csrf_token": csrf} if field else {"csrf_token": csrf})
        errors = [html.unescape(e) for e in re.findall(r'class="field-error"[^>]*>(.*?)</p>', r.text, flags=re.S)]
        assert r.status_code == 422 and any(words in e for e in errors), (field, errors)
        assert not any(re.search(r"[a-z]{3,} [a-z]{3,}", e) for e in errors), errors
    client.cookies.clear()
