"""The README's quick start on a clean virtual environment: its install step brings everything the PDFs need.

This is the newcomer's first hour in one test: `scripts/quickstart.sh --install-only` into a new, empty venv (pip
reads the local mirror and its cache, so the run stays bounded), then that venv alone prints a PDF with Chinese
text through Playwright and Debian's chromium.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

pytestmark = pytest.mark.slow


def test_quickstart_install_step_on_a_clean_venv_prints_a_pdf(tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    env = {**os.environ, "FOLIO_VENV": str(venv), "PYTHON": sys.executable}
    done = subprocess.run(
        ["bash", "scripts/quickstart.sh", "--install-only"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=1500,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    # It says what it does, step by step, and lists the packages as they come.
    assert "[1/2] Python packages" in done.stdout
    assert "[2/2] Debian packages" in done.stdout
    assert "playwright" in done.stdout.lower()
    # On this machine chromium and the fonts are there (or were installed): nothing is reported missing.
    assert "missing:" not in done.stdout, done.stdout

    out = tmp_path / "sheet.pdf"
    script = (
        "import sys; from pathlib import Path; from app.core.pdf import html_to_pdf; "
        "html_to_pdf('<html><body><h1>病案交接单 第18页</h1></body></html>', Path(sys.argv[1]))"
    )
    printed = subprocess.run(
        [str(venv / "bin" / "python"), "-c", script, str(out)],
        cwd=tmp_path,  # the venv's own installation of Folio, not the test runner's import path
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert printed.returncode == 0, printed.stderr[-3000:]
    data = out.read_bytes()
    assert data.startswith(b"%PDF-")
    # The Chinese heading was set in the CJK font that fonts-noto-cjk provides (chromium embeds it by name).
    assert b"NotoSansCJK" in data or b"NotoSerifCJK" in data


def test_quickstart_says_in_one_line_what_is_missing(tmp_path: Path) -> None:
    """Where Debian packages cannot be installed (not root), the last line names what is missing and the command."""
    fake_bin = tmp_path / "bin"
    fake_bin.mkdir()
    # dpkg that knows no package, and a user who is not root: the script must not install, only say.
    (fake_bin / "dpkg").write_text("#!/bin/sh\nexit 1\n")
    (fake_bin / "id").write_text("#!/bin/sh\necho 1000\n")
    for f in fake_bin.iterdir():
        f.chmod(0o755)
    done = subprocess.run(
        ["bash", "scripts/quickstart.sh", "--install-only"],
        cwd=ROOT,
        # The test runner's own venv has Folio already: pip only confirms it.
        env={**os.environ, "PATH": f"{fake_bin}:{os.environ['PATH']}", "FOLIO_VENV": sys.prefix},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    last = done.stdout.strip().splitlines()[-1]
    assert "missing:" in last and "chromium fonts-noto-cjk" in last
    assert last.endswith("sudo apt-get install chromium fonts-noto-cjk")
