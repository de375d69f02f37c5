"""A real Station in process with nobody signed in (so it never reaches a server), and the events it emits."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from capture_station.config import StationConfig, save_config, station_paths
from capture_station.events import EventBus
from capture_station.station import Station


@contextmanager
def offline_station(home: Path) -> Iterator[tuple[Station, list[dict]]]:
    """(the station, the list its events are appended to); the outbox is closed afterwards."""
    paths = station_paths(home)
    cfg = StationConfig(server_url="http://127.0.0.1:9", station_token="fst_test", hot_folder=str(home / "hot"))
    save_config(paths, cfg)
    bus = EventBus()
    events: list[dict] = []
    bus.subscribe(events.append)
    st = Station(paths, cfg, bus, None)
    try:
        yield st, events
    finally:
        st.close()
