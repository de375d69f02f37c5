"""A real `folio serve` on loopback: a 2xx page survives kill -9, and the store verifies afterwards."""

import subprocess
import sys
import uuid
from concurrent.futures import ThreadPoolExecutor

import httpx

from tests.factories import page_jpeg
from tests.live import ROOT, LiveServer


def _login(server: LiveServer, prov) -> dict[str, str]:
    r = httpx.post(
        f"{server.base_url}/api/v1/station/sessions",
        json={"username": prov.username, "password": prov.password},
        headers={"Authorization": f"Bearer {prov.station_token}"},
    )
    assert r.status_code == 201, r.text
    return {"Authorization": f"Bearer {prov.station_token}", "X-Operator-Token": r.json()["token"]}


def _upload(server: LiveServer, headers: dict, data: bytes, page: int, key: str) -> httpx.Response:
    return httpx.post(
        f"{server.base_url}/api/v1/pages",
        headers=headers,
        timeout=60,
        data={"page_number": str(page), "mrn": "4242", "visit": "1", "idempotency_key": key},
        files={"image": ("p.jpg", data, "image/jpeg")},
    )


def _folio(server: LiveServer, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "app.cli", *args],
        cwd=ROOT,
        env=server.env(),
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_page_answered_2xx_survives_kill_9(live_server: LiveServer) -> None:
    prov = live_server.provision()
    live_server.start()
    headers = _login(live_server, prov)
    answers = [_upload(live_server, headers, page_jpeg(100 + n), n, uuid.uuid4().hex) for n in (1, 2, 3)]
    assert [a.status_code for a in answers] == [201, 201, 201]
    live_server.kill()  # no graceful shutdown right after the last 2xx

    live_server.start()
    pages = httpx.get(
        f"{live_server.base_url}/api/v1/records/{answers[0].json()['record_id']}/pages", headers=headers
    ).json()
    assert [p["id"] for p in pages] == [a.json()["page_id"] for a in answers]
    for n, a in enumerate(answers, start=1):
        image = httpx.get(f"{live_server.base_url}/api/v1/pages/{a.json()['page_id']}/image", headers=headers)
        assert image.status_code == 200 and image.content == page_jpeg(100 + n)
    verify = _folio(live_server, "store", "verify")
    assert verify.returncode == 0, verify.stdout + verify.stderr
    assert "checked 3 images: 0 missing, 0 corrupt" in verify.stdout


def test_racing_uploads_with_one_key_make_one_page(live_server: LiveServer) -> None:
    prov = live_server.provision()
    live_server.start()
    headers = _login(live_server, prov)
    key, data = uuid.uuid4().hex, page_jpeg(110)
    with ThreadPoolExecutor(max_workers=6) as pool:
        answers = list(pool.map(lambda _: _upload(live_server, headers, data, 1, key), range(6)))
    assert sorted(a.status_code for a in answers) == [200] * 5 + [201]
    assert len({a.json()["image_id"] for a in answers}) == 1
    images = httpx.get(
        f"{live_server.base_url}/api/v1/pages/{answers[0].json()['page_id']}/images", headers=headers
    ).json()
    assert len(images) == 1


def test_store_verify_and_gc_through_the_cli(live_server: LiveServer) -> None:
    prov = live_server.provision()
    live_server.start()
    headers = _login(live_server, prov)
    sha = _upload(live_server, headers, page_jpeg(120), 1, uuid.uuid4().hex).json()["sha256"]
    live_server.stop()
    orphan = live_server.image_store / "ab" / "cd" / ("abcd" + "0" * 60)
    orphan.parent.mkdir(parents=True, exist_ok=True)
    orphan.write_bytes(b"left by a crash")
    gc = _folio(live_server, "store", "gc", "--min-age", "0")
    assert gc.returncode == 0 and "removed 1 unreferenced files" in gc.stdout, gc.stdout + gc.stderr
    assert not orphan.exists()
    stored = live_server.image_store / sha[:2] / sha[2:4] / sha
    stored.write_bytes(b"bit rot")
    verify = _folio(live_server, "store", "verify")
    assert verify.returncode == 1 and f"CORRUPT {sha}" in verify.stdout
