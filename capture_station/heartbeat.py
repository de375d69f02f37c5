"""The station's heartbeat: every minute (as the server asks) it tells the server how it is doing.

Version, QC profile in use, who is signed in, the upload queue (depth, oldest item), free disk, the last shot and
the image source's state. Station token only; a failed beat is simply tried again at the next interval.
"""

from __future__ import annotations

import shutil
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from capture_station import __version__
from capture_station.client import ApiError
from capture_station.outbox import Outbox

if TYPE_CHECKING:
    from capture_station.station import Station

DEFAULT_EVERY_S = 60.0


def profile_fingerprint(station: Station) -> str | None:
    """The fingerprint of the QC profile the station checks with (qc's default when the server's is not in yet)."""
    try:
        import qc
        from qc.fingerprint import profile_fingerprint as fingerprint
    except ImportError:
        return None
    checker = getattr(station, "checker", None)
    profile = getattr(checker, "profile", None)
    return fingerprint(profile if profile is not None else qc.default_profile())


class HeartbeatSender(threading.Thread):
    """Sends a heartbeat now and then every `next_in_s` seconds the server answers."""

    def __init__(self, station: Station, stop: threading.Event, source_state: Callable[[], str]) -> None:
        super().__init__(name="heartbeat", daemon=True)
        self.station, self.stop, self.source_state = station, stop, source_state
        self.every = DEFAULT_EVERY_S
        self.last_shot_at: str | None = None
        self.sent = 0
        station.bus.subscribe(self._on_event)

    def _on_event(self, event: dict[str, Any]) -> None:
        if event.get("kind") == "shot":
            self.last_shot_at = datetime.now(UTC).isoformat()

    def payload(self, outbox: Outbox) -> dict[str, Any]:
        """What the station reports about itself (schema: the server's Heartbeat)."""
        st = self.station
        oldest = outbox.oldest_queued_at()
        age = None
        if oldest:
            try:
                age = max(0.0, (datetime.now(UTC) - datetime.fromisoformat(oldest)).total_seconds())
            except ValueError:
                age = None
        session = st.session
        return {
            "version": __version__,
            "qc_profile": profile_fingerprint(st),
            "operator": session.username if session else None,
            "outbox_depth": outbox.counts()["queued"],
            "oldest_item_age_s": age,
            "disk_free_bytes": shutil.disk_usage(st.paths.data_dir).free,
            "last_shot_at": self.last_shot_at,
            "source": self.source_state(),
        }

    def send_once(self, outbox: Outbox) -> bool:
        """One heartbeat; True when the server took it."""
        client = self.station.client(timeout=10)
        try:
            body = self.payload(outbox)
            answer = client._call("POST", "/api/v1/station/heartbeat", operator=False, json=body).json()
            self.every = max(1.0, float(answer.get("next_in_s", DEFAULT_EVERY_S)))
            self.sent += 1
            return True
        except (ApiError, ValueError, OSError):
            return False
        finally:
            client.close()

    def run(self) -> None:
        """Beat until the station stops (over its own outbox connection: SQLite connections stay in one thread)."""
        outbox = Outbox(self.station.paths.outbox_db, self.station.paths.outbox_files)
        try:
            while not self.stop.is_set():
                self.send_once(outbox)
                self.stop.wait(self.every)
        finally:
            outbox.close()
