"""A refused acceptance or QC action: a stable code (a refused verdict: its `reason`) with params, worded on the
screen in the reader's language (app.acceptance.labels.ERROR_MESSAGES, app.inspection.labels.ERROR_MESSAGES), never
the server's English detail, appended or as a fallback."""

import ast
import html
import re
from pathlib import Path

from fastapi.testclient import TestClient
from sqlmodel import Session

from app.acceptance import labels as acceptance_labels
from app.core.errors import AppError
from app.core.i18n import LANG_COOKIE
from app.inspection import labels as inspection_labels
from tests.acceptance.test_views import _csrf, _lot_id, shop, sign_in  # noqa: F401 - shop is a fixture
from tests.core.test_error_words import codes_raised

APP = Path(__file__).resolve().parents[2] / "app"
PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def _calls(folder: str) -> list[ast.Call]:
    calls = []
    for path in sorted((APP / folder).glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text("utf-8"))):
            if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call):
                calls.append(node.exc)
    return calls


def _class_codes(folder: str) -> set[str]:
    """The codes of the folder's error classes and of its `code="..."` raises."""
    return set(codes_raised(list((APP / folder).glob("*.py"))))


def _keyword(call: ast.Call, name: str) -> str | None:
    value = next((k.value for k in call.keywords if k.arg == name), None)
    return value.value if isinstance(value, ast.Constant) else None


def test_every_acceptance_code_and_verdict_reason_raised_has_words() -> None:
    words = acceptance_labels.ERROR_MESSAGES
    calls = _calls("acceptance")
    verdicts = [c for c in calls if getattr(c.func, "id", "") == "BadVerdict"]
    assert len(verdicts) == 10
    for call in verdicts:
        reason = _keyword(call, "reason")
        assert reason in words, ast.unparse(call)
        params = {k.arg for k in call.keywords} - {"reason"}
        assert set(PLACEHOLDER.findall(words[reason])) <= params, ast.unparse(call)
    codes = {_keyword(c, "code") for c in calls} - {None}
    assert codes | _class_codes("acceptance") <= set(words), (codes | _class_codes("acceptance")) - set(words)
    ready = next(c for c in calls if getattr(c.func, "id", "") == "RecordsNotReady")
    assert {k.arg for k in ready.keywords} >= set(PLACEHOLDER.findall(words["records_not_ready"]))


def test_every_inspection_code_raised_has_words() -> None:
    words = inspection_labels.ERROR_MESSAGES
    calls = _calls("inspection")
    codes = {_keyword(c, "code") for c in calls} - {None}
    problems = {  # rules.flag_problem's answers become BadFlag codes
        node.value.value
        for node in ast.walk(ast.parse((APP / "inspection" / "rules.py").read_text("utf-8")))
        if isinstance(node, ast.Return) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)
    }
    raised = codes | problems | _class_codes("inspection") | {"page_not_found"}  # service.py raises PageNotFound
    assert problems and raised <= set(words), raised - set(words)


def test_a_code_without_words_is_not_shown_in_english() -> None:
    from app.core.i18n import gettext_for

    exc = AppError("the frobnicator is on fire", code="frobnicator_on_fire")
    text = acceptance_labels.error_message(gettext_for("zh_CN"), exc)
    assert "frobnicator_on_fire" in text and "fire" not in text.replace("frobnicator_on_fire", ""), text


def _flash(page: str) -> str:
    match = re.search(r'class="flash flash-error"[^>]*>(.*?)</div>', page, flags=re.S)
    assert match, page[:3000]
    return html.unescape(match.group(1))


ENGLISH = re.compile(r"[A-Za-z]{3,}[ ,:']+[a-z]{2,} [a-z]{2,}")  # three English words in a row


def test_refused_verdicts_in_the_readers_language(client: TestClient, session: Session, shop) -> None:  # noqa: F811
    sign_in(client, "mgr")
    page = client.get("/acceptance")
    r = client.post(
        "/acceptance/lots", data={"csrf_token": _csrf(page.text), "kind": "regular"}, follow_redirects=False
    )
    lot_id = _lot_id(r.headers["location"])
    sign_in(client, "rev")
    lot_page = client.get(f"/acceptance/lots/{lot_id}")
    csrf = _csrf(lot_page.text)
    client.post(f"/acceptance/lots/{lot_id}/seed", data={"csrf_token": csrf, "seed": "words"}, follow_redirects=False)
    item = client.get(f"/api/v1/lots/{lot_id}/rounds/1/sample").json()[0]["id"]
    cases = [  # (form, reason, Chinese words, English words)
        ({"verdict": "fail"}, "defect_missing", "不合格的页面请至少勾选一项缺陷", "Tick at least one defect"),
        ({"verdict": "pass", "defects": "blurred"}, "defects_on_pass", "合格的页面没有缺陷", "A passed page has no"),
        ({"verdict": "fail", "defects": "other"}, "note_required", "请在备注中说明", "Describe the defect in a note"),
        (
            {"verdict": "fail", "defects": "nonsense"},
            "defect_unknown",
            "未知的缺陷代码：nonsense",
            "Unknown defect codes",
        ),
    ]
    for lang in ("zh-CN", "en"):
        client.cookies.set(LANG_COOKIE, lang)
        for form, reason, chinese, english in cases:
            r = client.post(f"/acceptance/lots/{lot_id}/items/{item}", data={"csrf_token": csrf, **form})
            text = _flash(r.text)
            assert reason in text and (chinese if lang == "zh-CN" else english) in text, (lang, reason, text)
            if lang == "zh-CN":
                assert not ENGLISH.search(text), text
    client.cookies.clear()
