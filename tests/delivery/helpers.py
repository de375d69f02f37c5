"""Accepted records with real images: uploaded through the station API, finished, put in a lot that the
hospital let pass its review deadline (deemed accepted)."""

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from fastapi.testclient import TestClient
from sqlalchemy import update
from sqlmodel import Session, col, select

from app.acceptance.applying import apply_for_acceptance
from app.acceptance.service import Actor
from app.accounts.models import Role, User
from app.accounts.signin import WebPrincipal
from app.core.clock import local_date, utcnow
from app.projects.models import Project
from app.records.models import Record
from tests.factories import make_user, page_jpeg, signed_in_station, upload

# (MRN, pages, segment marks by page number): a mark names a segment or gives its number.
RECORDS = [
    ("00012345", 4, {1: "首页", 2: "2", 4: "医嘱单"}),
    ("00012346", 3, {1: "首页", 3: "其他"}),
    ("00012347", 2, {1: "1"}),
]


@dataclass
class Accepted:
    """The project, its people and the accepted records."""

    project: Project
    manager: User
    custodian: User
    records: list[Record]

    @staticmethod
    def principal(user: User) -> WebPrincipal:
        """A signed-in browser user, as the services see one."""
        return WebPrincipal(user.id, user.username, user.display_name, user.role, user.project_id, 0, "", True, True)


def accepted_records(
    client: TestClient, session: Session, records=RECORDS, *, extra_unaccepted: bool = False, images=None
):
    """Upload, finish and (by the lapse of the review deadline) accept the records; committed.

    images: {(mrn, page number): bytes} to upload instead of the generated page photo."""
    auth = signed_in_station(client, session)
    seed = 0
    for mrn, pages, marks in records:
        for n in range(1, pages + 1):
            seed += 1
            fields = {"segment": marks[n]} if n in marks else {}
            data = (images or {}).get((mrn, n)) or page_jpeg(seed)
            r = upload(client, auth, data, page=n, mrn=mrn, visit=1, **fields)
            assert r.status_code == 201, r.text
        rec = client.post("/api/v1/records", json={"mrn": mrn, "visit": 1}, headers=auth.headers).json()
        done = client.post(
            f"/api/v1/records/{rec['id']}/finish", json={"paper_page_count": pages}, headers=auth.headers
        )
        assert done.json()["complete"] is True
    if extra_unaccepted:  # captured but not finished: in no lot, not accepted, not delivered
        r = upload(client, auth, page_jpeg(99), page=1, mrn="00099999", visit=1, segment="首页")
        assert r.status_code == 201
    accepted = deem_accepted(session, session.get(Project, auth.project_id))
    accepted = replace(accepted, records=[r for r in accepted.records if r.mrn != "00099999"])
    session.commit()  # ends the read of the records: the uploads' copies wait for SQLite's lock (30 s each) otherwise
    return accepted


def deem_accepted(session: Session, project: Project) -> Accepted:
    """A manager and a custodian for the project, and its finished records in a lot applied for 40 days ago that
    nobody reviewed: deemed accepted since (committed). Records in MRN order."""
    manager = make_user(session, project, "mgr", Role.vendor_manager)
    custodian = make_user(session, project, "cust", Role.custodian)
    applied = utcnow() - timedelta(days=40)
    session.execute(
        update(Record).where(col(Record.project_id) == project.id).values(finished_at=applied - timedelta(days=1))
    )
    day = local_date(applied, project.timezone)
    apply_for_acceptance(
        session, project, period_end=day, actor=Actor(manager.id, manager.role), today=day, now=applied
    )
    session.commit()
    recs = list(session.exec(select(Record).where(Record.project_id == project.id).order_by(col(Record.mrn))))
    return Accepted(project, manager, custodian, recs)


def requested_export(session: Session, acc: Accepted, target, now: datetime | None = None):
    """A delivery export requested by the manager (not committed); raises what request_export raises."""
    from app.delivery.service import request_export

    principal = acc.principal(acc.manager)
    return request_export(
        session, acc.project, principal, target=str(target), reason="", image_store=None, now=now or utcnow()
    )


def approved_export(session: Session, acc: Accepted, target, now: datetime | None = None):
    """A delivery export requested by the manager, approved by the custodian and started (committed)."""
    from app.accounts.approvals import decide
    from app.delivery.service import start_export

    now = now or utcnow()
    export = requested_export(session, acc, target, now)
    decide(session, export.approval_id, acc.principal(acc.custodian), approve=True, note="ok", now=now)
    start_export(session, acc.project, export, actor={"actor_user_id": acc.manager.id}, now=now)
    session.commit()
    return export


def delivered_rows(session: Session, db, image_store, acc: Accepted, target, pages: int) -> list[dict]:  # noqa: ANN001
    """Export the accepted records to `target` (approved, run to the end), check that `folio delivery verify`
    passes, and return metadata/process-pages.csv as one dict per line, by CSV heading."""
    import csv
    import io

    from app.core.storage import LocalImageStore
    from app.delivery import runner
    from app.delivery.verify import verify_package

    export = approved_export(session, acc, target)
    result = runner.run_export(db, LocalImageStore(image_store), export.id)
    assert result.status == "done" and result.pages_done == pages
    report = verify_package(target)
    assert report.ok, report.problems
    lines = list(csv.reader(io.StringIO((target / "metadata/process-pages.csv").read_text(encoding="utf-8-sig"))))
    return [dict(zip(lines[0], line, strict=True)) for line in lines[1:]]


def pages_needing_a_look(client: TestClient, session: Session, image_store, acc: Accepted, n: int) -> list:  # noqa: ANN001
    """The processed copies of the accepted pages made now, the first `n` pages' marked as needing a look (qc found
    their outline uncertain); committed. The project's pages in page order."""
    from app.core.storage import LocalImageStore
    from app.delivery.contents import _run_here
    from app.pages.models import Page, ProcessedImage
    from app.pages.processed import refresh_project

    client.app.state.qc.wait_later()
    refresh_project(session, LocalImageStore(image_store), _run_here, acc.project, utcnow())
    pages = session.exec(select(Page).order_by(col(Page.page_number))).all()
    marked = [p.current_image_id for p in pages[:n]]
    session.execute(update(ProcessedImage).where(col(ProcessedImage.image_id).in_(marked)).values(needs_look=True))
    session.commit()
    return list(pages)
