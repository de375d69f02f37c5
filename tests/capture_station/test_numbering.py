"""The page-numbering state machine: each defect of issue 12 as a rule with its right behaviour, and properties."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from capture_station import numbering as nb
from capture_station.messages import TEXTS, t

REC = {"barcode": "00123456-2"}
NEXT_REC = {"barcode": "00123457-1"}


def opened(end: int = 0, verdicts: dict[int, str] | None = None) -> nb.Numbering:
    pages = verdicts if verdicts is not None else {n: "pass" for n in range(1, end + 1)}
    return nb.open_record(nb.Numbering(), REC, record_id=1, server_pages=pages).state


def shots(state: nb.Numbering, *verdicts: str) -> tuple[nb.Numbering, list[int]]:
    placed = []
    for v in verdicts:
        step, shot = nb.shoot(state, v)
        assert shot is not None, step.message
        state = step.state
        placed.append(shot.page)
    return state, placed


def test_good_shots_count_up_from_the_servers_last_page() -> None:
    state, placed = shots(opened(end=4), "pass", "pass", "pass")
    assert placed == [5, 6, 7] and state.end == 7 and state.next_page == 8


def test_defect4_a_failed_shot_is_reshot_in_place_and_says_so() -> None:
    state, placed = shots(opened(end=4), "fail")
    assert placed == [5] and state.next_page == 5 and state.mode == nb.RETAKE
    step, _ = nb.shoot(opened(end=4), "fail")
    assert step.message == "retake_next" and t(step.message, "zh", **step.fields) == "下一张重拍第 5 页"
    # re-shot as told: blurred again twice, then good — all on page 5, then numbering goes on at 6
    state, placed = shots(state, "fail", "fail", "pass", "pass")
    assert placed == [5, 5, 5, 6] and state.end == 6 and state.pages == {n: "pass" for n in range(1, 7)}


def test_r_n_reshoots_exactly_one_page_then_returns_to_the_end() -> None:
    state = nb.retake(opened(end=6), 2).state
    assert state.next_page == 2
    state, placed = shots(state, "pass", "pass")
    assert placed == [2, 7]
    assert nb.retake(opened(end=6), 9).changed is False           # not a page of the record
    state = nb.retake(state, None).state                         # `r`: the last shot's page
    assert state.next_page == 7


def test_defect1_insert_moves_nothing_until_its_shot_and_cancel_leaves_no_hole() -> None:
    state = opened(end=16)
    step = nb.insert(state, 3)
    assert step.op is None and step.state.end == 16                # nothing queued, nothing moved
    assert step.state.next_page == 3 and step.state.mode == nb.INSERT
    cancelled = nb.cancel(step.state)
    assert cancelled.state.next_page == 17 and cancelled.state.end == 16 and cancelled.op is None
    # with its shot, the slot and the image come together
    after, placed = shots(step.state, "pass")
    assert placed == [3] and after.end == 17 and after.next_page == 18
    s, shot = nb.shoot(step.state, "pass")
    assert shot is not None and shot.insert is True and shot.page == 3


def test_a_failed_inserted_shot_is_retaken_in_its_slot_not_inserted_again() -> None:
    step = nb.insert(opened(end=5), 2)
    state, placed = shots(step.state, "fail", "pass", "pass")
    assert placed == [2, 2, 7] and state.end == 7
    s, shot = nb.shoot(nb.shoot(step.state, "fail")[0].state, "pass")
    assert shot is not None and shot.insert is False and shot.retake is True


def test_defect2_going_to_a_good_page_needs_a_confirmation_key() -> None:
    state = opened(end=5)
    asked = nb.go_to(state, 3)
    assert asked.message == "confirm_overwrite" and asked.state.confirm == 3
    held, shot = nb.shoot(asked.state, "pass")
    assert shot is None and held.message == "confirm_first"          # a shot now is held, nothing overwritten
    assert nb.cancel(asked.state).state.next_page == 6                # x: nothing happens
    confirmed = nb.confirm(asked.state).state
    state, placed = shots(confirmed, "pass", "pass")
    assert placed == [3, 6]                                           # one page replaced, then the end again
    # a failed page needs no confirmation; past the end numbering starts there
    failed = opened(verdicts={1: "pass", 2: "fail", 3: "pass"})
    assert nb.go_to(failed, 2).state.next_page == 2 and nb.go_to(failed, 2).state.confirm is None
    assert nb.go_to(failed, 12).state.next_page == 12


def test_defect3_a_finished_record_is_closed_and_shots_are_held() -> None:
    state, _ = shots(opened(), *["pass"] * 18)
    step = nb.finish(state, 18)
    assert step.op == nb.Op("finish", paper_page_count=18) and step.state.is_open is False
    held, shot = nb.shoot(step.state, "pass")
    assert shot is None and t(held.message, "zh") == "请先扫描下一份病案条码"
    for refused in (nb.retake(step.state, 3), nb.insert(step.state, 3), nb.delete(step.state, 3),
                    nb.go_to(step.state, 3), nb.finish(step.state, 18)):
        assert refused.changed is False
    reopened = nb.open_record(step.state, NEXT_REC, record_id=2, server_pages={}).state
    assert reopened.is_open and nb.shoot(reopened, "pass")[1] == nb.Shot(1, False, False, None, False)


def test_defect3_a_refused_barcode_closes_the_previous_record() -> None:
    state, _ = shots(opened(), "pass", "pass")
    step = nb.refuse_record(state)
    assert step.state.record is None and step.state.is_open is False
    held, shot = nb.shoot(step.state, "pass")
    assert shot is None and held.message == "no_record"


def test_delete_closes_the_gap_and_keeps_verdicts_with_their_pages() -> None:
    state = opened(verdicts={1: "pass", 2: "fail", 3: "pass"})
    step = nb.delete(state, 2)
    assert step.op == nb.Op("delete", page_number=2)
    assert step.state.pages == {1: "pass", 2: "pass"} and step.state.next_page == 3


def test_offline_open_uses_the_remembered_count_and_pending_items_win() -> None:
    state, _ = shots(opened(), "pass", "pass", "pass")
    other = nb.open_record(state, NEXT_REC, server_pages=None).state
    back = nb.open_record(other, REC, server_pages=None)
    assert back.message == "record_offline" and back.state.next_page == 4
    # the server has fewer pages than this station while its uploads wait: the station's count wins
    assert nb.open_record(other, REC, record_id=1, server_pages={1: "pass"}, pending=True).state.next_page == 4


def test_segment_and_blank_apply_to_one_shot_and_state_round_trips() -> None:
    state = nb.blank(nb.segment(opened(end=2), "护理记录").state).state
    step, shot = nb.shoot(state, "pass")
    assert shot == nb.Shot(3, False, False, "护理记录", True)
    assert step.state.next_segment is None and step.state.next_blank is False
    after = step.state
    for s in (after, nb.insert(after, 2).state, nb.go_to(after, 2).state, nb.finish(after, 3).state):
        assert nb.Numbering.from_dict(s.to_dict()) == s


def test_a_saved_state_of_the_old_workflow_is_read() -> None:
    old = {"record": REC, "record_id": 4, "page_count": 7, "last_page": 7, "mode": "reshoot", "target": 3,
           "known": {}}
    state = nb.Numbering.from_dict(old)
    assert state.is_open and state.end == 7 and state.next_page == 3


def test_every_message_key_has_both_languages() -> None:
    keys = {"retake_next", "scan_next_record", "record_closed_refused", "confirm_first", "confirm_overwrite",
            "nothing_to_confirm", "mode_reshoot", "mode_insert", "mode_cleared", "page_set", "deleted",
            "bad_page", "finish_queued", "no_record", "record_opened", "record_offline", "next_segment", "next_blank"}
    assert keys <= set(TEXTS)


# -- properties: whatever the operator types, the pages stay 1..end with no hole, and only retakes overwrite
ACTIONS = st.lists(
    st.one_of(
        st.tuples(st.just("shot"), st.sampled_from(["pass", "fail"])),
        st.tuples(st.sampled_from(["r", "i", "d", "p"]), st.integers(0, 12)),
        st.tuples(st.sampled_from(["x", "y", "f", "open"]), st.just(0)),
    ),
    max_size=40,
)


def command(state: nb.Numbering, name: str, arg: int) -> nb.Step:
    """One operator command on the state."""
    if name in ("r", "i", "d", "p"):
        return {"r": nb.retake, "i": nb.insert, "d": nb.delete, "p": nb.go_to}[name](state, arg)
    if name == "f":
        return nb.finish(state, max(1, state.end))
    if name == "open":
        return nb.open_record(state, REC, record_id=1, server_pages=dict(state.pages))
    return {"x": nb.cancel, "y": nb.confirm}[name](state)


@settings(max_examples=300, derandomize=True, deadline=None)
@given(ACTIONS)
def test_numbering_never_leaves_a_hole_and_overwrites_only_on_a_retake(actions: list) -> None:
    state = opened()
    for name, arg in actions:
        before = state
        if name == "shot":
            step, shot = nb.shoot(state, arg)
            if shot is not None:
                assert shot.retake == (before.good(shot.page) or before.pages.get(shot.page) == "fail") \
                    or shot.insert or shot.page == before.end + 1
                if shot.retake:
                    # a retake comes from a failed shot, `r N` or a confirmed `p N`, never from plain numbering
                    assert before.next is not None and before.next.how == nb.RETAKE
        else:
            step = command(state, name, arg)
        state = step.state
        if not step.changed:
            assert state == before
        assert set(state.pages) <= set(range(1, state.end + 1))
        assert 1 <= state.next_page <= max(state.end + 1, 1) or state.next_page > state.end
