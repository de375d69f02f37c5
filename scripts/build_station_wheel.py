"""Build the capture station's own wheel (folio-station: qc + capture_station) into dist/.

    python scripts/build_station_wheel.py [--out dist]

The station PC installs only this wheel and its few dependencies; the server's packages stay out.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("qc", "capture_station")


def build(out: Path) -> Path:
    """Copy the two packages beside the station's pyproject in a temporary folder and build the wheel there."""
    sys.path.insert(0, str(ROOT))
    from capture_station import __version__

    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="folio-station-") as tmp:
        src = Path(tmp)
        template = (ROOT / "station" / "pyproject.template.toml").read_text(encoding="utf-8")
        (src / "pyproject.toml").write_text(template.replace("{version}", __version__), encoding="utf-8")
        for name in PACKAGES:
            shutil.copytree(ROOT / name, src / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        before = set(out.glob("folio_station-*.whl"))
        subprocess.run(  # noqa: S603 - our own interpreter and fixed arguments
            [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(src)], check=True
        )
    built = sorted(set(out.glob("folio_station-*.whl")) - before) or sorted(out.glob("folio_station-*.whl"))
    return built[-1]


def main() -> int:
    """Entry point."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", default=str(ROOT / "dist"), help="folder for the wheel (default: dist/)")
    args = parser.parse_args()
    print(build(Path(args.out)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
