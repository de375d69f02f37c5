"""Events the station emits (shots, uploads, warnings); the screen, the plain log and tests listen."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO

Event = dict[str, Any]
Listener = Callable[[Event], None]


class EventBus:
    """Calls every listener for each event, from whichever thread emitted it (serialised by a lock)."""

    def __init__(self) -> None:
        self._listeners: list[Listener] = []
        self._lock = threading.RLock()

    def subscribe(self, listener: Listener) -> None:
        """Add a listener."""
        self._listeners.append(listener)

    def emit(self, kind: str, level: str = "info", text: str = "", **data: Any) -> Event:
        """Send an event: kind, level (info, ok, warn, error), a text for the operator, and data."""
        event: Event = {"kind": kind, "level": level, "text": text, "ts": time.time(), **data}
        if hasattr(text, "texts"):     # a messages.Said: the other screen may show it in its own language
            event["texts"] = text.texts
        with self._lock:
            for listener in self._listeners:
                listener(event)
        return event


class JsonLines:
    """Appends every event as one JSON line to a file (for tests and for support)."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._fh: TextIO = open(path, "a", encoding="utf-8", buffering=1)  # noqa: SIM115

    def __call__(self, event: Event) -> None:
        self._fh.write(json.dumps(event, ensure_ascii=False, default=str) + "\n")
        self._fh.flush()

    def close(self) -> None:
        """Close the file."""
        self._fh.close()
