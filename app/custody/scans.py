"""Reading scans: what a scanned or typed code names (a record, a box, a shelf) for the scanning screens."""

from dataclasses import dataclass

from sqlalchemy import func
from sqlmodel import Session, select

from app.custody.models import (
    Box,
    CustodyState,
    HandoverKind,
    RecordCustody,
    Shelf,
)
from app.custody.policy import custody_of
from app.custody.rules import (
    clean_code,
    refusal_for_checkout,
    refusal_for_return,
    typed_key,
)
from app.projects.models import Project
from app.records.models import Record
from app.records.rules import parse_barcode
from app.records.service import find_record, get_or_create_record

# --- reading scans ---------------------------------------------------------------------------


def record_for_code(session: Session, project: Project, code: str) -> Record | None:
    """The record a scanned or typed code names: its barcode, a barcode of the project's pattern, or 'MRN visit'."""
    code = clean_code(code)
    if not code:
        return None
    found = find_record(session, project.id, barcode=code)
    if found is not None:
        return found
    key = parse_barcode(code, project.barcode_pattern) or typed_key(code)
    if key is None:
        return None
    return find_record(session, project.id, mrn=key.mrn, visit=key.visit)


def record_or_new(session: Session, project: Project, code: str, actor: dict) -> Record | None:
    """The record a code names, created (without the capture rule) when the code is a barcode or 'MRN visit'."""
    found = record_for_code(session, project, code)
    if found is not None:
        return found
    if parse_barcode(code, project.barcode_pattern) is not None:
        record, _ = get_or_create_record(session, project, barcode=code, actor=actor, capture=False)
        return record
    key = typed_key(code)
    if key is not None:
        record, _ = get_or_create_record(session, project, mrn=key.mrn, visit=key.visit, actor=actor, capture=False)
        return record
    return None


def box_for_code(session: Session, project_id: int, code: str) -> Box | None:
    """The project's box with this barcode."""
    return session.exec(select(Box).where(Box.project_id == project_id, Box.barcode == clean_code(code))).first()


def shelf_for_code(session: Session, project_id: int, code: str) -> Shelf | None:
    """The project's shelf with this barcode."""
    return session.exec(select(Shelf).where(Shelf.project_id == project_id, Shelf.barcode == clean_code(code))).first()


@dataclass(frozen=True)
class Lookup:
    """What a scanned code is, for the scanning screens: a record (with its custody) or a box, or nothing."""

    code: str
    kind: str  # record | box | new_record | unknown
    label: str
    state: str | None = None
    problem: str | None = None  # a refusal code of this handover kind
    records: int = 0  # a box: how many records it holds that could be returned


def lookup(session: Session, project: Project, code: str, kind: str) -> Lookup:
    """What a scan would add to a batch of this kind, and whether it would be refused (for the scanner's row)."""
    code = clean_code(code)
    if kind == HandoverKind.returned:
        box = box_for_code(session, project.id, code)
        if box is not None:
            n = session.exec(
                select(func.count())
                .select_from(RecordCustody)
                .where(RecordCustody.box_id == box.id, RecordCustody.state == CustodyState.out)
            ).one()
            return Lookup(code, "box", box.barcode, records=n, problem=None if n else "empty_box")
    record = record_for_code(session, project, code)
    if record is None:
        if kind == HandoverKind.checkout and (parse_barcode(code, project.barcode_pattern) or typed_key(code)):
            key = parse_barcode(code, project.barcode_pattern) or typed_key(code)
            return Lookup(code, "new_record", f"{key.mrn}/{key.visit}")
        return Lookup(code, "unknown", code, problem="unknown_code")
    custody = custody_of(session, record.id)
    state = custody.state if custody else None
    if kind == HandoverKind.checkout:
        problem = refusal_for_checkout(state)
    else:
        problem = refusal_for_return(state, bool(custody and custody.return_id))
    return Lookup(code, "record", _label(record), state=state or CustodyState.inside, problem=problem)


def _label(record: Record) -> str:
    return f"{record.mrn}/{record.visit}" + (f" {record.patient_name}" if record.patient_name else "")
