"""`folio demo` through the real entry point: progress while it works, and hints that work as printed."""

import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.slow


def test_demo_shows_progress_and_its_second_factor_hint_works_as_printed(tmp_path: Path) -> None:
    folio = Path(sys.executable).parent / "folio"  # the venv's console script, as the quick start calls it
    assert folio.exists()
    env = {
        **os.environ,
        "FOLIO_DATABASE_URL": f"sqlite:///{tmp_path / 'folio.db'}",
        "FOLIO_IMAGE_STORE": str(tmp_path / "images"),
        "FOLIO_MODE": "demo",
        "FOLIO_QC_WORKERS": "1",
        "COLUMNS": "120",
    }
    made = subprocess.run(
        [os.path.relpath(folio, ROOT), "demo", "--pages", "12"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert made.returncode == 0, made.stderr[-3000:]
    out = made.stdout + made.stderr
    # The progress bar counted every page (rich writes its last state when it stops).
    assert re.search(r"storing pages.*12/12", out), out[-2000:]
    assert "00990001-1" in made.stdout  # the record waiting for the station is named
    hint = re.search(r"`([^`]+demo-code mgr_zhao)` prints it", made.stdout).group(1)
    assert hint.startswith(os.path.relpath(folio, ROOT)) or hint.startswith("folio ")
    code = subprocess.run(shlex.split(hint), cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert code.returncode == 0, code.stderr
    assert re.fullmatch(r"\d{6}", code.stdout.strip())
