"""The audit chain's arithmetic: canonical form of an event, its hash, and verification of a sequence."""

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

GENESIS_HASH = "0" * 64

# The fields that the hash covers, in order. Changing this list breaks every existing chain.
CHAINED_FIELDS = (
    "id",
    "at",
    "project_id",
    "actor_user_id",
    "actor_station_id",
    "actor_role",
    "action",
    "object_type",
    "object_id",
    "source_ip",
    "outcome",
    "detail",
)


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return value


def canonical(event: Mapping[str, Any]) -> bytes:
    """The event's chained fields as canonical JSON bytes (sorted keys, no spaces, UTF-8)."""
    body = {name: _plain(event.get(name)) for name in CHAINED_FIELDS}
    return json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def event_hash(prev_hash: str, event: Mapping[str, Any]) -> str:
    """SHA-256 over the previous event's hash and this event's canonical form."""
    return hashlib.sha256(prev_hash.encode() + b"\n" + canonical(event)).hexdigest()


@dataclass(frozen=True)
class ChainProblem:
    """Where the chain breaks and why."""

    event_id: int | None
    position: int
    problem: str


def verify_chain(events: Iterable[Mapping[str, Any]]) -> list[ChainProblem]:
    """Check events in id order: every prev_hash links to the one before and every hash is recomputable."""
    problems: list[ChainProblem] = []
    prev = GENESIS_HASH
    last_id = 0
    for position, event in enumerate(events):
        eid = event.get("id")
        if eid is None or eid <= last_id:
            problems.append(ChainProblem(eid, position, "out of order"))
        elif eid != last_id + 1:
            problems.append(ChainProblem(eid, position, f"events {last_id + 1}..{eid - 1} are missing"))
        if event.get("prev_hash") != prev:
            problems.append(ChainProblem(eid, position, "does not link to the event before it"))
        if event_hash(event.get("prev_hash", ""), event) != event.get("hash"):
            problems.append(ChainProblem(eid, position, "content does not match its hash (edited)"))
        prev = event.get("hash", "")
        last_id = eid if isinstance(eid, int) else last_id
    return problems
