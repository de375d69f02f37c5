"""The paper's journey: check-out → capture → pack → shelve → return, and each refusal on the way."""

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.audit.models import AuditEvent
from app.core.clock import utcnow
from app.custody.exceptions import HandoverRefused, HandoverStateError
from app.custody.handovers import create_handover
from app.custody.locations import add_boxes, add_shelf, scan, where_is
from app.custody.outstanding import outstanding
from app.custody.policy import custody_of
from app.custody.rules import ScanLine
from app.projects.models import Project
from app.records.models import Record
from tests.custody.helpers import check_out, custody_people
from tests.factories import page_jpeg, signed_in_station, upload


def _return(session: Session, project: Project, people, codes: list[str]):
    handover = create_handover(
        session,
        project,
        kind="return",
        lines=[ScanLine(c) for c in codes],
        declared_count=len(codes),
        counterpart_id=people.manager.id,
        note="",
        user_id=people.custodian.id,
        actor=people.actor(people.custodian),
        now=utcnow(),
    )
    session.commit()
    return handover


def test_checkout_capture_pack_shelve_return(client: TestClient, session: Session) -> None:
    auth = signed_in_station(client, session)
    project = session.get(Project, auth.project_id)
    people = custody_people(session, project)

    # Before check-out: the station can neither open the record nor upload a page of it.
    opened = client.post("/api/v1/records", json={"barcode": "00012345-1"}, headers=auth.headers)
    assert opened.status_code == 409 and opened.json()["error"] == "record_not_checked_out"
    refused = upload(client, auth, page_jpeg(1), page=1, mrn="00012345", visit=1)
    assert refused.status_code == 409 and refused.json()["error"] == "record_not_checked_out"
    assert session.exec(select(Record)).all() == []  # the refusal created nothing
    session.commit()  # the test's session must not hold SQLite's write lock while the app writes

    # Written but not yet confirmed by the vendor: still refused.
    handover = check_out(session, project, people, ["00012345-1", "00099999 2"], confirm=False)
    assert handover.item_count == 2 and handover.status == "pending"
    pending = upload(client, auth, page_jpeg(1), page=1, mrn="00012345", visit=1)
    assert pending.status_code == 409 and "confirmation" in pending.json()["detail"]

    from app.custody.handovers import confirm_handover

    confirm_handover(
        session,
        handover,
        user_id=people.manager.id,
        acknowledged=set(),
        actor=people.actor(people.manager),
        now=utcnow(),
    )
    session.commit()
    for n in (1, 2, 3):
        assert upload(client, auth, page_jpeg(n), page=n, mrn="00012345", visit=1).status_code == 201
    record = session.exec(select(Record).where(Record.mrn == "00012345")).one()
    session.commit()
    assert (
        client.post(f"/api/v1/records/{record.id}/finish", json={"paper_page_count": 3}, headers=auth.headers).json()[
            "complete"
        ]
        is True
    )

    # Pack into a box, place the box on a shelf: each step a scan.
    actor = people.actor(people.manager)
    add_boxes(session, project, barcodes=["BX0001"], actor=actor)
    add_shelf(session, project, barcode="SH-A1", place="档案室 A 排 1 列", actor=actor)
    now = utcnow()
    no_box = scan(session, project, box_code=None, code="00012345-1", user_id=people.manager.id, actor=actor, now=now)
    assert not no_box.ok and no_box.message == "need_box"
    opened_box = scan(session, project, box_code=None, code="BX0001", user_id=people.manager.id, actor=actor, now=now)
    assert opened_box.message == "box_open" and opened_box.box.barcode == "BX0001"
    packed = scan(
        session, project, box_code="BX0001", code="00012345-1", user_id=people.manager.id, actor=actor, now=now
    )
    assert packed.ok and packed.message == "packed" and packed.values["n"] == 1
    again = scan(
        session, project, box_code="BX0001", code="00012345-1", user_id=people.manager.id, actor=actor, now=now
    )
    assert again.message == "already_in_box"
    shelved = scan(session, project, box_code="BX0001", code="SH-A1", user_id=people.manager.id, actor=actor, now=now)
    assert shelved.message == "shelved" and shelved.values["shelf"] == "SH-A1" and shelved.box is None
    session.commit()

    [where] = where_is(session, project, "00012345-1", now=utcnow())
    assert where.state == "out" and where.box.barcode == "BX0001" and where.shelf.barcode == "SH-A1"
    assert [e.kind for e in where.history] == ["checkout", "confirm", "pack", "shelve"]
    out = outstanding(session, project, now=utcnow())
    assert out.out == 2 and {r.record.mrn for r in out.rows} == {"00012345", "00099999"}

    # Return by scanning the box: the record inside comes back; capture is refused again.
    returned = _return(session, project, people, ["BX0001"])
    assert returned.item_count == 1 and returned.received_by == people.custodian.id
    assert custody_of(session, record.id).state == "in"
    session.commit()
    after = upload(client, auth, page_jpeg(4), page=4, mrn="00012345", visit=1)
    assert after.status_code == 409 and "returned" in after.json()["detail"]

    # A second return of the same record is refused, and says when it came back.
    with pytest.raises(HandoverRefused) as twice:
        _return(session, project, people, ["00012345-1"])
    session.rollback()
    [problem] = twice.value.problems
    assert problem.problem == "already_returned" and problem.detail.startswith(f"R{returned.number:05d}")
    # The box is empty of records that are out now.
    with pytest.raises(HandoverRefused) as empty:
        _return(session, project, people, ["BX0001"])
    session.rollback()
    assert empty.value.problems[0].problem == "empty_box"

    actions = [e.action for e in session.exec(select(AuditEvent).order_by(AuditEvent.id))]
    for action in ("custody.checkout", "custody.confirm", "custody.pack", "custody.shelve", "custody.return"):
        assert action in actions


def test_checkout_refusals_write_nothing(session: Session) -> None:
    from tests.factories import make_project

    project = make_project(session)
    people = custody_people(session, project)
    check_out(session, project, people, ["00000001-1"])
    cases = [
        (["00000001-1"], 1, "already_out"),  # out already
        (["not a barcode!"], 1, "unknown_code"),
        (["00000002-1", "00000002-1"], 2, "scanned_twice"),
    ]
    for codes, count, expected in cases:
        with pytest.raises(HandoverRefused) as refused:
            create_handover(
                session,
                project,
                kind="checkout",
                lines=[ScanLine(c) for c in codes],
                declared_count=count,
                counterpart_id=people.manager.id,
                note="",
                user_id=people.custodian.id,
                actor=people.actor(people.custodian),
                now=utcnow(),
            )
        session.rollback()
        assert expected in {p.problem for p in refused.value.problems}
    # A fragile record needs a note; the paper count must match the scan.
    with pytest.raises(HandoverRefused) as fragile:
        create_handover(
            session,
            project,
            kind="checkout",
            lines=[ScanLine("00000003-1", "fragile", "")],
            declared_count=1,
            counterpart_id=people.manager.id,
            note="",
            user_id=people.custodian.id,
            actor=people.actor(people.custodian),
            now=utcnow(),
        )
    session.rollback()
    assert fragile.value.problems[0].problem == "note_required"
    with pytest.raises(HandoverRefused, match="count"):
        create_handover(
            session,
            project,
            kind="checkout",
            lines=[ScanLine("00000003-1")],
            declared_count=2,
            counterpart_id=people.manager.id,
            note="",
            user_id=people.custodian.id,
            actor=people.actor(people.custodian),
            now=utcnow(),
        )
    session.rollback()
    assert session.exec(select(Record).where(Record.mrn.in_(["00000002", "00000003"]))).all() == []


def test_fragile_records_need_both_sides(session: Session) -> None:
    from app.custody.handovers import confirm_handover
    from app.custody.listing import handover_items
    from tests.factories import make_project

    project = make_project(session)
    people = custody_people(session, project)
    handover = check_out(
        session,
        project,
        people,
        [],
        confirm=False,
        lines=[
            ScanLine("00000010-1"),
            ScanLine("00000011-1", "damaged", "封面撕裂"),
            ScanLine("00000012-1", "fragile", "纸张发脆"),
        ],
    )
    items = handover_items(session, handover.id)
    flagged = [i for i in items if i.condition != "normal"]
    assert [i.condition_note for i in flagged] == ["封面撕裂", "纸张发脆"]
    with pytest.raises(HandoverRefused) as unconfirmed:
        confirm_handover(
            session,
            handover,
            user_id=people.manager.id,
            acknowledged={flagged[0].id},
            actor=people.actor(people.manager),
            now=utcnow(),
        )
    session.rollback()
    assert [p.code for p in unconfirmed.value.problems] == ["00000012-1"]
    with pytest.raises(HandoverStateError):  # the custodian cannot confirm her own batch
        confirm_handover(
            session,
            handover,
            user_id=people.custodian.id,
            acknowledged={i.id for i in flagged},
            actor=people.actor(people.custodian),
            now=utcnow(),
        )
    session.rollback()
    confirm_handover(
        session,
        handover,
        user_id=people.manager.id,
        acknowledged={i.id for i in flagged},
        actor=people.actor(people.manager),
        now=utcnow(),
    )
    session.commit()
    assert all(
        i.condition_confirmed_at is not None for i in handover_items(session, handover.id) if i.condition != "normal"
    )
    with pytest.raises(HandoverStateError):
        confirm_handover(
            session,
            handover,
            user_id=people.manager.id,
            acknowledged=set(),
            actor=people.actor(people.manager),
            now=utcnow(),
        )
