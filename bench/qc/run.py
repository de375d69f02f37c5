"""Benchmark of qc on synthetic photographed pages and lossless scans, figures per category.

    .venv/bin/python bench/qc/run.py --n 40 --n-new 12

Categories (bench/qc/generator.py, 4000x3000 JPEG photos unless said): skew (±10°, perspective), sharp, gauss (sigma
1.5-3 px), motion (6-12 px), motion_wide (3-20 px, any angle), motion_long (20-200 px), defocus (a depth gradient
over part of the page; grouped by the share of the print beyond 1.5 px extra blur, the issue's "≥ 20 % of the text",
and by the share of the page), occluded (finger, thumb, phone, pen), fingers (finger or thumb only), fingers_soft
(the same out of focus), shadow (soft hand shadows), shadow_deep (50-80 % of the light, sharper edges), clipped
(outline partly outside the frame), scan1 / scan8 (1-bit / 8-bit grey lossless A5 scans at 600 dpi, PNG), scan_text
(text-only A4 scans at 300 dpi without a visible edge, rotated ±4°); from bench/qc/periodic.py, sharp pages of fine
periodic print: charts (temperature charts 体温单, ECG and graph paper, photographed), charts_scan (the same scanned:
600/300 dpi 8-bit grey, 600 dpi 1-bit PNG, 300 dpi G4 TIFF), pictures / pictures_scan (halftone and ultrasound
reports); blank (empty sheets), note (one line of 4-8 characters alone) and signature (a signature alone), 70 % of
each under a hand's shadow;
double (two sharp images 6-40 px apart, 25-50 % of the exposure in the second: bench.qc.generator.path_kernel).

Prints per category: skew error (MAE, p95, max; the source used), blur ROC AUC of qc's blur index (the larger of
blur_px / max_blur_px and blur_region_share / max_blur_region_share) against the sharp pages, with the variance of
the Laplacian beside it, the share caught at the default profile, false rejects of sharp pages and scans,
occlusion caught / false `occluded`, near-empty pages called blank rightly and wrongly, and the speed of the whole
check against a full-resolution colour cv2.imread of the same files, measured in the same run.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

import qc  # noqa: E402
from bench.qc import periodic  # noqa: E402
from bench.qc.generator import encode_jpeg, path_kernel, random_spec, render, render_jpeg, render_scan  # noqa: E402
from bench.qc.stages import entropy_floor  # noqa: E402
from qc import page as qc_page  # noqa: E402
from qc import skew as qc_skew  # noqa: E402
from qc.decode import load  # noqa: E402

PER_CHARTS = ("temp_chart", "ecg", "graph")
PER_PICTURES = ("halftone", "ultrasound")
PHOTO_KINDS = {"skew": 1000, "sharp": 2000, "gauss": 3000, "motion": 4000}  # --n pages each
NEW_KINDS = {
    "motion_wide": 5000,
    "defocus": 6000,
    "occluded": 7000,
    "shadow": 8000,
    "clipped": 9000,
    "scan1": 10000,
    "scan8": 11000,
    "scan_text": 12000,
    "shadow_deep": 13000,
    "fingers": 14000,
    "motion_long": 15000,
    "fingers_soft": 16000,
    "charts": 17000,
    "charts_scan": 18000,
    "pictures": 19000,
    "pictures_scan": 20000,
    "blank": 21000,
    "note": 22000,
    "double": 23000,
    "signature": 24000,
}  # --n-new pages each
SCANS = {"scan1", "scan8", "scan_text"}
HIDES_PRINT = 0.01  # an object hiding this share of the page's print or more covers text (truth occluded_text_share)
PERIODIC = {"charts": PER_CHARTS, "charts_scan": PER_CHARTS, "pictures": PER_PICTURES, "pictures_scan": PER_PICTURES}


def _make_periodic(kind: str, seed: int, folder: str) -> tuple[str, dict[str, float]]:
    """One sharp page of fine periodic print (bench/qc/periodic.py): a photo, or a scan in one of its SCAN_MODES."""
    layouts = PERIODIC[kind]
    layout = layouts[seed % len(layouts)]
    dpi, mode = periodic.SCAN_MODES[(seed // len(layouts)) % len(periodic.SCAN_MODES)]
    scan = kind.endswith("_scan")
    path = os.path.join(folder, f"{kind}_{seed}.{('tif' if mode == 'g4' else 'png') if scan else 'jpg'}")
    if not (os.path.exists(path) and os.path.exists(path + ".json")):
        if scan:
            data, truth = periodic.scan(seed, layout, dpi, mode), {"skew": 0.0}
        else:
            data, t = periodic.render(seed, layout)
            truth = {"skew": t.skew_deg}
        with open(path + ".tmp", "wb") as fh:
            fh.write(data)
        os.replace(path + ".tmp", path)
        Path(path + ".json").write_text(json.dumps({**truth, "layout": layout}))
    return path, json.loads(Path(path + ".json").read_text())


def _make(args: tuple[str, int, str]) -> tuple[str, dict[str, float]]:
    """Render one page of a category (cached in folder); return its path and truth."""
    kind, seed, folder = args
    if kind in PERIODIC:
        return _make_periodic(kind, seed, folder)
    path = os.path.join(folder, f"{kind}_{seed}.{'png' if kind in SCANS else 'jpg'}")
    truth_path = path + ".json"
    if os.path.exists(path) and os.path.exists(path + ".truth") and not os.path.exists(truth_path):
        Path(truth_path).write_text(json.dumps({"skew": float(Path(path + ".truth").read_text())}))  # older cache
    share = {"defocus": "defocused_text_share", "occluded": "occluded_text_share"}
    share |= {"fingers": share["occluded"], "fingers_soft": share["occluded"]}
    if kind in share and os.path.exists(truth_path) and share[kind] not in Path(truth_path).read_text():
        os.remove(truth_path)  # older cache: rendered again (the same pixels) for the share of the print defocused
        # or hidden
    spec = None if kind in SCANS else random_spec(seed, "sharp" if kind == "double" else kind)
    if kind == "double":  # two sharp images 6-40 px apart at any angle, 25-50 % of the exposure in the second
        rng = np.random.default_rng(seed)
        length, angle, second = float(rng.uniform(6, 40)), float(rng.uniform(0, 180)), float(rng.uniform(0.25, 0.5))
        spec = replace(spec, motion_px=length, motion_angle_deg=angle)
    if (
        spec is not None
        and os.path.exists(truth_path)
        and json.loads(Path(truth_path).read_text()).get("spec") != repr(spec)
    ):
        os.remove(truth_path)  # the category's spec changed since this page was cached: rendered again
    if not (os.path.exists(path) and os.path.exists(truth_path)):
        if kind in SCANS:
            rng = np.random.default_rng(seed)
            if kind == "scan_text":
                data, skew = render_scan(seed, 300.0, 8, "dense", float(rng.uniform(-4, 4)))
            else:
                layout = str(rng.choice(["text", "form", "dense"]))
                data, skew = render_scan(seed, 600.0, 1 if kind == "scan1" else 8, layout, 0.0, (148.0, 210.0))
            truth = {"skew": skew}
        elif kind == "double":
            img, t = render(spec, path_kernel(length, angle, "ghost", second))
            data = encode_jpeg(img, spec.jpeg_quality)
            truth = {"skew": t.skew_deg, "motion": length, "second": second, "spec": repr(spec)}
        else:
            data, t = render_jpeg(spec)
            truth = {"skew": t.skew_deg, "motion": t.motion_px, **t.extras, "spec": repr(spec)}
        with open(path + ".tmp", "wb") as fh:
            fh.write(data)
        os.replace(path + ".tmp", path)
        Path(truth_path).write_text(json.dumps(truth))
    return path, json.loads(Path(truth_path).read_text())


def _check(path: str) -> dict[str, object]:
    rep = qc.check(path)
    return {"reasons": rep.reasons, "metrics": rep.metrics}


def auc(pos: list[float], neg: list[float]) -> float:
    """ROC AUC: probability a positive scores higher than a negative (ties count half)."""
    if not pos or not neg:
        return float("nan")
    p, n = np.asarray(pos)[:, None], np.asarray(neg)[None, :]
    return float(np.mean(p > n) + 0.5 * np.mean(p == n))


def blur_index(res: dict[str, object]) -> float:
    """qc's blur figure against the default profile (> 1 fails): page blur or the blurred region's share."""
    m = res["metrics"]
    prof = qc.default_profile()
    if "blur" in res["reasons"] and m.get("blur_px") is None:  # smeared past measuring
        return 10.0
    return max((m.get("blur_px") or 0.0) / prof.max_blur_px, (m.get("blur_region_share") or 0.0) / 0.2)


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


def timed(fn, repeat: int = 3, clock=time.perf_counter) -> float:  # type: ignore[no-untyped-def]
    ts = []
    for _ in range(repeat):
        t = clock()
        fn()
        ts.append(clock() - t)
    return statistics.median(ts)


def errors_line(name: str, errs: list[float]) -> str:
    if not errs:
        return f"  {name:28s} (no pages)"
    e = np.abs(np.asarray(errs))
    return (
        f"  {name:28s} MAE {e.mean():6.3f}°  p95 {np.percentile(e, 95):6.3f}°  median {np.median(e):6.3f}°  "
        f"max {e.max():6.3f}°  (n={len(e)})"
    )


def _count(items: list[str]) -> dict[str, int]:
    out: dict[str, int] = {}
    for r in items:
        out[r] = out.get(r, 0) + 1
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--n", type=int, default=40, help="pages per original set (skew, sharp, gauss, motion)")
    ap.add_argument("--n-new", type=int, default=12, help="pages per new category")
    ap.add_argument("--dir", default="/tmp/folio-qc-bench", help="cache folder for the generated pages")
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    ap.add_argument("--baselines", action="store_true", help="also run deskew / jdeskew on the skew set")
    ap.add_argument("--generate-only", action="store_true", help="render the pages into the cache and stop")
    ap.add_argument("--speed-only", action="store_true", help="only the speed figures (sharp, skew and scan pages)")
    args = ap.parse_args()
    os.makedirs(args.dir, exist_ok=True)
    photo = {k: b for k, b in PHOTO_KINDS.items() if not args.speed_only or k in ("sharp", "skew")}
    new = {k: b for k, b in NEW_KINDS.items() if not args.speed_only or k in ("scan1", "scan8")}
    jobs = [(k, base + i, args.dir) for k, base in photo.items() for i in range(args.n)]
    jobs += [(k, base + i, args.dir) for k, base in new.items() for i in range(args.n_new)]
    t0 = time.time()
    with ProcessPoolExecutor(args.workers) as ex:
        made = list(ex.map(_make, jobs))
    print(f"pages: {args.n} per original set, {args.n_new} per new one (generated/cached in {time.time() - t0:.0f}s)")
    if args.generate_only:
        return
    files: dict[str, list[tuple[str, dict[str, float]]]] = {}
    for (kind, _, _), item in zip(jobs, made, strict=True):
        files.setdefault(kind, []).append(item)
    if args.speed_only:
        speed(files, args.n)
        return
    with ProcessPoolExecutor(args.workers) as ex:
        results = dict(zip([p for p, _ in made], ex.map(_check, [p for p, _ in made]), strict=True))

    def res(kind: str) -> list[tuple[dict[str, object], dict[str, float]]]:
        return [(results[p], t) for p, t in files.get(kind, [])]

    print("\nSkew (error vs ground truth, degrees):")
    for kind in ("skew", "clipped", "scan_text"):
        errs = [(r["metrics"]["skew_deg"] or 0.0) - t["skew"] for r, t in res(kind)]
        print(errors_line(f"qc.check {kind}", errs))
        print(f"    source used: {_count([str(r['metrics']['skew_source']) for r, _ in res(kind)])}")
    txt = [(text_only_skew(p) or 0.0) - t["skew"] for p, t in files["skew"]]
    print(errors_line("qc text lines only (skew)", txt))
    if args.baselines:
        from deskew import determine_skew
        from jdeskew.estimator import get_angle

        dsk, jdk = [], []
        for path, t in files["skew"]:
            d = determine_skew(cv2.imread(path, cv2.IMREAD_GRAYSCALE))
            dsk.append((-d if d is not None else 0.0) - t["skew"])
            jdk.append(-float(get_angle(cv2.imread(path))) - t["skew"])
        print(errors_line("deskew.determine_skew", dsk))
        print(errors_line("jdeskew.get_angle", jdk))

    print("\nBlur (qc blur index vs the sharp photos; variance of Laplacian beside it; caught = 'blur' at default):")
    sharp = [blur_index(r) for r, _ in res("sharp")]
    lap: dict[str, float] = {}

    def lapvar(path: str) -> float:
        if path not in lap:
            lap[path] = float(cv2.Laplacian(cv2.imread(path, cv2.IMREAD_GRAYSCALE), cv2.CV_64F).var())
        return lap[path]

    lap_sharp = [-lapvar(p) for p, _ in files["sharp"]]
    groups = {
        "gauss sigma 1.5-3": [(p, t) for p, t in files["gauss"]],
        "motion 6-12 px": [(p, t) for p, t in files["motion"]],
        "motion_wide >= 6 px": [(p, t) for p, t in files.get("motion_wide", []) if t["motion"] >= 6],
        "motion_wide < 6 px": [(p, t) for p, t in files.get("motion_wide", []) if t["motion"] < 6],
        "motion_long 20-200 px": [(p, t) for p, t in files.get("motion_long", [])],
        "double image >= 11 px": [(p, t) for p, t in files.get("double", []) if t["motion"] >= 11],
        "double image < 11 px": [(p, t) for p, t in files.get("double", []) if t["motion"] < 11],
        "defocus >= 20% of page": [(p, t) for p, t in files.get("defocus", []) if t["defocused_share"] >= 0.2],
        "defocus >= 20% of text": [(p, t) for p, t in files.get("defocus", []) if t["defocused_text_share"] >= 0.2],
        "defocus < 20% of text": [(p, t) for p, t in files.get("defocus", []) if t["defocused_text_share"] < 0.2],
    }
    for name, items in groups.items():
        score = [blur_index(results[p]) for p, _ in items]
        caught = sum("blur" in results[p]["reasons"] for p, _ in items)
        lauc = auc([-lapvar(p) for p, _ in items], lap_sharp)
        print(
            f"  {name:24s} qc AUC {auc(score, sharp):.4f}  caught {caught}/{len(items)}  "
            f"(variance of Laplacian AUC {lauc:.4f})"
        )

    print("\nFalse rejects at the default profile (any reason but a true skew beyond the limit, and the reasons):")
    limit = qc.default_profile().max_skew_deg

    def wrong(r: dict[str, object], t: dict[str, float]) -> list[str]:
        return [x for x in r["reasons"] if not (x == "skew" and abs(t["skew"]) > limit)]

    for kind in ("sharp", "shadow", "shadow_deep", "scan1", "scan8", "scan_text", *PERIODIC):
        rs = res(kind)
        bad = [x for r, t in rs for x in wrong(r, t)]
        n_bad = sum(bool(wrong(r, t)) for r, t in rs)
        blur = sum("blur" in r["reasons"] for r, _ in rs)
        print(
            f"  {kind:13s} {n_bad}/{len(rs)} rejected ({100.0 * n_bad / max(1, len(rs)):.1f}%), "
            f"blur {blur}/{len(rs)}  {_count(bad) if bad else ''}"
        )

    print("\nOcclusion:")
    for kind, what in (
        ("occluded", "fingers, thumbs, phones, pens"),
        ("fingers", "fingers and thumbs only"),
        ("fingers_soft", "fingers and thumbs out of focus (sigma 10-30 px)"),
    ):
        occ = res(kind)
        caught = sum("occluded" in r["reasons"] for r, _ in occ)
        cut = sum("cut_off" in r["reasons"] for r, _ in occ)
        share = 100.0 * caught / max(1, len(occ))
        print(f"  caught {caught}/{len(occ)} ({share:.1f}%) of {what}; called cut_off {cut}")
        over = [r for r, t in occ if t.get("occluded_text_share", 0.0) >= HIDES_PRINT]
        if kind == "fingers_soft":  # the occlusion covers text: over blank paper or margins it hides nothing
            n = sum("occluded" in r["reasons"] for r in over)
            print(
                f"    hiding print (>= {HIDES_PRINT:.0%} of it): caught {n}/{len(over)}; over blank paper or margins: "
                f"caught {caught - n}/{len(occ) - len(over)}"
            )
    clean = [r for k in ("sharp", "shadow", "shadow_deep", "gauss", "motion", "skew", *PERIODIC) for r, _ in res(k)]
    false = sum("occluded" in r["reasons"] for r in clean)
    print(
        f"  false 'occluded' {false}/{len(clean)} ({100.0 * false / max(1, len(clean)):.1f}%) on pages without an "
        "object (stamped, handwritten, shadowed, blurred, skewed, charts, printed pictures)"
    )
    clipped = res("clipped")
    cut = sum("cut_off" in r["reasons"] for r, _ in clipped)
    print(f"\nCut off: caught {cut}/{len(clipped)} pages whose outline runs 3-10 % of the page off the frame")
    near_empty(res("blank"), res("note"), res("signature"))
    speed(files, args.n)


def near_empty(
    blank: list[tuple[dict, dict]], note: list[tuple[dict, dict]], signature: list[tuple[dict, dict]]
) -> None:
    """Empty sheets and sheets whose only writing is one short line or a signature, each under a hand's shadow or
    not."""
    if not blank and not note and not signature:
        return
    print(
        "\nNear-empty pages (an empty sheet; one line of 4-8 characters; a signature; 70 % of each under a hand's "
        "shadow):"
    )
    called = sum(r["reasons"] == ["blank"] for r, _ in blank)
    print(f"  empty sheets called blank and nothing else {called}/{len(blank)}")
    for rs, what in ((note, "one line of print"), (signature, "a signature alone")):
        wrong = sum("blank" in r["reasons"] for r, _ in rs)
        other = sum(bool(set(r["reasons"]) - {"blank"}) for r, _ in rs)
        print(f"  {what} called blank {wrong}/{len(rs)}; failed for another reason {other}/{len(rs)}")


def speed(files: dict[str, list[tuple[str, dict[str, float]]]], n: int) -> None:
    """Whole check against a full-resolution colour decode of the same files, wall and CPU time."""
    print("\nSpeed (median of 3 runs per file, same files, same run):")
    for name, paths in (
        ("12 MP JPEG photos", [p for p, _ in files["sharp"] + files["skew"]][: max(10, n)]),
        ("600 dpi lossless scans", [p for p, _ in files.get("scan1", []) + files.get("scan8", [])]),
    ):
        if not paths:
            continue
        t_check = [timed(lambda p=p: qc.check(p)) for p in paths]
        t_read = [timed(lambda p=p: cv2.imread(p, cv2.IMREAD_COLOR)) for p in paths]
        print(
            f"  {name:24s} qc.check {1000 * statistics.mean(t_check):6.1f} ms/page, cv2.imread full colour "
            f"{1000 * statistics.mean(t_read):6.1f} ms/page, ratio {sum(t_check) / sum(t_read):.3f} (n={len(paths)})"
        )
        # CPU time, one OpenCV thread, interleaved: on a loaded machine wall time mostly measures the queue
        threads = cv2.getNumThreads()
        cv2.setNumThreads(1)
        c_check = c_read = c_floor = 0.0
        for p in paths:
            c_read += timed(lambda p=p: cv2.imread(p, cv2.IMREAD_COLOR), clock=time.process_time)
            c_check += timed(lambda p=p: qc.check(p), clock=time.process_time)
            c_floor += timed(entropy_floor(p), clock=time.process_time)
        cv2.setNumThreads(threads)
        print(
            f"  {'':24s} CPU time, one thread: ratio {c_check / c_read:.3f}; the file's entropy-coded data decoded "
            f"alone (no check can skip it, bench/qc/stages.py): {c_floor / c_read:.3f}"
        )


if __name__ == "__main__":
    main()
