"""Shot-time check for a page that was not turned, or shot twice: each shot's page hash (qc.pagehash, the same as
the server's) against the hashes of the record's earlier shots.

A near-duplicate of the page numbered just before means the page was probably not turned ("同一页？请翻页后重拍"):
like a failed shot, the next shot then re-shoots that page in place ("下一张重拍第 N 页");
a near-duplicate of another page of the record is a repeat, named by that page's number. Blank pages (found blank
or marked intentionally blank) are neither compared nor kept. A re-shoot of page n replaces page n's hash and is
never compared with it. Only shots taken since the station started are known: after a restart the comparison
starts again from the next shot (the server compares the whole record when it is finished).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from capture_station.events import Event
from capture_station.messages import t
from capture_station.qcwords import say

try:
    from qc.pagehash import REPEAT_MAX_BITS, hamming
except ImportError:  # a station without qc checks nothing locally (LocalChecker says so once)
    REPEAT_MAX_BITS, hamming = 40, None


@dataclass(frozen=True)
class Match:
    """The shot of `page` shows the same paper as the earlier shot of page `earlier` (`distance` bits apart)."""

    page: int
    earlier: int
    distance: int

    @property
    def unturned(self) -> bool:
        """The page numbered just before: the operator probably did not turn the page."""
        return self.earlier == self.page - 1


class PageHashes:
    """The page hashes of one record's shots, by page number (pure bookkeeping: no I/O)."""

    def __init__(self, max_bits: int = REPEAT_MAX_BITS) -> None:
        self.max_bits = max_bits
        self.record: str | None = None
        self.pages: dict[int, str] = {}

    def compare(self, record: str, page: int, phash: str | None, blank: bool, *, insert: bool = False) -> Match | None:
        """Compare a new shot of `page` with the record's other pages, then keep its hash; the page just before
        when it matches (an unturned page: the next shot re-shoots this one), else the closest match, or None.
        insert: the shot went in at `page`, later pages moved up.

        The page just before wins over a closer earlier page: after a repeat of page 1 as page 4, a fifth shot of
        the same sheet is nearer page 1 (page 4 was shot moved a little) but was shot because the sheet was not
        turned."""
        if record != self.record:
            self.record, self.pages = record, {}
        if insert:
            self.shift(page, +1)
        if not phash or blank or hamming is None:
            self.pages.pop(page, None)
            return None
        best: Match | None = None
        for n, h in self.pages.items():
            if n == page or len(h) != len(phash):
                continue
            d = hamming(h, phash)
            if d <= self.max_bits and (best is None or (n != page - 1, d) < (not best.unturned, best.distance)):
                best = Match(page, n, d)
        self.pages[page] = phash
        return best

    def shift(self, page: int, by: int) -> None:
        """Keep page numbers true: +1 for pages ≥ page (an insert), -1 for pages > page (page deleted)."""
        moved = {}
        for n, h in self.pages.items():
            if by < 0 and n == page:
                continue
            moved[n + by if (n >= page if by > 0 else n > page) else n] = h
        self.pages = moved


class SamePageCheck:
    """The station's hook: after each shot event, warn the operator of an unturned or repeated page."""

    def __init__(self, station: Any) -> None:
        self.station = station
        self.hashes = PageHashes()
        station.bus.subscribe(self._on_event)

    def after_shot(self, event: Event, local: Any) -> Match | None:
        """Compare the shot (its `shot` event and local check) and emit a `same_page` warning when it matches."""
        match = self.hashes.compare(event.get("record", ""), event["page"], local.phash, local.blank,
                                    insert=bool(event.get("insert")))
        if match is not None:
            lang = self.station.lang
            key = "same_page" if match.unturned else "repeat_page"
            data: dict[str, Any] = {"page": match.page, "earlier": match.earlier, "distance": match.distance,
                                    "code": key, "record": event.get("record", "")}
            text = say(key, lang, page=match.page, earlier=match.earlier)
            if match.unturned:   # like a failed shot: the next shot re-shoots this page in place
                text += " · " + t("retake_next", lang, n=match.page)
            self.station.bus.emit("same_page", "warn", text, bell=self.station.cfg.bell, **data)
            if match.unturned:
                self.station.retake_warned(match.page)
        return match

    def _on_event(self, e: Event) -> None:
        if e["kind"] == "deleted" and e.get("record") == self.hashes.record:
            self.hashes.shift(e["page"], -1)
