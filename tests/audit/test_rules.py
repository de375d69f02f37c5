"""The audit chain: hashes link, and any edit, deletion or reordering is found."""

from datetime import UTC, datetime

from app.audit.rules import GENESIS_HASH, event_hash, verify_chain


def _chain(n: int) -> list[dict]:
    events, prev = [], GENESIS_HASH
    for i in range(1, n + 1):
        e = {
            "id": i,
            "at": datetime(2026, 11, 22, 8, 0, i, tzinfo=UTC),
            "action": "page.upload",
            "object_type": "page",
            "object_id": str(i),
            "outcome": "success",
            "detail": {"n": i},
            "prev_hash": prev,
        }
        e["hash"] = event_hash(prev, e)
        prev = e["hash"]
        events.append(e)
    return events


def test_intact_chain_verifies() -> None:
    assert verify_chain(_chain(5)) == []


def test_edited_event_is_found() -> None:
    events = _chain(5)
    events[2]["detail"] = {"n": 99}
    problems = verify_chain(events)
    assert [(p.event_id, p.problem) for p in problems] == [(3, "content does not match its hash (edited)")]


def test_deleted_event_is_found() -> None:
    events = _chain(5)
    del events[1]
    problems = verify_chain(events)
    assert {p.event_id for p in problems} == {3}
    assert any("missing" in p.problem for p in problems)


def test_reordered_events_are_found() -> None:
    events = _chain(5)
    events[1], events[2] = events[2], events[1]
    assert {p.event_id for p in verify_chain(events)} >= {2, 3}
