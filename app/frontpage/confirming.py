"""Closing a front-page check's false alarm: a person confirms that a differing field was misread (issue 18
follow-up). The page is the record's and the record's value is right; the reading was wrong.

The opposite case (the record's value is wrong) is corrected through the front-page entry, or the page re-shot;
both give the check anew, and void a confirmation whose values changed (checks.refresh, checks.finish).
"""

import re
from datetime import datetime

from sqlmodel import Session, select

from app.audit.service import record_event
from app.frontpage import checks
from app.frontpage.crosscheck import CHECKED
from app.frontpage.exceptions import (
    AlreadyConfirmed,
    NotAMismatch,
    NoteTooLong,
    ReadingNotCurrent,
    ReadingNotFound,
    ValuesChanged,
)
from app.frontpage.models import FrontPage, FrontPageConfirmation, FrontPageReading
from app.records.models import Record

MAX_NOTE = 500  # characters as a browser's maxlength counts them: a line break is one
_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f]")  # control characters but the line feed


def clean_note(note: str | None) -> str | None:
    """The note as stored: line breaks as LF (a browser sends CRLF but counts one character, as here), control
    characters left out, stripped; None when empty. Errors: NoteTooLong (422) over MAX_NOTE characters."""
    text = _CONTROL.sub("", (note or "").replace("\r\n", "\n").replace("\r", "\n")).strip()
    if len(text) > MAX_NOTE:
        raise NoteTooLong(f"the note has {len(text)} characters, at most {MAX_NOTE} are kept")
    return text or None


def confirm_misread(
    session: Session,
    record: Record,
    reading_id: int,
    fields: list[str],
    *,
    note: str | None,
    seen: dict[str, str] | None = None,
    user_id: int,
    actor: dict,
    now: datetime,
) -> list[FrontPageConfirmation]:
    """Confirm that these differing fields of the record's current reading were misread (fields empty: every
    field that differs now); returns the confirmations made, one per field.

    Each confirmation vouches for the field's values as they are now (crosscheck.vouched) and closes its
    difference: it no longer counts as a mismatch, a wrong-record alarm (MRN, name) or a wrong field of the lot's
    estimated error rate, and the lot's figures say how many were closed this way. It is audited
    ("frontpage.confirm", in this transaction) and void once the page is read again or those values change.
    seen: field → FieldCheck.fingerprint() of the values the confirming screen showed (None: not checked, a caller
    without a screen); a field to confirm whose values are not those is refused, nothing stored.
    note: optional (clean_note: at most MAX_NOTE characters, a line break one); stored, and in the audit event.

    Errors: ReadingNotFound (404: no such reading of this record, e.g. another project's), ReadingNotCurrent (409:
    the page was read again since), AlreadyConfirmed (409: every field asked for is closed by a confirmation that
    holds), NotAMismatch (422: a field that does not differ now, or no field of the check), NoteTooLong (422),
    ValuesChanged (409: a field's values changed since the screen was shown, or the screen did not show it).
    """
    note = clean_note(note)
    reading = session.exec(
        select(FrontPageReading).where(FrontPageReading.id == reading_id).with_for_update()
    ).first()  # one confirmation at a time per reading (PostgreSQL); SQLite writes one at a time anyway
    if reading is None or reading.project_id != record.project_id or reading.record_id != record.id:
        raise ReadingNotFound(f"record {record.id} has no front-page reading {reading_id}")
    if not reading.current:
        raise ReadingNotCurrent(f"reading {reading_id} is no longer the record's current reading")
    fp = session.exec(select(FrontPage).where(FrontPage.record_id == record.id)).first()
    active = checks.active_confirmations(session, [record.id]).get(record.id, [])
    check = checks.compare(reading, record, fp, active)
    states = {f.field: f for f in check.fields}
    wanted = list(dict.fromkeys(fields)) or [f.field for f in check.mismatches]
    if not wanted:
        if check.confirmed(CHECKED):
            raise AlreadyConfirmed(f"every difference of reading {reading_id} is confirmed already")
        raise NotAMismatch(f"no field of reading {reading_id} differs from the record")
    for name in wanted:
        if name in states and seen is not None and name in seen and seen[name] != states[name].fingerprint():
            raise ValuesChanged(f"the values of {name} changed since the screen was shown")
        if name not in states or states[name].state not in ("mismatch", "confirmed"):
            raise NotAMismatch(f"{name[:20]!r} does not differ on reading {reading_id}")
    todo = [states[name] for name in wanted if states[name].state == "mismatch"]
    if seen is not None and any(f.field not in seen for f in todo):
        raise ValuesChanged("the screen did not show every difference asked for")
    if not todo:  # a second click, or two people at once: the first confirmation stands
        raise AlreadyConfirmed(f"{', '.join(wanted)} of reading {reading_id} confirmed already")
    made = [
        FrontPageConfirmation(
            project_id=record.project_id,
            record_id=record.id,
            reading_id=reading.id,
            field=f.field,
            recorded=f.recorded,
            recorded_code=f.recorded_code,
            read=f.read,
            read_code=f.read_code,
            note=note,
            confirmed_by=user_id,
            confirmed_at=now,
        )
        for f in todo
    ]
    session.add_all(made)
    session.flush()
    checks.refresh(session, [record.id])  # the stored check (alert, lot figures) follows at once
    record_event(
        session,
        "frontpage.confirm",
        project_id=record.project_id,
        object_type="record",
        object_id=record.id,
        detail={"reading_id": reading.id, "fields": [c.field for c in made], "note": note},
        **actor,
    )
    return made
