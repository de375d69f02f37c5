"""The audit chain's arithmetic: canonical form of an event, its hash, its keyed MAC, and verification.

Each event carries `hash` = SHA-256(previous hash, canonical event) — anyone can recompute the chain — and
`mac` = HMAC-SHA256(key, hash) with a key kept outside the database (app/audit/keys.py). Whoever edits an
event and re-hashes every later one cannot recompute their MACs without the key; cutting events off the end
is found by comparing with a head exported earlier (`folio audit export-head`).
"""

import hashlib
import hmac
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


def event_mac(key: bytes, hash_hex: str) -> str:
    """HMAC-SHA256 of an event's hash under the audit key (64 hex characters)."""
    return hmac.new(key, b"folio-audit-v2\n" + hash_hex.encode(), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class ChainProblem:
    """Where the chain breaks and why."""

    event_id: int | None
    position: int
    problem: str


NOT_KEYED = "carries no MAC (written before the audit key existed: run 'folio audit rekey' once)"


def verify_chain(events: Iterable[Mapping[str, Any]], key: bytes | None = None) -> list[ChainProblem]:
    """Check events in id order: links, hashes and (with the key) MACs; a malformed row is named, never fatal.

    An event is a mapping of the chained fields plus prev_hash, hash and mac; a row that could not be read
    carries `malformed` (what is wrong) instead and is reported as such, the check going on after it.
    """
    problems: list[ChainProblem] = []
    prev = GENESIS_HASH
    last_id = 0
    for position, event in enumerate(events):
        eid = event.get("id")
        if not isinstance(eid, int) or eid <= last_id:
            problems.append(ChainProblem(eid, position, "out of order"))
        elif eid != last_id + 1:
            problems.append(ChainProblem(eid, position, f"events {last_id + 1}..{eid - 1} are missing"))
        if event.get("prev_hash") != prev:
            problems.append(ChainProblem(eid, position, "does not link to the event before it"))
        stored = event.get("hash")
        if event.get("malformed"):
            problems.append(ChainProblem(eid, position, f"malformed row: {event['malformed']}"))
        elif event_hash(str(event.get("prev_hash") or ""), event) != stored:
            problems.append(ChainProblem(eid, position, "content does not match its hash (edited)"))
        if key is not None:
            mac = event.get("mac")
            if not mac:
                problems.append(ChainProblem(eid, position, NOT_KEYED))
            elif not isinstance(stored, str) or not hmac.compare_digest(str(mac), event_mac(key, stored)):
                problems.append(ChainProblem(eid, position, "its MAC is wrong (edited and re-hashed, or another key)"))
        prev = stored if isinstance(stored, str) else ""
        last_id = eid if isinstance(eid, int) else last_id
    return problems


def compare_with_head(last_id: int | None, hash_at_head_id: str | None, head: Mapping[str, Any]) -> str | None:
    """What is wrong when the chain is set against a head exported earlier, or None when it still reaches it.

    `last_id` is the chain's newest id (None when empty), `hash_at_head_id` the stored hash of the event with
    the head's id (None when there is none).
    """
    head_id = head.get("id")
    if not isinstance(head_id, int) or not isinstance(head.get("hash"), str):
        return "the head file is not one written by 'folio audit export-head'"
    if last_id is None:
        return f"the audit trail is empty, but the exported head names event {head_id}"
    if last_id < head_id:
        return f"the chain ends at event {last_id}, but the exported head names event {head_id}: the tail was cut"
    if hash_at_head_id is None:
        return f"event {head_id} of the exported head is missing"
    if not hmac.compare_digest(hash_at_head_id, head["hash"]):
        return f"event {head_id} no longer has the exported head's hash (the chain was rewritten)"
    return None
