"""Front-page import: CSV (GB18030) and XLSX exports, the saved mapping, all rows or none, entry by hand."""

import io
from datetime import date

import pytest
from openpyxl import Workbook
from sqlmodel import Session, select

from app.audit.models import AuditEvent
from app.core.clock import utcnow
from app.frontpage.exceptions import BadFile, ImportRefused
from app.frontpage.models import FrontPage, FrontPageUpload
from app.frontpage.service import (
    enter_front_page,
    get_mapping,
    import_upload,
    preview,
    stage_upload,
    suggested_mapping,
)
from app.records.models import Record

TODAY = date(2026, 11, 22)
HEAD = ["病案号", "住院次数", "姓名", "出院日期", "主要诊断", "主要诊断编码", "主要手术", "主要手术编码"]
ROWS = [
    ["00012345", "1", "张三", "2024-03-15", "急性阑尾炎", "K35.800", "腹腔镜下阑尾切除术", "47.0100"],
    ["00012346", "2", "李四", "2024/4/1", "原发性高血压", "I10.x00x002", "", ""],
    ["00012347", "1", "王五", "20240502", "肺炎", "J18.900", "", ""],
]


def _csv(rows: list[list[str]], encoding: str = "gb18030") -> bytes:
    return "\r\n".join(",".join(r) for r in [HEAD, *rows]).encode(encoding)


def _xlsx(rows: list[list[object]]) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(["出院病人首页导出 2024"])  # a title line above the headings is common: it is not the heading row
    sheet.append([])
    for row in [HEAD, *rows]:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _import(session, project, user, upload, mapping):
    return import_upload(
        session,
        project,
        upload,
        mapping,
        user_id=user.id,
        actor={"actor_user_id": user.id, "actor_role": user.role},
        today=TODAY,
        now=utcnow(),
    )


def test_csv_in_gb18030_imports_every_row(session: Session, ctx) -> None:
    project, user = ctx
    upload = stage_upload(session, project, filename="首页.csv", data=_csv(ROWS), user_id=user.id)
    mapping = suggested_mapping(session, project.id, preview(upload, {}, TODAY).headers)
    assert mapping["diagnosis_code"] == "主要诊断编码"
    result = _import(session, project, user, upload, mapping)
    session.commit()
    assert (result.rows, result.created, result.updated) == (3, 3, 0)
    record = session.exec(select(Record).where(Record.mrn == "00012346")).one()
    assert (record.visit, record.patient_name, record.discharge_date) == (2, "李四", date(2024, 4, 1))
    fp = session.exec(select(FrontPage).where(FrontPage.record_id == record.id)).one()
    assert (fp.diagnosis, fp.diagnosis_code, fp.operation) == ("原发性高血压", "I10.x00x002", None)
    assert session.exec(select(FrontPageUpload)).all() == []  # the staged file is gone
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "frontpage.import")).one()
    assert event.detail["rows"] == 3 and "张三" not in str(event.detail)
    assert get_mapping(session, project.id)["mrn"] == "病案号"  # kept for the next file

    # The same file again updates the three records and creates none.
    again = stage_upload(session, project, filename="首页.csv", data=_csv(ROWS), user_id=user.id)
    assert (_import(session, project, user, again, get_mapping(session, project.id)).updated) == 3


def test_bad_rows_refuse_the_whole_file_and_each_is_explained(session: Session, ctx) -> None:
    project, user = ctx
    bad = [
        ROWS[0],
        ["00012348", "1", "赵六", "2024-13-01", "肺炎", "J18.900", "", ""],  # no 13th month
        ["00012349", "x", "孙七", "2024-05-01", "肺炎", "J18", "某手术", ""],  # visit, and operation without code
        ROWS[2],
        ["00012345", "1", "张三", "2024-03-15", "急性阑尾炎", "K35.800", "", ""],  # same record as row 2
        ["00012350", "1", "周八", "2024-05-01", "胆囊结石", "K8O.200", "胆囊切除术", "51.22"],  # letter O for zero
    ]
    upload = stage_upload(session, project, filename="bad.xlsx", data=_xlsx(bad), user_id=user.id)
    mapping = suggested_mapping(session, project.id, preview(upload, {}, TODAY).headers)
    checked = preview(upload, mapping, TODAY)
    assert not checked.ok and checked.total == 6 and len(checked.valid) == 2
    explained = {c.row_number: [(p.code, p.field) for p in c.problems] for c in checked.refused}
    # Row numbers are those of the spreadsheet: a title, a blank line, the headings, then data from row 4.
    assert explained == {
        5: [("bad_date", "discharge_date")],
        6: [("bad_visit", "visit"), ("pair", "operation")],
        8: [("duplicate", None)],
        9: [("bad_icd10", "diagnosis_code")],
    }
    with pytest.raises(ImportRefused, match="4 of 6 rows refused"):
        _import(session, project, user, upload, mapping)
    session.rollback()
    assert session.exec(select(Record)).all() == [] and session.exec(select(FrontPage)).all() == []


def test_unreadable_files_are_refused_at_upload(session: Session, ctx) -> None:
    project, user = ctx
    with pytest.raises(BadFile, match="xls"):
        stage_upload(
            session, project, filename="old.xls", data=b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"0" * 100, user_id=user.id
        )
    with pytest.raises(BadFile, match="twice"):
        stage_upload(session, project, filename="a.csv", data="姓名,姓名\n1,2\n".encode(), user_id=user.id)
    with pytest.raises(BadFile, match="no rows"):
        stage_upload(session, project, filename="a.csv", data=_csv([]), user_id=user.id)


def test_missing_mapping_is_refused(session: Session, ctx) -> None:
    project, user = ctx
    upload = stage_upload(session, project, filename="a.csv", data=_csv(ROWS, "utf-8"), user_id=user.id)
    checked = preview(upload, {"mrn": "病案号"}, TODAY)
    assert checked.unmapped == ["visit", "name", "discharge_date", "diagnosis", "diagnosis_code"]
    with pytest.raises(ImportRefused, match="without a column"):
        _import(session, project, user, upload, {"mrn": "病案号"})


def test_entry_by_hand_checks_and_audits_without_patient_data(session: Session, ctx) -> None:
    project, user = ctx
    record = Record(project_id=project.id, mrn="00000077", visit=1)
    session.add(record)
    session.commit()
    actor = {"actor_user_id": user.id, "actor_role": user.role}
    values = {
        "name": "钱九",
        "discharge_date": "2024-06-01",
        "diagnosis": "肺炎",
        "diagnosis_code": "J18-900",
        "operation": "",
        "operation_code": "",
    }
    refused = enter_front_page(session, record, values, user_id=user.id, actor=actor, today=TODAY, now=utcnow())
    assert refused.row is None and refused.problems[0].code == "bad_icd10"
    values["diagnosis_code"] = "J18.900"
    done = enter_front_page(session, record, values, user_id=user.id, actor=actor, today=TODAY, now=utcnow())
    session.commit()
    assert done.row is not None and record.patient_name == "钱九"
    event = session.exec(select(AuditEvent).where(AuditEvent.action == "frontpage.edit")).one()
    assert set(event.detail["changed"]) == {"name", "discharge_date", "diagnosis", "diagnosis_code"}
    assert "钱九" not in str(event.detail)
