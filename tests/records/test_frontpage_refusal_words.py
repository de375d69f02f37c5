"""A refused front-page upload or import: the server sends a stable code per case (BadFile, FileTooLarge,
ImportRefused, with params), the screens say it in the reader's language (app.frontpage.refusals.FILE_MESSAGES),
never the reader's or the service's English."""

import ast
import html
import re
from pathlib import Path

from fastapi.testclient import TestClient
from sqlmodel import Session

from app.accounts.models import Role
from app.core.i18n import LANG_COOKIE
from app.frontpage import exceptions
from app.frontpage.refusals import FILE_MESSAGES
from tests.custody.web import enrol, sign_in
from tests.factories import make_project, make_user
from tests.records.test_frontpage_import import ROWS, _xlsx
from tests.records.test_frontpage_views import _mapping_form
from tests.records.test_frontpage_xlsx import LAUGHS, REST, _replace_part, _xlsxwriter

APP = Path(__file__).resolve().parents[2] / "app" / "frontpage"
RAISED = {"UnreadableFile": 0, "XlsxRefused": 0, "BadFile": None, "FileTooLarge": None, "ImportRefused": None}
PASSED_ON = ("exc.code", "_parse_code(exc)")  # a code handed on from the reader, or picked among constants


def _raises() -> list[tuple[str, str, set[str]]]:
    """(module, code or the expression that hands one on, keyword params) of every refusal raised."""
    found = []
    for name in ("reader.py", "xlsx.py", "service.py"):
        for node in ast.walk(ast.parse((APP / name).read_text("utf-8"))):
            call = node.exc if isinstance(node, ast.Raise) else None
            if not (isinstance(call, ast.Call) and getattr(call.func, "id", "") in RAISED):
                continue
            position = RAISED[call.func.id]
            code = call.args[position] if position is not None else None
            code = code or next((k.value for k in call.keywords if k.arg == "code"), None)
            params = {k.arg for k in call.keywords if k.arg not in (None, "code")}
            if isinstance(code, ast.IfExp):  # one code or the other, the same params
                found += [(name, c.value, params) for c in (code.body, code.orelse) if isinstance(c, ast.Constant)]
                continue
            text = code.value if isinstance(code, ast.Constant) else ast.unparse(code) if code else "?"
            found.append((name, text, params))
    return found


def test_every_refusal_raised_has_a_code_with_words_and_its_params() -> None:
    raises = _raises()
    assert len(raises) >= 20, raises
    for name, code, params in raises:
        if code in PASSED_ON:
            continue
        assert code in FILE_MESSAGES, (name, code)
        needed = set(re.findall(r"%\((\w+)\)s", FILE_MESSAGES[code]))
        assert needed <= params, (name, code, needed, params)
    constants = {
        node.value
        for name in ("reader.py", "xlsx.py", "service.py")
        for node in ast.walk(ast.parse((APP / name).read_text("utf-8")))
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and re.fullmatch(r"frontpage_\w+", node.value)
    }
    classes = {exceptions.BadFile.code, exceptions.FileTooLarge.code, exceptions.ImportRefused.code}
    assert constants | classes <= set(FILE_MESSAGES), (constants | classes) - set(FILE_MESSAGES)
    assert not re.search(r"%\((\w+)\)s", FILE_MESSAGES["frontpage_xlsx_unsafe"])  # _parse_code gives no part


# (file name, content, code, Chinese words)
FILES = [
    ("empty.csv", b"", "frontpage_empty", "文件是空的"),
    ("export.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 64, "frontpage_old_xls", "旧的 .xls 工作簿"),
    ("export.csv", "病案号,病案号,姓名\n1,2,3\n".encode(), "frontpage_headings_twice", "列标题重复出现：病案号"),
    ("export.csv", b"a,b\x00c\n1,2\n", "frontpage_not_text", "不是文本文件"),
    ("export.csv", "病案号,姓名\n".encode(), "frontpage_no_rows", "只有标题，没有数据行"),
    ("export.xlsx", b"PK\x03\x04 not a zip at all", "frontpage_xlsx_unreadable", "无法读取此工作簿"),
    ("export.xlsx", None, "frontpage_xlsx_unsafe", "声明了 XML 实体"),
]
ENGLISH = re.compile(r"[A-Za-z]{3,}[ ,:]+[a-z]{2,} [a-z]{2,}")  # three English words in a row: a sentence


def _error(text: str, element: str) -> str:
    match = re.search(rf'id="{element}"[^>]*>(.*?)</div>', text, flags=re.S)
    assert match, text[:3000]
    return html.unescape(match.group(1))


def _upload(client: TestClient, token: str, filename: str, data: bytes):  # noqa: ANN202
    return client.post(
        "/frontpage/import",
        data={"csrf_token": token},
        files={"file": (filename, data, "application/octet-stream")},
        follow_redirects=False,
    )


def test_refused_uploads_and_imports_in_the_readers_language(client: TestClient, session: Session) -> None:
    project = make_project(session)
    manager = enrol(session, make_user(session, project, "mgr", Role.vendor_manager))
    session.commit()
    token = sign_in(client, manager)
    unsafe = _replace_part(_xlsxwriter([["x", 1, *REST]]), "xl/sharedStrings.xml", LAUGHS)
    for lang in ("zh-CN", "en"):
        client.cookies.set(LANG_COOKIE, lang)
        for filename, data, code, words in FILES:
            r = _upload(client, token, filename, unsafe if data is None else data)
            assert r.status_code == 422 and f'data-code="{code}"' in r.text, (code, r.status_code)
            text = _error(r.text, "upload-error")
            assert code in text, text
            if lang == "zh-CN":
                assert words in text and not ENGLISH.search(text), (code, text)
            else:
                assert FILE_MESSAGES[code].split("%")[0] in text, (code, text)

    bad = [*ROWS, ["00012350", "1", "周八", "2024-02-30", "胆囊结石", "K80.200", "胆囊切除术", "5122"]]
    up = _upload(client, token, "首页导出.xlsx", _xlsx(bad))
    mapping = _mapping_form(client.get(up.headers["location"]).text)
    session.commit()
    for lang, words in (("zh-CN", "4 行中有 1 行被拒绝：没有导入任何内容。"), ("en", "1 of 4 rows are refused")):
        client.cookies.set(LANG_COOKIE, lang)
        r = client.post(up.headers["location"], data={"csrf_token": token, "action": "import", **mapping})
        text = _error(r.text, "import-error")
        assert r.status_code == 422 and words in text and "frontpage_rows_refused" in text, text
        assert lang == "en" or not ENGLISH.search(text), text
    client.cookies.set(LANG_COOKIE, "zh-CN")
    unmapped = {**mapping, "map_mrn": ""}
    r = client.post(up.headers["location"], data={"csrf_token": token, "action": "import", **unmapped})
    text = _error(r.text, "import-error")
    assert "没有选择列的字段：病案号" in text and "frontpage_fields_unmapped" in text and not ENGLISH.search(text), text
    client.cookies.clear()
