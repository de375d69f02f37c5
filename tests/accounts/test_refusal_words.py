"""A refused password and an administrator disabling their own account: the screens say why in the reader's
language (app.accounts.passwords.WEAK_PASSWORD_WORDS by the refusal's reason), never the server's English; the
JSON code stays weak_password for API clients. The administrator sets no password when adding a user (the owner
enrols through a one-time link), so a refused password is met where a user chooses one: the account page."""

import re

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.accounts.models import User
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
