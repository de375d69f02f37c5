"""An export in the wrong state for an action, a refused segment list, template or segment correction: the server
sends a stable code per case (ExportStateError, BadNaming, BadSegment), the screens say it in the reader's language
(app.delivery.labels.STATE_MESSAGES, NAMING_MESSAGES), never the server's English."""

import ast
import html
import re
from pathlib import Path

from fastapi.testclient import TestClient
from sqlmodel import Session

from app.accounts.approvals import decide
from app.core.clock import utcnow
from app.core.i18n import LANG_COOKIE
from app.delivery.labels import NAMING_MESSAGES, STATE_MESSAGES
from app.delivery.models import DeliveryExport, ExportStatus
from app.delivery.naming import DEFAULT_TEMPLATE
from app.erasure.models import DeliveryReceipt
from tests.custody.web import enrol, sign_in
from tests.delivery.helpers import accepted_records, approved_export, requested_export

ENGLISH = (
    "has started already",
    "this approval was given for another export",
    "no left-out records to write again",
    "confirmed receipt of this package",
)
# (code, Chinese words, English words) of each case as the screen shows it
WORDS = {
    "export_started": ("已经开始，不能再次开始", "has started already: it cannot be started again"),
    "approval_other_export": ("审批是为另一个导出给出的", "was given for another export: request a new export"),
    "nothing_left_out": ("没有需要重新写入的未写入病案", "has no left-out records to write again"),
    "receipt_confirmed": ("医院已确认收到此交付包", "has confirmed receipt of this package, so it is no longer"),
}


def test_every_state_code_raised_has_words() -> None:
    codes = _codes_raised(("service.py", "retry.py"), "ExportStateError")
    assert len(codes) == 4 and set(codes) == set(STATE_MESSAGES) == set(WORDS), codes


def _flash(client: TestClient, url: str, token: str) -> str:
    page = client.post(url, data={"csrf_token": token})  # redirected to the export's page, which shows the flash
    assert page.status_code == 200 and page.url.path.startswith("/delivery/exports/"), page.url
    match = re.search(r'class="flash flash-error"[^>]*>(.*?)</div>', page.text, flags=re.S)
    assert match, page.text[:2000]
    return match.group(1)


def test_state_errors_in_the_readers_language(client: TestClient, session: Session, tmp_path: Path) -> None:
    acc = accepted_records(client, session)
    started = approved_export(session, acc, tmp_path / "a")  # queued: started already
    other = requested_export(session, acc, tmp_path / "b")
    third = requested_export(session, acc, tmp_path / "c")
    for export in (other, third):
        decide(session, export.approval_id, acc.principal(acc.custodian), approve=True, note="ok", now=utcnow())
    other.approval_id = third.approval_id  # an approval given for another export
    session.add(other)
    session.commit()
    enrol(session, acc.manager)
    session.commit()
    token = sign_in(client, acc.manager)

    def cases() -> dict[str, str]:
        return {
            "export_started": f"/delivery/exports/{started.id}/start",
            "approval_other_export": f"/delivery/exports/{other.id}/start",
            "nothing_left_out": f"/delivery/exports/{started.id}/retry",
        }

    for lang, index in (("zh-CN", 0), ("en", 1)):
        client.cookies.set(LANG_COOKIE, lang)
        for code, url in cases().items():
            text = _flash(client, url, token)
            assert WORDS[code][index] in text and code in text, (lang, code, text)
            if lang == "zh-CN":
                assert not any(words in text for words in ENGLISH), text
                assert not re.search(r"[A-Za-z]{3,} [a-z]{3,} [a-z]{3,}", text), text  # no English sentence
    assert session.get(DeliveryExport, other.id).status == ExportStatus.awaiting_approval  # nothing started

    # A finished export with a record left out, whose receipt the hospital has confirmed.
    session.expire_all()
    done = session.get(DeliveryExport, started.id)
    done.status, done.records_failed = ExportStatus.done, 1
    session.add(done)
    session.add(DeliveryReceipt(project_id=acc.project.id, export_id=done.id, confirmed_by=acc.custodian.id))
    session.commit()
    for lang, index in (("zh-CN", 0), ("en", 1)):
        client.cookies.set(LANG_COOKIE, lang)
        text = _flash(client, f"/delivery/exports/{done.id}/retry", token)
        assert WORDS["receipt_confirmed"][index] in text and "receipt_confirmed" in text, (lang, text)
        if lang == "zh-CN":
            assert not any(words in text for words in ENGLISH), text


def _codes_raised(names: tuple[str, ...], error: str) -> list[str | None]:
    """The code of each `raise error(...)` in these modules of app/delivery: its `code=` keyword, else its second
    argument (NamingError's), None when it has neither."""
    root = Path(__file__).resolve().parents[2] / "app" / "delivery"
    codes = []
    for name in names:
        for node in ast.walk(ast.parse((root / name).read_text("utf-8"))):
            call = node.exc if isinstance(node, ast.Raise) else None
            if isinstance(call, ast.Call) and getattr(call.func, "id", "") == error:
                code = next((k.value for k in call.keywords if k.arg == "code"), None)
                code = code or (call.args[1] if len(call.args) > 1 else None)
                codes.append(code.value if isinstance(code, ast.Constant) else None)
    return codes


def test_every_naming_and_segment_code_raised_has_words() -> None:
    naming = _codes_raised(("naming.py",), "NamingError")
    segment = _codes_raised(("segments.py", "segment_views.py"), "BadSegment")
    assert len(naming) == 13 and len(segment) == 3 and None not in naming + segment, (naming, segment)
    assert set(naming) | set(segment) == set(NAMING_MESSAGES)
    assert _codes_raised(("segments.py",), "BadNaming") == [None]  # the one that passes NamingError's code on


# (form of /delivery/segments, Chinese words, code) of refused segment lists and templates
NAMING_CASES = [
    ({"segments": "首页\n首页", "template": DEFAULT_TEMPLATE}, "分段“首页”重复列出", "segment_twice"),
    ({"segments": "首页\n12", "template": DEFAULT_TEMPLATE}, "分段名称“12”不能用作文件夹名", "segment_bad_name"),
    ({"segments": "首页", "template": "{mrn}/{page}.jpg"}, "命名模板必须包含 {visit}", "template_missing_fields"),
    ({"segments": "首页", "template": "{mrn}_{visit}/{pg}.jpg"}, "模板含有未知字段 {pg}", "template_unknown_fields"),
    ({"segments": "首页", "template": "{mrn}_{visit}/{page"}, "命名模板格式不正确", "template_malformed"),
    ({"segments": "首页", "template": "{mrn}_{visit}/{page}"}, "文件名必须以扩展名结尾", "template_no_extension"),
]


def test_naming_and_segment_refusals_in_chinese(client: TestClient, session: Session) -> None:
    acc = accepted_records(client, session, records=[("00012345", 3, {2: "病程记录", 3: "X光"})])
    enrol(session, acc.manager)
    record_id = acc.records[0].id
    session.commit()
    token = sign_in(client, acc.manager)
    client.cookies.set(LANG_COOKIE, "zh-CN")
    for form, words, code in NAMING_CASES:
        r = client.post("/delivery/segments", data={"csrf_token": token, **form})
        error = re.search(r'id="naming-error">(.*?)</div>', r.text, flags=re.S)
        assert r.status_code == 422 and error, (code, r.text[:500])
        text = html.unescape(error.group(1))
        assert words in text and code in text, (code, text)
        assert not re.search(r"[a-z]{4,} [a-z]{3,}", text), text  # no English sentence
    url = f"/delivery/segments/records/{record_id}"
    for form, words, code in (
        ({"first": "1", "last": "1", "segment": "X光"}, "“X光”不是本项目的分段", "segment_unknown"),
        (
            {"first": "2", "last": "9", "segment": "首页"},
            "第 2 至 9 页不是本病案的页（本病案共 3 页）",
            "pages_not_in_record",
        ),  # noqa: E501
        ({"first": "", "last": "1", "segment": "首页"}, "请填写起始页码和结束页码", "pages_missing"),
    ):
        r = client.post(url, data={"csrf_token": token, **form})
        error = re.search(r'id="segment-error">(.*?)</div>', r.text, flags=re.S)
        assert r.status_code == 422 and error, (code, r.text[:500])
        text = html.unescape(error.group(1))
        assert words in text and code in text and not re.search(r"[a-z]{4,} [a-z]{3,}", text), (code, text)
