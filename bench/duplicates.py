"""Repeated pages on generated records: how many repeats the server's comparison catches, how many distinct
consecutive pages of similar forms it wrongly flags, and what hashing costs.

Each record is a run of distinct pages (bench/qc/generator.py papers, mostly forms) in which some pages are
shot again: the same paper re-photographed in the same pose (new light and noise), or shifted and turned a
little, either right after itself (the page was not turned) or later in the record (a repeat). Every image is
hashed as ingest and the station do (qc.pagehash on qc's decoded working image: `qc.check_hashed`) and each
record is compared as the server does (app.inspection.rules.repeats). The station's cost is printed as what the
same-page check adds to a shot — the hash of the already decoded working image plus the comparison with the
record's earlier shots (capture_station.samepage.PageHashes) — against the local check itself (qc.check of every
fourth shot), measured in the same run (target ≤ 10 ms per shot).

    .venv/bin/python bench/duplicates.py                     # 16 records of 25 pages, 1600x1200 frames
    .venv/bin/python bench/duplicates.py --frame 1200x900 --records 12   # quicker
    .venv/bin/python bench/duplicates.py --records 40 --pages 30 --frame 4000x3000
"""

import argparse
import os
import random
import sys
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import qc  # noqa: E402
from app.inspection.rules import REPEAT_MAX_BITS, HashedPage, hamming, repeats  # noqa: E402
from bench.qc.generator import encode_jpeg, photograph, random_spec, render_paper  # noqa: E402
from capture_station.samepage import PageHashes  # noqa: E402
from qc.decode import load  # noqa: E402
from qc.pagehash import page_hash  # noqa: E402


def _shoot(paper: np.ndarray, spec) -> bytes:  # noqa: ANN001
    img, _ = photograph(paper, spec)
    return encode_jpeg(img, spec.jpeg_quality)


def make_record(rng: random.Random, base_seed: int, pages: int, frame: tuple[int, int], repeat_share: float):  # noqa: ANN201
    """A record's shots: (jpeg, paper index) in shot order; a repeated paper appears twice."""
    papers, shots = [], []
    for n in range(pages):
        seed = base_seed + n
        spec = replace(random_spec(seed, "sharp", frame), layout="form" if rng.random() < 0.7 else "text")
        px_per_mm = spec.page_fill * spec.frame_wh[1] / spec.paper_mm[1]
        paper = render_paper(spec, px_per_mm)
        papers.append((paper, spec))
        shots.append((_shoot(paper, spec), n))
        if rng.random() < repeat_share:
            # shot again: right away (the page was not turned) or the shot of an earlier page, repeated
            which = n if rng.random() < 0.5 else rng.randrange(0, n + 1)
            p, s = papers[which]
            again = replace(s, seed=s.seed + 900_000 + n)  # new light and sensor noise
            if rng.random() < 0.5:  # a small shift and turn
                again = replace(
                    again,
                    offset=(s.offset[0] + rng.uniform(-0.02, 0.02), s.offset[1] + rng.uniform(-0.015, 0.015)),
                    angle_deg=s.angle_deg + rng.uniform(-1.5, 1.5),
                )
            shots.append((_shoot(p, again), which))
    return shots


def main() -> None:
    """Generate, hash, compare; print catch rate, false flags and timing."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--records", type=int, default=16)
    ap.add_argument("--pages", type=int, default=25, help="distinct paper pages per record")
    ap.add_argument("--frame", default="1600x1200")
    ap.add_argument("--repeat-share", type=float, default=0.12)
    ap.add_argument("--max-bits", type=int, default=REPEAT_MAX_BITS)
    ap.add_argument("--seed", type=int, default=15)
    args = ap.parse_args()
    frame = tuple(int(v) for v in args.frame.lower().split("x"))
    rng = random.Random(args.seed)
    caught = missed = 0
    consecutive_distinct = consecutive_flagged = distinct_pages = distinct_flagged = 0
    t_hash = t_compare = t_check = cpu_added = cpu_check = 0.0
    shots_total = checked = 0
    station_warned = 0
    max_pixels = qc.default_profile().max_pixels
    repeat_bits, distinct_bits = [], []
    for r in range(args.records):
        shots = make_record(rng, 100_000 + r * 1000, args.pages, frame, args.repeat_share)
        hashed, papers = [], []
        station = PageHashes(args.max_bits)
        for number, (jpeg, paper) in enumerate(shots, start=1):
            dec = load(jpeg, max_pixels)  # the local check's decode, which the station reuses
            c1, t1 = time.process_time(), time.perf_counter()
            h = page_hash(dec.gray)
            t2 = time.perf_counter()
            station_warned += station.compare(f"R{r}", number, h, False) is not None
            t3, c3 = time.perf_counter(), time.process_time()
            cpu_added += c3 - c1
            t_hash += t2 - t1
            t_compare += t3 - t2
            if number % 4 == 1:
                t4, c4 = time.perf_counter(), time.process_time()
                qc.check(jpeg)
                t_check += time.perf_counter() - t4
                cpu_check += time.process_time() - c4
                checked += 1
            shots_total += 1
            hashed.append(HashedPage(number, number, number, h))
            papers.append(paper)
        found = {rep.later.page_number: rep for rep in repeats(hashed, args.max_bits)}
        seen: set[int] = set()
        for i, page in enumerate(hashed):
            paper = papers[i]
            is_repeat = paper in seen
            seen.add(paper)
            flagged = page.page_number in found
            if is_repeat:
                first = papers.index(paper)
                repeat_bits.append(hamming(hashed[first].phash, page.phash))
                hit = flagged and papers[found[page.page_number].earlier.page_number - 1] == paper
                caught += hit
                missed += not hit
            else:
                distinct_pages += 1
                distinct_flagged += flagged
                if i > 0 and papers[i - 1] != paper:
                    consecutive_distinct += 1
                    distinct_bits.append(hamming(hashed[i - 1].phash, page.phash))
                    consecutive_flagged += flagged and found[page.page_number].earlier.page_number == i
        print(f"record {r + 1}/{args.records}: {len(shots)} shots", file=sys.stderr)
    repeats_total = caught + missed
    print(f"records {args.records}, shots {shots_total}, frame {frame[0]}x{frame[1]}, threshold {args.max_bits} bits")
    print(f"repeats caught: {caught}/{repeats_total} = {100 * caught / max(1, repeats_total):.1f} % (target ≥ 98 %)")
    print(
        f"distinct consecutive pages flagged: {consecutive_flagged}/{consecutive_distinct} = "
        f"{100 * consecutive_flagged / max(1, consecutive_distinct):.2f} % (target ≤ 0.5 %)"
    )
    print(f"distinct pages flagged as a repeat of any earlier page: {distinct_flagged}/{distinct_pages}")
    print(
        f"hamming bits — repeats: max {max(repeat_bits, default=0)}, median {int(np.median(repeat_bits or [0]))}; "
        f"distinct consecutive: min {min(distinct_bits, default=0)}, median {int(np.median(distinct_bits or [0]))}"
    )
    added = 1000 * (t_hash + t_compare) / shots_total
    check_ms = 1000 * t_check / max(1, checked)
    print(
        f"station same-page check per shot: {added:.2f} ms (hash {1000 * t_hash / shots_total:.2f} ms + comparison "
        f"{1000 * t_compare / shots_total:.3f} ms; target ≤ 10 ms) = {added / check_ms:.3f}× the local check itself "
        f"({check_ms:.1f} ms, {checked} shots); the station warned on {station_warned} shots"
    )
    print(
        f"  in CPU time (does not grow with the machine's load): {1000 * cpu_added / shots_total:.2f} ms per shot = "
        f"{cpu_added / shots_total / max(1e-9, cpu_check / max(1, checked)):.3f}× the local check's "
        f"{1000 * cpu_check / max(1, checked):.1f} ms; load average {os.getloadavg()[0]:.1f}"
    )


if __name__ == "__main__":
    main()
