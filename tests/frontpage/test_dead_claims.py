"""A server killed while it read front pages (kill -9, power cut): at the next start its claims are taken over at
once, not STALE_SECONDS later; claims of live workers and of other hosts are left alone (app.core.liveness)."""

import os
import socket
import subprocess
import sys

from sqlmodel import Session, select

from app.core import liveness
from app.core.clock import utcnow
from app.frontpage.models import FrontPageReading
from app.frontpage.reading import _claim_stale
from app.pages.models import Page
from tests.acceptance.helpers import T0, add_record, make_shop


def _ended_process() -> tuple[int, str]:
    """(pid, worker name) of a process that ran on this host and has ended."""
    child = subprocess.run(
        [sys.executable, "-c", "from app.core.liveness import worker_name; print(worker_name())"],
        capture_output=True,
        text=True,
        check=True,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
    )
    name = child.stdout.strip()
    return int(name.split(":")[1]), name


def _claims(session, holders: list[str]) -> list[int]:
    """One front page claimed just now by each holder; the claims' ids in that order."""
    shop = make_shop(session)
    ids = []
    for i, holder in enumerate(holders):
        record = add_record(session, shop, f"{64000 + i}", 1, T0)
        page = session.exec(select(Page).where(Page.record_id == record.id)).one()
        row = FrontPageReading(
            project_id=shop.project.id,
            record_id=record.id,
            page_id=page.id,
            image_id=page.current_image_id,
            status="reading",
            attempts=1,
            claimed_by=holder,
            claimed_at=utcnow(),
        )
        session.add(row)
        session.commit()
        ids.append(row.id)
    return ids


def test_the_claims_of_a_process_that_ended_on_this_host_are_taken_at_once(db, session) -> None:
    _, dead = _ended_process()
    host = socket.gethostname()
    alive = liveness.worker_name()  # another thread of a live server: this process
    reused = f"{host}:{os.getpid()}:1:7"  # this pid, but a process started at another time: the pid was reused
    elsewhere = "scanner-pc-2:4242:99:1"  # another host: this one cannot tell, its claim waits for the timeout
    ids = _claims(session, [dead, alive, reused, elsewhere])

    taken = _claim_stale(db, "taker:1:1:1", utcnow(), 10)

    assert sorted(taken) == sorted([ids[0], ids[2]])
    with Session(db) as s:
        rows = {r.id: r for r in s.exec(select(FrontPageReading))}
    assert rows[ids[0]].claimed_by == "taker:1:1:1" and rows[ids[0]].attempts == 2
    assert rows[ids[1]].claimed_by == alive and rows[ids[3]].claimed_by == elsewhere  # nothing lost or moved


def test_gone_names_only_the_dead_processes_of_this_host() -> None:
    pid, dead = _ended_process()
    host = socket.gethostname()
    assert liveness.gone([dead, liveness.worker_name(), None, ""]) == [dead]
    assert liveness.gone([f"{host}:{os.getpid()}:{liveness._start_ticks(os.getpid())}:5"]) == []
    assert liveness.gone(["other-host:1:2:3", "no-format", f"{host}:notapid:1:1", "host:1:1"]) == []
