"""Peak memory of image work for the worst accepted image (issue 21, item 3): the QC check and the thumbnail in a
worker, and the upload's header check in the web process. Each step runs in a fresh process; its peak RSS
(VmHWM) is printed with the idle process's as baseline, and, given --before TREE (a checkout of the code before
the image policy, e.g. /work/main), the same steps of that code and the ratio after/before.

    .venv/bin/python bench/imagememory.py [--before /work/main] [--width 8000 --height 10000]
"""

from __future__ import annotations

import argparse
import io
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

STEPS = {
    "idle": "import qc, numpy, cv2, PIL.Image",
    "qc_check": "import qc; qc.check(data, {'max_pixels': 120_000_000})",
    "thumbnail": "from app.records.thumbnails import make_thumbnail; make_thumbnail(data)",
    "upload_check": (
        "import inspect\n"
        "from app.pages import imaging\n"
        "if 'limits' in inspect.signature(imaging.inspect_upload).parameters:\n"
        "    from qc.imagefile import Limits\n"
        "    imaging.inspect_upload(data, max_bytes=60 << 20, limits=Limits(80_000_000, 20_000, 400 << 20))\n"
        "else:\n"
        "    imaging.inspect_upload(data, max_bytes=60 << 20, max_pixels=80_000_000, max_side=20_000)\n"
    ),
}

CHILD = """
import sys
data = open(sys.argv[1], 'rb').read()
{step}
for line in open('/proc/self/status'):
    if line.startswith('VmHWM:'):
        print(int(line.split()[1]) // 1024)
"""


def worst_png(width: int, height: int) -> bytes:
    """An RGBA page (white paper, a few dark blocks) of width x height: a few hundred KB, decoded w*h*4 bytes."""
    import numpy as np
    from PIL import Image

    a = np.full((height, width, 4), 255, np.uint8)
    for k in range(12):
        y = height // 14 * (k + 1)
        a[y : y + height // 60, width // 10 : width * 9 // 10, :3] = 30
    out = io.BytesIO()
    Image.fromarray(a, "RGBA").save(out, "PNG", optimize=False, compress_level=9)
    return out.getvalue()


def peak_mb(tree: Path, step: str, path: Path) -> int | str:
    """Peak RSS in MB of a fresh process that runs `step` over the file, importing code from `tree`."""
    env = {**os.environ, "PYTHONPATH": str(tree), "OPENCV_IO_MAX_IMAGE_PIXELS": str(1 << 30)}
    r = subprocess.run(
        [sys.executable, "-c", CHILD.format(step=STEPS[step]), str(path)],
        capture_output=True,
        text=True,
        env=env,
        cwd=tree,
        timeout=900,
    )
    if r.returncode != 0:
        return "error: " + (r.stderr.strip().splitlines() or ["?"])[-1][:100]
    return int(r.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--before", type=Path, help="a checkout of the code before the change, e.g. /work/main")
    ap.add_argument("--width", type=int, default=8000)
    ap.add_argument("--height", type=int, default=10000)
    args = ap.parse_args()
    data = worst_png(args.width, args.height)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "worst.png"
        path.write_bytes(data)
        print(f"image: {args.width}x{args.height} RGBA PNG, {len(data) / 1024:.0f} KB on disk")
        rows = {}
        for step in STEPS:
            after = peak_mb(ROOT, step, path)
            before = peak_mb(args.before, step, path) if args.before else None
            rows[step] = {"after_mb": after, "before_mb": before}
            ratio = f"{after / before:.2f}" if isinstance(after, int) and isinstance(before, int) and before else "-"
            print(f"{step:13s} peak RSS after {after!s:>6} MB   before {before!s:>6} MB   after/before {ratio}")
        idle = rows["idle"]["after_mb"]
        if isinstance(idle, int):
            for step in ("qc_check", "thumbnail", "upload_check"):
                a = rows[step]["after_mb"]
                if isinstance(a, int):
                    print(f"{step:13s} above an idle process: {a - idle} MB")
        print(json.dumps(rows))


if __name__ == "__main__":
    main()
