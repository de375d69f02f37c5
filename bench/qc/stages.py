"""CPU time of qc.check split into decode and measurement, against a full colour cv2.imread of the same files.

    PYTHONPATH=. .venv/bin/python bench/qc/stages.py /tmp/folio-qc-bench/sharp_20*.jpg

One OpenCV thread, median of 3 runs per file, each stage timed right after the colour decode of the same file, so
the ratios hold on a loaded machine better than bench/qc/run.py's whole-run figures. To compare two trees, run it
from each in turn on the same files (PYTHONPATH=<tree>) and compare the ratios, not the milliseconds.
"""

from __future__ import annotations

import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import cv2

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import qc  # noqa: E402
from qc import checker  # noqa: E402
from qc.decode import load  # noqa: E402


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
    read = check = decode = measure = 0.0
    for p in paths:
        read += cpu(lambda p=p: cv2.imread(p, cv2.IMREAD_COLOR))
        check += cpu(lambda p=p: qc.check(p))
        decode += cpu(lambda p=p: load(p, prof.max_pixels))
        dec = load(p, prof.max_pixels)
        measure += cpu(lambda dec=dec: checker.measure(dec, prof))
    n = max(1, len(paths))
    print(f"{len(paths)} files, CPU ms per file (ratio to a full colour cv2.imread):")
    for name, v in (("cv2.imread colour", read), ("qc.check", check), ("  decode", decode), ("  measure", measure)):
        print(f"  {name:20s} {1000 * v / n:7.1f}  ({v / read if read else float('nan'):.3f})")


if __name__ == "__main__":
    main(sys.argv[1:])
