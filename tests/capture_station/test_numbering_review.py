"""The numbering holes found by issue 12's review, as rules (each fails on the numbering before the review)."""

from __future__ import annotations

from pathlib import Path

from capture_station import numbering as nb
from capture_station.messages import t
from capture_station.outbox import Outbox

CODE = {"barcode": "00123456-2"}
MRN = {"mrn": "00123456", "visit": 2}


def shoot(state: nb.Numbering, *verdicts: str) -> nb.Numbering:
    for v in verdicts:
        step, shot = nb.shoot(state, v)
        assert shot is not None, step.message
        state = step.state
    return state


def test_a_barcode_and_its_mrn_visit_are_one_record_on_the_station_even_offline(tmp_path: Path) -> None:
    box = Outbox(tmp_path / "o.sqlite3", tmp_path / "files")
    key, aliases = box.record_keys(CODE)
    state = shoot(nb.open_record(nb.Numbering(), CODE, key=key, aliases=aliases, server_pages={}).state,
                  "pass", "pass", "pass")
    box.learn_record(CODE, {"mrn": "00123456", "visit": 2, "barcode": None})   # the server's answer
    box.close()
    box = Outbox(tmp_path / "o.sqlite3", tmp_path / "files")   # a restart: the mapping is on disk
    key, aliases = box.record_keys(MRN)
    assert key == box.record_keys(CODE)[0] and nb.record_key(CODE) in aliases
    other = shoot(nb.open_record(state, {"barcode": "9-1"}, server_pages={}).state, "pass")
    reopened = nb.open_record(other, MRN, key=key, aliases=aliases, server_pages=None)   # offline, by `m`
    assert reopened.state.next_page == 4 and reopened.message == "record_offline"
    box.close()


def test_every_name_the_server_gives_a_record_is_one_key(tmp_path: Path) -> None:
    """Review 2: opened by `m MRN visit` online, then by its barcode offline: one record, one count."""
    box = Outbox(tmp_path / "o.sqlite3", tmp_path / "files")
    box.learn_record(MRN, {"mrn": "00123456", "visit": 2, "barcode": "LBL0042"})   # the server's answer to `m`
    key, aliases = box.record_keys(MRN)
    state = shoot(nb.open_record(nb.Numbering(), MRN, key=key, aliases=aliases, server_pages={}).state,
                  "pass", "pass", "pass")
    code = {"barcode": "LBL0042"}       # a barcode the pattern cannot read: only the server's answer names it
    assert box.record_keys(code)[0] == key
    key, aliases = box.record_keys(code)
    other = shoot(nb.open_record(state, {"barcode": "9-1"}, server_pages={}).state, "pass")
    reopened = nb.open_record(other, code, key=key, aliases=aliases, server_pages=None)   # offline
    assert reopened.state.next_page == 4
    box.close()


def test_a_record_never_seen_online_is_one_key_by_the_barcode_pattern(tmp_path: Path) -> None:
    """`m 11110004 1` then barcode 11110004-1, both offline: the pattern 'MRN-visit' makes them one record."""
    box = Outbox(tmp_path / "o.sqlite3", tmp_path / "files")
    mrn, code = {"mrn": "11110004", "visit": 1}, {"barcode": "11110004-1"}
    key, aliases = box.record_keys(mrn)
    assert box.record_keys(code)[0] == key
    assert box.record_keys(code, "")[0] != key                       # pattern off: the barcode is its own
    assert box.record_keys({"barcode": "ABC"})[0] == nb.record_key({"barcode": "ABC"})
    state = shoot(nb.open_record(nb.Numbering(), mrn, key=key, aliases=aliases, server_pages=None).state,
                  "pass", "pass")
    key, aliases = box.record_keys(code)
    again = nb.open_record(state, code, key=key, aliases=aliases, server_pages=None)
    assert again.state.next_page == 3
    box.close()


def test_queued_items_make_the_stations_count_win_over_the_servers() -> None:
    state = shoot(nb.open_record(nb.Numbering(), CODE, server_pages={}).state, "pass", "pass", "pass", "pass")
    state = nb.delete(state, 2).state                               # queued; the server still has 4 pages
    state = shoot(nb.open_record(state, {"barcode": "9-1"}, server_pages={}).state, "pass")
    server = {n: "pass" for n in range(1, 5)}
    again = nb.open_record(state, CODE, server_pages=server, pending=True).state
    assert again.next_page == 4                                     # 1, 2, 3 after the delete: no hole at 4
    drained = nb.open_record(state, CODE, server_pages={n: "pass" for n in range(1, 4)}, pending=False).state
    assert drained.next_page == 4


def test_failed_pages_are_remembered_across_records_for_p_n() -> None:
    state = shoot(nb.open_record(nb.Numbering(), CODE, server_pages={}).state, "pass", "fail")
    state = nb.retake(state, 1).state                               # leave page 2 failed
    state = shoot(nb.open_record(shoot(state, "pass"), {"barcode": "9-1"}, server_pages={}).state, "pass")
    back = nb.open_record(state, CODE, server_pages={1: "pass"}, pending=True).state
    assert back.pages.get(2) == nb.FAIL and nb.go_to(back, 2).message == "mode_reshoot"


def test_x_after_a_failed_insert_shot_withdraws_the_inserted_page() -> None:
    state = nb.insert(shoot(nb.open_record(nb.Numbering(), CODE, server_pages={}).state, *["pass"] * 4), 2).state
    state = shoot(state, "fail", "fail")                           # the slot is open on the server, twice failed
    step = nb.cancel(state)
    assert step.message == "insert_undone" and step.op == nb.Op("delete", page_number=2)
    assert step.state.end == 4 and step.state.next_page == 5 and step.state.failed_pages() == []
    assert "已撤销插入" in t(step.message, "zh", **step.fields)


def test_x_after_a_failed_reshoot_of_a_good_page_is_refused_in_words() -> None:
    opened = shoot(nb.open_record(nb.Numbering(), CODE, server_pages={}).state, "pass", "pass", "pass")
    for start in (nb.retake(opened, 2).state, nb.confirm(nb.go_to(opened, 2).state).state):
        state = shoot(start, "fail")
        step = nb.cancel(state)
        assert step.changed is False and step.message == "retake_not_undone" and step.op is None
        assert t(step.message, "zh", **step.fields).startswith("不能取消：第 2 页")
        assert shoot(state, "pass").next_page == 4                   # a good shot ends it as before
    # x after a failed shot of a page that was failed already: nothing good was lost, x cancels
    failed = shoot(opened, "fail")
    assert nb.cancel(nb.retake(shoot(failed, "fail"), 4).state).message == "mode_cleared"


def test_finish_is_refused_while_a_pages_current_image_failed_naming_the_pages() -> None:
    state = shoot(nb.open_record(nb.Numbering(), CODE, server_pages={}).state, "fail")
    state = nb.cancel(state).state                                 # page 1 stays failed
    state = shoot(state, "pass", "fail")
    state = nb.cancel(state).state
    step = nb.finish(state, 3)
    assert step.changed is False and step.op is None and step.state.is_open
    assert t(step.message, "zh", **step.fields).startswith("不能完成：第 1, 3 页")
    server_side = nb.open_record(nb.Numbering(), CODE, server_pages={1: "fail", 2: "pass"}).state
    assert nb.finish(server_side, 2).message == "finish_failed_pages"


def test_the_new_fields_survive_a_restart() -> None:
    state = nb.insert(shoot(nb.open_record(nb.Numbering(), CODE, key="k", server_pages={}).state, "pass", "fail",
                            "pass"), 1).state
    state = shoot(state, "fail")
    assert nb.Numbering.from_dict(state.to_dict()) == state


def test_only_y_files_a_shot_held_for_a_confirmation() -> None:
    """Review 2: `p 2` on a good page, a shot held, then any command but `y` drops the held shot."""
    state = shoot(nb.open_record(nb.Numbering(), CODE, server_pages={}).state, "pass", "pass", "pass")
    asking = nb.go_to(state, 2).state
    assert asking.confirm == 2
    assert nb.drops_held(asking, nb.confirm(asking).state, confirmed=True) is None
    for after in (nb.cancel(asking), nb.retake(asking, 3), nb.insert(asking, 2), nb.go_to(asking, 3),
                  nb.delete(asking, 1), nb.finish(asking, 3), nb.retake(asking, 2), nb.refuse_record(asking),
                  nb.open_record(asking, {"barcode": "9-1"}, server_pages={})):
        assert nb.drops_held(asking, after.state, confirmed=False) == 2, after.message
    assert nb.drops_held(asking, nb.delete(asking, 99).state, confirmed=False) is None   # refused: still waiting
    assert nb.drops_held(asking, nb.blank(asking).state, confirmed=False) is None        # marks the held shot
    assert nb.drops_held(state, nb.cancel(state).state, confirmed=False) is None          # nothing was held


def test_gaps_left_by_go_to_are_missing_not_good() -> None:
    """Review 3: `p 4` on a one-page record leaves 2 and 3 without an image; `p 2` then takes it without asking."""
    state = shoot(nb.open_record(nb.Numbering(), CODE, server_pages={}).state, "pass")
    state = shoot(nb.go_to(state, 4).state, "pass")
    assert (state.end, state.pages) == (4, {1: "pass", 2: "missing", 3: "missing", 4: "pass"})
    for opened in (state, nb.open_record(nb.Numbering(), CODE, server_pages={1: "pass", 4: "pass"}).state):
        assert opened.pages[2] == nb.MISSING and not opened.good(2) and opened.good(4)
        step = nb.go_to(opened, 2)
        assert step.state.confirm is None and step.message == "page_set"
        filled, shot = nb.shoot(step.state, "pass")
        assert shot is not None and (shot.page, shot.retake, shot.insert) == (2, False, False)
        assert filled.state.next_page == 5 and filled.state.pages[2] == "pass"
        assert nb.go_to(opened, 4).message == "confirm_overwrite"             # a good page still asks
