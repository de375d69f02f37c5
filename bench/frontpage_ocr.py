"""Front-page OCR on generated 住院病案首页 photos: accuracy, the cross-check's flags, speed and memory.

    .venv/bin/python bench/frontpage_ocr.py --pages 12

Each page (bench/frontpage/generator.py) is read by one OCR worker process with one onnxruntime thread, as the
server's reading job does. Printed:
- read exactly: MRN, name, discharge date (targets 98 %, 95 %, 97 %);
- flags: for every page, each of the five fields changed in the record (an injected difference) must be flagged,
  and with the true values none should be (targets ≥ 95 % flagged, ≤ 2 % flagged); "flagged" is anything but a
  match (a mismatch, or a field not read);
- unreadable photos: never "match";
- front pages per minute per core (CPU seconds of the worker per page), the share of one core for a site of
  20 operators × 3,000 pages a day in 30-page records (2,000 front pages a day), and the worker's peak memory.
"""

import argparse
import json
import os
import resource
import sys
import time
from dataclasses import asdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.frontpage.crosscheck import FIVE, Outcome, check_record, plain, read_date, same_mrn  # noqa: E402
from app.frontpage.ocr import OcrPool, read_page  # noqa: E402
from bench.frontpage.generator import differ, front_page_jpeg, random_values  # noqa: E402


def _timed_read(data: bytes, skew: float) -> tuple[dict, float]:
    """read_page in the worker, with the worker's CPU seconds for it."""
    start = time.process_time()
    result = read_page(data, skew, threads=1)
    return result, time.process_time() - start


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _recorded(values) -> dict:  # noqa: ANN001
    return asdict(values)  # a FrontPageRow: the field names the cross-check takes


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=12, help="generated front pages to read (default 12)")
    parser.add_argument("--unreadable", type=int, default=2, help="badly photographed pages (default 2)")
    parser.add_argument("--seed", type=int, default=1000)
    parser.add_argument("--dump", type=Path, help="write each page's values and reading here (JSON lines)")
    args = parser.parse_args()
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    pool = OcrPool(workers=1, threads=1, max_pixels=80_000_000)
    executor = pool._executor  # the bench times the worker itself
    base_rss = executor.submit(_peak_rss_mb).result()
    exact = {"mrn": 0, "name": 0, "discharge_date": 0}
    injected = flagged_injected = equal = flagged_equal = 0
    cpu, wall, misses = [], [], []
    matched = 0
    for i in range(args.pages):
        seed = args.seed + i
        values = random_values(seed)
        data, skew = front_page_jpeg(values, seed)
        t0 = time.perf_counter()
        result, seconds = executor.submit(_timed_read, data, skew).result()
        wall.append(time.perf_counter() - t0)
        cpu.append(seconds)
        fields = result.get("fields", {})
        if args.dump:
            with args.dump.open("a", encoding="utf-8") as out:
                out.write(json.dumps({"seed": seed, "values": _recorded(values), "result": result}, default=str) + "\n")
        got = {k: (fields.get(k) or {}).get("value", "") for k in ("mrn", "name", "discharge_date")}
        exact["mrn"] += same_mrn(values.mrn, got["mrn"])
        exact["name"] += plain(values.name) == plain(got["name"])
        exact["discharge_date"] += read_date(got["discharge_date"]) == values.discharge_date
        truth = check_record(_recorded(values), fields)
        states = {f.field: f.state for f in truth.fields}
        matched += truth.outcome == Outcome.match
        for name in FIVE:
            equal += 1
            if states[name] != "match":
                flagged_equal += 1
                read = fields.get(name) or {}
                misses.append(
                    f"page {seed}: {name} flagged although equal ({states[name]}: {getattr(values, name)!r} read as "
                    f"{read.get('value', '')!r}, confidence {read.get('score', '-')})"
                )
        for k, name in enumerate(FIVE):
            other = differ(values, name, seed * 5 + k)
            check = check_record(_recorded(other), fields)
            state = next(f.state for f in check.fields if f.field == name)
            injected += 1
            if state != "match":
                flagged_injected += 1
            else:
                misses.append(f"page {seed}: changed {name} not flagged ({getattr(other, name)!r})")
        print(
            f"  page {seed}: {wall[-1]:.1f} s wall, {cpu[-1]:.1f} s CPU, outcome with the true values: {truth.outcome}"
        )
    never_match = 0
    for j in range(args.unreadable):
        seed = args.seed + 500 + j
        values = random_values(seed)
        data, skew = front_page_jpeg(values, seed, unreadable=True)
        result, _ = executor.submit(_timed_read, data, skew).result()
        outcome = check_record(_recorded(values), result.get("fields") or None).outcome
        never_match += outcome != Outcome.match
    peak_rss = executor.submit(_peak_rss_mb).result()
    pool.close()

    n = args.pages
    per_page = sum(cpu) / n
    front_pages_per_day = 20 * 3000 / 30
    print(f"\nfront pages read: {n} (+{args.unreadable} unreadable photos), one worker, one onnxruntime thread")
    for name, target in (("mrn", 98), ("name", 95), ("discharge_date", 97)):
        print(f"  {name:15s} read exactly: {exact[name]}/{n} = {100 * exact[name] / n:.1f} % (target ≥ {target} %)")
    print(
        f"  injected differences flagged: {flagged_injected}/{injected} = {100 * flagged_injected / injected:.1f} %"
        " (target ≥ 95 %)"
    )
    print(
        f"  equal fields flagged:         {flagged_equal}/{equal} = {100 * flagged_equal / equal:.1f} % (target ≤ 2 %)"
    )
    print(f"  records matching with their true values (visit included): {matched}/{n}")
    print(f"  unreadable photos not 'match': {never_match}/{args.unreadable}")
    print(f"  CPU per front page: {per_page:.2f} s (wall {sum(wall) / n:.2f} s on this shared machine)")
    print(f"  front pages per minute per core: {60 / per_page:.1f}")
    print(
        f"  site of 20 operators × 3,000 pages/day, 30-page records: {front_pages_per_day:.0f} front pages/day = "
        f"{100 * front_pages_per_day * per_page / 86400:.1f} % of one core over 24 h, "
        f"{100 * front_pages_per_day * per_page / (8 * 3600):.1f} % over an 8-hour shift"
    )
    print(f"  OCR worker memory: {base_rss:.0f} MB after loading the models, peak {peak_rss:.0f} MB")
    for line in misses[:40]:
        print("  miss:", line)


if __name__ == "__main__":
    main()
