"""CPU time of qc.check split into decode and measurement, against a full colour cv2.imread of the same files.

    PYTHONPATH=. .venv/bin/python bench/qc/stages.py /tmp/folio-qc-bench/sharp_20*.jpg

One OpenCV thread, median of 3 runs per file, each stage timed right after the colour decode of the same file, so
the ratios hold on a loaded machine better than bench/qc/run.py's whole-run figures. To compare two trees, run it
from each in turn on the same files (PYTHONPATH=<tree>) and compare the ratios, not the milliseconds.

The last line is the floor under any check of these files: their entropy-coded data decoded and nothing else (a
JPEG's Huffman decoding, a PNG's inflate; entropy_floor), as a share of the colour decode.
"""

from __future__ import annotations

import statistics
import sys
import time
import zlib
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import qc  # noqa: E402
from qc import checker  # noqa: E402
from qc.decode import load  # noqa: E402


def entropy_floor(path: str) -> Callable[[], object]:
    """The part of any decode that no reader can skip: a JPEG's entropy-coded data decoded (libjpeg at 1/8 scale,
    DC only, keeps the Huffman decoding of every coefficient), a PNG's deflate stream inflated (by libdeflate where
    imagecodecs is installed). Other formats: the grey decode."""
    data = Path(path).read_bytes()
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        chunks, i = [], 8
        while i + 8 <= len(data):
            n, kind = int.from_bytes(data[i : i + 4], "big"), data[i + 4 : i + 8]
            if kind == b"IDAT":
                chunks.append(data[i + 8 : i + 8 + n])
            i += 12 + n
        idat = b"".join(chunks)
        try:  # libdeflate, as qc's PNG decode (qc.pngdata) inflates: ten times as fast as zlib 1.2
            from imagecodecs import deflate_decode
        except ImportError:
            return lambda: zlib.decompress(idat)
        w, h, bits = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big"), data[24]
        channels = {0: 1, 2: 3, 3: 1, 4: 2, 6: 4}.get(data[25], 4)
        out = np.empty(h * (1 + (w * channels * bits + 7) // 8) + 1, np.uint8)
        return lambda: deflate_decode(idat, out=out)
    if data[:2] == b"\xff\xd8":
        return lambda: cv2.imread(path, cv2.IMREAD_REDUCED_GRAYSCALE_8)
    return lambda: cv2.imread(path, cv2.IMREAD_GRAYSCALE)


def cpu(fn: Callable[[], object], repeat: int = 3) -> float:
    """Median process time (seconds) of `repeat` calls."""
    ts = []
    for _ in range(repeat):
        t = time.process_time()
        fn()
        ts.append(time.process_time() - t)
    return statistics.median(ts)


def main(paths: list[str]) -> None:
    cv2.setNumThreads(1)
    prof = qc.default_profile()
    read = check = decode = measure = floor = 0.0
    for p in paths:
        read += cpu(lambda p=p: cv2.imread(p, cv2.IMREAD_COLOR))
        check += cpu(lambda p=p: qc.check(p))
        decode += cpu(lambda p=p: load(p, prof.max_pixels))
        dec = load(p, prof.max_pixels)
        measure += cpu(lambda dec=dec: checker.measure(dec, prof))
        floor += cpu(entropy_floor(p))
    n = max(1, len(paths))
    print(f"{len(paths)} files, CPU ms per file (ratio to a full colour cv2.imread):")
    for name, v in (
        ("cv2.imread colour", read),
        ("qc.check", check),
        ("  decode", decode),
        ("  measure", measure),
        ("entropy decode alone", floor),
    ):
        print(f"  {name:20s} {1000 * v / n:7.1f}  ({v / read if read else float('nan'):.3f})")


if __name__ == "__main__":
    main(sys.argv[1:])
