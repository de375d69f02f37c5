"""Where the operator is in a record: the open record, its page count, and what the next shot will be."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from typing import Any

from capture_station.outbox import record_label


@dataclass
class Workflow:
    """Where the operator is: the open record, its page count, and what the next shot will be."""

    record: dict[str, Any] | None = None
    record_id: int | None = None
    page_count: int = 0                 # highest page number of the record, as this station sees it
    last_page: int | None = None        # the page the last shot went to
    mode: str = "normal"                # normal | reshoot | insert
    target: int | None = None           # the page a re-shoot or an inserted shot goes to
    next_segment: str | None = None
    next_blank: bool = False
    finished_count: int | None = None
    known: dict[str, int] = field(default_factory=dict)   # record key -> page count, for records seen lately

    @property
    def label(self) -> str:
        """The open record as the operator knows it ('' when none)."""
        return record_label(self.record) if self.record else ""

    @property
    def next_page(self) -> int:
        """The page number the next shot gets."""
        if self.mode in ("reshoot", "insert") and self.target:
            return self.target
        return self.page_count + 1

    def after_shot(self, page: int) -> Workflow:
        """The state once a shot went to `page`."""
        new = Workflow(**{**asdict(self), "known": dict(self.known)})
        if self.mode == "normal":
            new.page_count = max(self.page_count, page)
        new.mode, new.target, new.last_page = "normal", None, page
        new.next_segment, new.next_blank = None, False
        new.remember()
        return new

    def remember(self) -> None:
        """Note the open record's page count (the last 50 records are kept)."""
        if self.record:
            key = record_key(self.record)
            self.known.pop(key, None)
            self.known[key] = self.page_count
            while len(self.known) > 50:
                self.known.pop(next(iter(self.known)))

    def to_dict(self) -> dict[str, Any]:
        """For saving in the outbox."""
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any] | None) -> Workflow:
        """From the outbox's saved state."""
        if not d:
            return cls()
        names = set(cls.__dataclass_fields__)
        return cls(**{k: v for k, v in d.items() if k in names})


def record_key(record: dict[str, Any]) -> str:
    """A stable key for a record identity."""
    return json.dumps(record, sort_keys=True, ensure_ascii=False)
