"""Page numbering as one explicit state machine (pure: no I/O, no clock, no threads).

The station's screen, its outbox and the server's record all follow the decisions made here:

* a record is **open** (shots are numbered) or **closed** (no record yet, finished with `f N`, or a
  refused barcode): a shot while closed is *held* in the hot folder until a barcode opens a record;
* the **next shot** is described by `Next`: a page number and how it lands there — `append` at the end,
  `retake` of one page in place (after a failed shot, after `r N`, or after a confirmed `p N`), or
  `insert` of a missed page (pages N… move up one *on the server in the same transaction as the
  shot*, so cancelling an insert leaves nothing behind);
* a failed shot is re-shot in place; a retake replaces exactly one page, then numbering returns to the end;
* going to a page that has a good image (`p N`) waits for a confirmation key (`y`), never overwrites silently.

`Numbering` is a frozen value; every operation returns a `Step`: the new state, the message key (and fields) the
operator is told, and the record operation to queue (delete, finish) if any. Transition table: README, station.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from capture_station.identity import label_of, record_key, record_label  # noqa: F401 (re-exported)

APPEND, RETAKE, INSERT = "append", "retake", "insert"
PASS, FAIL, UNCHECKED, MISSING = "pass", "fail", "unchecked", "missing"   # MISSING: a gap left by `p N`
KNOWN_RECORDS = 50          # records whose page count is remembered for an offline re-open


@dataclass(frozen=True)
class Next:
    """What the next shot does: lands on `page` by `how` (append, retake, insert)."""

    page: int
    how: str = APPEND


@dataclass(frozen=True)
class Shot:
    """Where one shot went: its page, whether it opened a slot (insert) or replaced a page (retake)."""

    page: int
    insert: bool
    retake: bool
    segment: str | None
    blank: bool


@dataclass(frozen=True)
class Numbering:
    """The numbering state of the station.

    record:    the record identity shown on screen (None when no record was ever opened, or after a refusal)
    key:       the record's one key on this station: a barcode and its MRN + visit share it (the station resolves
               it, see `Outbox.record_keys`); None in a state saved before keys were resolved
    is_open:   shots are numbered into `record`; False after `f N` or a refused barcode (shots are held)
    pages:     page number -> last known verdict of its image (pass, fail, unchecked; missing: no image, a gap)
    end:       the highest page number of the record
    next:      what the next shot does (None means append after `end`)
    confirm:   a page with a good image that `p N` asked for; `y` confirms the retake, anything else drops it
    undo:      what the failed shots of the pending retake did: ("insert", N) — an `i N` shot opened page N;
               ("retake", N) — an `r N` / `p N` shot replaced N's good image. `x` undoes the first (page N is
               withdrawn again) and refuses the second (the good image is superseded: page N needs a good shot)
    """

    record: dict[str, Any] | None = None
    key: str | None = None
    record_id: int | None = None
    is_open: bool = False
    pages: dict[int, str] = field(default_factory=dict)
    end: int = 0
    next: Next | None = None
    confirm: int | None = None
    next_segment: str | None = None
    next_blank: bool = False
    last_page: int | None = None
    finished_count: int | None = None
    known: dict[str, int] = field(default_factory=dict)
    known_failed: dict[str, list[int]] = field(default_factory=dict)   # record key -> its failed pages
    undo: tuple[str, int] | None = None

    # -- reading
    @property
    def record_key(self) -> str | None:
        """The open (or last) record's key on this station."""
        if self.record is None:
            return None
        return self.key or record_key(self.record)

    def failed_pages(self) -> list[int]:
        """The pages whose current image failed the check, as this station knows them."""
        return sorted(n for n, v in self.pages.items() if v == FAIL and n <= self.end)

    @property
    def upcoming(self) -> Next:
        """What the next shot does."""
        return self.next or Next(self.end + 1, APPEND)

    @property
    def next_page(self) -> int:
        """The page number the next shot gets."""
        return self.upcoming.page

    @property
    def mode(self) -> str:
        """append, retake or insert (for the screen)."""
        return self.upcoming.how

    def good(self, page: int) -> bool:
        """The page has an image that passed the check (or whose verdict this station does not know)."""
        return page <= self.end and self.pages.get(page, PASS) not in (FAIL, MISSING)

    # -- saving
    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (saved in the outbox with the shot it numbers)."""
        return {
            "record": self.record, "key": self.key, "record_id": self.record_id, "is_open": self.is_open,
            "pages": {str(k): v for k, v in self.pages.items()}, "end": self.end,
            "next": [self.next.page, self.next.how] if self.next else None, "confirm": self.confirm,
            "next_segment": self.next_segment, "next_blank": self.next_blank, "last_page": self.last_page,
            "finished_count": self.finished_count, "known": dict(self.known),
            "known_failed": {k: list(v) for k, v in self.known_failed.items()},
            "undo": list(self.undo) if self.undo else None,
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any] | None) -> Numbering:
        """From `to_dict`'s output; an older saved workflow (page_count, mode, target) is read too."""
        if not d:
            return cls()
        if "end" not in d:  # the station's state before this module: page_count / mode / target
            nxt = Next(int(d["target"]), RETAKE) if d.get("mode") == "reshoot" and d.get("target") else None
            return cls(record=d.get("record"), record_id=d.get("record_id"), is_open=d.get("record") is not None,
                       end=int(d.get("page_count") or 0), next=nxt, known=dict(d.get("known") or {}))
        raw_next = d.get("next")
        return cls(
            record=d.get("record"), key=d.get("key"), record_id=d.get("record_id"), is_open=bool(d.get("is_open")),
            pages={int(k): str(v) for k, v in (d.get("pages") or {}).items()}, end=int(d.get("end") or 0),
            next=Next(int(raw_next[0]), str(raw_next[1])) if raw_next else None, confirm=d.get("confirm"),
            next_segment=d.get("next_segment"), next_blank=bool(d.get("next_blank")), last_page=d.get("last_page"),
            finished_count=d.get("finished_count"), known=dict(d.get("known") or {}),
            known_failed={k: [int(n) for n in v] for k, v in (d.get("known_failed") or {}).items()},
            undo=(str(d["undo"][0]), int(d["undo"][1])) if d.get("undo") else None)


@dataclass(frozen=True)
class Op:
    """A record operation to queue behind the uploads: delete page n, or finish with the paper count."""

    kind: str                     # delete | finish
    page_number: int | None = None
    paper_page_count: int | None = None


@dataclass(frozen=True)
class Step:
    """The outcome of one transition: the new state, what to tell the operator, what to queue."""

    state: Numbering
    message: str                  # a key of capture_station.messages.TEXTS ("" for nothing to say)
    fields: dict[str, Any] = field(default_factory=dict)
    level: str = "info"           # info, ok, warn, error
    op: Op | None = None
    changed: bool = True          # False: a refusal; the state is unchanged


def _refuse(state: Numbering, message: str, **fields: Any) -> Step:
    return Step(state, message, fields, "error", changed=False)


def _remember(state: Numbering, forget: frozenset[str] = frozenset()) -> Numbering:
    """Keep the record's end and failed pages under its key (other keys of the same record are forgotten)."""
    key = state.record_key
    if key is None:
        return state
    drop = forget | {key}
    known = {k: v for k, v in state.known.items() if k not in drop}
    known[key] = state.end
    while len(known) > KNOWN_RECORDS:
        known.pop(next(iter(known)))
    failed = {k: v for k, v in state.known_failed.items() if k not in drop and k in known}
    if state.failed_pages():
        failed[key] = state.failed_pages()
    return replace(state, known=known, known_failed=failed)


def _closed_message(state: Numbering) -> str:
    return "scan_next_record" if state.record is not None else "no_record"


# -- records
def open_record(state: Numbering, identity: dict[str, Any], *, key: str | None = None,
                aliases: frozenset[str] = frozenset(), record_id: int | None = None,
                server_pages: dict[int, str] | None = None, pending: bool = False) -> Step:
    """A barcode (or MRN + visit) opened a record.

    key: the record's one key on this station (default: the identity's own); aliases: its other keys (a
    barcode and the MRN + visit it stands for are one record: its count is found under any of them);
    server_pages: the record's pages and verdicts as the server has them (None when offline);
    pending: this station still has queued items of the record. Its own numbering then wins: the server has
    not seen them yet (a queued delete would otherwise leave a hole). With nothing queued the server wins.
    """
    key = key or record_key(identity)
    keys = aliases | {key}
    local = [state.known[k] for k in keys if k in state.known]
    same = state.record_key in keys
    if same:
        mine = dict(state.pages)
    else:
        mine = {n: FAIL for k in keys for n in state.known_failed.get(k, [])}
    if server_pages is None or (pending and local):   # offline, or the station's own count is the newer one
        end, pages = max(local, default=0), mine
        if same:
            end = max(end, state.end)
    else:
        end = max(server_pages, default=0)
        pages = {n: server_pages.get(n, MISSING) for n in range(1, end + 1)}   # a number with no page is a gap
    pages = {n: v for n, v in pages.items() if 1 <= n <= end}
    new = _remember(Numbering(record=identity, key=key, record_id=record_id, is_open=True, pages=pages, end=end,
                              known=state.known, known_failed=state.known_failed), frozenset(keys))
    key = "record_offline" if server_pages is None else "record_opened"
    return Step(new, key, {"next": new.next_page}, "warn" if server_pages is None else "ok")


def refuse_record(state: Numbering) -> Step:
    """The server refused a scanned barcode: the previous record is closed too (shots are held)."""
    return Step(replace(state, record=None, key=None, record_id=None, is_open=False, next=None, confirm=None,
                        next_segment=None, next_blank=False, pages={}, end=0), "record_closed_refused", {}, "error")


def finish(state: Numbering, paper_page_count: int) -> Step:
    """`f N`: the paper has N pages; the record is closed until the next barcode."""
    if not state.is_open:
        return _refuse(state, _closed_message(state))
    if paper_page_count < 1:
        return _refuse(state, "bad_page", n=paper_page_count, max=100_000)
    if failed := state.failed_pages():
        return _refuse(state, "finish_failed_pages", pages=", ".join(map(str, failed)))
    new = replace(state, is_open=False, next=None, confirm=None, next_segment=None, next_blank=False,
                  finished_count=paper_page_count)
    return Step(new, "finish_queued", {"n": paper_page_count}, op=Op("finish", paper_page_count=paper_page_count))


# -- shots
def shoot(state: Numbering, verdict: str) -> tuple[Step, Shot | None]:
    """A shot with the local check's verdict; (step, where it went), or (refusal, None) when it must be held."""
    if not state.is_open:
        return _refuse(state, _closed_message(state)), None
    if state.confirm is not None:
        return _refuse(state, "confirm_first", n=state.confirm), None
    up = state.upcoming
    pages = dict(state.pages)
    end = state.end
    if up.how == INSERT:
        pages = {(n + 1 if n >= up.page else n): v for n, v in pages.items()}
        end += 1
    pages[up.page] = verdict
    end = max(end, up.page)
    shot = Shot(up.page, insert=up.how == INSERT, retake=up.how == RETAKE, segment=state.next_segment,
                blank=state.next_blank)
    # a failed shot is re-shot in place by default; a good one returns numbering to the end
    nxt = Next(up.page, RETAKE) if verdict == FAIL else None  # a failed shot is re-shot in place
    new = _remember(replace(state, pages=pages, end=end, next=nxt, next_segment=None, next_blank=False,
                            last_page=up.page, finished_count=None, undo=_undo(state, up, verdict)))
    if verdict == FAIL:
        return Step(new, "retake_next", {"n": up.page}, "error"), shot
    return Step(new, "", {"page": up.page}, "ok"), shot


def _undo(state: Numbering, up: Next, verdict: str) -> tuple[str, int] | None:
    """What `x` must undo after this shot (see Numbering.undo); None after a good shot."""
    if verdict != FAIL:
        return None
    if up.how == INSERT:
        return ("insert", up.page)
    if state.undo is not None and state.next == Next(state.undo[1], RETAKE) and state.undo[1] == up.page:
        return state.undo                     # a further failed shot of the same chain
    if up.how == RETAKE and state.good(up.page):
        return ("retake", up.page)
    return None


def retake_warned(state: Numbering, page: int) -> Step:
    """The station warned that the shot of `page` shows the page before (not turned): like a failed shot, the
    next shot re-shoots `page` in place ("retake_next"); refused as `r N` would be."""
    step = retake(state, page)
    return Step(step.state, "retake_next", {"n": page}, "warn") if step.message == "mode_reshoot" else step


def _need_open(state: Numbering) -> Step | None:
    return None if state.is_open else _refuse(state, _closed_message(state))


def retake(state: Numbering, page: int | None) -> Step:
    """`r` / `r N`: the next shot replaces page N (the last shot's page by default), then numbering returns."""
    if (refused := _need_open(state)) is not None:
        return refused
    page = page if page is not None else state.last_page
    if page is None or not 1 <= page <= state.end:
        return _refuse(state, "bad_page", n=page if page is not None else "?", max=state.end)
    return Step(replace(state, next=Next(page, RETAKE), confirm=None), "mode_reshoot", {"n": page})


def insert(state: Numbering, page: int) -> Step:
    """`i N`: the next shot is a missed page N; nothing moves until that shot is safe (then N… move up one)."""
    if (refused := _need_open(state)) is not None:
        return refused
    if not 1 <= page <= state.end + 1:
        return _refuse(state, "bad_page", n=page, max=state.end + 1)
    if page == state.end + 1:
        return Step(replace(state, next=None, confirm=None), "page_set", {"n": page})
    return Step(replace(state, next=Next(page, INSERT), confirm=None), "mode_insert", {"n": page})


def go_to(state: Numbering, page: int) -> Step:
    """`p N`: the next shot is page N. A page with a good image waits for `y`; past the end it starts there."""
    if (refused := _need_open(state)) is not None:
        return refused
    if not 1 <= page <= 100_000:
        return _refuse(state, "bad_page", n=page, max=100_000)
    if page > state.end:
        # e.g. a record begun on another station while this one was offline: numbering goes on from page
        gaps = {n: MISSING for n in range(state.end + 1, page)}
        return Step(replace(state, end=page - 1, pages={**state.pages, **gaps}, next=None, confirm=None),
                    "page_set", {"n": page})
    if state.pages.get(page) == MISSING:        # a gap: the next shot is its first image, no question asked
        return Step(replace(state, next=Next(page, APPEND), confirm=None), "page_set", {"n": page})
    if state.good(page):
        return Step(replace(state, confirm=page), "confirm_overwrite", {"n": page}, "warn")
    return Step(replace(state, next=Next(page, RETAKE), confirm=None), "mode_reshoot", {"n": page})


def confirm(state: Numbering) -> Step:
    """`y`: the retake of the good page asked for by `p N` is confirmed."""
    if state.confirm is None:
        return _refuse(state, "nothing_to_confirm")
    return Step(replace(state, next=Next(state.confirm, RETAKE), confirm=None), "mode_reshoot", {"n": state.confirm})


def drops_held(prev: Numbering, new: Numbering, confirmed: bool) -> int | None:
    """The page N whose held shot a command dropped, or None.

    prev/new: the numbering before and after one command; confirmed: the command was `y`. A shot taken while
    `p N` awaits `y` is held un-numbered; only `y` files it (as page N). Any other command that ends the wait
    (x, r, i, p M, d, f, m, a barcode) drops it: it is never given a number. A refused command (still waiting
    for the same page of the same record) drops nothing. Rule: issue 12 review (a held shot became page 7 / 3).
    """
    if prev.confirm is None or confirmed:
        return None
    if new.confirm == prev.confirm and new.record_key == prev.record_key:
        return None
    return prev.confirm


def delete(state: Numbering, page: int) -> Step:
    """`d N`: page N is withdrawn and later pages move down one (queued for the server as it is)."""
    if (refused := _need_open(state)) is not None:
        return refused
    if not 1 <= page <= state.end:
        return _refuse(state, "bad_page", n=page, max=state.end)
    pages = {(n - 1 if n > page else n): v for n, v in state.pages.items() if n != page}
    last = None if state.last_page == page else state.last_page
    if last is not None and last > page:
        last -= 1
    new = _remember(replace(state, pages=pages, end=state.end - 1, next=None, confirm=None, last_page=last))
    return Step(new, "deleted", {"n": page}, op=Op("delete", page_number=page))


def segment(state: Numbering, name: str) -> Step:
    """`s name`: the next shot starts a segment."""
    if (refused := _need_open(state)) is not None:
        return refused
    return Step(replace(state, next_segment=name), "next_segment", {"name": name})


def blank(state: Numbering) -> Step:
    """`b`: the next shot is an intentionally blank page."""
    if (refused := _need_open(state)) is not None:
        return refused
    return Step(replace(state, next_blank=True), "next_blank", {})


def cancel(state: Numbering) -> Step:
    """`x`: drop a pending retake, insert, confirmation, segment or blank mark; the next shot appends.

    After failed shots of `i N`, page N is withdrawn again (a delete is queued: the record is as before `i N`);
    after failed shots of `r N` / `p N` on a good page, `x` is refused: the good image is superseded on the
    server, so page N needs a good shot (or `d N`).
    """
    if (refused := _need_open(state)) is not None:
        return refused
    if state.undo is not None and state.next == Next(state.undo[1], RETAKE):
        kind, n = state.undo
        if kind == "retake":
            return _refuse(state, "retake_not_undone", n=n)
        step = delete(state, n)
        new = replace(step.state, next_segment=None, next_blank=False, undo=None)
        return Step(new, "insert_undone", {"n": n, "next": new.next_page}, "warn", op=step.op)
    new = replace(state, next=None, confirm=None, next_segment=None, next_blank=False)
    return Step(new, "mode_cleared", {"n": new.next_page})
