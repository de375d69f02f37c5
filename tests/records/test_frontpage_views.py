"""Front-page screens over HTTP: upload, mapping, the check that lists every refused row, the import, entry."""

import re

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.accounts.models import Role
from app.frontpage.models import FrontPage
from app.records.models import Record
from tests.custody.web import enrol, sign_in
from tests.factories import make_project, make_user
from tests.records.test_frontpage_import import HEAD, ROWS, _csv, _xlsx


def _mapping_form(html: str) -> dict[str, str]:
    return {
        name: value
        for name, value in re.findall(
            r'<select id="map_\w+" name="(map_\w+)".*?<option value="([^"]*)" selected', html, flags=re.S
        )
    }


def test_import_refuses_bad_rows_then_takes_the_corrected_file(client: TestClient, session: Session) -> None:
    project = make_project(session)
    manager = enrol(session, make_user(session, project, "mgr", Role.vendor_manager))
    custodian = make_user(session, project, "cust", Role.custodian)
    session.commit()
    token = sign_in(client, manager)
    bad = [*ROWS, ["00012350", "1", "周八", "2024-02-30", "胆囊结石", "K80.200", "胆囊切除术", "5122"]]
    up = client.post(
        "/frontpage/import",
        data={"csrf_token": token},
        files={"file": ("首页导出.xlsx", _xlsx(bad), "application/octet-stream")},
        follow_redirects=False,
    )
    assert up.status_code == 303
    page = client.get(up.headers["location"])
    mapping = _mapping_form(page.text)
    assert mapping["map_diagnosis_code"] == "主要诊断编码" and mapping["map_operation"] == "主要手术"
    assert 'id="refused-count">1<' in page.text and 'data-row="7"' in page.text
    assert "不是日期" in page.text and "不是 ICD-9-CM-3 编码" in page.text  # each reason, in Chinese
    assert 'id="import-button" disabled' in page.text

    refused = client.post(up.headers["location"], data={"csrf_token": token, "action": "import", **mapping})
    assert refused.status_code == 422 and "没有导入任何内容" in refused.text
    assert session.exec(select(Record)).all() == [] and session.exec(select(FrontPage)).all() == []
    session.commit()

    fixed = client.post(
        "/frontpage/import",
        data={"csrf_token": token},
        files={"file": ("首页导出.csv", _csv(ROWS), "text/csv")},
        follow_redirects=False,
    )
    page = client.get(fixed.headers["location"])
    assert _mapping_form(page.text) == mapping  # the mapping was kept for the next file
    assert 'id="all-good"' in page.text
    done = client.post(
        fixed.headers["location"], data={"csrf_token": token, "action": "import", **mapping}, follow_redirects=False
    )
    assert done.status_code == 303
    home = client.get("/frontpage")
    assert 'id="kpi-with">3<' in home.text and "首页导出.csv" in home.text
    assert len(session.exec(select(FrontPage)).all()) == 3
    session.commit()

    # The custodian may look but not import or edit.
    sign_in(client, custodian)
    assert client.get("/frontpage").status_code == 200
    assert client.get("/frontpage/import").status_code == 403


def test_entry_by_hand_shows_errors_by_the_field(client: TestClient, session: Session) -> None:
    project = make_project(session)
    manager = enrol(session, make_user(session, project, "mgr", Role.vendor_manager))
    record = Record(project_id=project.id, mrn="00000088", visit=3)
    session.add(record)
    session.commit()
    token = sign_in(client, manager)
    form = {
        "csrf_token": token,
        "name": "吴十",
        "discharge_date": "2024/7/1",
        "diagnosis": "胃癌",
        "diagnosis_code": "C16.9O0",
        "operation": "",
        "operation_code": "",
    }
    bad = client.post(f"/frontpage/records/{record.id}", data=form)
    assert bad.status_code == 422 and 'id="fp_diagnosis_code" name="diagnosis_code" value="C16.9O0"' in bad.text
    assert bad.text.count('class="field-error"') == 1
    ok = client.post(
        f"/frontpage/records/{record.id}", data={**form, "diagnosis_code": "C16.900"}, follow_redirects=False
    )
    assert ok.status_code == 303
    session.expire_all()
    assert session.get(Record, record.id).discharge_date.isoformat() == "2024-07-01"
    assert HEAD[0] == "病案号"


NATIONAL_HEAD = ["病案号", "住院次数", "姓名", "出院时间", "主要诊断", "疾病编码", "手术及操作", "手术及操作编码"]


def test_the_national_forms_headings_are_matched_and_an_error_names_the_column_read(
    client: TestClient, session: Session
) -> None:
    project = make_project(session)
    manager = enrol(session, make_user(session, project, "mgr", Role.vendor_manager))
    session.commit()
    token = sign_in(client, manager)
    rows = [
        ["00012345", "1", "张三", "2024-03-15", "急性阑尾炎", "K35.800", "腹腔镜下阑尾切除术", "47.0100"],
        ["00012346", "1", "李四", "2024-03-16", "胆囊结石", "K80.200", "胆囊切除术", "5122"],
    ]
    data = "\r\n".join(",".join(r) for r in [NATIONAL_HEAD, *rows]).encode("gb18030")
    up = client.post(
        "/frontpage/import",
        data={"csrf_token": token},
        files={"file": ("首页.csv", data, "text/csv")},
        follow_redirects=False,
    )
    page = client.get(up.headers["location"])
    mapping = _mapping_form(page.text)
    assert mapping["map_operation"] == "手术及操作" and mapping["map_operation_code"] == "手术及操作编码"
    # Row 3 (the second data row) has both operation columns filled: only its code is wrong, and the message names
    # the column it read the code from; no "give both or neither" for a row that has both.
    row = re.search(r'<tr data-row="3">.*?</tr>', page.text, flags=re.S).group(0)
    assert "手术及操作编码" in row and "（读取的列：“手术及操作编码”）" in row
    assert "须同时填写" not in row and "同时" not in row
    assert "手术及操作" in page.text  # the field's own name (the operation, not "操作")
    assert 'id="import-button" disabled aria-describedby="why-disabled"' in page.text
    assert 'id="why-disabled"' in page.text
