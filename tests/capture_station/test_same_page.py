"""The station's shot-time check for an unturned or repeated page (issue 15): a real Station, offline, with real
generated shots (bench/qc/generator.py papers, photographed again with new light, noise and a small shift)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from bench.qc.generator import encode_jpeg, photograph, random_spec, render_paper
from capture_station.samepage import PageHashes
from capture_station.sources import Shot
from capture_station.station import Station
from tests.capture_station.offline import offline_station

FRAME = (1600, 1200)


def paper(seed: int, layout: str = "form"):  # noqa: ANN201 - (paper pixels, spec)
    """One paper page of a given layout (most of a record's pages are forms of the same kind)."""
    spec = replace(random_spec(seed, "sharp", FRAME), layout=layout)
    return render_paper(spec, spec.page_fill * spec.frame_wh[1] / spec.paper_mm[1]), spec


def shoot(page, *, again: int = 0, shift: bool = False) -> bytes:  # noqa: ANN001
    """A photograph of the paper; `again` > 0 shoots it anew (new light and noise), shift moves and turns it."""
    pixels, spec = page
    if again:
        spec = replace(spec, seed=spec.seed + 900_000 + again)
        if shift:
            spec = replace(spec, offset=(spec.offset[0] + 0.015, spec.offset[1] - 0.01), angle_deg=spec.angle_deg + 1)
    img, _ = photograph(pixels, spec)
    return encode_jpeg(img, spec.jpeg_quality)


@pytest.fixture
def station(tmp_path: Path):  # noqa: ANN201
    with offline_station(tmp_path) as (st, events):
        assert st.use_server_profile({"min_dpi": 60})   # the small generated frames (quick to make) are ~90 dpi
        st.open_record({"barcode": "00012345-1"})   # nobody signed in: the record opens offline
        yield st, events


def take(st: Station, data: bytes, name: str) -> dict:
    event = st.take(Shot(data, name, ".jpg", "2026-11-30T10:00:00+08:00"))
    assert event is not None and "unreadable" not in event
    return event


def warnings(events: list[dict]) -> list[tuple[int, int, str]]:
    return [(e["page"], e["earlier"], e["code"]) for e in events if e["kind"] == "same_page"]


def test_a_page_not_turned_and_a_repeat_warn_distinct_pages_of_one_form_do_not(station) -> None:  # noqa: ANN001
    st, events = station
    a, b, c = paper(151), paper(152), paper(153)
    for n, data in enumerate([shoot(a), shoot(b)], start=1):        # two distinct pages of the same form
        assert take(st, data, f"s{n}.jpg")["page"] == n
    assert warnings(events) == []
    take(st, shoot(b, again=1), "s3.jpg")                             # the page was not turned
    assert warnings(events) == [(3, 2, "same_page")]
    same = [e for e in events if e["kind"] == "same_page"][-1]
    assert "同一页？请翻页后重拍" in same["text"] and same["level"] == "warn"
    # like a failed shot, the next shot re-shoots page 3 in place, and the operator is told so
    assert "下一张重拍第 3 页" in same["text"]
    assert (st.flow.next_page, st.flow.mode) == (3, "retake")
    told = events[-1]
    assert told["kind"] == "mode" and told["code"] == "retake_next" and told["next_page"] == 3
    retaken = take(st, shoot(c), "s4.jpg")                            # distinct again: nothing said
    assert (retaken["page"], retaken["reshoot"]) == (3, True) and st.flow.end == 3
    assert len(warnings(events)) == 1
    assert (st.flow.next_page, st.flow.mode) == (4, "append")
    take(st, shoot(a, again=2, shift=True), "s5.jpg")                 # page 1 shot again later, moved a little
    assert warnings(events)[-1] == (4, 1, "repeat_page")
    assert "与第 1 页相同" in [e for e in events if e["kind"] == "same_page"][-1]["text"]
    assert (st.flow.next_page, st.flow.mode) == (5, "append")          # a repeat is only checked, not re-shot
    st.lang = "en"
    take(st, shoot(a, again=3), "s6.jpg")
    last = [e for e in events if e["kind"] == "same_page"][-1]
    assert last["code"] == "same_page" and "did you turn the page?" in last["text"]
    assert "next shot re-shoots page 5" in last["text"]


def test_blank_pages_are_not_compared(station) -> None:  # noqa: ANN001
    st, events = station
    blank = paper(161, "blank")
    for n in (1, 2, 3):                                               # blank pages marked as such, one after another
        st.handle_line("b")
        assert take(st, shoot(blank, again=n), f"b{n}.jpg")["page"] == n
    assert warnings(events) == []


def test_a_reshoot_of_the_same_page_is_not_a_repeat(station) -> None:  # noqa: ANN001
    st, events = station
    a = paper(171)
    take(st, shoot(a), "r1.jpg")
    take(st, shoot(paper(172)), "r2.jpg")
    st.handle_line("r 1")
    assert take(st, shoot(a, again=1), "r3.jpg")["page"] == 1           # re-shoot of page 1: compared with page 2 only
    assert warnings(events) == []


def test_page_hashes_follow_inserts_deletes_and_records() -> None:
    h = PageHashes(max_bits=4)
    x, y = "0" * 64, "f" * 64
    assert h.compare("R", 1, x, False) is None
    assert h.compare("R", 2, y, False) is None
    m = h.compare("R", 1, x, False, insert=True)                      # an insert at 1: old 1 and 2 move up
    assert (m.page, m.earlier, m.unturned) == (1, 2, False)
    assert sorted(h.pages) == [1, 2, 3]
    h.shift(1, -1)                                                    # page 1 deleted
    assert h.pages == {1: x, 2: y}
    assert h.compare("R", 3, y, True) is None and 3 not in h.pages   # blank: neither compared nor kept
    assert h.compare("R", 3, None, False) is None                     # no hash (no qc): nothing to say
    assert h.compare("S", 1, x, False) is None and h.pages == {1: x}  # another record starts afresh


def test_the_page_just_before_wins_over_a_closer_earlier_page() -> None:
    """A sheet shot as page 1 and again (moved) as page 4: a fifth shot of it matches page 1 closer, but the
    operator did not turn the sheet after page 4 - the next shot re-shoots page 5 (same_page, not repeat_page)."""
    h = PageHashes(max_bits=4)
    x, moved, other = "0" * 64, "0" * 63 + "7", "f" * 64
    assert h.compare("R", 1, x, False) is None
    assert h.compare("R", 2, other, False) is None
    assert h.compare("R", 3, "f" * 63 + "0", False).earlier == 2   # unturned: 4 bits from page 2
    m = h.compare("R", 4, moved, False)
    assert (m.earlier, m.distance, m.unturned) == (1, 3, False)    # a repeat of page 1
    m = h.compare("R", 5, "0" * 63 + "1", False)                   # 1 bit from page 1, 2 bits from page 4
    assert (m.earlier, m.distance, m.unturned) == (4, 2, True)
