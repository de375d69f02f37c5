"""The delivered page (issue 16): crop accuracy, residual skew, text kept, speed and size of qc.processing.

Generated photographed pages (bench/qc/generator.py, which knows the page's true corners) are checked by qc, then
processed. Printed, all measured in this run:
- corner error: mean distance of qc's outline corners from the true ones, as a share of the page diagonal;
- residual skew after processing, two ways: qc.check on the processed page (skew_deg), and independently, the
  true page's horizontal lines mapped through the processing homography (their mean angle);
- text kept: the true page corners (so all of its text) mapped into the processed image lie inside it;
- speed: making the processed page against a full-resolution colour decode of the same JPEG to an RGB array, side
  by side per page (median ratio): with Pillow (how the image policy decodes) and with libjpeg-turbo (simplejpeg);
- size: processed JPEG bytes against the master's.

    .venv/bin/python bench/processing.py --pages 40 --frame 4000x3000
"""

import argparse
import io
import math
import statistics
import sys
import time
from pathlib import Path

import cv2
import numpy as np
import simplejpeg
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import qc  # noqa: E402
from bench.qc.generator import random_spec, render_jpeg  # noqa: E402
from qc.processing import Settings, page_geometry, process  # noqa: E402


def _decode_rgb(data: bytes) -> np.ndarray:
    with Image.open(io.BytesIO(data)) as im:
        return np.asarray(im.convert("RGB"))


def _angle(a: np.ndarray, b: np.ndarray) -> float:
    return math.degrees(math.atan2(-(b[1] - a[1]), b[0] - a[0]))


def main() -> None:
    """Run the benchmark and print its figures."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pages", type=int, default=40)
    ap.add_argument("--frame", default="4000x3000")
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    frame = tuple(int(v) for v in args.frame.split("x"))
    settings = Settings()
    errs, skews_qc, skews_true, kept, ratios, sizes, cropped, turbo = [], [], [], 0, [], [], 0, []
    for i in range(args.pages):
        spec = random_spec(args.seed * 1000 + i, "skew" if i % 3 else "sharp", frame_wh=frame)
        data, truth = render_jpeg(spec)
        metrics = qc.check(data).metrics
        t0 = time.perf_counter()
        _decode_rgb(data)
        t1 = time.perf_counter()
        out = process(data, metrics, settings)
        t2 = time.perf_counter()
        simplejpeg.decode_jpeg(data, "RGB")
        t3 = time.perf_counter()
        ratios.append((t2 - t1) / (t1 - t0))
        turbo.append((t2 - t1) / (t3 - t2))
        sizes.append(len(out.data) / len(data))
        true = np.array(truth.corners, np.float64)
        diag = float(np.linalg.norm(true[2] - true[0]))
        if metrics.get("page_corners") is None or not metrics.get("outline_certain"):
            continue
        cropped += 1
        found = np.array(metrics["page_corners"], np.float64)
        errs.append(float(np.mean(np.linalg.norm(found - true, axis=1))) / diag)
        hom, (w, h), _, _ = page_geometry(found, settings)
        mapped = cv2.perspectiveTransform(true[None], hom)[0]
        kept += bool(np.all((mapped[:, 0] >= 0) & (mapped[:, 0] <= w) & (mapped[:, 1] >= 0) & (mapped[:, 1] <= h)))
        skews_true.append(abs((_angle(mapped[0], mapped[1]) + _angle(mapped[3], mapped[2])) / 2))
        s = qc.check(out.data).metrics.get("skew_deg")
        if s is not None:
            skews_qc.append(abs(float(s)))
    n = len(errs)
    print(f"{args.pages} generated pages of {frame[0]}x{frame[1]}; outline trusted and cropped on {cropped}")
    if n:
        print(
            f"corner error: mean {100 * statistics.mean(errs):.3f} % of the page diagonal, max {100 * max(errs):.3f} %"
        )
        print(
            f"residual skew (true lines mapped): mean {statistics.mean(skews_true):.3f} deg, "
            f"max {max(skews_true):.3f} deg; qc on the processed page: mean {statistics.mean(skews_qc):.3f} deg, "
            f"max {max(skews_qc):.3f} deg"
        )
        print(f"whole page (all text) inside the processed image: {kept} of {n} ({100 * kept / n:.1f} %)")
    print(
        f"making the processed page / full-resolution colour decode: median {statistics.median(ratios):.2f}x "
        f"(min {min(ratios):.2f}, max {max(ratios):.2f})"
    )
    print(
        f"making the processed page / libjpeg-turbo decode to an array (simplejpeg, the fastest we have): "
        f"median {statistics.median(turbo):.2f}x"
    )
    print(f"processed JPEG (q{settings.jpeg_quality}) / master bytes: median {statistics.median(sizes):.2f}")


if __name__ == "__main__":
    main()
