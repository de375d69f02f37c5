"""A fixed stand's resolution (Profile.stand_dpi): every sheet on the stand has it, whatever the sheet's size.

Without it a photo's resolution is estimated from its outline as a sheet of the profile's paper: an A5 lab slip
under the camera that gives an A4 sheet 215 dpi read 152 dpi "assuming A4" and failed low_resolution (the
session-27 tester's A5 and 16K sheets, 157 dpi for a true 227)."""

from __future__ import annotations

import io
import json
import math
import subprocess
import sys
from dataclasses import replace
from functools import cache
from pathlib import Path

import cv2
import numpy as np
import pytest
from PIL import Image

import qc
from qc.fingerprint import profile_fingerprint
from qc.processing import process

ROOT = Path(__file__).resolve().parents[2]
FILL = 0.85  # the A4 sheet's share of the 3000 px frame height: 215 dpi
PAPERS = {"A4": (210.0, 297.0), "A5": (148.0, 210.0), "16K": (185.0, 260.0), "B5": (176.0, 250.0)}


@cache
def _on_stand(seed: int, paper: str) -> tuple[bytes, float]:
    """A sheet of `paper` photographed on the stand that gives an A4 sheet FILL of the frame: JPEG, true dpi."""
    from bench.qc.generator import random_spec, render_jpeg

    mm = PAPERS[paper]
    spec = replace(random_spec(seed, "sharp"), paper_mm=mm, page_fill=FILL * mm[1] / 297.0, offset=(0.0, 0.0))
    return render_jpeg(spec)[0], FILL * 3000 / (297.0 / 25.4)


def _stand(dpi: float) -> dict[str, object]:
    return {"stand_dpi": round(dpi, 1), "stand_frame_px": [4000, 3000]}


@pytest.mark.parametrize("paper", ["A5", "16K", "B5"])
def test_a_smaller_sheet_on_the_stand_has_the_stands_resolution(paper: str) -> None:
    data, dpi = _on_stand(7, paper)
    plain = qc.check(data)
    assert plain.reasons == ["low_resolution"] and plain.metrics["assumed_paper"] == "A4 (210×297 mm)"
    assert plain.metrics["dpi"] < 200 < dpi  # read as an A4 sheet shot from too far
    rep = qc.check(data, _stand(dpi))
    assert rep.verdict == "pass", rep.metrics
    m = rep.metrics
    assert m["dpi_source"] == "stand" and m["dpi"] == pytest.approx(dpi, rel=0.01) and m["assumed_paper"] is None
    assert m["blur_dpi"] == m["dpi"]
    assert m["sheet_mm"] == pytest.approx(PAPERS[paper], rel=0.025)  # the sheet measured, not assumed


def test_a_camera_set_to_a_smaller_frame_fails_on_the_stand_with_its_figures() -> None:
    """The stand's resolution scales with the frame: the same A4 sheet shot at 2592 x 1944 is 141 dpi."""
    data, dpi = _on_stand(8, "A4")
    shot = cv2.resize(cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR), (2592, 1944), cv2.INTER_AREA)
    small = cv2.imencode(".jpg", shot, [cv2.IMWRITE_JPEG_QUALITY, 92])[1].tobytes()
    rep = qc.check(small, _stand(dpi))
    assert rep.reasons == ["low_resolution"] and rep.metrics["dpi"] == pytest.approx(dpi * 2592 / 4000, rel=0.01)
    (msg,) = rep.messages
    assert "141 dpi" in msg["en"] and "stand" in msg["en"] and "218 dpi on 4000×3000 px" in msg["en"], msg
    assert "141 dpi" in msg["zh"] and "拍摄架" in msg["zh"], msg
    # told again later (the viewer) against a profile whose stand was cleared: the stand the check used is named
    later = qc.report.message("low_resolution", rep.metrics, qc.default_profile())
    assert "measured 218 dpi on 4000×3000 px" in later["en"], later


def test_a_frame_cropped_by_the_cameras_software_is_not_the_stands_view() -> None:
    """The tester's A4 auto-cropped with a margin (3600 x 3000 of the 4000 x 3000 frame) read 149 dpi and A3-sized
    with the stand: a frame of another shape is read by its outline, as without a stand."""
    data, dpi = _on_stand(8, "A4")
    img = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)[:, 200:3800]
    rep = qc.check(cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, 92])[1].tobytes(), _stand(dpi))
    assert rep.metrics["dpi_source"] == "page_outline" and rep.metrics["sheet_mm"] is None
    assert rep.verdict == "pass" and rep.metrics["dpi"] == pytest.approx(dpi, rel=0.02), rep.metrics


def test_a_scan_in_a_stand_project_keeps_its_own_resolution() -> None:
    """A flatbed scan fills its frame: no stand took it, the dpi its file states stands."""
    from bench.qc.generator import render_scan

    rep = qc.check(render_scan(3, 300.0, 8)[0], _stand(215.0))
    assert rep.metrics["dpi_source"] == "file" and rep.metrics["dpi"] == pytest.approx(300.0)
    assert rep.verdict == "pass", rep.metrics


def test_the_processed_copy_of_a_slip_on_the_stand_states_its_true_size() -> None:
    """The delivered page's resolution is the stand's: an A5 slip printed at its stated dpi is A5, not A4."""
    data, dpi = _on_stand(7, "A5")
    for profile, size_mm in ((None, (216.0, 303.0)), (_stand(dpi), (154.0, 216.0))):  # 3 mm margins
        rep = qc.check(data, profile)
        out = process(data, rep.metrics)
        im = Image.open(io.BytesIO(out.data))
        got = sorted(v / im.info["dpi"][0] * 25.4 for v in im.size)
        assert got == pytest.approx(size_mm, abs=4.0), (profile, got)
    assert {"step": "resolution", "dpi": pytest.approx(dpi, rel=0.01), "source": "stand"} in out.steps


def _qc(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "qc", *args], cwd=ROOT, capture_output=True, text=True, timeout=300)


def test_the_stand_command_measures_the_stand_from_sheets_of_the_projects_paper(tmp_path: Path) -> None:
    files = []
    for seed in (7, 8, 9):
        f = tmp_path / f"a4-{seed}.jpg"
        f.write_bytes(_on_stand(seed, "A4")[0])
        files.append(str(f))
    out = tmp_path / "profile.json"
    r = _qc("stand", *files, "-o", str(out))
    assert r.returncode == 0, r.stderr
    fields = json.loads(r.stdout)
    # each sheet read by its refined outline: within 0.5 % (the coarse grid's read 1.3 % small)
    assert fields["stand_frame_px"] == [4000, 3000]
    assert fields["stand_dpi"] == pytest.approx(_on_stand(7, "A4")[1], rel=0.005)
    assert json.loads(out.read_text()) == fields  # the stand's fields alone: applied, they change nothing else
    written = qc.load_profile(str(out))
    assert (written.stand_dpi, written.stand_frame_px) == (fields["stand_dpi"], (4000.0, 3000.0))
    assert "A5, B5, 16K" in r.stderr  # the papers of A4's shape its outline cannot tell apart
    slip = tmp_path / "a5.jpg"
    slip.write_bytes(_on_stand(7, "A5")[0])
    assert qc.check(str(slip), str(out)).verdict == "pass"


@pytest.mark.parametrize("bad", ["a5", "letter", "scan", "missing", "empty", "other frame", "unwritable", "twice"])
def test_the_stand_command_refuses_what_is_no_photo_of_the_stand_and_writes_nothing(bad: str, tmp_path: Path) -> None:
    from bench.qc.generator import render_scan

    good = tmp_path / "a4.jpg"
    good.write_bytes(_on_stand(7, "A4")[0])
    other = tmp_path / "other.jpg"
    if bad == "a5":  # an A5 slip read as an A4 sheet: 152 dpi against 215, the camera moved?
        other.write_bytes(_on_stand(7, "A5")[0])
    elif bad == "letter":  # 216 x 279 mm: 8 % off A4's shape
        from bench.qc.generator import random_spec, render_jpeg

        spec = replace(random_spec(9, "sharp"), paper_mm=(216.0, 279.0), page_fill=FILL * 279 / 297, offset=(0, 0))
        other.write_bytes(render_jpeg(spec)[0])
    elif bad == "twice":  # one sheet given twice: nothing says the stand held still
        other.write_bytes(good.read_bytes())
    elif bad == "scan":  # no sheet outline in a scan
        other.write_bytes(render_scan(3, 300.0, 8)[0])
    elif bad == "empty":
        other.write_bytes(b"")
    elif bad == "other frame":
        img = cv2.imdecode(np.frombuffer(_on_stand(8, "A4")[0], np.uint8), cv2.IMREAD_COLOR)
        other.write_bytes(cv2.imencode(".jpg", cv2.resize(img, (3264, 2448), interpolation=cv2.INTER_AREA))[1])
    out = tmp_path / ("missing-folder/profile.json" if bad == "unwritable" else "profile.json")
    if bad == "unwritable":
        other.write_bytes(_on_stand(8, "A4")[0])
    r = _qc("stand", str(good), str(other), "-o", str(out))
    assert r.returncode == 2 and r.stdout == "" and not out.exists(), (r.stdout, r.stderr)
    assert "error:" in r.stderr


def test_stand_fields_are_checked_and_left_out_unset() -> None:
    """Unset, the fields are not written: a station not yet updated takes the profile, its fingerprint holds."""
    assert "stand_dpi" not in qc.default_profile().to_dict()
    assert profile_fingerprint(qc.default_profile()) == "24f20acd5360"  # as before the stand fields
    prof = qc.load_profile(_stand(215.2))
    assert qc.load_profile(prof.to_dict()) == prof and prof.stand_dpi_of(2000, 1500) == pytest.approx(107.6)
    assert prof.stand_dpi_of(3000, 4000) == pytest.approx(215.2) and prof.stand_dpi_of(3600, 3000) is None


@pytest.mark.parametrize(
    "bad",
    [
        {"stand_dpi": 215.2},
        {"stand_frame_px": [4000, 3000]},
        {"stand_dpi": -1.0, "stand_frame_px": [4000, 3000]},
        {"stand_dpi": 215.2, "stand_frame_px": 4000},
        {"stand_dpi": 215.5, "stand_frame_px": [400, 300]},  # the tester's typo: every photo 2155 dpi, blur let pass
        {"stand_dpi": 2155.0, "stand_frame_px": [4000, 3000]},
        {"stand_dpi": 0.0001, "stand_frame_px": [4000, 3000]},
        {"stand_dpi": math.nan, "stand_frame_px": [4000, 3000]},
        {"max_skew_deg": math.inf},
        {"max_skew_deg": -1.0},  # every page failed for skew, "±-1.0° allowed"
        {"max_blur_px": 0.0},  # every page failed for blur
        {"max_blur_region_share": 0.0},
        {"min_smear_ratio": 0.0},
        {"max_occluded_share": 2.0},
        {"min_ink_ratio": 5.0},
        {"min_dpi": -1.0},
        {"min_text_marks": -3},
        {"paper_size_mm": [1e308, 1.0]},
        {"max_pixels": 1},  # every photo refused as too many pixels
        {"max_pixels": 10**12},  # no guard against a decompression bomb left
        {"min_side_px": 10**9},
    ],
)
def test_a_profile_value_that_would_fail_every_page_or_none_is_refused(bad: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        qc.load_profile(bad)


def test_a_stand_value_out_of_range_is_named() -> None:
    with pytest.raises(ValueError, match="stand_dpi must be over 0 and at most 2400"):
        qc.load_profile({"stand_dpi": 9000.0, "stand_frame_px": [4000, 3000]})
    with pytest.raises(ValueError, match="set together"):
        qc.load_profile({"stand_dpi": 0.0, "stand_frame_px": [4000, 3000]})
