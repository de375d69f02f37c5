"""Test data for vendor QC: the acceptance shop plus two inspectors, pages enqueued through after_ingest."""

import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import Engine
from sqlmodel import Session, select

from app.accounts.models import Role, User
from app.core.db import writing
from app.inspection.models import InspectionItem
from app.inspection.rates import set_rate
from app.inspection.service import after_ingest, flag_page, judge
from app.pages.models import Page, PageImage
from app.records.models import Record
from tests.acceptance.helpers import Shop, make_shop
from tests.factories import make_user


@dataclass
class QCShop:
    """A shop (project, operator, station, manager, reviewers) with two vendor QC inspectors."""

    shop: Shop
    inspector: User
    inspector2: User


def actor(user: User) -> dict:
    """The audit fields of a user's action."""
    return {"actor_user_id": user.id, "actor_role": user.role}


def judge_as(session: Session, project, item, who: User, verdict: str, defect: str | None = None, note=None, *, now):  # noqa: ANN001
    """`who` judges an inspection item through the service (pass, or flag with a defect code and a note)."""
    return judge(
        session, project, item, verdict=verdict, defect=defect, note=note, user_id=who.id, actor=actor(who), now=now
    )


def flag_as(session: Session, project, page_id: int, image_id: int, who: User, defect, note=None, *, now):  # noqa: ANN001
    """`who` flags a page's image outside the queue through the service (a re-shoot task)."""
    return flag_page(
        session, project, page_id, image_id, defect=defect, note=note, user_id=who.id, actor=actor(who), now=now
    )


def make_qc_shop(session: Session, code: str = "P1", percent: str = "100") -> QCShop:
    """A project whose operator's pages are all inspected (percent), with two inspectors; committed."""
    shop = make_shop(session, code)
    qc1 = make_user(session, shop.project, f"qc_{code}", Role.vendor_qc)
    qc2 = make_user(session, shop.project, f"qc2_{code}", Role.vendor_qc)
    set_rate(
        session,
        shop.project,
        operator_id=None,
        percent=Decimal(percent),
        from_date=date(2026, 1, 1),
        user_id=shop.manager.id,
        actor=actor(shop.manager),
        now=shop.project.created_at,
    )
    session.commit()
    return QCShop(shop, qc1, qc2)


def ingest_hook(session: Session, qs: QCShop, record: Record, report: dict | None = None) -> list[InspectionItem]:
    """Run the ingest hook for every current image of the record (as page ingest does); the items made."""
    pages = session.exec(select(Page).where(Page.record_id == record.id).order_by(Page.page_number)).all()
    for page in pages:
        image = session.get(PageImage, page.current_image_id)
        after_ingest(
            session,
            project=qs.shop.project,
            page=page,
            image=image,
            previous_image_id=image.supersedes_id,
            report=report or {},
            actor=actor(qs.shop.operator),
        )
    session.flush()
    return list(
        session.exec(
            select(InspectionItem).where(InspectionItem.record_id == record.id).order_by(InspectionItem.page_id)
        )
    )


def race(engine: Engine, *jobs: Callable[[Session], object]) -> list[object]:
    """Run the jobs at the same moment, each in its own session and transaction; their results or exceptions."""
    barrier = threading.Barrier(len(jobs))
    results: list[object] = [None] * len(jobs)

    def run(i: int, job: Callable[[Session], object]) -> None:
        with Session(writing(engine), expire_on_commit=False) as s:
            barrier.wait()
            try:
                results[i] = job(s)
                s.commit()
            except Exception as exc:  # noqa: BLE001  (the loser's error is the result under test)
                s.rollback()
                results[i] = exc

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results
