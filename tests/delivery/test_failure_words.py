"""Why an export stopped or a record was left out: a stable code with params is stored with the technical detail,
and the export page (and its progress JSON) words it in the reader's language (app.delivery.failures), never the
runner's English; the detail stays for the log, the CLI and a details line for administrators."""

import ast
import errno
import html
import re
from pathlib import Path

from fastapi.testclient import TestClient
from sqlmodel import Session

from app.core.i18n import LANG_COOKIE
from app.core.storage import LocalImageStore
from app.delivery import runner
from app.delivery.failures import FAILURE_MESSAGES, export_failure, failure_detail, parsed, stored
from app.delivery.models import DeliveryExport
from app.delivery.package import PackageError
from tests.custody.web import enrol, sign_in
from tests.delivery.test_left_out import _export_and_image

APP = Path(__file__).resolve().parents[2] / "app" / "delivery"
ENGLISH = re.compile(r"[A-Za-z]{3,}[ ,:]+[a-z]{2,} [a-z]{2,}")  # three English words in a row


def test_every_package_error_has_a_code_with_words_and_its_params() -> None:
    found = 0
    for name in ("package.py", "planning.py"):
        for node in ast.walk(ast.parse((APP / name).read_text("utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "PackageError":
                code = next(k.value.value for k in node.keywords if k.arg == "code")
                params = {k.arg for k in node.keywords} - {"code"}
                assert code in FAILURE_MESSAGES, code
                assert set(re.findall(r"%\((\w+)\)s", FAILURE_MESSAGES[code])) <= params, (code, params)
                found += 1
    assert found == 10, found
    runner_text = (APP / "runner.py").read_text("utf-8")
    assert "str(exc))" not in runner_text and '"unexpected"' in runner_text and "INTERRUPTED" in runner_text


def test_export_failures_are_coded_by_cause() -> None:
    assert export_failure(OSError(errno.ENOSPC, "No space left on device"))[0] == "disk_full"
    assert export_failure(PermissionError(errno.EACCES, "Permission denied"))[0] == "target_not_writable"
    assert export_failure(FileNotFoundError(errno.ENOENT, "gone"))[0] == "target_missing"
    assert export_failure(OSError(errno.EIO, "I/O error"))[0] == "write_failed"
    assert export_failure(PackageError("x", code="pdf_failed")) == ("pdf_failed", {}, "x")
    assert export_failure(KeyError("boom"))[0] == "unexpected"
    text = stored("image_missing", {"page": 2}, "record 1_1 page 2: image file missing " + "x" * 900, 500)
    assert len(text) == 500 and parsed(text).params == {"page": 2} and failure_detail(text).startswith("record 1_1")
    assert parsed("an old English error").code == "unexpected"  # a row from before the codes


def _cell(page: str, cls: str) -> str:
    match = re.search(rf'class="{cls}"[^>]*>(.*?)</span>', page, flags=re.S)
    assert match, page[:3000]
    return html.unescape(match.group(1))


def test_left_out_reason_and_failed_export_in_the_readers_language(
    client: TestClient, session: Session, db, image_store: Path, tmp_path: Path
) -> None:
    acc, export, _, path, original = _export_and_image(client, session, db, image_store, tmp_path, "00012347", 1)
    path.unlink()
    try:
        runner.run_export(db, LocalImageStore(image_store), export.id)
    finally:
        path.write_bytes(original)  # the image store outlives the test: later tests find the page intact
    session.rollback()
    enrol(session, acc.manager)
    session.commit()
    sign_in(client, acc.manager)
    url = f"/delivery/exports/{export.id}"
    for lang, words in (("zh-CN", "图像库中缺少第 1 页的图像文件。"), ("en", "The image file of page 1 is missing")):
        client.cookies.set(LANG_COOKIE, lang)
        page = client.get(url).text
        reason = _cell(page, "left-out-reason")
        assert words in reason and "image_missing" in reason, reason
        assert "image file missing" not in page  # the technical detail is for administrators, not the manager
        assert lang == "en" or not ENGLISH.search(reason), reason

    # The export as a whole stops: the disk is full.
    failed = session.get(DeliveryExport, export.id)
    failed.status, failed.error = "failed", stored("disk_full", {}, "[Errno 28] No space left on device", 2000)
    session.add(failed)
    session.commit()
    client.cookies.set(LANG_COOKIE, "zh-CN")
    page = client.get(url).text
    error = html.unescape(re.search(r'id="export-error">([^<]*)<', page).group(1))
    assert "交付磁盘已满" in error and "disk_full" in error and not ENGLISH.search(error), error
    assert "No space left" not in page
    progress = client.get(f"{url}/progress").json()["error"]
    assert "交付磁盘已满" in progress and "No space" not in progress, progress
    client.cookies.clear()
