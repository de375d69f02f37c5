"""Front-page workbooks as Excel, WPS and XlsxWriter write them: every identifier read exactly as the cell shows it,
or its row refused with a reason; oversized and entity-declaring workbooks refused before parsing (422).

Workbooks are built with openpyxl and XlsxWriter; each valid one is also saved as CSV (UTF-8 with and without a
BOM, GB18030) and must read the same rows.
"""

import io
import re
import zipfile
from datetime import date, datetime

import pytest
import xlsxwriter
from fastapi.testclient import TestClient
from openpyxl import Workbook
from sqlmodel import Session, func, select

from app.accounts.models import Role
from app.core.clock import utcnow
from app.frontpage.exceptions import BadFile
from app.frontpage.models import FrontPageUpload
from app.frontpage.reader import read_table
from app.frontpage.service import import_upload, preview, stage_upload, suggested_mapping
from app.frontpage.xlsx import CellIssue, shown_number
from app.records.models import Record
from tests.factories import make_project, signed_in_web_user

TODAY = date(2026, 11, 22)
HEAD = ["病案号", "住院次数", "姓名", "出院日期", "主要诊断", "主要诊断编码", "主要手术", "主要手术编码"]
REST = ["张三", "2024-03-15", "急性阑尾炎", "K35.800", "", ""]


def _openpyxl(rows: list[list[object]], formats: dict[int, str] | None = None, **sheet_opts) -> bytes:
    book = Workbook()
    sheet = book.active
    for row in [HEAD, *rows]:
        sheet.append(row)
    for col, fmt in (formats or {}).items():
        for cells in sheet.iter_rows(min_row=2, min_col=col, max_col=col):
            cells[0].number_format = fmt
    for number in sheet_opts.get("hidden_rows", ()):
        sheet.row_dimensions[number].hidden = True
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _xlsxwriter(rows: list[list[object]], formats: dict[int, str] | None = None, **book_opts) -> bytes:
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"in_memory": True, **book_opts})
    sheet = book.add_worksheet()
    styles = {col: book.add_format({"num_format": fmt}) for col, fmt in (formats or {}).items()}
    sheet.write_row(0, 0, HEAD)
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row):
            style = styles.get(c + 1)
            if isinstance(value, datetime):
                sheet.write_datetime(r, c, value, style)
            elif isinstance(value, tuple):  # (formula, cached value)
                sheet.write_formula(r, c, value[0], style, value[1])
            else:
                sheet.write(r, c, value, style)
    book.close()
    return out.getvalue()


def _rows(data: bytes, name: str = "export.xlsx") -> list[dict[str, object]]:
    return [cells for _, cells in read_table(name, data).rows]


def _csvs(table_rows: list[dict[str, object]]) -> list[bytes]:
    """The same rows as a CSV in UTF-8 with and without a BOM, and in GB18030."""
    text = "\r\n".join(",".join(str(r.get(h) or "") for h in HEAD) for r in [{h: h for h in HEAD}, *table_rows])
    return [text.encode("utf-8-sig"), text.encode("utf-8"), text.encode("gb18030")]


BUILDERS = [_openpyxl, _xlsxwriter]


@pytest.mark.parametrize("build", BUILDERS)
def test_zero_padded_mrn_numbers_read_as_shown_and_in_every_csv(build) -> None:  # noqa: ANN001
    data = build([[7919, 1, *REST], [12, 2, *REST]], formats={1: "00000000"})
    rows = _rows(data)
    assert [r["病案号"] for r in rows] == ["00007919", "00000012"]
    assert [r["住院次数"] for r in rows] == ["1", "2"]
    for csv_data in _csvs(rows):
        assert [r["病案号"] for r in _rows(csv_data, "export.csv")] == ["00007919", "00000012"]


@pytest.mark.parametrize(
    ("fmt", "value", "shown"),
    [("0_ ", 7919, "7919"), ("@", 7919, "7919"), ('"A"000000', 42, "A000042"), ("General", 7919.0, "7919")],
)
def test_number_formats_that_carry_identity(fmt: str, value: object, shown: str) -> None:
    assert _rows(_xlsxwriter([[value, 1, *REST]], formats={1: fmt}))[0]["病案号"] == shown


def _preview(session: Session, project, user, data: bytes, name: str = "export.xlsx"):  # noqa: ANN001, ANN202
    upload = stage_upload(session, project, filename=name, data=data, user_id=user.id)
    return upload, preview(upload, suggested_mapping(session, project.id, read_table(name, data).headers), TODAY)


def test_zero_padded_mrn_updates_the_existing_record_never_a_new_7919(session: Session, ctx) -> None:  # noqa: ANN001
    project, user = ctx
    session.add(Record(project_id=project.id, mrn="00007919", visit=1))
    session.commit()
    upload, checked = _preview(session, project, user, _openpyxl([[7919, 1, *REST]], formats={1: "00000000"}))
    assert checked.ok, checked.refused
    result = import_upload(
        session, project, upload, checked.mapping, user_id=user.id, actor={}, today=TODAY, now=utcnow()
    )
    session.commit()
    assert (result.created, result.updated) == (0, 1)
    assert session.exec(select(Record.mrn).where(Record.project_id == project.id)).all() == ["00007919"]


def _with_dimension(data: bytes, ref: str) -> bytes:
    """The workbook with its sheet's declared dimension replaced (WPS writes A1 for a whole sheet)."""
    src, out = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            body = src.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                body = re.sub(rb'<dimension ref="[^"]*"/>', f'<dimension ref="{ref}"/>'.encode(), body)
                assert f'ref="{ref}"'.encode() in body
            dst.writestr(item, body)
    return out.getvalue()


@pytest.mark.parametrize("build", BUILDERS)
def test_a_wrong_sheet_dimension_says_nothing_about_the_rows(build) -> None:  # noqa: ANN001
    data = _with_dimension(build([["00000001", 1, *REST], ["00000002", 1, *REST]]), "A1")
    assert [r["病案号"] for r in _rows(data)] == ["00000001", "00000002"]


@pytest.mark.parametrize(
    ("value", "fmt", "code"),
    [
        (123456789012, "General", "scientific"),  # Excel shows 1.23457E+11
        (7919, "0.00E+00", "scientific"),
        (110101199001011234, "0", "digits_lost"),  # an 18-digit number kept only 15 digits
        (45000, "yyyy/m/d h:mm AM/PM;@", None),  # a date format: read as a date, not an MRN (bad_mrn)
    ],
)
def test_identifiers_that_cannot_be_read_as_shown_refuse_their_row(session: Session, ctx, value, fmt, code) -> None:  # noqa: ANN001
    project, user = ctx
    _, checked = _preview(session, project, user, _xlsxwriter([[value, 1, *REST]], formats={1: fmt}))
    assert not checked.ok and checked.refused[0].row_number == 2
    assert checked.refused[0].problems[0].code == (code or "bad_mrn")
    assert checked.refused[0].problems[0].field == "mrn"


def test_hidden_rows_are_refused_and_a_hidden_first_sheet_is_skipped(session: Session, ctx) -> None:  # noqa: ANN001
    project, user = ctx
    data = _openpyxl([["00000001", 1, *REST], ["00000002", 1, *REST]], hidden_rows=[3])
    _, checked = _preview(session, project, user, data)
    assert [(c.row_number, [p.code for p in c.problems]) for c in checked.refused] == [(3, ["hidden_row"])]

    book = Workbook()
    book.active.title = "lookup"
    book.active.append(["代码", "名称"])
    book.active.append(["K35.800", "急性阑尾炎"])
    book.active.sheet_state = "hidden"
    visible = book.create_sheet("首页")
    for row in [HEAD, ["00000003", 1, *REST]]:
        visible.append(row)
    out = io.BytesIO()
    book.save(out)
    assert [r["病案号"] for r in _rows(out.getvalue())] == ["00000003"]


def test_merged_title_and_two_row_headings() -> None:
    book = Workbook()
    sheet = book.active
    sheet.append(["出院病人首页 2024"])
    sheet.merge_cells("A1:H1")  # a title merged across the sheet
    sheet.append(["病案号", "住院次数", "姓名", "出院日期", "主要诊断", None, "主要手术", None])
    sheet.append([None, None, None, None, "名称", "编码", "名称", "编码"])
    for col in "ABCD":
        sheet.merge_cells(f"{col}2:{col}3")  # headings merged down over the sub-heading row
    sheet.merge_cells("E2:F2")
    sheet.merge_cells("G2:H2")
    sheet.append(["00000005", 1, "张三", "2024-03-15", "急性阑尾炎", "K35.800", "阑尾切除术", "47.09"])
    sheet.append(["00000006", 1, "李四", "2024-03-16", "肺炎", "J18.900", None, None])
    sheet.merge_cells("D4:D5")  # the same discharge day shown over two rows
    out = io.BytesIO()
    book.save(out)
    table = read_table("export.xlsx", out.getvalue())
    assert table.headers == [
        "病案号",
        "住院次数",
        "姓名",
        "出院日期",
        "主要诊断名称",
        "主要诊断编码",
        "主要手术名称",
        "主要手术编码",
    ]
    assert [r["出院日期"] for _, r in table.rows] == ["2024-03-15", "2024-03-15"]
    assert [n for n, _ in table.rows] == [4, 5]


def test_formulas_take_the_saved_value_and_an_unsaved_one_is_refused(session: Session, ctx) -> None:  # noqa: ANN001
    project, user = ctx
    cached = _xlsxwriter([[('=TEXT(7919,"00000000")', "00007919"), 1, *REST]])
    assert _rows(cached)[0]["病案号"] == "00007919"
    uncached = _openpyxl([['=TEXT(7919,"00000000")', 1, *REST]])  # openpyxl saves formulas without a value
    _, checked = _preview(session, project, user, uncached)
    assert [(p.code, p.field) for p in checked.refused[0].problems][:1] == [("formula_uncached", "mrn")]


@pytest.mark.parametrize("date_1904", [False, True])
def test_dates_as_serials_in_either_date_system_and_as_text(date_1904: bool) -> None:
    day = datetime(2024, 3, 15)
    data = _xlsxwriter(
        [["00000001", 1, "张三", day, *REST[2:]], ["00000002", 1, "李四", "2024-03-16", *REST[2:]]],
        formats={4: "yyyy-mm-dd"},
        date_1904=date_1904,
    )
    assert [r["出院日期"] for r in _rows(data)] == [day, "2024-03-16"]


def test_a_date_column_holding_plain_numbers_is_refused_with_its_reason(session: Session, ctx) -> None:  # noqa: ANN001
    project, user = ctx
    _, checked = _preview(session, project, user, _xlsxwriter([["00000001", 1, "张三", 45366, *REST[2:]]]))
    assert [(p.code, p.field) for p in checked.refused[0].problems] == [("date_serial", "discharge_date")]


def _zip(parts: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, body in parts.items():
            z.writestr(name, body)
    return out.getvalue()


def _replace_part(data: bytes, name: str, body: bytes) -> bytes:
    src = zipfile.ZipFile(io.BytesIO(data))
    assert name in src.namelist()
    return _zip({i.filename: (body if i.filename == name else src.read(i.filename)) for i in src.infolist()})


def _expanding_cell() -> bytes:
    """A small XLSX whose shared string expands to 300 MB (the probe's was 1 GB from 1 MB)."""
    good = _openpyxl([["00000001", 1, *REST]])
    src, out = zipfile.ZipFile(io.BytesIO(good)), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for item in src.infolist():
            dst.writestr(item, src.read(item.filename))
        with dst.open("xl/sharedStrings2.xml", "w") as part:
            chunk = b"A" * (1024 * 1024)
            for _ in range(300):
                part.write(chunk)
    return out.getvalue()


LAUGHS = (
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;">'
    b'<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;">]><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/'
    b'2006/main" count="1" uniqueCount="1"><si><t>&lol3;</t></si></sst>'
)
XXE = (
    b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
    b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><si><t>&x;</t></si></sst>'
)


def _bad_workbooks() -> list[tuple[str, object, str]]:
    return [
        ("expands to 300 MB", _expanding_cell, "frontpage_xlsx_too_large"),
        (
            "1,001 parts",
            lambda: _zip({f"xl/media/p{i}.xml": b"<a/>" for i in range(1001)}),
            "frontpage_xlsx_too_many_entries",
        ),
        (
            "entity expansion",
            lambda: _replace_part(_xlsxwriter([["x", 1, *REST]]), "xl/sharedStrings.xml", LAUGHS),
            "frontpage_xlsx_unsafe",
        ),
        (
            "external entity",
            lambda: _replace_part(_xlsxwriter([["x", 1, *REST]]), "xl/sharedStrings.xml", XXE),
            "frontpage_xlsx_unsafe",
        ),
        (
            "entity in UTF-16",
            lambda: _replace_part(
                _xlsxwriter([["x", 1, *REST]]), "xl/sharedStrings.xml", XXE.decode().encode("utf-16")
            ),
            "frontpage_xlsx_unsafe",
        ),
    ]


@pytest.mark.parametrize(("what", "make", "code"), _bad_workbooks(), ids=[w for w, _, _ in _bad_workbooks()])
def test_refused_workbooks_have_their_code_and_stage_nothing(session: Session, ctx, what, make, code) -> None:  # noqa: ANN001
    project, user = ctx
    with pytest.raises(BadFile) as refused:
        stage_upload(session, project, filename="export.xlsx", data=make(), user_id=user.id)
    assert refused.value.code == code and refused.value.status == 422, what
    assert session.exec(select(func.count()).select_from(FrontPageUpload)).one() == 0


def test_the_upload_page_answers_422_with_the_code(client: TestClient, session: Session) -> None:
    _, csrf = signed_in_web_user(client, session, make_project(session), "clerk", Role.vendor_manager)
    data = _replace_part(_xlsxwriter([["x", 1, *REST]]), "xl/sharedStrings.xml", LAUGHS)
    r = client.post(
        "/frontpage/import",
        data={"csrf_token": csrf},
        files={"file": ("export.xlsx", data, "application/octet-stream")},
        follow_redirects=False,
    )
    assert r.status_code == 422 and 'data-code="frontpage_xlsx_unsafe"' in r.text
    assert session.exec(select(func.count()).select_from(FrontPageUpload)).one() == 0


@pytest.mark.parametrize(
    ("value", "fmt", "shown"),
    [
        (7919, "00000000", "00007919"),
        (7919.0, "0_ ", "7919"),  # WPS pads with a space's width
        (47.1, "0.00", "47.10"),
        (47.09, "General", "47.09"),
        (7919, "#,##0", "7,919"),
        (-5, "0;(0)", "(5)"),
        (0, '0;-0;"zero"', "zero"),
        (0.5, "0%", "50%"),
        (7919, "[Red]000000", "007919"),
        (123456789012, "General", CellIssue("scientific", "1.23457E+11")),
        (7919, "0.00E+00", CellIssue("scientific", "7919")),
        (110101199001011234, "@", CellIssue("digits_lost", "110101199001011234")),
        (45000, "yyyy/mm/dd", CellIssue("number_format", "45000")),
    ],
)
def test_numbers_are_shown_through_their_format(value: float, fmt: str, shown: object) -> None:
    assert shown_number(value, fmt) == shown


def test_full_width_headings_and_codes_in_a_csv_are_read_as_typed() -> None:
    from app.frontpage.rules import check_row, guess_mapping

    headers = ["ＭＲＮ", "住院次数", "姓名（患者）", "出院日期", "主要诊断", "主要诊断编码"]
    assert guess_mapping(headers)["mrn"] == "ＭＲＮ"
    raw = {"mrn": "００００７９１９", "visit": "１", "name": "张三", "discharge_date": "２０２４－０３－１５"}
    checked = check_row(2, {**raw, "diagnosis": "急性阑尾炎", "diagnosis_code": "Ｋ３５．８００"}, TODAY)
    assert checked.row is not None, checked.problems
    assert (checked.row.mrn, checked.row.visit, checked.row.diagnosis_code) == ("00007919", 1, "K35.800")
    assert checked.row.discharge_date == date(2024, 3, 15)
