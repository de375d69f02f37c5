"""A real capture-station process for end-to-end tests, and a view of what the server holds."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[2]


def sha(data: bytes) -> str:
    """SHA-256 hex of bytes."""
    return hashlib.sha256(data).hexdigest()


def cli(home: Path, *args: str, input: str | None = None, timeout: float = 60) -> subprocess.CompletedProcess:
    """Run `python -m capture_station --home HOME ...` through the real entry point."""
    return subprocess.run([sys.executable, "-m", "capture_station", "--home", str(home), *args], cwd=ROOT,
                          input=input, capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, "PYTHONUNBUFFERED": "1", "PYTHONIOENCODING": "utf-8"})


@dataclass
class StationProcess:
    """`capture-station run --plain` with commands on stdin and events in a JSON-lines file."""

    home: Path
    hot: Path
    proc: subprocess.Popen | None = None
    env_extra: dict[str, str] = field(default_factory=dict)

    @property
    def events_file(self) -> Path:
        """Where the station writes its events."""
        return self.home / "events.jsonl"

    @property
    def log_file(self) -> Path:
        """The station's console output (all runs)."""
        return self.home / "console.log"

    def start(self, **env: str) -> StationProcess:
        """Start the station process."""
        log = open(self.log_file, "ab")  # noqa: SIM115 - the child's stdout for its lifetime
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "capture_station", "--home", str(self.home), "run", "--plain",
             "--events", str(self.events_file)],
            cwd=ROOT, stdin=subprocess.PIPE, stdout=log, stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONUNBUFFERED": "1", "PYTHONIOENCODING": "utf-8", **self.env_extra, **env})
        self.wait_for(lambda e: e["kind"] == "ready", since=self.mark(), timeout=60)
        return self

    def send(self, line: str) -> None:
        """Type a line (a scanned barcode or a command)."""
        assert self.proc and self.proc.stdin
        self.proc.stdin.write((line + "\n").encode())
        self.proc.stdin.flush()

    def events(self) -> list[dict[str, Any]]:
        """Every event so far (all runs)."""
        if not self.events_file.exists():
            return []
        out = []
        for line in self.events_file.read_text(encoding="utf-8").splitlines():
            try:
                out.append(json.loads(line))
            except ValueError:
                pass  # a line cut short by kill -9
        return out

    def mark(self) -> int:
        """A position in the event list; wait_for(since=...) looks only after it."""
        return len(self.events())

    def wait_for(self, pred: Callable[[dict[str, Any]], bool], *, since: int = 0, timeout: float = 30,
                 count: int = 1) -> list[dict[str, Any]]:
        """Wait until `count` events after `since` match; those events."""
        deadline = time.monotonic() + timeout
        while True:
            found = [e for e in self.events()[since:] if pred(e)]
            if len(found) >= count:
                return found
            if self.proc is not None and self.proc.poll() is not None and not self.proc.returncode == 0:
                raise AssertionError(f"station exited ({self.proc.returncode}): {self.output()[-3000:]}")
            if time.monotonic() > deadline:
                kinds = [(e["kind"], e.get("text", "")[:60]) for e in self.events()[since:]]
                raise AssertionError(f"timed out waiting ({len(found)}/{count}); events: {kinds[-30:]}")
            time.sleep(0.05)

    def output(self) -> str:
        """Console output of the station (all runs)."""
        return self.log_file.read_text(encoding="utf-8", errors="replace") if self.log_file.exists() else ""

    def kill(self) -> None:
        """kill -9."""
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
        if self.proc:
            self.proc.wait(10)

    def quit(self, timeout: float = 30) -> int:
        """Type q and wait for a clean exit; the exit code."""
        assert self.proc
        if self.proc.poll() is None:
            self.send("q")
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise

    def drop(self, name: str, data: bytes) -> Path:
        """A shot saved by the camera software: written straight into the hot folder."""
        path = self.hot / name
        with open(path, "wb") as fh:
            fh.write(data)
        return path


class ServerView:
    """What the server holds, read through its API with an operator session of its own."""

    def __init__(self, base_url: str, station_token: str, username: str, password: str) -> None:
        self.http = httpx.Client(base_url=base_url, timeout=30)
        r = self.http.post("/api/v1/station/sessions", json={"username": username, "password": password},
                           headers={"Authorization": f"Bearer {station_token}"})
        assert r.status_code == 201, r.text
        self.http.headers.update({"Authorization": f"Bearer {station_token}", "X-Operator-Token": r.json()["token"]})

    def record(self, barcode: str) -> dict[str, Any] | None:
        """The record with this barcode, or None."""
        r = self.http.get("/api/v1/records/lookup", params={"barcode": barcode})
        return r.json() if r.status_code == 200 else None

    def pages(self, barcode: str) -> list[dict[str, Any]]:
        """The record's current pages in order."""
        rec = self.record(barcode)
        if rec is None:
            return []
        r = self.http.get(f"/api/v1/records/{rec['id']}/pages")
        r.raise_for_status()
        return sorted(r.json(), key=lambda p: p["page_number"])

    def images(self, page_id: int) -> list[dict[str, Any]]:
        """Every image of a page, oldest first."""
        r = self.http.get(f"/api/v1/pages/{page_id}/images")
        r.raise_for_status()
        return r.json()

    def current_sha(self, page: dict[str, Any]) -> str:
        """SHA-256 of the page's current image."""
        return next(i["sha256"] for i in self.images(page["id"]) if i["id"] == page["current_image_id"])

    def close(self) -> None:
        """Close the client."""
        self.http.close()
