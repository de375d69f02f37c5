"""Which labels to print (records, boxes, shelves) and the routing slip of one record."""

from dataclasses import dataclass
from datetime import datetime

from markupsafe import Markup
from sqlalchemy import func
from sqlmodel import Session, col, select

from app.custody.models import Box, Handover, HandoverItem, RecordCustody, Shelf
from app.custody.rules import handover_label
from app.labels.barcodes import QUIET, code128_modules, code128_svg, qr_svg
from app.labels.exceptions import BadLabelRequest, NoSuchPart, NothingToPrint
from app.labels.fonts import printable
from app.labels.rules import Layout, code128_fits, module_mm, part_size, parts, patient_initials, record_code
from app.pages.models import Page
from app.projects.models import Project
from app.records.models import Record
from app.records.rules import parse_barcode

KINDS = ("records", "boxes", "shelves")
SLIP_LAYOUT = Layout("slip", 210, 297, 1, 1, 120, 30, 0, 0)  # the slip's barcode box: 120 mm wide
SOURCES = ("handover", "no_barcode", "all")


@dataclass(frozen=True)
class Label:
    """One label: the code its symbol carries and the short lines printed beside it."""

    code: str
    title: str
    lines: tuple[str, ...]
    svg: Markup | None  # the symbol as inline SVG (presentation attributes only: allowed by the CSP, prints offline)
    problem: str | None = None  # why no symbol could be printed: "too_long", "not_code128", "pattern"


@dataclass(frozen=True)
class Selection:
    """What to print: records of a handover batch, records without a barcode, all records, boxes or shelves."""

    kind: str
    source: str = "all"
    handover_id: int | None = None

    def check(self) -> None:
        """Raise BadLabelRequest for a kind or source Folio does not print."""
        if self.kind not in KINDS or self.source not in SOURCES:
            raise BadLabelRequest(f"unknown label kind {self.kind!r} or source {self.source!r}")
        if self.kind == "records" and self.source == "handover" and not self.handover_id:
            raise BadLabelRequest("choose the handover batch whose records to label", code="handover_required")


def _query(project_id: int, sel: Selection):  # noqa: ANN202  (a select of the rows to label, in a stable order)
    if sel.kind == "boxes":
        return select(Box).where(Box.project_id == project_id).order_by(Box.barcode)
    if sel.kind == "shelves":
        return select(Shelf).where(Shelf.project_id == project_id).order_by(Shelf.barcode)
    query = select(Record).where(Record.project_id == project_id)
    if sel.source == "handover":
        query = (
            query.join(HandoverItem, col(HandoverItem.record_id) == col(Record.id))
            .join(Handover, col(Handover.id) == col(HandoverItem.handover_id))
            .where(Handover.id == sel.handover_id, Handover.project_id == project_id)
            .order_by(HandoverItem.position)
        )
        return query
    if sel.source == "no_barcode":
        query = query.where(col(Record.barcode).is_(None))
    return query.order_by(Record.mrn, Record.visit)


def count_labels(session: Session, project_id: int, sel: Selection) -> int:
    """How many labels the selection prints."""
    sel.check()
    return session.exec(select(func.count()).select_from(_query(project_id, sel).subquery())).one()


def symbol(code: str, symbology: str, layout: Layout | None = None) -> tuple[Markup | None, str | None]:
    """The symbol of a code as inline SVG markup (Code 128 by default, or QR), or None and why not.

    Code 128 carries printable ASCII only ("not_code128") and must fit the label with bars of at least
    rules.MIN_MODULE_MM ("too_long"); QR carries any text.
    """
    if symbology == "qr":
        return Markup(qr_svg(code)), None  # noqa: S704  # nosec B704 - our own SVG: path data only
    modules = code128_modules(code)
    if modules is None:
        return None, "not_code128"
    width = len(modules) + 2 * QUIET
    if layout is not None and not code128_fits(width, layout):
        return None, "too_long"
    size = module_mm(width, layout) if layout is not None else 0.33
    return Markup(code128_svg(code, module_mm=size)), None  # noqa: S704  # nosec B704 - our own SVG


def _label(row: object, project: Project, symbology: str, layout: Layout) -> Label:
    if isinstance(row, Record):
        code = record_code(row.mrn, row.visit, row.barcode)
        initials = patient_initials(row.patient_name, printable)
        lines = (f"{row.mrn} / {row.visit}", *((initials,) if initials else ()), project.code)
        if not row.barcode:
            key = parse_barcode(code, project.barcode_pattern)
            if key is None or (key.mrn, key.visit) != (row.mrn, row.visit):
                return Label(code, code, lines, None, "pattern")  # a station would not read it back
        return Label(code, code, lines, *symbol(code, symbology, layout))
    if isinstance(row, Box):
        return Label(row.barcode, row.barcode, (project.code,), *symbol(row.barcode, symbology, layout))
    assert isinstance(row, Shelf)
    return Label(row.barcode, row.barcode, (row.place, project.code), *symbol(row.barcode, symbology, layout))


def labels_part(
    session: Session, project: Project, sel: Selection, layout: Layout, symbology: str, part: int
) -> tuple[list[Label], int]:
    """The labels of one printed part (1-based) and the number of parts.

    A part holds at most rules.MAX_LABELS_PER_PART labels in whole sheets. A label whose symbol cannot be printed
    (Label.problem: too long for the stock, not Code 128, or an 'MRN-visit' the project's barcode pattern would not
    read back) is printed as text with the reason, so one record never stops the rest. Raises NothingToPrint for an
    empty selection and NoSuchPart for a part beyond the last.
    """
    total = count_labels(session, project.id, sel)
    if total == 0:
        raise NothingToPrint("the selection holds nothing to label")
    count = parts(total, layout)
    if not 1 <= part <= count:
        raise NoSuchPart(f"part {part} does not exist; the selection prints in {count} parts")
    size = part_size(layout)
    rows = list(session.exec(_query(project.id, sel).offset((part - 1) * size).limit(size)))
    return [_label(row, project, symbology, layout) for row in rows], count


@dataclass(frozen=True)
class Slip:
    """The routing slip (流转单) that travels with a record's paper: identity, counts, where it has been."""

    record: Record
    code: str
    initials: str
    svg: Markup | None
    problem: str | None
    captured_pages: int
    segments: list[tuple[int, str]]
    checkout: str | None
    checkout_at: datetime | None
    box: str | None


def routing_slip(session: Session, project: Project, record: Record) -> Slip:
    """The slip of one record: MRN, visit, declared and captured pages, segments, check-out batch, box, barcode."""
    live = session.exec(
        select(Page.page_number, Page.segment)
        .where(Page.record_id == record.id, col(Page.deleted_at).is_(None))
        .order_by(col(Page.page_number))
    ).all()
    custody = session.exec(select(RecordCustody).where(RecordCustody.record_id == record.id)).first()
    checkout = session.exec(  # the latest check-out batch the record was scanned into (not a withdrawn one)
        select(Handover)
        .join(HandoverItem, col(HandoverItem.handover_id) == col(Handover.id))
        .where(HandoverItem.record_id == record.id, Handover.kind == "checkout", Handover.status != "cancelled")
        .order_by(col(Handover.id).desc())
    ).first()
    box = session.get(Box, custody.box_id) if custody and custody.box_id else None
    code = record_code(record.mrn, record.visit, record.barcode)
    svg, problem = symbol(code, "code128", SLIP_LAYOUT)
    return Slip(
        record=record,
        code=code,
        initials=patient_initials(record.patient_name, printable),
        svg=svg,
        problem=problem,
        captured_pages=len(live),
        segments=[(number, segment) for number, segment in live if segment],
        checkout=handover_label(checkout.kind, checkout.number) if checkout else None,
        checkout_at=checkout.created_at if checkout else None,
        box=box.barcode if box else None,
    )
