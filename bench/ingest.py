"""Ingest throughput: 12-megapixel JPEG uploads to a real `folio serve` over loopback.

Prints pages per second, with and without the processed page made at ingest (issue 16), and the time per page
against two baselines measured in the same run on the same
files: hashing + storing the file alone (the floor of any ingest), and qc.check alone (the work the
server must do anyway). The gap between ingest and "QC + store" is what the web, database and
transaction add.

    .venv/bin/python bench/ingest.py --pages 24 --clients 2
"""

import argparse
import io
import statistics
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import numpy as np
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.core.storage import LocalImageStore  # noqa: E402
from app.demo.pages import demo_page  # noqa: E402
from tests.live import LiveServer  # noqa: E402


def twelve_mp_jpeg(seed: int) -> bytes:
    """A photographed page at 4032 x 3024 (12.2 MP) with sensor noise, as a document camera saves it (3-5 MB)."""
    page = Image.open(io.BytesIO(demo_page(seed))).resize((3024, 4032), Image.Resampling.BICUBIC)
    pixels = np.asarray(page, dtype=np.int16)
    noise = np.random.default_rng(seed).normal(0, 4, pixels.shape).astype(np.int16)
    out = io.BytesIO()
    Image.fromarray(np.clip(pixels + noise, 0, 255).astype(np.uint8)).save(out, "JPEG", quality=92)
    return out.getvalue()


def _ingest(tmp: str, name: str, files: list[bytes], clients: int, process: bool) -> tuple[list[float], float]:
    """Upload every file to a fresh server (one station, then `clients` at once): (seconds per page, wall seconds)."""
    server = LiveServer(
        workdir=Path(tmp) / name,
        database_url=f"sqlite:///{tmp}/{name}/folio.db",
        extra_env={"FOLIO_QC_WORKERS": str(max(1, clients)), "FOLIO_PROCESS_AT_INGEST": str(process).lower()},
    )
    server.workdir.mkdir(parents=True)
    prov = server.provision(code="BENCH")
    server.start()
    try:
        with httpx.Client(base_url=server.base_url, timeout=120) as http:
            r = http.post(
                "/api/v1/station/sessions",
                json={"username": prov.username, "password": prov.password},
                headers={"Authorization": f"Bearer {prov.station_token}"},
            )
            headers = {"Authorization": f"Bearer {prov.station_token}", "X-Operator-Token": r.json()["token"]}

            def send(i: int) -> float:
                start = time.perf_counter()
                resp = http.post(
                    "/api/v1/pages",
                    headers=headers,
                    data={
                        "page_number": str(i + 1),
                        "mrn": "9001",
                        "visit": "1",
                        "idempotency_key": uuid.uuid4().hex,
                    },
                    files={"image": ("p.jpg", files[i], "image/jpeg")},
                )
                resp.raise_for_status()
                return time.perf_counter() - start

            send_warm = files[0]
            http.post(
                "/api/v1/pages",
                headers=headers,
                files={"image": ("w.jpg", send_warm, "image/jpeg")},
                data={"page_number": "1", "mrn": "9000", "visit": "1", "idempotency_key": uuid.uuid4().hex},
            )
            sequential = [send(i) for i in range(len(files))]
            # the same files again as new pages of another record, several stations at once
            t0 = time.perf_counter()
            with ThreadPoolExecutor(max_workers=clients) as pool:
                list(
                    pool.map(
                        lambda i: http.post(
                            "/api/v1/pages",
                            headers=headers,
                            data={
                                "page_number": str(i + 1),
                                "mrn": "9002",
                                "visit": "1",
                                "idempotency_key": uuid.uuid4().hex,
                            },
                            files={"image": ("p.jpg", files[i], "image/jpeg")},
                        ).raise_for_status(),
                        range(len(files)),
                    )
                )
            parallel_s = time.perf_counter() - t0
    finally:
        server.stop()
    return sequential, parallel_s


def main() -> None:
    """Run the benchmark and print its figures."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pages", type=int, default=24)
    ap.add_argument("--clients", type=int, default=2, help="concurrent uploading stations")
    args = ap.parse_args()

    files = [twelve_mp_jpeg(i) for i in range(args.pages)]
    mb = sum(map(len, files)) / len(files) / 1e6
    print(f"{len(files)} JPEGs of 4032x3024, {mb:.1f} MB each on average")

    with tempfile.TemporaryDirectory() as tmp:
        store = LocalImageStore(Path(tmp) / "baseline")
        t0 = time.perf_counter()
        for data in files:
            store.put(data)
        store_s = (time.perf_counter() - t0) / len(files)

        import qc

        qc.check(files[0])  # warm-up: imports and first-call costs
        t0 = time.perf_counter()
        for data in files:
            qc.check(data)
        qc_s = (time.perf_counter() - t0) / len(files)

        runs = {p: _ingest(tmp, f"server-{p}", files, args.clients, p) for p in (False, True)}

    print(f"hash + store only        : {store_s * 1000:7.1f} ms/page")
    print(f"qc.check only (1 process): {qc_s * 1000:7.1f} ms/page")
    rates = {}
    for process, (sequential, parallel_s) in runs.items():
        seq = statistics.median(sequential)
        rates[process] = len(files) / parallel_s
        label = "with processed page" if process else "check only"
        print(f"ingest, one station, {label:19}: {seq * 1000:7.1f} ms/page (median), {1 / seq:5.2f} pages/s")
        print(
            f"ingest, {args.clients} stations, {label:19}: {rates[process]:5.2f} pages/s "
            f"({parallel_s / len(files) * 1000:.1f} ms/page wall)"
        )
    print(f"throughput with the processed page / without: {rates[True] / rates[False]:.2f}")
    print(f"ratio ingest / (hash + store)       : {seq / store_s:6.1f}x")
    print(f"ratio ingest / (qc.check + store)   : {seq / (qc_s + store_s):6.2f}x")
    print(f"overhead beyond qc.check + store    : {(seq - qc_s - store_s) * 1000:6.1f} ms/page")


if __name__ == "__main__":
    main()
