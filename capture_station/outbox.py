"""The durable outbox: one ordered queue per station of uploads and record operations.

SQLite in WAL mode with synchronous=FULL; an image is copied into the outbox folder and fsynced before
its row is committed, and the row, the hot-folder pickup and the station's numbering state are
committed in one transaction. A copy is deleted only after the server's 2xx. Rows are taken strictly
in order (`seq`), so a renumbering never overtakes the uploads queued before it.
"""

from __future__ import annotations

import json
import os
import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from capture_station.fsutil import write_durable
from capture_station.identity import BARCODE_PATTERN, barcode_identity, record_key, record_label

QUEUED, DONE, REJECTED = "queued", "done", "rejected"
KINDS = ("upload", "delete", "insert", "finish")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS item (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    key TEXT NOT NULL UNIQUE,
    state TEXT NOT NULL,
    record TEXT NOT NULL,
    page_number INTEGER,
    params TEXT NOT NULL DEFAULT '{}',
    file TEXT,
    size INTEGER,
    sha256 TEXT,
    local TEXT,
    operator TEXT NOT NULL,
    created_at TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    last_error TEXT,
    done_at TEXT,
    result TEXT
);
CREATE INDEX IF NOT EXISTS ix_item_state_seq ON item (state, seq);
CREATE TABLE IF NOT EXISTS pickup (
    name TEXT NOT NULL,
    size INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    item_seq INTEGER,
    at TEXT NOT NULL,
    PRIMARY KEY (name, size, sha256)
);
CREATE TABLE IF NOT EXISTS state (k TEXT PRIMARY KEY, v TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS record_alias (alias TEXT PRIMARY KEY, canonical TEXT NOT NULL, at TEXT NOT NULL);
"""


def utcnow_iso() -> str:
    """Now, UTC, ISO 8601 with offset."""
    return datetime.now(UTC).isoformat(timespec="milliseconds")


@dataclass
class Item:
    """One queued action: an upload of a page image, or a record operation."""

    seq: int
    kind: str
    key: str
    state: str
    record: dict[str, Any]
    page_number: int | None
    params: dict[str, Any]
    file: str | None
    size: int | None
    sha256: str | None
    local: dict[str, Any] | None
    operator: str
    created_at: str
    attempts: int
    last_error: str | None
    done_at: str | None
    result: dict[str, Any] | None

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> Item:
        """An item from its table row."""
        d = dict(row)
        for k in ("record", "params"):
            d[k] = json.loads(d[k])
        for k in ("local", "result"):
            d[k] = json.loads(d[k]) if d[k] else None
        return cls(**d)

    @property
    def record_label(self) -> str:
        """The record as the operator knows it."""
        return record_label(self.record)


class Outbox:
    """The station's queue on disk. One instance per thread; the database allows a reader beside the writer."""

    def __init__(self, db_path: Path, files_dir: Path) -> None:
        self.db_path = db_path
        self.files_dir = files_dir
        files_dir.mkdir(parents=True, exist_ok=True)
        db_path.parent.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(db_path, timeout=30, isolation_level=None)
        self._db.row_factory = sqlite3.Row
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        self._db.execute("PRAGMA busy_timeout=30000")
        self._db.executescript(_SCHEMA)

    def close(self) -> None:
        """Close the database connection."""
        self._db.close()

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield self._db
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    # -- adding
    def add_upload(self, *, data: bytes, ext: str, record: dict[str, Any], page_number: int, operator: str,
                   params: dict[str, Any] | None = None, local: dict[str, Any] | None = None,
                   pickup: tuple[str, int, str] | None = None, state: dict[str, Any] | None = None,
                   sha256: str | None = None) -> Item:
        """Queue one page image: its copy is fsynced first, then row + pickup + state commit together."""
        import hashlib

        key = uuid.uuid4().hex
        name = f"{key}{ext.lower() or '.jpg'}"
        write_durable(self.files_dir / name, data)
        digest = sha256 or hashlib.sha256(data).hexdigest()
        try:
            with self._tx() as db:
                seq = self._insert(db, "upload", key, record, page_number, params or {}, operator, file=name,
                                   size=len(data), sha256=digest, local=local)
                if pickup is not None:
                    db.execute("INSERT OR REPLACE INTO pickup (name, size, sha256, item_seq, at) VALUES (?,?,?,?,?)",
                               (*pickup, seq, utcnow_iso()))
                if state is not None:
                    self._set_state(db, "workflow", state)
        except BaseException:
            (self.files_dir / name).unlink(missing_ok=True)
            raise
        item = self.get(seq)
        assert item is not None
        return item

    def add_operation(self, kind: str, *, record: dict[str, Any], operator: str, page_number: int | None = None,
                      params: dict[str, Any] | None = None, state: dict[str, Any] | None = None) -> Item:
        """Queue a record operation (delete, insert, finish) behind everything queued before it."""
        if kind not in KINDS or kind == "upload":
            raise ValueError(f"unknown operation {kind!r}")
        with self._tx() as db:
            seq = self._insert(db, kind, uuid.uuid4().hex, record, page_number, params or {}, operator)
            if state is not None:
                self._set_state(db, "workflow", state)
        item = self.get(seq)
        assert item is not None
        return item

    def _insert(self, db: sqlite3.Connection, kind: str, key: str, record: dict[str, Any], page_number: int | None,
                params: dict[str, Any], operator: str, *, file: str | None = None, size: int | None = None,
                sha256: str | None = None, local: dict[str, Any] | None = None) -> int:
        cur = db.execute(
            "INSERT INTO item (kind, key, state, record, page_number, params, file, size, sha256, local, operator,"
            " created_at) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
            (kind, key, QUEUED, json.dumps(record, ensure_ascii=False), page_number,
             json.dumps(params, ensure_ascii=False), file, size, sha256,
             json.dumps(local, ensure_ascii=False) if local is not None else None, operator, utcnow_iso()))
        assert cur.lastrowid is not None
        return cur.lastrowid

    # -- reading
    def get(self, seq: int) -> Item | None:
        """The item with this sequence number."""
        row = self._db.execute("SELECT * FROM item WHERE seq = ?", (seq,)).fetchone()
        return Item.from_row(row) if row else None

    def head(self) -> Item | None:
        """The oldest queued item: the only one the uploader may send next."""
        row = self._db.execute("SELECT * FROM item WHERE state = ? ORDER BY seq LIMIT 1", (QUEUED,)).fetchone()
        return Item.from_row(row) if row else None

    def queued(self, limit: int = 1000) -> list[Item]:
        """Queued items in order."""
        rows = self._db.execute("SELECT * FROM item WHERE state = ? ORDER BY seq LIMIT ?", (QUEUED, limit))
        return [Item.from_row(r) for r in rows]

    def rejected(self) -> list[Item]:
        """Items the server refused for good, oldest first (their files are kept)."""
        rows = self._db.execute("SELECT * FROM item WHERE state = ? ORDER BY seq", (REJECTED,))
        return [Item.from_row(r) for r in rows]

    def recent(self, limit: int = 10, kind: str | None = "upload") -> list[Item]:
        """The latest items, newest first."""
        if kind:
            rows = self._db.execute("SELECT * FROM item WHERE kind = ? ORDER BY seq DESC LIMIT ?", (kind, limit))
        else:
            rows = self._db.execute("SELECT * FROM item ORDER BY seq DESC LIMIT ?", (limit,))
        return [Item.from_row(r) for r in rows]

    def pages_now(self, items: list[Item]) -> dict[int, int | None]:
        """seq -> the page number each upload has now, after the deletes and inserts queued behind it
        (None: its page was deleted). `status` shows these, not the numbers the shots were taken under."""
        if not items:
            return {}
        later = [Item.from_row(r) for r in self._db.execute(
            "SELECT * FROM item WHERE seq > ? AND state != ? AND (kind = 'delete' OR (kind = 'upload' AND"
            " params LIKE '%\"insert\": true%')) ORDER BY seq", (min(i.seq for i in items), REJECTED))]
        out: dict[int, int | None] = {}
        for item in items:
            page = item.page_number
            for op in later:
                if page is None or op.seq <= item.seq or op.page_number is None or \
                        record_key(op.record) != record_key(item.record):
                    continue
                if op.kind == "delete":
                    page = None if page == op.page_number else page - (page > op.page_number)
                elif page >= op.page_number:
                    page += 1
            out[item.seq] = page
        return out

    def counts(self) -> dict[str, int]:
        """How many items are queued, rejected and done; queued bytes."""
        out = {QUEUED: 0, DONE: 0, REJECTED: 0}
        for state, n in self._db.execute("SELECT state, COUNT(*) FROM item GROUP BY state"):
            out[state] = n
        out["queued_bytes"] = self._db.execute(
            "SELECT COALESCE(SUM(size), 0) FROM item WHERE state = ?", (QUEUED,)).fetchone()[0]
        return out

    def oldest_queued_at(self) -> str | None:
        """When the oldest waiting item was queued."""
        row = self._db.execute("SELECT MIN(created_at) FROM item WHERE state = ?", (QUEUED,)).fetchone()
        return row[0] if row else None

    def average_size(self) -> int:
        """Average size of the latest uploads (for 'room for about N more shots')."""
        row = self._db.execute(
            "SELECT AVG(size) FROM (SELECT size FROM item WHERE kind='upload' ORDER BY seq DESC LIMIT 50)").fetchone()
        return int(row[0] or 4_000_000)

    def pending_for_record(self, record: dict[str, Any], pattern: str = BARCODE_PATTERN) -> int:
        """How many queued items belong to this record (under any of its keys: barcode or MRN + visit)."""
        key = self.record_keys(record, pattern)[0]
        return sum(1 for (raw,) in self._db.execute("SELECT record FROM item WHERE state = ?", (QUEUED,))
                   if self.record_keys(json.loads(raw), pattern)[0] == key)

    # -- one record, one key: a barcode and the MRN + visit it stands for
    def learn_record(self, identity: dict[str, Any], answer: dict[str, Any]) -> None:
        """The server answered for `identity` ({"barcode"} or {"mrn", "visit"}) with its record `answer`.

        answer: the record as POST /api/v1/records gives it ({"mrn", "visit", "barcode" or None}). Every name
        the server gives the record (its barcode, its MRN + visit, and the identity asked for) is saved under
        one key, the MRN + visit; kept in the outbox database, so the station knows it after a restart and offline.
        """
        mrn = {"mrn": str(answer["mrn"]), "visit": int(answer["visit"])}
        canonical = record_key(mrn)
        names = [identity, mrn] + ([{"barcode": str(answer["barcode"])}] if answer.get("barcode") else [])
        with self._tx() as db:
            for identity in names:
                db.execute("INSERT OR REPLACE INTO record_alias (alias, canonical, at) VALUES (?,?,?)",
                           (record_key(identity), canonical, utcnow_iso()))

    def knows_record(self, identity: dict[str, Any]) -> bool:
        """The server has told this station which record the identity is."""
        return self._db.execute("SELECT 1 FROM record_alias WHERE alias = ?",
                                (record_key(identity),)).fetchone() is not None

    def record_keys(self, identity: dict[str, Any],
                    pattern: str = BARCODE_PATTERN) -> tuple[str, frozenset[str]]:
        """(the record's one key, every key of the record) for a barcode or an MRN + visit.

        The key is the record's MRN + visit once the server has told it; until then, for a barcode the
        barcode `pattern` reads an MRN + visit out of (the project's default is 'MRN-visit'), that MRN + visit;
        otherwise the identity's own. So `m 11110004 1` and the barcode 11110004-1 are one record offline too.
        """
        own = record_key(identity)
        row = self._db.execute("SELECT canonical FROM record_alias WHERE alias = ?", (own,)).fetchone()
        read = barcode_identity(identity, pattern)
        key = row[0] if row else record_key(read) if read else own
        aliases = {r[0] for r in self._db.execute("SELECT alias FROM record_alias WHERE canonical = ?", (key,))}
        return key, frozenset(aliases | {key, own})

    def picked_up(self, name: str, size: int, sha256: str) -> int | None:
        """The item made from this exact hot-folder file, if it was already queued."""
        row = self._db.execute("SELECT item_seq FROM pickup WHERE name = ? AND size = ? AND sha256 = ?",
                               (name, size, sha256)).fetchone()
        return row[0] if row else None

    def read_file(self, item: Item) -> bytes:
        """The queued copy of an upload's image."""
        assert item.file
        return (self.files_dir / item.file).read_bytes()

    def file_path(self, item: Item) -> Path | None:
        """Where the item's image copy is kept."""
        return self.files_dir / item.file if item.file else None

    # -- outcomes
    def mark_done(self, item: Item, result: dict[str, Any]) -> None:
        """The server answered 2xx: record it, then delete the local copy."""
        with self._tx() as db:
            db.execute("UPDATE item SET state = ?, done_at = ?, result = ?, attempts = attempts + 1 WHERE seq = ?",
                       (DONE, utcnow_iso(), json.dumps(result, ensure_ascii=False), item.seq))
        if item.file:
            (self.files_dir / item.file).unlink(missing_ok=True)

    def mark_rejected(self, item: Item, code: str, detail: str, status: int) -> None:
        """The server refused the item for good: park it with the reason; its file stays."""
        with self._tx() as db:
            db.execute("UPDATE item SET state = ?, done_at = ?, result = ?, attempts = attempts + 1,"
                       " last_error = ? WHERE seq = ?",
                       (REJECTED, utcnow_iso(), json.dumps({"error": code, "detail": detail, "status": status},
                                                           ensure_ascii=False), f"{status} {code}", item.seq))

    def note_failure(self, item: Item, error: str) -> None:
        """A try failed and will be repeated."""
        with self._tx() as db:
            db.execute("UPDATE item SET attempts = attempts + 1, last_error = ? WHERE seq = ?", (error, item.seq))

    def requeue(self, seq: int) -> Item:
        """Put a rejected item back at the end of the queue (a new sequence number, the same key and file)."""
        item = self.get(seq)
        if item is None or item.state != REJECTED:
            raise ValueError(f"item {seq} is not a rejected item")
        with self._tx() as db:
            db.execute("DELETE FROM item WHERE seq = ?", (seq,))
            new = self._insert(db, item.kind, item.key, item.record, item.page_number, item.params, item.operator,
                               file=item.file, size=item.size, sha256=item.sha256, local=item.local)
            db.execute("UPDATE pickup SET item_seq = ? WHERE item_seq = ?", (new, seq))
        out = self.get(new)
        assert out is not None
        return out

    # -- station state
    def get_state(self, key: str = "workflow") -> dict[str, Any] | None:
        """A saved piece of station state."""
        row = self._db.execute("SELECT v FROM state WHERE k = ?", (key,)).fetchone()
        return json.loads(row[0]) if row else None

    def set_state(self, value: dict[str, Any], key: str = "workflow") -> None:
        """Save a piece of station state."""
        with self._tx() as db:
            self._set_state(db, key, value)

    @staticmethod
    def _set_state(db: sqlite3.Connection, key: str, value: dict[str, Any]) -> None:
        db.execute("INSERT OR REPLACE INTO state (k, v) VALUES (?, ?)", (key, json.dumps(value, ensure_ascii=False)))

    # -- housekeeping
    def tidy(self, keep_days: int = 14) -> int:
        """Forget done items older than `keep_days` and delete image copies no row refers to (left by a crash).

        Call only while holding the station lock (no other process is writing the folder).
        """
        cutoff = (datetime.now(UTC) - timedelta(days=keep_days)).isoformat()
        with self._tx() as db:
            db.execute("DELETE FROM item WHERE state = ? AND done_at < ?", (DONE, cutoff))
            db.execute("DELETE FROM pickup WHERE at < ?", (cutoff,))
        wanted = {r[0] for r in self._db.execute("SELECT file FROM item WHERE file IS NOT NULL AND state != ?",
                                                 (DONE,))}
        removed = 0
        for entry in os.scandir(self.files_dir):
            if entry.is_file() and entry.name not in wanted:
                os.unlink(entry.path)
                removed += 1
        return removed
