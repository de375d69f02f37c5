"""The outbox: order, durability bookkeeping, rejected items kept, crash leftovers tidied."""

from __future__ import annotations

from pathlib import Path

import pytest

from capture_station.outbox import DONE, QUEUED, REJECTED, Outbox

REC = {"barcode": "00123456-2"}


@pytest.fixture
def box(tmp_path: Path) -> Outbox:
    b = Outbox(tmp_path / "outbox.sqlite3", tmp_path / "files")
    yield b
    b.close()


def test_items_come_out_in_the_order_they_went_in_whatever_their_kind(box: Outbox) -> None:
    a = box.add_upload(data=b"one", ext=".jpg", record=REC, page_number=1, operator="op")
    b = box.add_operation("delete", record=REC, operator="op", page_number=1)
    c = box.add_upload(data=b"two", ext=".jpg", record=REC, page_number=1, operator="op")
    assert [i.seq for i in box.queued()] == [a.seq, b.seq, c.seq]
    assert box.head().seq == a.seq
    box.mark_done(a, {"verdict": "pass"})
    assert box.head().seq == b.seq
    assert box.counts()[QUEUED] == 2 and box.counts()[DONE] == 1


def test_the_copy_is_on_disk_before_the_row_and_deleted_only_when_done(box: Outbox) -> None:
    item = box.add_upload(data=b"image-bytes", ext=".JPG", record=REC, page_number=1, operator="op",
                          pickup=("IMG_1.jpg", 11, "abc"), state={"page_count": 1})
    path = box.file_path(item)
    assert path is not None and path.read_bytes() == b"image-bytes" and path.suffix == ".jpg"
    assert box.picked_up("IMG_1.jpg", 11, "abc") == item.seq
    assert box.get_state() == {"page_count": 1}
    assert box.read_file(item) == b"image-bytes"
    box.mark_done(item, {"verdict": "pass"})
    assert not path.exists()
    assert box.get(item.seq).result == {"verdict": "pass"}


def test_rejected_items_keep_their_file_and_can_be_queued_again(box: Outbox) -> None:
    item = box.add_upload(data=b"x", ext=".jpg", record=REC, page_number=3, operator="op")
    box.add_upload(data=b"y", ext=".jpg", record=REC, page_number=4, operator="op")
    box.mark_rejected(item, "bad_record_identity", "no such MRN", 422)
    assert [i.seq for i in box.rejected()] == [item.seq]
    assert box.file_path(item).exists()
    assert box.get(item.seq).result == {"error": "bad_record_identity", "detail": "no such MRN", "status": 422}
    again = box.requeue(item.seq)
    assert again.key == item.key and again.seq > item.seq and again.state == QUEUED
    assert box.queued()[-1].seq == again.seq
    with pytest.raises(ValueError):
        box.requeue(again.seq)
    assert REJECTED in box.counts()


def test_tidy_removes_files_left_by_a_crash_but_not_queued_ones(box: Outbox) -> None:
    kept = box.add_upload(data=b"keep", ext=".jpg", record=REC, page_number=1, operator="op")
    stray = box.files_dir / "0123456789abcdef.jpg"          # fsynced, then the process died before the row
    stray.write_bytes(b"orphan")
    assert box.tidy() == 1
    assert not stray.exists() and box.file_path(kept).exists()


def test_a_second_connection_sees_the_same_queue(tmp_path: Path) -> None:
    a = Outbox(tmp_path / "o.sqlite3", tmp_path / "f")
    item = a.add_upload(data=b"1", ext=".jpg", record=REC, page_number=1, operator="op")
    b = Outbox(tmp_path / "o.sqlite3", tmp_path / "f")
    assert b.head().key == item.key
    assert a._db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert a._db.execute("PRAGMA synchronous").fetchone()[0] == 2      # FULL
    a.close()
    b.close()
