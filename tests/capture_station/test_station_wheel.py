"""The station installs alone: its own wheel (qc + capture_station) in a clean venv, without the server's packages."""

from __future__ import annotations

import os
import subprocess
import sys
import venv
from pathlib import Path

from tests.capture_station.harness import StationProcess, sha
from tests.capture_station.test_e2e import BARCODE, is_kind
from tests.factories import page_jpeg

ROOT = Path(__file__).resolve().parents[2]


class InstalledStation(StationProcess):
    """`capture-station run` from the clean venv, started outside the checkout."""

    exe: Path = Path()

    def start(self, **env: str) -> InstalledStation:
        """Start the installed station process."""
        log = open(self.log_file, "ab")  # noqa: SIM115 - the child's stdout for its lifetime
        self.proc = subprocess.Popen(
            [str(self.exe), "--home", str(self.home), "run", "--plain", "--no-web", "--events", str(self.events_file)],
            cwd=self.home,
            stdin=subprocess.PIPE,
            stdout=log,
            stderr=subprocess.STDOUT,
            env={**os.environ, "PYTHONUNBUFFERED": "1", "PYTHONIOENCODING": "utf-8", **env},
        )
        self.wait_for(lambda e: e["kind"] == "ready", since=self.mark(), timeout=90)
        return self


def test_the_station_wheel_installs_in_a_clean_venv_and_takes_a_shot(live_server, tmp_path: Path) -> None:  # noqa: ANN001
    built = subprocess.run(
        [sys.executable, "scripts/build_station_wheel.py", "--out", str(tmp_path / "dist")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert built.returncode == 0, built.stderr
    wheel = Path(built.stdout.strip().splitlines()[-1])
    venv.create(tmp_path / "venv", with_pip=True)
    py = tmp_path / "venv" / "bin" / "python"
    pip = subprocess.run(
        [str(py), "-m", "pip", "install", "-q", "--disable-pip-version-check", str(wheel)],
        capture_output=True,
        text=True,
        timeout=900,
    )
    assert pip.returncode == 0, pip.stderr
    exe = tmp_path / "venv" / "bin" / "capture-station"
    helped = subprocess.run([str(exe), "--help"], capture_output=True, text=True, cwd=tmp_path, timeout=60)
    assert helped.returncode == 0 and "capture-station setup" in helped.stdout
    absent = subprocess.run([str(py), "-c", "import fastapi"], capture_output=True, cwd=tmp_path)
    assert absent.returncode != 0  # the server's packages stay out

    prov = live_server.provision()
    live_server.start(timeout=180)
    home, hot = tmp_path / "home", tmp_path / "hot"
    hot.mkdir()
    for args, stdin in (
        (
            (
                "setup",
                "--server",
                live_server.base_url,
                "--token",
                prov.station_token,
                "--hot-folder",
                str(hot),
                "--yes",
                "--set",
                "settle_seconds=0.2",
            ),
            None,
        ),
        (("login", "--username", prov.username, "--password-stdin"), prov.password + "\n"),
    ):
        r = subprocess.run(
            [str(exe), "--home", str(home), *args],
            input=stdin,
            capture_output=True,
            text=True,
            cwd=tmp_path,
            timeout=120,
        )
        assert r.returncode == 0, r.stderr
    station = InstalledStation(home, hot)
    station.exe = exe
    station.start()
    m = station.mark()
    station.send(BARCODE)
    station.wait_for(is_kind("record"), since=m, timeout=60)
    data = page_jpeg(1201)
    station.drop("IMG_0001.jpg", data)
    up = station.wait_for(is_kind("uploaded"), since=m, timeout=90)[0]
    assert up["verdict"] == "pass" and up["page"] == 1
    assert station.quit() == 0
    from tests.capture_station.harness import ServerView

    view = ServerView(live_server.base_url, prov.station_token, prov.username, prov.password)
    assert [view.current_sha(p) for p in view.pages(BARCODE)] == [sha(data)]
    view.close()
