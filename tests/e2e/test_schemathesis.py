"""schemathesis against the live OpenAPI schema: no server errors, no answer outside its documented schema.

The check `positive_data_acceptance` is left out on purpose: the schema cannot say that an image must not be
empty or that a barcode must match the project's pattern, so schema-valid requests are rightly refused with
a documented 422; every other default check runs (server errors, status codes, content types, response
schemas, headers, negative data, ...).
"""

import shutil
import subprocess
import sys
from pathlib import Path

import httpx

from tests.live import LiveServer


def test_api_conforms_to_its_openapi_schema(live_server: LiveServer) -> None:
    st = shutil.which("schemathesis") or str(Path(sys.executable).parent / "schemathesis")
    prov = live_server.provision(code="ST")
    live_server.start()
    r = httpx.post(
        f"{live_server.base_url}/api/v1/station/sessions",
        json={"username": prov.username, "password": prov.password},
        headers={"Authorization": f"Bearer {prov.station_token}"},
    )
    operator = r.json()["token"]
    run = subprocess.run(
        [
            st,
            "run",
            f"{live_server.base_url}/openapi.json",
            "--header",
            f"Authorization: Bearer {prov.station_token}",
            "--header",
            f"X-Operator-Token: {operator}",
            "--max-examples",
            "25",
            "--seed",
            "20261122",
            "--exclude-path",
            "/api/v1/station/sessions/current",
            "--exclude-checks",
            "positive_data_acceptance",
            "--request-timeout",
            "60",
        ],
        capture_output=True,
        text=True,
        timeout=900,
    )
    report = run.stdout[-6000:] + run.stderr[-2000:]
    assert run.returncode == 0, report
    server_log = (live_server.workdir / "server.log").read_text()
    assert "Traceback" not in server_log, server_log[-4000:]
