"""A refused password and an administrator disabling their own account: the screens say why in the reader's
language (app.accounts.passwords.WEAK_PASSWORD_WORDS by the refusal's reason), never the server's English; the
JSON code stays weak_password for API clients. The administrator sets no password when adding a user (the owner
enrols through a one-time link), so a refused password is met where a user chooses one: the account page and the
owner's enrolment page. A reason without words of its own says the whole rule, never the server's English; a
refused approval of a role change (approval_grant_refused) and disabling a hospital account from the vendor side
(disable_refused) have their own words on the error page."""

import re
from html import unescape

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlmodel import Session, select

from app.accounts import enrolment, signin
from app.accounts.exceptions import WeakPassword
from app.accounts.models import Approval, User
from app.core.i18n import LANG_COOKIE
from app.projects.models import Project
from tests.accounts.test_admin import _people, _sign_in
from tests.factories import PASSWORD, make_user

CASES = [  # (user name, password, zh-CN words, English words)
    ("newbie", "Ab1!x", "密码太弱：至少需要 10 个字符。", "Too weak: at least 10 characters are needed."),
    ("newbie", "password123", "此密码太常见或太简单，请另选一个。", "too common or too simple"),
    ("newbieuser", "NewbieUser", "密码太弱：密码不能与用户名相同。", "must not be the user name"),
]


def test_weak_passwords_and_disabling_oneself_in_the_readers_language(client: TestClient, session: Session) -> None:
    project = session.get(Project, _people(session)["op"].project_id)
    for name in sorted({case[0] for case in CASES}):
        make_user(session, project, username=name)
    session.commit()
    for lang, index in (("zh-CN", 2), ("en", 3)):
        for case in CASES:
            csrf = _sign_in(client, case[0], mfa=False)
            client.cookies.set(LANG_COOKIE, lang)
            form = {"current": PASSWORD, "new": case[1], "confirm": case[1], "csrf_token": csrf}
            r = client.post("/account/password", data=form)
            error = re.search(r'id="pe-new">(.*?)</p>', r.text, flags=re.S)
            assert r.status_code == 422 and error and case[index] in error.group(1), (lang, case, r.text[:300])
            if lang == "zh-CN":
                assert not re.search(r"[a-z]{3,} [a-z]{3,}", error.group(1)), error.group(1)

    csrf = _sign_in(client, "admin1")
    client.cookies.set(LANG_COOKIE, "zh-CN")
    me = session.exec(select(User).where(User.username == "admin1")).one()
    session.commit()
    page = client.post(f"/admin/users/{me.id}/active", data={"active": "false", "csrf_token": csrf})
    flash = re.search(r'class="flash flash-error"[^>]*>(.*?)</div>', page.text, flags=re.S)
    assert page.status_code == 200 and flash and "不能停用自己的账户" in flash.group(1), page.text[:500]
    session.expire_all()
    assert session.get(User, me.id).active is True


RULE = {  # what the screens say of a refusal whose reason has no words of its own
    "zh-CN": "密码太弱：至少 10 个字符，不能是常见密码，也不能与用户名相同。",
    "en": "Too weak: at least 10 characters, not a common password, not the user name.",
}
LINK = re.compile(r'id="enrolment-link"[^>]*>http://[^<]+/enrol/(fen_[\w-]{40,})<')


def _field_error(html: str, element_id: str) -> str:
    found = re.search(rf'id="{element_id}"[^>]*>(.*?)</p>', html, flags=re.S)
    assert found, html[:500]
    return unescape(found.group(1))


def _error_page(html: str) -> tuple[str, str, str]:
    """The error page's heading, sentence and code."""
    heading = re.search(r"<h1>(.*?)</h1>", html, flags=re.S)
    sentence = re.search(r'id="error-detail">(.*?)</p>', html, flags=re.S)
    code = re.search(r"<code>(.*?)</code>", html)
    assert heading and sentence and code, html[:500]
    return unescape(heading.group(1).strip()), unescape(sentence.group(1)), code.group(1)


def test_the_owners_enrolment_page_says_why_a_password_is_refused(client: TestClient, session: Session) -> None:
    _people(session)
    csrf = _sign_in(client, "admin1")
    added = client.post(
        "/admin/users", data={"username": "op_new", "display_name": "新人", "role": "operator", "csrf_token": csrf}
    )
    token = LINK.search(added.text).group(1)
    client.cookies.clear()  # the owner's browser
    for lang, index in (("zh-CN", 2), ("en", 3)):
        words = CASES[0][index]  # too short
        client.cookies.set(LANG_COOKIE, lang)
        r = client.post(f"/enrol/{token}", data={"password": "Ab1!x", "confirm": "Ab1!x"})
        assert r.status_code == 422 and _field_error(r.text, "e-password") == words, (lang, r.text[:300])
    client.cookies.clear()


def test_a_refusal_without_words_of_its_own_says_the_rule_never_the_servers_english(
    client: TestClient, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A reason the screens have no words for (a rule added later), or words whose figures the refusal lacks:
    the whole rule in the reader's language, on the account page and on the enrolment page."""
    refusals = [
        WeakPassword("entropy below 40 bits by the new estimator", reason="too_predictable"),
        WeakPassword("password must have at least 10 characters", reason="too_short"),  # no `min`
    ]
    project = session.get(Project, _people(session)["op"].project_id)
    make_user(session, project, username="newbie")
    session.commit()
    csrf = _sign_in(client, "admin1")
    added = client.post(
        "/admin/users", data={"username": "op_new", "display_name": "新人", "role": "operator", "csrf_token": csrf}
    )
    token = LINK.search(added.text).group(1)
    csrf = _sign_in(client, "newbie", mfa=False)
    for refusal in refusals:

        def refuse(password: str, username: str = "", refusal: WeakPassword = refusal) -> None:
            raise refusal

        monkeypatch.setattr(signin, "check_password_strength", refuse)
        monkeypatch.setattr(enrolment, "check_password_strength", refuse)
        for lang in ("zh-CN", "en"):
            client.cookies.set(LANG_COOKIE, lang)
            form = {"current": PASSWORD, "new": "long-enough-9", "confirm": "long-enough-9", "csrf_token": csrf}
            account = client.post("/account/password", data=form)
            enrol = client.post(f"/enrol/{token}", data={"password": "long-enough-9", "confirm": "long-enough-9"})
            for page, element in ((account, "pe-new"), (enrol, "e-password")):
                assert page.status_code == 422 and _field_error(page.text, element) == RULE[lang], (lang, refusal)
                assert refusal.detail not in page.text
    client.cookies.clear()


def test_refused_grant_approvals_and_disabling_say_why_in_the_readers_language(
    client: TestClient, session: Session, db: Engine
) -> None:
    """A system administrator approving a hospital-side role (approval_grant_refused) or disabling a hospital
    account (disable_refused): the error page words the code, never the duty rule's English reason."""
    people = _people(session)
    csrf = _sign_in(client, "admin1")
    client.post(f"/admin/users/{people['op'].id}/role", data={"role": "reviewer", "csrf_token": csrf})
    with Session(db) as s:
        approval_id = s.exec(select(Approval.id)).one()
    words = {
        "disable_refused": {
            "zh-CN": ("无权访问", "医院方账户只能由医院方停用"),
            "en": ("Not allowed", "A hospital-side account is disabled by the hospital or at the server's console"),
        },
        "approval_grant_refused": {
            "zh-CN": (
                "您不能批准此角色变更",
                "医院方角色（或从医院方角色改为其他角色）只能由病案管理员或审计管理员批准",
            ),
            "en": (
                "You may not approve this role change",
                "A hospital-side role, or a change away from one, is approved only by the records custodian",
            ),
        },
    }
    english_reasons = ("a hospital-side account is disabled by the hospital", "a hospital-side role is approved only")

    def refused(url: str, form: dict, expected: str) -> None:
        for lang in ("zh-CN", "en"):
            client.cookies.set(LANG_COOKIE, lang)
            page = client.post(url, data=form)
            heading, sentence, code = _error_page(page.text)
            assert (page.status_code, code, heading) == (403, expected, words[expected][lang][0])
            assert words[code][lang][1] in sentence and not any(r in page.text for r in english_reasons), sentence
            assert lang == "en" or not re.search(r"[a-z]{3,} [a-z]{3,}", sentence), sentence

    refused(f"/admin/users/{people['keeper'].id}/active", {"active": "false", "csrf_token": csrf}, "disable_refused")
    csrf = _sign_in(client, "admin2")  # another system administrator: not the hospital
    refused(f"/approvals/{approval_id}", {"decision": "approve", "csrf_token": csrf}, "approval_grant_refused")
    with Session(db) as s:
        assert s.get(User, people["keeper"].id).active and s.get(User, people["op"].id).role == "operator"
        assert s.get(Approval, approval_id).status == "pending"
    client.cookies.clear()
