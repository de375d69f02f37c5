"""Front-page data: uploads waiting for a mapping, the check, the all-or-nothing import, and entry by hand."""

import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import func
from sqlmodel import Session, col, select

from app.audit.service import record_event
from app.core.clock import utcnow
from app.frontpage.checks import refresh
from app.frontpage.exceptions import BadFile, FileTooLarge, ImportRefused, UploadNotFound
from app.frontpage.models import FrontPage, FrontPageImport, FrontPageMapping, FrontPageUpload
from app.frontpage.reader import Table, UnreadableFile, read_table
from app.frontpage.rules import (
    FIELDS,
    Checked,
    FrontPageRow,
    Problem,
    check_row,
    check_rows,
    guess_mapping,
    mapping_problems,
)
from app.projects.models import Project
from app.records.models import Record

MAX_UPLOAD_BYTES = 50 * 1024 * 1024
STAGED_HOURS = 24  # a staged upload not imported within this time is removed
_CHUNK = 500


@dataclass
class Preview:
    """What an import of this file with this mapping would do: the refused rows with reasons, or the counts."""

    headers: list[str]
    mapping: dict[str, str]
    unmapped: list[str]
    total: int = 0
    refused: list[Checked] = field(default_factory=list)
    valid: list[FrontPageRow] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when the mapping is complete and every row is good: the import may run."""
        return not self.unmapped and not self.refused and self.total > 0


@dataclass(frozen=True)
class ImportResult:
    """How the import went."""

    import_id: int
    rows: int
    created: int
    updated: int


def get_mapping(session: Session, project_id: int) -> dict[str, str]:
    """The project's saved column mapping (empty when none was saved yet)."""
    row = session.exec(select(FrontPageMapping).where(FrontPageMapping.project_id == project_id)).first()
    return dict(row.mapping) if row else {}


def save_mapping(session: Session, project_id: int, mapping: dict[str, str], *, user_id: int, now: datetime) -> None:
    """Keep the column mapping for the project's next import."""
    clean = {f: h for f, h in mapping.items() if f in FIELDS and h}
    row = session.exec(select(FrontPageMapping).where(FrontPageMapping.project_id == project_id)).first()
    row = row or FrontPageMapping(project_id=project_id)
    row.mapping, row.updated_at, row.updated_by = clean, now, user_id
    session.add(row)
    session.flush()


def stage_upload(session: Session, project: Project, *, filename: str, data: bytes, user_id: int) -> FrontPageUpload:
    """Keep an uploaded export until its mapping is chosen; refused at once when it is not a readable table."""
    if not data:
        raise BadFile("the file is empty", code="frontpage_empty")
    if len(data) > MAX_UPLOAD_BYTES:
        mb = MAX_UPLOAD_BYTES // (1024 * 1024)
        raise FileTooLarge(f"the file is larger than {mb} MB: split the export", code="frontpage_file_too_large", mb=mb)
    table = _read(filename, data)
    if not table.rows:
        raise BadFile("the file has headings but no rows", code="frontpage_no_rows")
    stale = utcnow() - timedelta(hours=STAGED_HOURS)
    for old in session.exec(
        select(FrontPageUpload).where(FrontPageUpload.project_id == project.id, FrontPageUpload.uploaded_at < stale)
    ):
        session.delete(old)  # uploads never imported (refused, or left half-way)
    upload = FrontPageUpload(
        project_id=project.id,
        filename=filename[-200:] or "upload",
        data=data,
        size_bytes=len(data),
        uploaded_by=user_id,
    )
    session.add(upload)
    session.flush()
    return upload


def get_upload(session: Session, project_id: int, upload_id: int) -> FrontPageUpload:
    """The project's staged upload, or a 404."""
    upload = session.get(FrontPageUpload, upload_id)
    if upload is None or upload.project_id != project_id:
        raise UploadNotFound(f"upload {upload_id} does not exist (it may have been imported already)")
    return upload


def _read(filename: str, data: bytes) -> Table:
    try:
        return read_table(filename, data)
    except UnreadableFile as exc:
        raise BadFile(str(exc), code=exc.code, **exc.params) from exc


def suggested_mapping(session: Session, project_id: int, headers: list[str]) -> dict[str, str]:
    """The saved mapping where its columns exist in this file, else a guess from the headings."""
    saved = {f: h for f, h in get_mapping(session, project_id).items() if h in headers}
    guessed = guess_mapping(headers)
    return {f: saved.get(f) or guessed.get(f, "") for f in FIELDS}


def preview(upload: FrontPageUpload, mapping: dict[str, str], today: date) -> Preview:
    """Check every row of the upload under the mapping; nothing is written."""
    table = _read(upload.filename, upload.data)
    mapping = {f: mapping.get(f, "") for f in FIELDS}
    result = Preview(table.headers, mapping, mapping_problems(mapping, table.headers), total=len(table.rows))
    if result.unmapped:
        return result
    rows = [(n, {f: cells.get(h) for f, h in mapping.items() if h}) for n, cells in table.rows]
    for checked in check_rows(rows, today):
        if checked.row_number in table.hidden_rows:  # nobody saw it in Excel or WPS: refused, never imported
            checked.problems.insert(0, Problem("hidden_row"))
            checked.row = None
        if checked.row is None:
            result.refused.append(checked)
        else:
            result.valid.append(checked.row)
    return result


def import_upload(
    session: Session,
    project: Project,
    upload: FrontPageUpload,
    mapping: dict[str, str],
    *,
    user_id: int,
    actor: dict,
    today: date,
    now: datetime,
) -> ImportResult:
    """Import every row or none: refused (ImportRefused) when the mapping or any row is wrong."""
    checked = preview(upload, mapping, today)
    save_mapping(session, project.id, checked.mapping, user_id=user_id, now=now)
    if not checked.ok:
        raise ImportRefused(
            f"{len(checked.refused)} of {checked.total} rows refused"
            + (f"; fields without a column: {', '.join(checked.unmapped)}" if checked.unmapped else "")
            + "; nothing was imported",
            code="frontpage_fields_unmapped" if checked.unmapped else "frontpage_rows_refused",
            refused=len(checked.refused),
            total=checked.total,
            fields=list(checked.unmapped),
        )
    record = FrontPageImport(
        project_id=project.id,
        filename=upload.filename,
        sha256=hashlib.sha256(upload.data).hexdigest(),
        rows=checked.total,
        records_created=0,
        records_updated=0,
        imported_by=user_id,
        imported_at=now,
    )
    session.add(record)
    session.flush()
    created = updated = 0
    for start in range(0, len(checked.valid), _CHUNK):
        chunk = checked.valid[start : start + _CHUNK]
        c, u = _write_chunk(session, project.id, chunk, import_id=record.id, user_id=user_id, now=now)
        created, updated = created + c, updated + u
    record.records_created, record.records_updated = created, updated
    session.add(record)
    session.delete(upload)
    session.flush()
    record_event(
        session,
        "frontpage.import",
        project_id=project.id,
        object_type="front_page_import",
        object_id=record.id,
        detail={
            "file": upload.filename,
            "sha256": record.sha256,
            "rows": checked.total,
            "created": created,
            "updated": updated,
        },
        **actor,
    )
    return ImportResult(record.id, checked.total, created, updated)


def _write_chunk(
    session: Session, project_id: int, rows: list[FrontPageRow], *, import_id: int, user_id: int, now: datetime
) -> tuple[int, int]:
    records = {
        (r.mrn, r.visit): r
        for r in session.exec(
            select(Record).where(Record.project_id == project_id, col(Record.mrn).in_({row.mrn for row in rows}))
        )
    }
    created = 0
    for row in rows:
        if (row.mrn, row.visit) not in records:
            rec = Record(project_id=project_id, mrn=row.mrn, visit=row.visit)
            session.add(rec)
            records[(row.mrn, row.visit)] = rec
            created += 1
    session.flush()
    ids = [records[(row.mrn, row.visit)].id for row in rows]
    pages = {fp.record_id: fp for fp in session.exec(select(FrontPage).where(col(FrontPage.record_id).in_(ids)))}
    for row, record_id in zip(rows, ids, strict=True):
        rec = records[(row.mrn, row.visit)]
        rec.patient_name, rec.discharge_date = row.name, row.discharge_date
        session.add(rec)
        fp = pages.get(record_id) or FrontPage(
            project_id=project_id, record_id=record_id, diagnosis="", diagnosis_code=""
        )
        _fill(fp, row, source="import", user_id=user_id, now=now)
        fp.import_id = import_id
        session.add(fp)
    session.flush()
    refresh(session, ids)  # the front-page check follows the new values
    return created, len(rows) - created


def _fill(fp: FrontPage, row: FrontPageRow, *, source: str, user_id: int, now: datetime) -> None:
    fp.diagnosis, fp.diagnosis_code = row.diagnosis, row.diagnosis_code
    fp.operation, fp.operation_code = row.operation, row.operation_code
    fp.source, fp.updated_at, fp.updated_by = source, now, user_id


def front_page_of(session: Session, record_id: int) -> FrontPage | None:
    """The record's diagnosis and operation, if entered or imported."""
    return session.exec(select(FrontPage).where(FrontPage.record_id == record_id)).first()


def form_values(record: Record, fp: FrontPage | None) -> dict[str, str]:
    """The five fields (and codes) of a record as the entry form shows them."""
    return {
        "mrn": record.mrn,
        "visit": str(record.visit),
        "name": record.patient_name or "",
        "discharge_date": record.discharge_date.isoformat() if record.discharge_date else "",
        "diagnosis": fp.diagnosis if fp else "",
        "diagnosis_code": fp.diagnosis_code if fp else "",
        "operation": (fp.operation or "") if fp else "",
        "operation_code": (fp.operation_code or "") if fp else "",
    }


def enter_front_page(
    session: Session,
    record: Record,
    values: dict[str, str],
    *,
    user_id: int,
    actor: dict,
    today: date,
    now: datetime,
) -> Checked:
    """Enter or correct a record's front page by hand; the answer lists the problems when it was refused."""
    raw = {**values, "mrn": record.mrn, "visit": str(record.visit)}
    checked = check_row(1, raw, today)
    if checked.row is None:
        return checked
    before = form_values(record, front_page_of(session, record.id))
    row = checked.row
    record.patient_name, record.discharge_date = row.name, row.discharge_date
    session.add(record)
    fp = front_page_of(session, record.id) or FrontPage(
        project_id=record.project_id, record_id=record.id, diagnosis="", diagnosis_code=""
    )
    _fill(fp, row, source="manual", user_id=user_id, now=now)
    fp.import_id = None
    session.add(fp)
    session.flush()
    refresh(session, [record.id])
    after = form_values(record, fp)
    record_event(
        session,
        "frontpage.edit",
        project_id=record.project_id,
        object_type="record",
        object_id=record.id,
        # Which fields changed, not their values: the audit trail carries no patient data.
        detail={"changed": [f for f in FIELDS if before[f] != after[f]]},
        **actor,
    )
    return checked


@dataclass(frozen=True)
class Coverage:
    """How many of the project's records have their front page, and a first page of those that do not."""

    records: int
    with_front_page: int
    missing: list[Record]
    imports: list[FrontPageImport]


def coverage(session: Session, project_id: int, *, limit: int = 100) -> Coverage:
    """Records with and without front-page data, and the latest imports."""
    total = session.exec(select(func.count()).select_from(Record).where(Record.project_id == project_id)).one()
    have = session.exec(select(func.count()).select_from(FrontPage).where(FrontPage.project_id == project_id)).one()
    missing = list(
        session.exec(
            select(Record)
            .where(Record.project_id == project_id)
            .where(~select(FrontPage.id).where(FrontPage.record_id == Record.id).exists())
            .order_by(col(Record.mrn), col(Record.visit))
            .limit(limit)
        )
    )
    imports = list(
        session.exec(
            select(FrontPageImport)
            .where(FrontPageImport.project_id == project_id)
            .order_by(col(FrontPageImport.id).desc())
            .limit(10)
        )
    )
    return Coverage(total, have, missing, imports)


def search_records(session: Session, project_id: int, query: str, *, limit: int = 50) -> list[Record]:
    """Records whose MRN or barcode starts with the query (or, with a space, MRN and visit)."""
    query = query.strip()
    if not query:
        return []
    parts = query.replace("-", " ").replace("_", " ").split()
    stmt = select(Record).where(Record.project_id == project_id)
    if len(parts) == 2 and parts[1].isdigit():
        stmt = stmt.where(Record.mrn == parts[0], Record.visit == int(parts[1]))
    else:
        stmt = stmt.where(col(Record.mrn).startswith(query) | (Record.barcode == query))
    return list(session.exec(stmt.order_by(col(Record.mrn), col(Record.visit)).limit(limit)))
