"""The field crops of a record's front-page check screen: one decode of the page for all of them, against one
decode per crop as before (issue 18 review).

    .venv/bin/python bench/frontpage_crops.py --pages 3

For each generated front page (bench/frontpage/generator.py, a 12-megapixel photo as a station takes it), the page
is read once for its field boxes, then the screen's crops (one per field read, up to 8) are made both ways, in
this process: CPU seconds (time.process_time) of each way and their ratio, in the same run.
"""

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.frontpage.check_views import CROP_FIELDS  # noqa: E402
from app.frontpage.ocr import crops_jpeg, read_page  # noqa: E402
from bench.frontpage.generator import front_page_jpeg, random_values  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1000)
    args = parser.parse_args()
    each = together = 0.0
    crops = 0
    for i in range(args.pages):
        seed = args.seed + i
        data, skew = front_page_jpeg(random_values(seed), seed)
        fields = read_page(data, skew)["fields"]
        boxes = {f: tuple(fields[f]["box"]) for f in CROP_FIELDS if (fields.get(f) or {}).get("box")}
        start = time.process_time()
        one_by_one = {f: crops_jpeg(data, skew, {f: box})[f] for f, box in boxes.items()}  # as before: a decode each
        each += time.process_time() - start
        start = time.process_time()
        all_at_once = crops_jpeg(data, skew, boxes)
        together += time.process_time() - start
        assert all_at_once == one_by_one
        crops += len(boxes)
        print(f"  page {seed}: {len(boxes)} crops, {len(data) / 1e6:.1f} MB photo")
    n = args.pages
    print(f"\n{crops} crops on {n} front pages, CPU seconds a page (the record screen's crops):")
    print(f"  one decode per crop (before): {each / n:.3f} s")
    print(f"  one decode per page (now):    {together / n:.3f} s")
    print(f"  ratio: {each / together:.1f}× less CPU a screen")


if __name__ == "__main__":
    main()
