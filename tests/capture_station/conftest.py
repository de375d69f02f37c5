"""Fixtures for the capture station: a live server, a configured and signed-in station home, a runner."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.capture_station.harness import ServerView, StationProcess, cli


@dataclass
class Env:
    """A running server, a set-up station home with an operator signed in, and helpers."""

    server: object
    prov: object
    home: Path
    hot: Path
    station: StationProcess

    def view(self) -> ServerView:
        """A fresh view of the server's pages."""
        return ServerView(self.server.base_url, self.prov.station_token, self.prov.username,  # type: ignore[attr-defined]
                          self.prov.password)  # type: ignore[attr-defined]


def setup_station(home: Path, hot: Path, base_url: str, token: str, *extra: str) -> None:
    """`capture-station setup` through the real entry point."""
    r = cli(home, "setup", "--server", base_url, "--token", token, "--hot-folder", str(hot), "--yes",
            "--set", "settle_seconds=0.2", "--set", "unreadable_after_seconds=1.5",
            "--set", "retry_max_seconds=1.0", "--set", "today_refresh_seconds=2", *extra)
    assert r.returncode == 0, r.stderr + r.stdout


def login_station(home: Path, username: str, password: str) -> None:
    """`capture-station login` through the real entry point."""
    r = cli(home, "login", "--username", username, "--password-stdin", input=password + "\n")
    assert r.returncode == 0, r.stderr + r.stdout


@pytest.fixture
def env(live_server, tmp_path: Path) -> Iterator[Env]:  # noqa: ANN001 - the fixture from tests/conftest.py
    """Server up, station set up and signed in (not running yet)."""
    prov = live_server.provision()
    live_server.start()
    home, hot = tmp_path / "station", tmp_path / "hot"
    hot.mkdir()
    setup_station(home, hot, live_server.base_url, prov.station_token)
    login_station(home, prov.username, prov.password)
    station = StationProcess(home, hot)
    yield Env(live_server, prov, home, hot, station)
    station.kill()
