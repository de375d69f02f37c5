"""Sampling speed: manifest hash and the 3% draw for a lot of 1,000,000 pages (issue 6 asks for the draw under 2 s).

Also times the Clopper–Pearson interval and the operating characteristic shown next to a decision.

    .venv/bin/python bench/sampling.py --pages 1000000 --repeat 5
"""

import argparse
import hashlib
import statistics
import sys
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.acceptance.rules import acceptance_number, plan_flat_sample  # noqa: E402
from app.acceptance.sampling import draw, manifest_hash  # noqa: E402
from app.acceptance.stats import clopper_pearson, operating_characteristic  # noqa: E402


def timed(repeat: int, work: Callable[[], object]) -> tuple[float, float]:
    """Best and median wall time of `repeat` calls, in seconds."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return min(times), statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pages", type=int, default=1_000_000)
    parser.add_argument("--rate", default="0.03")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    pages = [(i + 1, hashlib.sha256(i.to_bytes(8, "big")).hexdigest()) for i in range(args.pages)]
    plan = plan_flat_sample(Decimal(args.rate), args.pages)
    digest = manifest_hash(pages)
    seed = "bench-seed-2026"
    sample = draw(digest, seed, plan)

    best_hash, median_hash = timed(args.repeat, lambda: manifest_hash(pages))
    best_draw, median_draw = timed(args.repeat, lambda: draw(digest, seed, plan))
    ac = acceptance_number(Decimal("0.95"), plan.size)
    rates = tuple(Decimal(p) for p in ("0.01", "0.02", "0.03", "0.05", "0.07", "0.10"))
    best_stats, _ = timed(
        args.repeat,
        lambda: (clopper_pearson(ac, plan.size), operating_characteristic(args.pages, plan.size, ac, rates)),
    )

    print(f"lot: {args.pages:,} pages, sample {plan.size:,} = {args.rate} (per third {plan.per_third})")
    print(f"manifest hash: best {best_hash:.3f} s, median {median_hash:.3f} s")
    print(f"draw:          best {best_draw:.3f} s, median {median_draw:.3f} s  ({len(sample):,} pages)")
    print(f"interval + OC: best {best_stats:.3f} s (Ac = {ac})")


if __name__ == "__main__":
    main()
