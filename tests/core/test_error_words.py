"""Every error code the server can raise has words on the error page in the reader's language (app.error_words):
the page never shows the server's English detail."""

import ast
import re
from html import unescape
from pathlib import Path

from fastapi.testclient import TestClient

from app.core.i18n import LANG_COOKIE, gettext_for
from app.error_words import explanation, word_lists

APP = Path(__file__).resolve().parents[2] / "app"
ENGLISH = re.compile(r"[A-Za-z]{3,}[ ,:]+[a-z]{2,} [a-z]{2,}")  # three English words in a row


def codes_raised(paths: list[Path]) -> dict[str, str]:
    """code → where: every `code = "..."` of a class and every `code="..."` of a call that raises, in these
    modules (tests/acceptance/test_refusal_words.py uses it too)."""
    found: dict[str, str] = {}
    for path in sorted(paths):
        tree = ast.parse(path.read_text("utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ClassDef):
                for stmt in node.body:
                    if (
                        isinstance(stmt, ast.Assign)
                        and [getattr(t, "id", "") for t in stmt.targets] == ["code"]
                        and isinstance(stmt.value, ast.Constant)
                    ):
                        found.setdefault(stmt.value.value, f"{path.name}:{node.name}")
            if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call):
                for k in node.exc.keywords:
                    if k.arg == "code" and isinstance(k.value, ast.Constant) and isinstance(k.value.value, str):
                        found.setdefault(k.value.value, f"{path.name}:{node.lineno}")
    return found


def test_every_error_code_raised_has_words() -> None:
    codes = codes_raised(list(APP.rglob("*.py")))
    assert len(codes) > 150, len(codes)
    worded = set().union(*word_lists())
    missing = {code: where for code, where in codes.items() if code not in worded}
    assert not missing, missing


def test_the_error_page_words_a_code_in_the_readers_language_never_the_detail(client: TestClient) -> None:
    gettext = gettext_for("zh_CN")
    assert "没有这个导出" in explanation(gettext, "export_not_found", 404, {})
    # words whose params the error lacks give way to the status's words, never a crash or the detail
    conflict = "This conflicts with the current state. Reload the page and try again."
    assert explanation(gettext, "export_started", 409, {}) == gettext(conflict)
    assert "管理员" in explanation(gettext, "some_new_code", 500, {})

    from app.core.errors import Conflict, Unprocessable
    from app.delivery.exceptions import ExportStateError

    raised = {
        "lot": Conflict("lot 7 is not in correction; only a rejected lot is applied for again", code="lot_state"),
        "started": ExportStateError("export 3 has started already (queued)", code="export_started", export=3),
        "new": Unprocessable("the frobnicator is not plugged in right now", code="frobnicator"),
    }

    def _raise(what: str) -> None:
        raise raised[what]

    routes = client.app.router.routes
    client.app.add_api_route("/test-error-words/{what}", _raise, methods=["GET"], include_in_schema=False)
    try:
        cases = {"lot": "批次当前不处于", "started": "交付导出 3 已经开始", "new": "填写的内容无效"}
        client.cookies.set(LANG_COOKIE, "zh-CN")
        for what, words in cases.items():
            page = client.get(f"/test-error-words/{what}")
            text = re.search(r'id="error-detail">(.*?)</p>', page.text, flags=re.S).group(1)
            assert page.status_code in (409, 422) and words in text, (what, text)
            assert not ENGLISH.search(text) and raised[what].detail not in page.text, (what, text)
    finally:  # the app is shared by the run: tests/accounts/test_route_roles.py walks its routes
        routes.remove(next(r for r in routes if getattr(r, "path", "") == "/test-error-words/{what}"))
        client.cookies.clear()


def test_the_frameworks_own_refusals_are_error_pages_in_the_readers_language_outside_the_api(
    client: TestClient,
) -> None:
    """An unknown address, a method the address does not serve and a form without its fields answered a browser
    with JSON in English ({"detail": "Not Found"}, "Method Not Allowed", "Field required"); /api keeps its JSON."""
    cases = [  # (method, address, status, code, zh-CN words, English words)
        ("get", "/no-such-page", 404, "not_found", "没有这个页面或对象", "There is no such page or object"),
        ("put", "/login", 405, "method_not_allowed", "此地址不能这样使用", "This address is not used this way."),
        ("post", "/login", 422, "invalid", "填写的内容无效", "Something entered is not valid."),
    ]
    for lang, index in (("zh-CN", 4), ("en", 5)):
        client.cookies.set(LANG_COOKIE, lang)
        for method, url, status, code, *words in cases:
            page = getattr(client, method)(url)
            text = re.search(r'id="error-detail">(.*?)</p>', page.text, flags=re.S)
            assert (page.status_code, page.headers["content-type"].split(";")[0]) == (status, "text/html"), url
            assert text and words[index - 4] in unescape(text.group(1)) and f"<code>{code}</code>" in page.text, url
            assert not any(english in page.text for english in ("Not Found", "Method Not Allowed", "Field required"))
            if lang == "zh-CN":
                assert not ENGLISH.search(text.group(1)), text.group(1)
    assert client.put("/login").headers["allow"] == "GET, POST"  # a 405 still names what the address serves
    client.cookies.clear()
    api = client.get("/api/v1/no-such-thing")
    assert (api.status_code, api.json()["error"]) == (404, "not_found")
    wrong = client.put("/api/v1/station/sessions")
    assert (wrong.status_code, wrong.json()["error"], wrong.headers["allow"]) == (405, "method_not_allowed", "POST")
