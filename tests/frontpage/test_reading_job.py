"""The reading job with the real OCR engine on generated front pages: match, mismatch, unreadable, restarts."""

from datetime import timedelta

from sqlmodel import Session, select

from app.core.clock import utcnow
from app.core.storage import LocalImageStore
from app.frontpage import checks
from app.frontpage.crosscheck import Outcome
from app.frontpage.models import FrontPage, FrontPageReading
from app.frontpage.reading import progress, run_once
from app.pages.models import PageImage
from tests.acceptance.helpers import T0, add_record, make_shop


def _record_with_page(session, shop, store, values, data: bytes, skew: float, *, mrn: str | None = None, pages=2):
    """A record whose values are `values` (MRN overridden if given) and whose page 1 is this image."""
    record = add_record(session, shop, mrn or values.mrn, pages, T0, front_page=False)
    record.visit, record.patient_name, record.discharge_date = values.visit, values.name, values.discharge_date
    session.add(record)
    session.add(
        FrontPage(
            project_id=shop.project.id,
            record_id=record.id,
            diagnosis=values.diagnosis,
            diagnosis_code=values.diagnosis_code,
            operation=values.operation,
            operation_code=values.operation_code,
        )
    )
    stored = store.put(data)
    for image in session.exec(select(PageImage).where(PageImage.page_id.in_(_page_ids(session, record.id)))):
        image.sha256, image.qc_metrics = stored.sha256, {"skew_deg": skew}
        session.add(image)
    session.commit()
    return record


def _page_ids(session, record_id):
    from app.pages.models import Page

    return [p.id for p in session.exec(select(Page).where(Page.record_id == record_id))]


def _reading(db, record_id) -> FrontPageReading:
    with Session(db) as s:
        return s.exec(select(FrontPageReading).where(FrontPageReading.record_id == record_id)).one()


def test_correct_page_matches_a_different_mrn_is_flagged_and_a_blurred_one_is_unreadable(
    db, session, tmp_path, reader, front_page, unreadable_page
) -> None:
    values, data, skew = front_page
    store = LocalImageStore(tmp_path / "images")
    shop = make_shop(session)
    right = _record_with_page(session, shop, store, values, data, skew)
    wrong = _record_with_page(session, shop, store, values, data, skew, mrn="99" + values.mrn[2:])
    blurred = _record_with_page(session, shop, store, values, *unreadable_page, mrn="55501")

    assert run_once(db, store, reader) == 3
    assert _reading(db, right.id).outcome == Outcome.match
    flagged = _reading(db, wrong.id)
    assert flagged.outcome == Outcome.mismatch and flagged.wrong_record
    with Session(db) as s:
        view = checks.record_view(s, s.get(type(wrong), wrong.id))
    (mrn,) = [f for f in view.check.mismatches]
    assert (mrn.field, mrn.recorded, mrn.read) == ("mrn", wrong.mrn, values.mrn) and mrn.box is not None
    assert _reading(db, blurred.id).outcome == Outcome.unreadable  # never "match"
    with Session(db) as s:
        assert checks.wrong_record_count(s, shop.project.id) == 1
        assert progress(s, shop.project.id).waiting == 0

    # Correcting the record's MRN is not possible, but correcting a field is: the stored check follows it.
    with Session(db) as s:
        fp = s.exec(select(FrontPage).where(FrontPage.record_id == right.id)).one()
        fp.diagnosis, fp.diagnosis_code = "社区获得性肺炎", "J18.900"
        s.add(fp)
        checks.refresh(s, [right.id])
        s.commit()
    assert _reading(db, right.id).outcome == Outcome.mismatch


def test_the_job_survives_a_restart_and_reads_no_page_twice(db, session, tmp_path, reader, front_page) -> None:
    values, data, skew = front_page
    store = LocalImageStore(tmp_path / "images")
    shop = make_shop(session)
    records = [_record_with_page(session, shop, store, values, data, skew, mrn=f"{70000 + i}") for i in range(5)]

    assert run_once(db, store, reader, limit=2) == 2  # then the server stops
    # A worker died holding a claim (killed mid-page): the row says "reading", claimed long ago.
    with Session(db) as s:
        page = s.exec(select(FrontPageReading)).first()
        from app.pages.models import Page

        orphan_page = s.exec(select(Page).where(Page.record_id == records[2].id, Page.page_number == 1)).one()
        s.add(
            FrontPageReading(
                project_id=shop.project.id,
                record_id=records[2].id,
                page_id=orphan_page.id,
                image_id=orphan_page.current_image_id,
                status="reading",
                attempts=1,
                claimed_by="dead-host:1:1",
                claimed_at=utcnow() - timedelta(hours=1),
            )
        )
        s.commit()
        assert page is not None
    assert run_once(db, store, reader) == 3  # after the restart: the orphan taken over, the two left read
    assert run_once(db, store, reader) == 0  # nothing is read twice
    assert reader.calls == 5
    with Session(db) as s:
        rows = s.exec(select(FrontPageReading)).all()
        assert sorted(r.record_id for r in rows) == sorted(r.id for r in records)
        assert {r.status for r in rows} == {"done"} and all(r.current for r in rows)
        assert [r.attempts for r in rows if r.record_id == records[2].id] == [2]
        assert progress(s, shop.project.id).read == 5
