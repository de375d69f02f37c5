"""Crash points for the kill -9 tests: FOLIO_STATION_CRASH="<point>:<n>" ends the process abruptly at the
n-th time it passes <point>, exactly as a power cut or kill -9 would there. Unset in normal use."""

from __future__ import annotations

import os
from collections import Counter

_hits: Counter[str] = Counter()


def crash_point(name: str) -> None:
    """Die here (os._exit, no cleanup) if the environment asks for it."""
    spec = os.environ.get("FOLIO_STATION_CRASH")
    if not spec:
        return
    point, _, count = spec.partition(":")
    if point != name:
        return
    _hits[name] += 1
    if _hits[name] == int(count or 1):
        os._exit(137)


def uploads_held() -> bool:
    """Tests only: FOLIO_STATION_HOLD_UPLOADS=<file> holds the queue while that file exists (the server stays up)."""
    path = os.environ.get("FOLIO_STATION_HOLD_UPLOADS")
    return bool(path) and os.path.exists(path)
