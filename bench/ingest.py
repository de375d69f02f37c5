"""Ingest throughput: 12-megapixel JPEG uploads to a real `folio serve` over loopback.

Prints pages per second, with and without the processed page made at ingest (issue 16: ingest with copies on must
stay within 15 % of today's), and the time per page against two baselines measured in the same run on the same
files: hashing + storing the file alone (the floor of any ingest), and qc.check alone (the work the server must do
anyway). The gap between ingest and "QC + store" is what the web, database and transaction add.

Each round starts a server without copies, then one with them (alternately, so that the machine's other load
falls on both alike); each is sent the pages one station at a time, then by `--clients` stations at once (the
burst). Also printed: the CPU seconds the server's processes used during the burst, by role (the web process, the
checks' workers, the copies' background worker, read from /proc), and, with copies on, how long after the burst
the copies' backlog took to drain and whether every accepted page got its copy. Front-page reading is off in
both (its CPU would count as the checks'). `--copy-quiet 0` makes copies without waiting for a quiet pool (the
behaviour before issue 16's fix), to compare.

    .venv/bin/python bench/ingest.py --pages 24 --clients 2 --rounds 3
"""

import argparse
import io
import os
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
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


def _tree(pid: int) -> list[int]:
    """The process and all its descendants (Linux /proc)."""
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        for task in Path(f"/proc/{p}/task").glob("*/children"):
            todo += [int(c) for c in task.read_text().split()]
    return out


def _cpu(pid: int) -> dict[str, float]:
    """CPU seconds (user + system) used so far by the server process tree, by role: "web" (the server process),
    "checks" (the QC pool's workers), "copies" (the niced background worker that makes processed copies)."""
    tick = os.sysconf("SC_CLK_TCK")
    out = {"web": 0.0, "checks": 0.0, "copies": 0.0}
    for p in _tree(pid):
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        seconds = (int(fields[11]) + int(fields[12])) / tick  # utime, stime (proc(5) fields 14, 15)
        role = "web" if p == pid else "copies" if int(fields[16]) > 0 else "checks"  # field 19: nice
        out[role] += seconds
    return out


@dataclass
class Run:
    """One server's figures: seconds per page one station at a time, wall seconds of the burst of `clients`
    stations at once, CPU seconds by role during that burst, and the processed-copy backlog after it."""

    sequential: list[float]
    parallel_s: float
    cpu: dict[str, float]
    copies_at_end: int = 0
    drained_s: float | None = None
    copies: int = 0
    accepted: int = 0
    cpu_drain: dict[str, float] = field(default_factory=dict)


def _copies(db: str) -> tuple[int, int]:
    """(passing current images, those with a processed copy) in the server's database, read-only."""
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=30) as conn:
        accepted = conn.execute("SELECT count(*) FROM page_image WHERE qc_passed").fetchone()[0]
        copied = conn.execute(
            "SELECT count(DISTINCT image_id) FROM processed_image p JOIN page_image i ON i.id = p.image_id "
            "WHERE i.qc_passed"
        ).fetchone()[0]
    return accepted, copied


def _ingest(tmp: str, name: str, files: list[bytes], clients: int, process: bool, quiet: float | None) -> Run:
    """Upload every file to a fresh server (one station, then `clients` at once); with copies on, wait afterwards
    until every accepted page has its processed copy (the backlog drains) and time it."""
    server = LiveServer(
        workdir=Path(tmp) / name,
        database_url=f"sqlite:///{tmp}/{name}/folio.db",
        extra_env={
            "FOLIO_QC_WORKERS": str(max(1, clients)),
            "FOLIO_PROCESS_AT_INGEST": str(process).lower(),
            "FOLIO_OCR": "off",  # front-page reading: the same in both, and its CPU would count as the checks'
            **({} if quiet is None else {"FOLIO_COPY_QUIET_SECONDS": str(quiet)}),
        },
    )
    server.workdir.mkdir(parents=True)
    db = f"{tmp}/{name}/folio.db"
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
            cpu0 = _cpu(server.proc.pid)
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
            cpu1 = _cpu(server.proc.pid)
            run = Run(sequential, parallel_s, {k: cpu1[k] - cpu0[k] for k in cpu0})
            run.accepted, run.copies_at_end = _copies(db)
            if process:
                run.drained_s = _wait_for_copies(db)
                run.accepted, run.copies = _copies(db)
                cpu2 = _cpu(server.proc.pid)
                run.cpu_drain = {k: cpu2[k] - cpu1[k] for k in cpu1}
    finally:
        server.stop()
    return run


def _wait_for_copies(db: str, limit_s: float = 600.0) -> float:
    """Seconds until every passing image has its processed copy (raises after limit_s: a copy was lost)."""
    t0 = time.perf_counter()
    while True:
        accepted, copied = _copies(db)
        if copied >= accepted:
            return time.perf_counter() - t0
        if time.perf_counter() - t0 > limit_s:
            raise RuntimeError(f"only {copied} of {accepted} accepted pages got their processed copy")
        time.sleep(0.2)


def main() -> None:
    """Run the benchmark and print its figures."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pages", type=int, default=24)
    ap.add_argument("--clients", type=int, default=2, help="concurrent uploading stations")
    ap.add_argument("--copy-quiet", type=float, default=None, help="FOLIO_COPY_QUIET_SECONDS (default: the server's)")
    ap.add_argument("--rounds", type=int, default=1, help="servers without and with copies, alternately, per round")
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

        runs: dict[bool, list[Run]] = {False: [], True: []}
        for r in range(args.rounds):  # off, on, off, on...: the machine's other load falls on both alike
            for p in (False, True):
                runs[p].append(_ingest(tmp, f"server-{p}-{r}", files, args.clients, p, args.copy_quiet))

    print(f"hash + store only        : {store_s * 1000:7.1f} ms/page")
    print(f"qc.check only (1 process): {qc_s * 1000:7.1f} ms/page")
    rates = {}
    for process, rounds in runs.items():
        label = "with processed page" if process else "check only"
        seq = statistics.median([s for run in rounds for s in run.sequential])
        parallel_s = sum(run.parallel_s for run in rounds)
        rates[process] = len(files) * len(rounds) / parallel_s
        cpu = {k: sum(run.cpu[k] for run in rounds) / (len(files) * len(rounds)) for k in rounds[0].cpu}
        print(f"ingest, one station, {label:19}: {seq * 1000:7.1f} ms/page (median), {1 / seq:5.2f} pages/s")
        print(
            f"ingest, {args.clients} stations, {label:19}: {rates[process]:5.2f} pages/s "
            f"({parallel_s / len(files) / len(rounds) * 1000:.1f} ms/page wall); CPU ms/page during the burst: "
            + ", ".join(f"{k} {v * 1000:.0f}" for k, v in cpu.items())
        )
        if process:
            for run in rounds:
                drain = {k: round(v * 1000 / len(files)) for k, v in run.cpu_drain.items()}
                print(
                    f"  copies: {run.copies_at_end} made during the burst; backlog drained {run.drained_s:.1f} s "
                    f"after it (CPU ms per burst page: {drain}); {run.copies} of {run.accepted} accepted pages "
                    f"have their processed copy"
                )
    per_round = [b.parallel_s / a.parallel_s for a, b in zip(runs[True], runs[False], strict=True)]
    print(
        f"throughput with the processed page / without: {rates[True] / rates[False]:.2f} "
        f"(per round: {', '.join(f'{r:.2f}' for r in per_round)}; median {statistics.median(per_round):.2f})"
    )
    cpu = {p: sum(sum(run.cpu.values()) for run in rounds) for p, rounds in runs.items()}
    print(f"server CPU per page during the burst, with the processed page / without: {cpu[True] / cpu[False]:.2f}")
    seq = statistics.median([s for run in runs[False] for s in run.sequential])
    print(f"ratio ingest / (hash + store)       : {seq / store_s:6.1f}x")
    print(f"ratio ingest / (qc.check + store)   : {seq / (qc_s + store_s):6.2f}x")
    print(f"overhead beyond qc.check + store    : {(seq - qc_s - store_s) * 1000:6.1f} ms/page")


if __name__ == "__main__":
    main()
