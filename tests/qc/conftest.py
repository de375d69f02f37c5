"""Fixtures for the qc tests: the repo root on sys.path (for bench.qc.generator) and small synthetic pages."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

REAL = ROOT.parent / "shared" / "samples" / "real"


@pytest.fixture(scope="session")
def real_dir() -> Path:
    """The shared real samples; a missing folder is a failure, not a skip."""
    if not (REAL / "SOURCES.csv").is_file():
        pytest.fail(f"real samples not found at {REAL} (CI must clone shared/ beside the repo)")
    return REAL


@pytest.fixture(scope="session")
def page_jpeg():  # type: ignore[no-untyped-def]
    """Factory: render a small synthetic photographed page (2000x1500) as JPEG bytes with its truth."""
    from bench.qc.generator import PageSpec, render_jpeg

    cache: dict[PageSpec, tuple[bytes, object]] = {}

    def make(**kw):  # type: ignore[no-untyped-def]
        spec = PageSpec(**{"frame_wh": (2000, 1500), "intrinsic_sigma": 0.3, "noise": 1.5, **kw})
        if spec not in cache:
            cache[spec] = render_jpeg(spec)
        return cache[spec]

    return make
