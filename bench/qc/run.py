"""Benchmark of qc on synthetic photographed pages, side by side with deskew, jdeskew and variance of Laplacian.

    .venv/bin/python bench/qc/run.py --n 40

Prints skew error (qc, qc text-lines only, deskew.determine_skew, jdeskew.get_angle), blur ROC AUC (qc vs plain
variance of Laplacian on the full image), the false-reject rate on sharp straight pages at the default profile,
time per page and the ratio of the whole check to a full-resolution colour cv2.imread of the same JPEG.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import qc  # noqa: E402
from bench.qc.generator import random_spec, render_jpeg  # noqa: E402
from qc import page as qc_page  # noqa: E402
from qc import skew as qc_skew  # noqa: E402
from qc.decode import load  # noqa: E402

KINDS = {"skew": 1000, "sharp": 2000, "gauss": 3000, "motion": 4000}


def _make(args: tuple[str, int, str]) -> tuple[str, float]:
    kind, seed, folder = args
    path = os.path.join(folder, f"{kind}_{seed}.jpg")
    truth_path = path + ".truth"
    if not (os.path.exists(path) and os.path.exists(truth_path)):
        data, truth = render_jpeg(random_spec(seed, kind))
        with open(path + ".tmp", "wb") as fh:
            fh.write(data)
        os.replace(path + ".tmp", path)
        Path(truth_path).write_text(repr(truth.skew_deg))
    return path, float(Path(truth_path).read_text())


def auc(pos: list[float], neg: list[float]) -> float:
    """ROC AUC: probability a positive scores higher than a negative (ties count half)."""
    p, n = np.asarray(pos)[:, None], np.asarray(neg)[None, :]
    return float(np.mean(p > n) + 0.5 * np.mean(p == n))


def text_only_skew(path: str) -> float | None:
    """qc's text-line estimator alone (the fallback used when the paper's edges are not visible)."""
    dec = load(path, qc.default_profile().max_pixels)
    w = dec.gray
    a = cv2.resize(w, (w.shape[1] // 2, w.shape[0] // 2), interpolation=cv2.INTER_AREA)
    small = cv2.resize(a, (a.shape[1] // 4, a.shape[0] // 4), interpolation=cv2.INTER_AREA)
    page = qc_page.find_page(small)
    region = cv2.erode(
        cv2.resize(page.mask, (a.shape[1], a.shape[0]), interpolation=cv2.INTER_NEAREST), np.ones((23, 23), np.uint8)
    )
    ex = qc_page.exposure(a, region)
    return qc_skew.text_skew(qc_page.ink_mask(a, region, ex.contrast))


def timed(fn, repeat: int = 3) -> float:  # type: ignore[no-untyped-def]
    ts = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        ts.append(time.perf_counter() - t)
    return statistics.median(ts)


def errors_line(name: str, errs: list[float]) -> str:
    e = np.abs(np.asarray(errs))
    return (
        f"  {name:28s} MAE {e.mean():6.3f}°  p95 {np.percentile(e, 95):6.3f}°  median {np.median(e):6.3f}°  "
        f"max {e.max():6.3f}°  (n={len(e)})"
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=40, help="pages per set (skew, sharp, gauss, motion)")
    ap.add_argument("--dir", default="/tmp/folio-qc-bench", help="cache folder for the generated JPEGs")
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--skip-baselines", action="store_true", help="do not run deskew / jdeskew")
    args = ap.parse_args()
    os.makedirs(args.dir, exist_ok=True)
    jobs = [(k, base + i, args.dir) for k, base in KINDS.items() for i in range(args.n)]
    t0 = time.time()
    with ProcessPoolExecutor(args.workers) as ex:
        made = list(ex.map(_make, jobs))
    files = {k: made[i * args.n : (i + 1) * args.n] for i, k in enumerate(KINDS)}
    print(f"pages: {args.n} per set, 4000x3000 JPEG q80-95 (generated/cached in {time.time() - t0:.0f}s)")

    print("\nSkew over ±10° with perspective (error vs ground truth, degrees):")
    qc_err, txt_err, dsk_err, jdk_err = [], [], [], []
    for path, truth in files["skew"]:
        rep = qc.check(path)
        qc_err.append((rep.skew_deg if rep.skew_deg is not None else 0.0) - truth)
        t = text_only_skew(path)
        txt_err.append((t if t is not None else 0.0) - truth)
        if not args.skip_baselines:
            from deskew import determine_skew
            from jdeskew.estimator import get_angle

            gray = cv2.imread(path, cv2.IMREAD_GRAYSCALE)
            d = determine_skew(gray)
            dsk_err.append((-d if d is not None else 0.0) - truth)  # deskew: angle to rotate by, so -skew
            jdk_err.append(-float(get_angle(cv2.imread(path))) - truth)  # jdeskew: same convention
    print(errors_line("qc.check", qc_err))
    print(errors_line("qc text lines only", txt_err))
    if dsk_err:
        print(errors_line("deskew.determine_skew", dsk_err))
        print(errors_line("jdeskew.get_angle", jdk_err))

    print("\nBlur (sharp vs Gaussian sigma 1.5-3 px and motion 6-12 px):")
    score: dict[str, list[float]] = {k: [] for k in ("sharp", "gauss", "motion")}
    lap: dict[str, list[float]] = {k: [] for k in ("sharp", "gauss", "motion")}
    fails, reasons = 0, {}
    for k in score:
        for path, _ in files[k]:
            rep = qc.check(path)
            score[k].append(-(rep.metrics["blur_px"] or 0.0))  # type: ignore[operator]
            gray = cv2.imread(path, cv2.IMREAD_GRAYSCALE)
            lap[k].append(float(cv2.Laplacian(gray, cv2.CV_64F).var()))
            if k == "sharp" and not rep.passed:
                fails += 1
                for r in rep.reasons:
                    reasons[r] = reasons.get(r, 0) + 1
            if k != "sharp" and "blur" not in rep.reasons:
                reasons[f"missed {k}"] = reasons.get(f"missed {k}", 0) + 1
    blurred = score["gauss"] + score["motion"]
    lblurred = lap["gauss"] + lap["motion"]
    print(
        f"  qc (edge sharpness)          AUC {auc(score['sharp'], blurred):.4f}  "
        f"(gauss {auc(score['sharp'], score['gauss']):.4f}, motion {auc(score['sharp'], score['motion']):.4f})"
    )
    print(
        f"  variance of Laplacian        AUC {auc(lap['sharp'], lblurred):.4f}  "
        f"(gauss {auc(lap['sharp'], lap['gauss']):.4f}, motion {auc(lap['sharp'], lap['motion']):.4f})"
    )
    caught = sum(-s > qc.default_profile().max_blur_px for s in blurred)
    print(f"  qc default profile flags {caught}/{len(blurred)} blurred pages as blur")
    print(
        f"\nFalse rejects on sharp, straight, well-exposed pages at the default profile: "
        f"{fails}/{args.n} = {100.0 * fails / args.n:.1f}%  {reasons if reasons else ''}"
    )

    print("\nSpeed (median of 3 runs per file, same files):")
    paths = [p for p, _ in files["sharp"] + files["skew"]][: max(10, args.n)]
    t_check = [timed(lambda p=p: qc.check(p)) for p in paths]
    t_read = [timed(lambda p=p: cv2.imread(p, cv2.IMREAD_COLOR)) for p in paths]
    print(f"  qc.check                     {1000 * statistics.mean(t_check):6.1f} ms/page")
    print(f"  cv2.imread full-res colour   {1000 * statistics.mean(t_read):6.1f} ms/page")
    print(f"  ratio check / imread         {sum(t_check) / sum(t_read):6.3f}")


if __name__ == "__main__":
    main()
