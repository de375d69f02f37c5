"""A real Folio server process on loopback, for end-to-end tests (the station, kill -9, the browser)."""

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from sqlmodel import Session

from app.accounts.models import Role
from app.accounts.service import create_station, create_user
from app.core.db import make_engine, writing
from app.core.migrate import upgrade
from app.projects.service import create_project

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Provisioned:
    """A project with a station and an operator, ready for a capture station to use."""

    project_code: str
    station_token: str
    username: str
    password: str


@dataclass
class LiveServer:
    """`folio serve` in a child process, with its own database and image folder."""

    workdir: Path
    database_url: str
    port: int = field(default_factory=free_port)
    extra_env: dict[str, str] = field(default_factory=dict)
    proc: subprocess.Popen | None = None

    @property
    def base_url(self) -> str:
        """http://127.0.0.1:<port>"""
        return f"http://127.0.0.1:{self.port}"

    @property
    def image_store(self) -> Path:
        """The server's image folder."""
        return self.workdir / "images"

    def env(self) -> dict[str, str]:
        """The environment the server runs with."""
        return {
            **os.environ,
            "FOLIO_DATABASE_URL": self.database_url,
            "FOLIO_IMAGE_STORE": str(self.image_store),
            "FOLIO_MODE": "test",
            "FOLIO_QC_WORKERS": "1",
            "PYTHONUNBUFFERED": "1",
            **self.extra_env,
        }

    def start(self, timeout: float = 180.0) -> "LiveServer":
        """Start the server and wait until it answers."""
        self.workdir.mkdir(parents=True, exist_ok=True)
        log = open(self.workdir / "server.log", "ab")  # noqa: SIM115  (kept open for the child's lifetime)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "app.cli", "serve", "--host", "127.0.0.1", "--port", str(self.port)],
            cwd=ROOT,
            env=self.env(),
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited: {(self.workdir / 'server.log').read_text()[-3000:]}")
            try:
                if httpx.get(f"{self.base_url}/healthz", timeout=1).status_code == 200:
                    return self
            except httpx.HTTPError:
                time.sleep(0.2)
        raise RuntimeError("server did not start in time")

    def kill(self) -> None:
        """kill -9: no shutdown, no flush, nothing graceful."""
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(10)

    def stop(self) -> None:
        """A normal shutdown."""
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.kill()

    def add_user(
        self,
        project_code: str,
        username: str,
        role: str,
        password: str = "live-password-1",
        totp_secret: str | None = None,
    ) -> None:
        """Add a user to a provisioned project (with a known TOTP secret for roles that need one)."""
        from sqlmodel import select

        from app.projects.models import Project

        engine = make_engine(self.database_url)
        with Session(writing(engine)) as s:
            project = s.exec(select(Project).where(Project.code == project_code)).one()
            user = create_user(s, username=username, password=password, role=Role(role), project_id=project.id)
            user.totp_secret = totp_secret
            s.add(user)
            s.commit()
        engine.dispose()

    def operator_headers(self, prov: Provisioned) -> dict[str, str]:
        """The headers of the provisioned operator signed in at its station (the server must be running)."""
        r = httpx.post(
            f"{self.base_url}/api/v1/station/sessions",
            json={"username": prov.username, "password": prov.password},
            headers={"Authorization": f"Bearer {prov.station_token}"},
        )
        assert r.status_code == 201, r.text
        return {"Authorization": f"Bearer {prov.station_token}", "X-Operator-Token": r.json()["token"]}

    def upload_page(self, headers: dict[str, str], mrn: str, page_number: int, data: bytes) -> dict:
        """Upload one shot (visit 1) as a station does; the server's answer (any verdict), after a 2xx."""
        r = httpx.post(
            f"{self.base_url}/api/v1/pages",
            headers=headers,
            timeout=120,
            data={"page_number": str(page_number), "mrn": mrn, "visit": "1", "idempotency_key": uuid.uuid4().hex},
            files={"image": ("p.jpg", data, "image/jpeg")},
        )
        assert r.status_code in (200, 201), r.text
        return r.json()

    def provision(
        self, code: str = "LIVE", username: str = "op_live", password: str = "live-password-1"
    ) -> Provisioned:
        """Create a project, an operator and a station directly in the server's database."""
        upgrade(self.database_url)
        engine = make_engine(self.database_url)
        with Session(writing(engine)) as s:
            project = create_project(s, code=code, name=f"Live {code}", start_date=time_today())
            create_user(s, username=username, password=password, role=Role.operator, project_id=project.id)
            _, token = create_station(s, project_id=project.id, name=f"station {code}")
            s.commit()
        engine.dispose()
        return Provisioned(code, token, username, password)


def time_today():  # noqa: ANN201
    """Today's date in Asia/Shanghai."""
    from datetime import datetime
    from zoneinfo import ZoneInfo

    return datetime.now(ZoneInfo("Asia/Shanghai")).date()


def browser_sign_in(  # noqa: ANN201
    page,  # noqa: ANN001
    server: "LiveServer",
    username: str,
    secret: str,
    *,
    then: str | None = r".*/today$",
    screenshot: str | None = None,
):
    """Sign a Playwright page in to a live server with the password and a TOTP code of `secret`.

    then: a regular expression the address must reach afterwards (None: do not wait); screenshot: a name under
    test-artifacts/ for the second-factor page.
    """
    import re as _re

    from app.accounts import totp

    page.goto(f"{server.base_url}/login")
    page.fill("#username", username)
    page.fill("#password", "live-password-1")
    page.click("main button[type=submit]")
    page.wait_for_url(_re.compile(r".*/login/second-factor.*"))
    if screenshot:
        from tests.conftest import shot

        shot(page, screenshot)
    page.fill("input[name=code]", totp.code_at(secret, totp.step_of(time.time())))
    page.click("main button[type=submit]")
    if then:
        page.wait_for_url(_re.compile(then))
