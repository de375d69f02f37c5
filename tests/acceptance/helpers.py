"""Test data for acceptance: records with pages written straight as rows (fast), finished through the service."""

import hashlib
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from sqlmodel import Session

from app.acceptance.service import Actor
from app.accounts.models import Role, User
from app.accounts.service import create_station
from app.frontpage.models import FrontPage
from app.inspection.tally import count_shot
from app.pages.models import Page, PageImage
from app.projects.models import Project
from app.records.models import Record
from app.records.service import finish_record
from tests.factories import make_project, make_user

T0 = datetime(2026, 1, 5, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai, the project's first day


@dataclass
class Shop:
    """A project with an operator, a station, a vendor manager and two reviewers."""

    project: Project
    operator: User
    station_id: int
    manager: User
    reviewer: User
    reviewer2: User
    shots: int = 0

    def actor(self, user: User) -> Actor:
        """The audit actor for a user."""
        return Actor(user_id=user.id, role=user.role, source_ip="127.0.0.1")


def make_shop(session: Session, code: str = "P1", **terms: object) -> Shop:
    """A project and its people, committed."""
    project = make_project(session, code=code, **terms)
    operator = make_user(session, project, f"op_{code}")
    station, _ = create_station(session, project_id=project.id, name=f"station {code}")
    manager = make_user(session, project, f"mgr_{code}", Role.vendor_manager)
    reviewer = make_user(session, project, f"rev_{code}", Role.reviewer)
    reviewer2 = make_user(session, project, f"rev2_{code}", Role.reviewer)
    session.commit()
    return Shop(project, operator, station.id, manager, reviewer, reviewer2)


def fake_sha(text: str) -> str:
    """A SHA-256 of some text, standing in for an image digest."""
    return hashlib.sha256(text.encode()).hexdigest()


def add_image(session: Session, shop: Shop, page: Page, at: datetime, *, passed: bool = True) -> PageImage:
    """A new current image for a page (a re-shoot supersedes the previous one)."""
    shop.shots += 1
    image = PageImage(
        page_id=page.id,
        idempotency_key=f"k{shop.project.id}-{shop.shots}-{page.id}",
        sha256=fake_sha(f"{shop.project.code}-{shop.shots}-{page.id}"),
        size_bytes=1000,
        media_type="image/jpeg",
        width=1000,
        height=1400,
        operator_id=shop.operator.id,
        station_id=shop.station_id,
        captured_at=at,
        qc_passed=passed,
    )
    old = None
    if page.current_image_id:
        old = session.get(PageImage, page.current_image_id)
        old.superseded_at = at
        image.supersedes_id = old.id
        session.add(old)
    session.add(image)
    session.flush()
    page.current_image_id, page.captured_at, page.capture_date, page.qc_passed = image.id, at, at.date(), passed
    page.image_count += 0 if page.image_count == 1 and image.supersedes_id is None else 1
    session.add(page)
    session.flush()
    count_shot(session, shop.project.id, shop.project.timezone, image, old)
    return image


def add_record(
    session: Session,
    shop: Shop,
    mrn: str,
    pages: int,
    at: datetime,
    *,
    finish: bool = True,
    failing: tuple[int, ...] = (),
    front_page: bool = True,
) -> Record:
    """A record with `pages` pages shot a minute apart from `at`, finished unless told otherwise, with front-page
    data unless told otherwise (a record without it counts as missing in the review's field check)."""
    record = Record(project_id=shop.project.id, mrn=mrn, visit=1, patient_name="测试", paper_page_count=pages)
    session.add(record)
    session.flush()
    if front_page:
        session.add(
            FrontPage(project_id=shop.project.id, record_id=record.id, diagnosis="急性阑尾炎", diagnosis_code="K35.800")
        )
    for n in range(1, pages + 1):
        shot = at + timedelta(minutes=n)
        page = Page(
            project_id=shop.project.id,
            record_id=record.id,
            page_number=n,
            operator_id=shop.operator.id,
            station_id=shop.station_id,
            captured_at=shot,
            capture_date=shot.date(),
            qc_passed=True,
        )
        session.add(page)
        session.flush()
        add_image(session, shop, page, shot, passed=n not in failing)
    if finish:
        finish_record(session, record, paper_page_count=pages, now=at + timedelta(minutes=pages + 1))
    session.flush()
    return record


def day(text: str) -> date:
    """A date from YYYY-MM-DD."""
    return date.fromisoformat(text)
