"""Re-shoot tasks as people see them: a record's open tasks, the project's list, withdrawing one, records held
back from acceptance, and the paper a re-shoot needs."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import exists, func, update
from sqlmodel import Session, col, select

from app.accounts.models import User
from app.audit.service import record_event
from app.inspection.exceptions import AlreadyInspected, TaskNotFound
from app.inspection.models import ReshootTask, TaskStatus
from app.pages.models import Page
from app.records.models import Record


def open_task_of_page(session: Session, page_id: int) -> ReshootTask | None:
    """The page's open re-shoot task, if any."""
    return session.exec(
        select(ReshootTask).where(ReshootTask.page_id == page_id, ReshootTask.status == TaskStatus.open)
    ).first()


def get_task(session: Session, project_id: int, task_id: int) -> ReshootTask:
    """A re-shoot task of the project, or a 404."""
    task = session.get(ReshootTask, task_id)
    if task is None or task.project_id != project_id:
        raise TaskNotFound(f"re-shoot task {task_id} does not exist")
    return task


def cancel_task(
    session: Session, task: ReshootTask, *, user_id: int, actor: dict, now: datetime, reason: str = "mistaken"
) -> ReshootTask:
    """Withdraw an open task (flagged by mistake, or its page deleted: `reason` "mistaken" | "page deleted",
    kept in the audit event); a closed or cancelled task stays as it is (409 task_not_open)."""
    done = session.execute(
        update(ReshootTask)
        .where(col(ReshootTask.id) == task.id, col(ReshootTask.status) == TaskStatus.open)
        .values(status=TaskStatus.cancelled, closed_at=now)
    )
    if done.rowcount != 1:
        raise AlreadyInspected("this task is no longer open", code="task_not_open")
    session.refresh(task)
    _uncount(session, task)
    record_event(
        session,
        "reshoot_task.cancel",
        project_id=task.project_id,
        object_type="reshoot_task",
        object_id=task.id,
        detail={"page_id": task.page_id, "by": user_id, "reason": reason},
        **actor,
    )
    return task


def _uncount(session: Session, task: ReshootTask) -> None:
    """A withdrawn flag leaves the defects figures (app.inspection.tally)."""
    from app.inspection.tally import count_flag
    from app.pages.models import PageImage
    from app.projects.models import Project

    image, project = session.get(PageImage, task.image_id), session.get(Project, task.project_id)
    if image is not None and project is not None:
        count_flag(session, project.timezone, task, image, sign=-1)


def withdraw_page_task(session: Session, page_id: int, *, user_id: int, actor: dict, now: datetime) -> None:
    """The page is deleted (renumbered away at the station): its open re-shoot task, if any, is withdrawn
    (audited with reason "page deleted")."""
    task = open_task_of_page(session, page_id)
    if task is not None:
        cancel_task(session, task, user_id=user_id, actor=actor, now=now, reason="page deleted")


def user_name(session: Session, user_id: int | None) -> str:
    """A user's display name (or username), '?' when unknown."""
    user = session.get(User, user_id) if user_id else None
    return (user.display_name or user.username) if user else "?"


# --- reading ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TaskView:
    """A re-shoot task as a station or a screen shows it: the page's number today and who flagged it."""

    task: ReshootTask
    page_number: int
    flagged_by_name: str
    record: Record


def record_tasks(session: Session, record: Record, *, only_open: bool = True) -> list[TaskView]:
    """The record's re-shoot tasks (open ones by default) in page order."""
    query = (
        select(ReshootTask, Page)
        .join(Page, col(Page.id) == col(ReshootTask.page_id))
        .where(ReshootTask.record_id == record.id)
    )
    if only_open:
        query = query.where(ReshootTask.status == TaskStatus.open, col(Page.deleted_at).is_(None))
    rows = session.exec(query.order_by(col(Page.page_number), col(ReshootTask.id))).all()
    return [TaskView(task, page.page_number, user_name(session, task.flagged_by), record) for task, page in rows]


def project_tasks(
    session: Session, project_id: int, *, status: str = TaskStatus.open, limit: int = 500
) -> list[TaskView]:
    """The project's tasks with a status, oldest first (at most `limit`)."""
    rows = session.exec(
        select(ReshootTask, Page, Record)
        .join(Page, col(Page.id) == col(ReshootTask.page_id))
        .join(Record, col(Record.id) == col(ReshootTask.record_id))
        .where(ReshootTask.project_id == project_id, ReshootTask.status == status)
        .order_by(col(ReshootTask.id))
        .limit(limit)
    ).all()
    return [
        TaskView(task, page.page_number, user_name(session, task.flagged_by), record) for task, page, record in rows
    ]


def open_task_exists(record_id_column):  # noqa: ANN001, ANN201  (a column, an EXISTS clause)
    """EXISTS (an open re-shoot task of the record): what keeps a record out of an acceptance lot."""
    return exists().where(
        ReshootTask.record_id == record_id_column,
        ReshootTask.status == TaskStatus.open,
        col(Page.id) == col(ReshootTask.page_id),
        col(Page.deleted_at).is_(None),  # a withdrawn page's task holds nothing back
    )


@dataclass(frozen=True)
class HeldBack:
    """A record kept out of an acceptance lot because of open re-shoot tasks: which pages and why."""

    record_id: int
    mrn: str
    visit: int
    pages: list[tuple[int, str]]  # (page number, defect code)


def held_back_records(session: Session, project_id: int, *, limit: int = 200) -> list[HeldBack]:
    """Finished records not in a lot that have open re-shoot tasks, with their flagged pages and reasons."""
    from app.acceptance.models import LotRecord
    from app.records.models import RecordStatus

    rows = session.exec(
        select(Record, Page.page_number, ReshootTask.reason)
        .join(ReshootTask, col(ReshootTask.record_id) == col(Record.id))
        .join(Page, col(Page.id) == col(ReshootTask.page_id))
        .where(
            Record.project_id == project_id,
            ReshootTask.status == TaskStatus.open,
            col(Page.deleted_at).is_(None),
            Record.status == RecordStatus.finished,
            col(Record.id).not_in(select(LotRecord.record_id)),
        )
        .order_by(col(Record.mrn), col(Record.visit), col(Page.page_number))
    ).all()
    found: dict[int, HeldBack] = {}
    for record, number, reason in rows:
        if record.id not in found:
            if len(found) >= limit:
                break
            found[record.id] = HeldBack(record.id, record.mrn, record.visit, [])
        found[record.id].pages.append((number, reason))
    return list(found.values())


def operators_of(session: Session, project_id: int) -> list[User]:
    """The project's operators, by name (for the rate form)."""
    return list(
        session.exec(
            select(User).where(User.project_id == project_id, User.role == "operator").order_by(col(User.display_name))
        )
    )


@dataclass(frozen=True)
class PaperNeeded:
    """A record with open re-shoot tasks and where its paper is now."""

    record: Record
    tasks: int
    custody_state: str | None  # in | pending_out | out, None when custody was never recorded
    needs_checkout: bool  # the paper is back in the records room: the custodian must hand it out again


def paper_needed(session: Session, project_id: int, *, limit: int = 1000) -> list[PaperNeeded]:
    """Records with open re-shoot tasks, those whose paper is back in the records room first; never a record in
    an acceptance lot whose manifest is frozen (applied, in review, accepted: no re-shoot, so no check-out)."""
    from app.acceptance.models import Lot, LotRecord, LotStatus
    from app.custody.models import CustodyState, RecordCustody

    rows = session.exec(
        select(Record, func.count(col(ReshootTask.id)), RecordCustody.state)
        .join(ReshootTask, col(ReshootTask.record_id) == col(Record.id))
        .join(Page, col(Page.id) == col(ReshootTask.page_id))
        .outerjoin(RecordCustody, col(RecordCustody.record_id) == col(Record.id))
        .where(
            Record.project_id == project_id,
            ReshootTask.status == TaskStatus.open,
            col(Page.deleted_at).is_(None),
            col(Record.id).not_in(
                select(LotRecord.record_id)
                .join(Lot, col(Lot.id) == col(LotRecord.lot_id))
                .where(Lot.status != LotStatus.correcting)
            ),
        )
        .group_by(col(Record.id), col(RecordCustody.state))
        .order_by(col(Record.mrn), col(Record.visit))
        .limit(limit)
    ).all()
    found = [PaperNeeded(r, n, state, state == CustodyState.inside) for r, n, state in rows]
    return sorted(found, key=lambda p: not p.needs_checkout)


def held_back_text(held: list[HeldBack], gettext, defect_words) -> str:  # noqa: ANN001
    """One line for the lot application: which records were held back for open re-shoot tasks, which pages, why.

    gettext: the user's translation function; defect_words: code -> msgid of a defect."""
    if not held:
        return ""
    parts = []
    for h in held[:20]:
        pages = ", ".join(
            gettext("page %(n)s (%(why)s)") % {"n": n, "why": gettext(defect_words(code))} for n, code in h.pages
        )
        parts.append(f"{h.mrn}/{h.visit}: {pages}")
    more = " …" if len(held) > 20 else ""
    return gettext("Held back for open re-shoot tasks:") + " " + "; ".join(parts) + more


def lot_application_notes(session: Session, project_id: int) -> dict:
    """What the lot application page shows from vendor QC: records held back by open re-shoot tasks (with pages
    and reasons) and finished records with suspected repeated pages."""
    from app.inspection.repeats import finished_with_repeats

    return {
        "qc_held_back": held_back_records(session, project_id),
        "qc_repeats": finished_with_repeats(session, project_id),
    }
