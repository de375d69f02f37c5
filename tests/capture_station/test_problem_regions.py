"""The station outlines what qc blames: the worst blurred region or the occluding object, as image fractions."""

from pathlib import Path

import qc
from capture_station.localcheck import problem_regions

REAL = Path(__file__).resolve().parents[3] / "shared" / "samples" / "real"


def test_a_blurred_photo_gets_its_region_and_a_sharp_one_none() -> None:
    blurred = qc.check(REAL / "blur_sbrunner_input_phone.jpg")
    regions = problem_regions(blurred)
    assert [r["reason"] for r in regions] == ["blur"]
    box = regions[0]
    assert 0 <= box["x"] < 1 and 0 <= box["y"] < 1 and 0 < box["w"] <= 1 and 0 < box["h"] <= 1
    assert box["x"] + box["w"] <= 1.0001 and box["y"] + box["h"] <= 1.0001
    assert problem_regions(qc.check(REAL / "scan_tess_unlv_8087.tif")) == []
