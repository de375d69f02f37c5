"""Processed copies yield to the stations (issue 16): a copy starts only once no check runs and none ended within
the pool's quiet period; the copy worker runs at idle priority. Ordering is observed with events, never timed."""

import os
import threading

from app.core.qcpool import QCPool


def _sched(pid: int) -> tuple[int, int]:
    """(scheduling policy, nice) of a process (Linux)."""
    return os.sched_getscheduler(pid), os.getpriority(os.PRIO_PROCESS, pid)


def test_a_copy_waits_while_a_check_runs_and_starts_after_it():
    pool = QCPool(1, 80_000_000, 60.0, quiet_seconds=0.0)
    try:
        entered = threading.Event()
        with pool._quiet:  # a check in flight, as _foreground counts one
            pool._busy += 1
        waited = []
        copier = threading.Thread(target=lambda: (entered.set(), waited.append(pool.wait_quiet())))
        copier.start()
        entered.wait()
        copier.join(0.3)
        assert copier.is_alive() and waited == []  # still waiting: the check has not ended
        with pool._quiet:
            pool._busy -= 1
            pool._quiet.notify_all()
        copier.join(30)
        assert not copier.is_alive() and len(waited) == 1
    finally:
        pool.close()


def test_foreground_work_is_counted_and_the_copy_worker_is_idle_priority():
    pool = QCPool(1, 80_000_000, 60.0, quiet_seconds=0.0)
    try:
        assert pool.run(os.getpid) != os.getpid()  # a worker ran it
        assert pool._busy == 0  # counted in and out
        worker = pool._background.submit(os.getpid).result(60)
        policy, nice = _sched(worker)
        assert nice == 19
        assert policy == getattr(os, "SCHED_IDLE", policy)
        checker = pool._executor.submit(os.getpid).result(60)
        assert _sched(checker) == (os.SCHED_OTHER, os.getpriority(os.PRIO_PROCESS, 0))
    finally:
        pool.close()


def test_a_copy_on_a_server_never_quiet_starts_after_the_longest_wait():
    """A busy day with a check always in flight: the copies are made anyway, once they have waited max_wait."""
    pool = QCPool(1, 80_000_000, 60.0, quiet_seconds=0.0, max_wait_seconds=0.2)
    try:
        with pool._quiet:  # a check in flight that never ends while the copy waits
            pool._busy += 1
        waited = []
        copier = threading.Thread(target=lambda: waited.append(pool.wait_quiet()))
        copier.start()
        copier.join(60)
        assert not copier.is_alive() and len(waited) == 1 and waited[0] >= 0.2
    finally:
        with pool._quiet:
            pool._busy -= 1
        pool.close()


def test_work_queued_once_under_a_key_runs_once_until_it_has_run():
    """A page viewed again and again before its copy is made queues the copy once (QCPool.later_once)."""
    pool = QCPool(1, 80_000_000, 60.0, quiet_seconds=0.0)
    try:
        gate, ran = threading.Event(), []
        first = pool.later_once(("copy", 7), lambda: (gate.wait(60), ran.append(7)))
        assert first is not None
        assert pool.later_once(("copy", 7), ran.append, 8) is None  # still queued: not again
        other = pool.later_once(("copy", 9), ran.append, 9)  # another key is queued
        gate.set()
        first.result(60), other.result(60)
        assert ran == [7, 9]
        again = pool.later_once(("copy", 7), ran.append, 70)  # done: the key may be queued again
        again.result(60)
        assert ran == [7, 9, 70]
    finally:
        pool.close()
