"""A refused batch, a batch in the wrong state, a refused custody setting, shelf, box or packing scan: the server
sends a stable code per case (HandoverRefused, HandoverStateError, LocationError), the custody screens say it in the
reader's language (app.custody.labels.HANDOVER_MESSAGES, LOCATION_MESSAGES), never the server's English."""

import ast
import html
import re
from pathlib import Path

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.accounts.models import Role
from app.core.i18n import LANG_COOKIE
from app.custody.labels import HANDOVER_MESSAGES, LOCATION_MESSAGES
from app.custody.models import Handover
from app.records.models import Record
from tests.custody.helpers import check_out, custody_people
from tests.custody.web import enrol, sign_in
from tests.factories import make_project, make_user

ENGLISH = re.compile(r"[a-z]{3,} [a-z]{3,} [a-z]{3,}")  # three English words in a row: a sentence leaked


def _codes_raised(names: tuple[str, ...], errors: tuple[str, ...]) -> list[str | None]:
    """The `code=` of each `raise E(...)` of these errors in these modules of app/custody (both of a conditional
    code; None for a raise without a code)."""
    root = Path(__file__).resolve().parents[2] / "app" / "custody"
    codes = []
    for name in names:
        for node in ast.walk(ast.parse((root / name).read_text("utf-8"))):
            call = node.exc if isinstance(node, ast.Raise) else None
            if isinstance(call, ast.Call) and getattr(call.func, "id", "") in errors:
                code = next((k.value for k in call.keywords if k.arg == "code"), None)
                if isinstance(code, ast.IfExp):  # count_differs / count_missing
                    codes += [code.body.value, code.orelse.value]
                else:
                    codes.append(code.value if isinstance(code, ast.Constant) else None)
    return codes


def test_every_code_raised_has_words() -> None:
    codes = _codes_raised(("handovers.py", "policy.py"), ("HandoverRefused", "HandoverStateError"))
    assert None not in codes and set(codes) == set(HANDOVER_MESSAGES), codes


def _error(text: str, marker: str) -> str:
    match = re.search(marker + r"[^>]*>(.*?)</div>", text, flags=re.S)
    assert match, text[:2000]
    return html.unescape(match.group(1))


def test_custody_refusals_in_the_readers_language(client: TestClient, session: Session) -> None:
    project = make_project(session)
    people = custody_people(session, project)
    other = make_user(session, project, username="cust2", role=Role.custodian)
    session.commit()
    enrol(session, people.manager)
    enrol(session, other)
    session.commit()
    token = sign_in(client, people.custodian)
    data = {
        "csrf_token": token,
        "kind": "checkout",
        "declared_count": "2",
        "counterpart_id": str(people.manager.id),
        "codes": ["00012345-1", "00012346 2"],
        "condition": ["normal", "damaged"],
        "condition_note": ["", "封面破损"],
    }
    differs = {"zh-CN": "人工清点份数（4）与扫描的 2 份病案不符：请重新清点。", "en": "(4) differs from the 2"}
    for lang, words in differs.items():
        client.cookies.set(LANG_COOKIE, lang)
        text = _error(client.post("/custody/handovers", data={**data, "declared_count": "4"}).text, 'id="batch-error"')
        assert words in text and "count_differs" in text, text
    client.cookies.set(LANG_COOKIE, "zh-CN")
    text = _error(client.post("/custody/handovers", data={**data, "declared_count": ""}).text, 'id="batch-error"')
    assert "请填写人工清点份数：已扫描 2 份病案。" in text and not ENGLISH.search(text), text
    text = _error(client.post("/custody/handovers", data={**data, "counterpart_id": ""}).text, 'id="batch-error"')
    assert "请选择在此交接单上签字的服务商人员" in text and not ENGLISH.search(text), text
    settings = client.post("/custody/settings", data={"csrf_token": token, "overdue_days": "0"})
    text = _error(settings.text, 'class="flash flash-error"')
    assert "提醒期限是 1 至 3650 之间的天数" in text and "overdue_days_range" in text and not ENGLISH.search(text)

    assert client.post("/custody/handovers", data=data, follow_redirects=False).status_code == 303
    handover = session.exec(select(Handover)).one()
    session.commit()
    url = f"/custody/handovers/{handover.id}"
    token = sign_in(client, other)  # another custodian cannot withdraw it
    client.cookies.set(LANG_COOKIE, "zh-CN")
    text = _error(client.post(f"{url}/cancel", data={"csrf_token": token}).text, 'class="flash flash-error"')
    assert "只有登记此交接单的人才能撤回它" in text and "not_author" in text and not ENGLISH.search(text), text

    token = sign_in(client, people.manager)
    client.cookies.set(LANG_COOKIE, "zh-CN")
    text = _error(client.post(f"{url}/confirm", data={"csrf_token": token}).text, 'class="flash flash-error"')
    assert "请先逐一确认 1 份易损或破损病案的状况" in text and not ENGLISH.search(text), text
    damaged = [m for m in re.findall(r'name="acknowledged" value="(\d+)"', client.get(url).text)]
    ok = client.post(f"{url}/confirm", data={"csrf_token": token, "acknowledged": damaged}, follow_redirects=False)
    assert ok.status_code == 303
    again = client.post(f"{url}/confirm", data={"csrf_token": token, "acknowledged": damaged})
    text = _error(again.text, 'class="flash flash-error"')
    assert "此交接单已不在等待确认" in text and "handover_not_pending" in text and not ENGLISH.search(text), text


def test_every_location_code_raised_has_words() -> None:
    codes = _codes_raised(("locations.py", "location_views.py"), ("LocationError",))
    assert None not in codes and set(codes) == set(LOCATION_MESSAGES), codes


def test_shelf_box_and_packing_refusals_in_chinese(client: TestClient, session: Session) -> None:
    project = make_project(session)
    people = custody_people(session, project)
    enrol(session, people.manager)
    session.commit()
    check_out(session, project, people, ["00000001-1"], confirm=False)  # its check-out is not confirmed yet
    session.add(Record(project_id=project.id, mrn="00000002", visit=1))  # never checked out
    session.commit()
    token = sign_in(client, people.manager)
    client.cookies.set(LANG_COOKIE, "zh-CN")
    cases = [
        ("/custody/shelves", {"barcode": "A*B"}, "条码 A*B 须为 1 至 64 个字母", "bad_barcode"),
        ("/custody/boxes", {"prefix": "BX", "first": "5", "last": "1", "width": "4"}, "编号范围须为", "box_range"),
        ("/custody/boxes", {"prefix": "BX", "first": "1", "last": "2", "width": "9"}, "位数为 1 至 8", "bad_box_range"),
    ]
    for url, form, words, code in cases:
        text = _error(client.post(url, data={"csrf_token": token, **form}).text, 'class="flash flash-error"')
        assert words in text and code in text and not ENGLISH.search(text), (code, text)
    assert (
        client.post(
            "/custody/boxes",
            data={"csrf_token": token, "prefix": "BX", "first": "1", "last": "1", "width": "4"},
            follow_redirects=False,
        ).status_code
        == 303
    )
    taken = client.post("/custody/shelves", data={"csrf_token": token, "barcode": "BX0001"})
    text = _error(taken.text, 'class="flash flash-error"')
    assert "条码 BX0001 已被某个档案盒、档案架或病案使用" in text and not ENGLISH.search(text), text
    for code, words in (("00000001-1", "它的领取还在等待服务商确认"), ("00000002-1", "它从未被领取，没有可装盒的")):
        page = client.post("/custody/pack", data={"csrf_token": token, "code": code, "box": "BX0001"})
        assert page.status_code == 422 and 'data-result="refused"' in page.text
        text = _error(page.text, 'id="scan-result"')
        assert words in text and "无法装盒" in text and not ENGLISH.search(text), text
