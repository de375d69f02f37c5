"""An export in the wrong state for an action: the server sends a stable code per case (ExportStateError), the
screens say it in the reader's language (app.delivery.labels.STATE_MESSAGES), never the server's English."""

import re
from pathlib import Path

from fastapi.testclient import TestClient
from sqlmodel import Session

from app.accounts.approvals import decide
from app.core.clock import utcnow
from app.core.i18n import LANG_COOKIE
from app.delivery.labels import STATE_MESSAGES
from app.delivery.models import DeliveryExport, ExportStatus
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
    root = Path(__file__).resolve().parents[2] / "app"
    raised = set()
    for path in root.rglob("*.py"):
        for call in re.findall(r"ExportStateError\((.*?)\n\s*\)", path.read_text("utf-8"), flags=re.S):
            match = re.search(r'code="(\w+)"', call)
            assert match, f"{path}: an ExportStateError without its own code: {call}"
            raised.add(match.group(1))
    assert raised == set(STATE_MESSAGES) == set(WORDS)


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
