"""Hot-folder completeness by parsing: a file is whole when its main image stream has ended, not when an end
marker turns up (an EXIF thumbnail has its own); a half-written file is never offered nor moved aside."""

from __future__ import annotations

import io
import struct
import threading
import time
from pathlib import Path

import pytest
from PIL import Image

from capture_station.sources import HotFolder, Shot, Unreadable, looks_complete
from tests.factories import page_jpeg


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def jpeg_with_exif_thumbnail(seed: int = 1) -> tuple[bytes, int]:
    """A camera JPEG whose APP1 EXIF block carries a JPEG thumbnail; (bytes, offset just after the thumbnail's EOI)."""
    page = page_jpeg(seed)
    thumb_img = Image.open(io.BytesIO(page))
    thumb_img.thumbnail((160, 120))
    out = io.BytesIO()
    thumb_img.save(out, "JPEG", quality=70)
    thumb = out.getvalue()
    # TIFF header, IFD0 with no entries pointing at IFD1, IFD1: JPEGInterchangeFormat (offset) and its length.
    ifd1 = 8 + 2 + 4
    thumb_at = ifd1 + 2 + 2 * 12 + 4
    tiff = b"II*\x00" + struct.pack("<I", 8) + struct.pack("<HI", 0, ifd1)
    tiff += (
        struct.pack("<H", 2)
        + struct.pack("<HHII", 0x0201, 4, 1, thumb_at)
        + struct.pack("<HHII", 0x0202, 4, 1, len(thumb))
    )
    tiff += struct.pack("<I", 0) + thumb
    app1 = b"Exif\x00\x00" + tiff
    segment = b"\xff\xe1" + struct.pack(">H", len(app1) + 2) + app1
    data = page[:2] + segment + page[2:]
    thumb_end = 2 + 4 + 6 + thumb_at + len(thumb)
    assert data[thumb_end - 2 : thumb_end] == b"\xff\xd9"
    return data, thumb_end


def test_exif_thumbnail_is_readable_and_its_eoi_does_not_end_the_file() -> None:
    data, thumb_end = jpeg_with_exif_thumbnail()
    with Image.open(io.BytesIO(data)) as im:
        assert im.size[0] > 1000 and im.getexif() is not None
    assert looks_complete(data, ".jpg")
    assert not looks_complete(data[:thumb_end], ".jpg")  # ends with FFD9, as the old check wanted
    assert not looks_complete(data[:thumb_end] + b"\x00" * 64, ".jpg")


def _mpo() -> bytes:
    main = Image.open(io.BytesIO(page_jpeg(8)))
    out = io.BytesIO()
    main.save(out, "MPO", save_all=True, append_images=[main.resize((main.width // 8, main.height // 8))])
    return out.getvalue()


def _tiff() -> bytes:
    out = io.BytesIO()
    Image.open(io.BytesIO(page_jpeg(9))).convert("L").save(out, "TIFF", compression="tiff_lzw")
    return out.getvalue()


def _png() -> bytes:
    out = io.BytesIO()
    Image.open(io.BytesIO(page_jpeg(10))).convert("L").resize((600, 800)).save(out, "PNG")
    return out.getvalue()


@pytest.mark.parametrize(
    "make", [lambda: jpeg_with_exif_thumbnail()[0], _mpo, _tiff, _png], ids=["exif", "mpo", "tiff", "png"]
)
def test_no_proper_prefix_looks_complete(make) -> None:
    data = make()
    assert looks_complete(data, ".jpg")  # the extension is not trusted: the bytes are read
    step = max(1, len(data) // 400)
    cuts = sorted({*range(1, len(data), step), *range(len(data) - 40, len(data))})
    whole = [n for n in cuts if looks_complete(data[:n], ".jpg")]
    assert whole == [], f"{len(whole)} prefixes taken for whole, first at {whole[:3]} of {len(data)}"


def _writer_pauses(tmp_path: Path, data: bytes, pause_at: int) -> None:
    clock = Clock()
    hot = HotFolder(tmp_path, settle=0.25, unreadable_after=5.0, clock=clock)
    path = tmp_path / "IMG_0001.JPG"
    path.write_bytes(data[:pause_at])
    hot.poll()
    clock.now += 1.0
    assert hot.poll() == []  # held still, but not whole: not offered
    clock.now += 10.0
    [report] = hot.poll()  # a long pause: reported once, left where it is
    assert isinstance(report, Unreadable) and report.kept and path.read_bytes() == data[:pause_at]
    assert not (tmp_path / "unreadable").exists()
    clock.now += 10.0
    assert hot.poll() == []
    with open(path, "ab") as fh:  # the writer goes on
        fh.write(data[pause_at:])
    hot.poll()
    clock.now += 0.3
    [shot] = hot.poll()
    assert isinstance(shot, Shot) and shot.data == data


def test_writer_pausing_inside_the_exif_block(tmp_path: Path) -> None:
    data, thumb_end = jpeg_with_exif_thumbnail(2)
    _writer_pauses(tmp_path, data, thumb_end)


def test_writer_pausing_inside_the_scan_data(tmp_path: Path) -> None:
    data = page_jpeg(3)
    _writer_pauses(tmp_path, data, len(data) * 3 // 5)


def test_writer_pausing_between_an_mpo_main_image_and_its_second_image(tmp_path: Path) -> None:
    data = _mpo()
    from qc.streams import stream_end

    _writer_pauses(tmp_path, data, stream_end(data).main_end)


def test_slow_share_like_writes_are_taken_whole_once(tmp_path: Path) -> None:
    """A writer on a slow network share: small chunks with pauses longer than `settle`; the folder is polled
    all the while. Only the whole file is ever offered, once, and nothing is moved aside."""
    data, _ = jpeg_with_exif_thumbnail(4)
    hot = HotFolder(tmp_path, settle=0.02, unreadable_after=30.0)

    def write() -> None:
        with open(tmp_path / "slow.jpg", "wb") as fh:
            for i in range(0, len(data), 16384):
                fh.write(data[i : i + 16384])
                fh.flush()
                time.sleep(0.03)

    writer = threading.Thread(target=write)
    writer.start()
    offered: list = []
    while writer.is_alive():  # polled while the bytes trickle in
        offered.extend(hot.poll())
        time.sleep(0.005)
    for _ in range(200):  # then until the finished file has held still
        offered.extend(hot.poll())
        if offered:
            break
        time.sleep(0.01)
    assert [type(o).__name__ for o in offered] == ["Shot"]
    assert offered[0].data == data
    assert not (tmp_path / "unreadable").exists()
