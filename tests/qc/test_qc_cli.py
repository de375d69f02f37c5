"""python -m qc through the real entry point."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import qc
from tests.qc.helpers import SMALL

ROOT = Path(__file__).resolve().parents[2]


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "qc", *args], cwd=ROOT, capture_output=True, text=True, timeout=120)


def test_check_exit_codes_and_json(page_jpeg, tmp_path) -> None:
    good = tmp_path / "good.jpg"
    good.write_bytes(page_jpeg(seed=1, layout="text", angle_deg=0.4)[0])
    blurred = tmp_path / "blur.jpg"
    blurred.write_bytes(page_jpeg(seed=4, gauss_sigma=2.5)[0])
    junk = tmp_path / "junk.jpg"
    junk.write_bytes(b"")
    small = tmp_path / "small.json"
    small.write_text(json.dumps(SMALL))

    r = _run("check", "--profile", str(small), str(good))
    assert r.returncode == 0 and "PASS" in r.stdout
    r = _run("check", "--profile", str(small), str(blurred))
    # the reason comes first and its figures last: "FAIL skew +0.45° ... — Blurred" read as a failure for skew
    assert r.returncode == 1 and r.stdout.startswith(f"{blurred}: FAIL blur — ")
    assert r.stdout.rstrip().endswith(")") and r.stdout.index("(skew ") > r.stdout.index("lur")
    r = _run("check", "--profile", str(small), "--json", str(good), str(blurred))
    assert r.returncode == 1
    lines = [json.loads(x) for x in r.stdout.splitlines()]
    assert [x["verdict"] for x in lines] == ["pass", "fail"] and lines[1]["reasons"] == ["blur"]
    assert {"file", "verdict", "reasons", "skew_deg", "sharpness"} <= set(lines[0])
    r = _run("check", "--profile", str(small), "--json", str(good), str(junk), str(blurred))
    assert r.returncode == 2
    bad = json.loads(r.stdout.splitlines()[1])
    assert bad["verdict"] == "error" and bad["error"] == "empty"
    r = _run("check", str(tmp_path / "missing.jpg"))
    assert r.returncode == 2 and "UNREADABLE" in r.stdout


def test_check_with_profile(page_jpeg, tmp_path) -> None:
    img = tmp_path / "p.jpg"
    img.write_bytes(page_jpeg(seed=2, layout="form", angle_deg=2.0, page_fill=0.7)[0])
    prof = tmp_path / "strict.json"
    prof.write_text(json.dumps(SMALL | {"max_skew_deg": 1.0}))
    small = tmp_path / "small.json"
    small.write_text(json.dumps(SMALL))
    assert _run("check", "--profile", str(small), str(img)).returncode == 0
    r = _run("check", "--profile", str(prof), "--json", str(img))
    assert r.returncode == 1 and json.loads(r.stdout)["reasons"] == ["skew"]
    prof.write_text(json.dumps({"nope": 1}))
    assert _run("check", "--profile", str(prof), str(img)).returncode == 2


def _folders(tmp_path: Path, good: list[bytes], bad: list[bytes]) -> tuple[Path, Path]:
    """tmp_path/good and tmp_path/bad holding these images as 0.jpg, 1.jpg, ..."""
    out = []
    for name, images in (("good", good), ("bad", bad)):
        folder = tmp_path / name
        folder.mkdir()
        for i, data in enumerate(images):
            (folder / f"{i}.jpg").write_bytes(data)
        out.append(folder)
    return out[0], out[1]


def test_calibrate_writes_profile_and_prints_matrix(page_jpeg, tmp_path) -> None:
    good, bad = _folders(
        tmp_path,
        [page_jpeg(seed=20 + i, angle_deg=0.3)[0] for i in range(3)],
        [page_jpeg(seed=30 + i, gauss_sigma=1.2 + 0.5 * i)[0] for i in range(3)],
    )
    out = tmp_path / "profile.json"
    small = tmp_path / "small.json"
    small.write_text(json.dumps(SMALL))
    r = _run("calibrate", "--good", str(good), "--bad", str(bad), "-o", str(out), "--profile", str(small))
    assert r.returncode == 0, r.stderr
    assert "good" in r.stdout and "bad" in r.stdout and "pass" in r.stdout
    prof = qc.load_profile(out)
    assert prof.name == "calibrated"
    assert r.stdout.splitlines()[-2].split() == ["good", "3", "0"]
    assert r.stdout.splitlines()[-1].split() == ["bad", "0", "3"]


def test_calibrate_refuses_a_folder_where_no_image_could_be_read(page_jpeg, tmp_path) -> None:
    """Every 'bad' file damaged: no profile is written from the good images alone (it would look calibrated)."""
    damaged = b"\xff\xd8\xff\xe0" + b"\x13\x37" * 500 + b"\xff\xd9"
    good, bad = _folders(tmp_path, [page_jpeg(seed=20 + i, angle_deg=0.3)[0] for i in range(2)], [damaged] * 2)
    out = tmp_path / "profile.json"
    r = _run("calibrate", "--good", str(good), "--bad", str(bad), "-o", str(out))
    assert r.returncode != 0
    assert "none of the bad images" in r.stderr and str(bad) in r.stderr and "skipped" in r.stderr
    assert not out.exists()
