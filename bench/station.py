"""Capture-station throughput: can one station keep up with a shot every 0.5 s on this machine?

Prints, for 12-megapixel JPEGs (4032 x 3024, as a document camera saves them):
  1. the bare JPEG decode time (OpenCV and Pillow, full resolution): the floor of any check;
  2. the station's per-shot work, measured inside the real Station.take: local qc.check, and the
     outbox write (copy + fsync + rename + folder fsync + SQLite WAL commit with synchronous=FULL);
  3. the browser screen's cost per shot: Station.take with the screen listening against without it (same
     run, same files), the screen's own picture work (preview + thumbnail, in its own thread) against a
     bare decode, and one state answer (/api/state's JSON);
  4. a sustained run of the real run loop on a hot folder with one shot written every --interval
     seconds, reporting file-written -> safe-in-outbox latency (it includes the settle time that keeps
     half-written files out) and whether a backlog builds up: once without the browser screen, once with it.
By default the uploader has no server to talk to (the server is another machine in production, so its
QC does not compete for this PC's cores); --with-server also runs `folio serve` on loopback, sharing
the same cores, as a pessimistic case.

    .venv/bin/python bench/station.py --shots 40 --interval 0.5
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import cv2  # noqa: E402
import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402

from app.demo.pages import demo_page  # noqa: E402  (realistic page pictures; the station never imports app)
from capture_station.config import StationConfig, save_config, station_paths  # noqa: E402
from capture_station.events import EventBus  # noqa: E402
from capture_station.run import run_station  # noqa: E402
from capture_station.sources import Shot  # noqa: E402
from capture_station.station import Station  # noqa: E402

LOCAL_CHECK_BUDGET_S = 1.0  # from taking a shot to its OK / re-shoot verdict on the station's screen


def twelve_mp_jpeg(seed: int, blur: float = 0.0) -> bytes:
    """A photographed page at 4032 x 3024 (12.2 MP) with a camera sensor's noise, saved at quality 92.

    The noise matters: without it the upscaled page compresses to under 1 MB and decodes unrealistically fast;
    real document-camera JPEGs of this size are 3-5 MB.
    """
    page = Image.open(io.BytesIO(demo_page(seed, blur=blur))).resize((3024, 4032), Image.Resampling.BICUBIC)
    arr = np.asarray(page, dtype=np.int16)
    noise = np.random.default_rng(seed).normal(0, 4.0, arr.shape).astype(np.int16)
    noisy = Image.fromarray(np.clip(arr + noise, 0, 255).astype(np.uint8))
    out = io.BytesIO()
    noisy.save(out, "JPEG", quality=92)
    return out.getvalue()


def ms(values: list[float]) -> str:
    """median / p95 / max in milliseconds."""
    v = sorted(values)
    p95 = v[min(len(v) - 1, int(round(0.95 * (len(v) - 1))))]
    return f"median {statistics.median(v) * 1000:7.1f} ms   p95 {p95 * 1000:7.1f} ms   max {v[-1] * 1000:7.1f} ms"


def per_shot(files: list[bytes], home: Path) -> None:
    """Decode baseline and the station's own per-shot work."""
    dec_cv, dec_pil = [], []
    for data in files:
        t0 = time.perf_counter()
        img = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
        dec_cv.append(time.perf_counter() - t0)
        assert img is not None
        t0 = time.perf_counter()
        with Image.open(io.BytesIO(data)) as im:
            im.load()
        dec_pil.append(time.perf_counter() - t0)

    paths = station_paths(home)
    cfg = StationConfig(server_url="http://127.0.0.1:9", station_token="fst_bench", hot_folder=str(home / "hot"))
    save_config(paths, cfg)
    station = Station(paths, cfg, EventBus(), None)
    station.open_record({"barcode": "00000001-1"})           # offline: no session, nothing sent
    import qc

    qc.check(files[0])                                        # warm-up: imports and first-call costs
    qc_t, outbox_t, total_t = [], [], []
    for i, data in enumerate(files):
        t0 = time.perf_counter()
        shot = Shot(data=data, name=f"IMG_{i:04d}.jpg", ext=".jpg", captured_at="2026-11-22T10:00:00+08:00")
        event = station.take(shot)
        total = time.perf_counter() - t0
        assert event is not None and "seq" in event
        qc_t.append(event["qc_ms"] / 1000)
        total_t.append(total)
        outbox_t.append(total - event["qc_ms"] / 1000)      # sha256 + numbering + outbox write
    station.close()
    print("\nper shot, 12-MP JPEG (sequential, one core busy):")
    print(f"  bare decode, OpenCV         {ms(dec_cv)}")
    print(f"  bare decode, Pillow         {ms(dec_pil)}")
    print(f"  local qc.check              {ms(qc_t)}")
    print(f"  hash + outbox write (fsync) {ms(outbox_t)}")
    print(f"  station total per shot      {ms(total_t)}")
    print(f"  station total / bare decode (OpenCV): {statistics.median(total_t) / statistics.median(dec_cv):.2f}x")
    # The operator's budget for the local verdict (tests/capture_station/test_e2e.py once asserted it and failed
    # on a loaded CI machine at 2,306 ms): a figure for this machine, never an assertion in the suite.
    within = sum(1 for t in total_t if t < LOCAL_CHECK_BUDGET_S)
    print(f"  within the {LOCAL_CHECK_BUDGET_S * 1000:.0f} ms local-check budget: {within}/{len(total_t)} shots; "
          f"budget / median station total: {LOCAL_CHECK_BUDGET_S / statistics.median(total_t):.2f}x")


def screen_overhead(files: list[bytes], home: Path) -> None:
    """The browser screen's cost per shot, against the same station without it."""
    import qc
    from capture_station.screen import ScreenState
    from capture_station.webscreen import WebScreen

    qc.check(files[0])
    results = {}
    for label in ("without screen", "with screen"):
        paths = station_paths(home / label.replace(" ", "_"))
        cfg = StationConfig(server_url="http://127.0.0.1:9", station_token="fst_bench", hot_folder=str(home / "hot"))
        save_config(paths, cfg)
        bus = EventBus()
        station = Station(paths, cfg, bus, None)
        screen = None
        if label == "with screen":
            state = ScreenState()
            bus.subscribe(state.update)
            screen = WebScreen(state).start()
            bus.subscribe(screen.on_event)
            station.picture_listeners.append(screen.on_picture)
        station.open_record({"barcode": "00000003-1"})
        took = []
        for i, data in enumerate(files):
            shot = Shot(data=data, name=f"IMG_{i:04d}.jpg", ext=".jpg", captured_at="2026-11-22T10:00:00+08:00")
            t0 = time.perf_counter()
            station.take(shot)
            took.append(time.perf_counter() - t0)
            if screen is not None:   # let its picture thread finish, as between two shots 0.5 s apart
                deadline = time.perf_counter() + 10
                while screen.picture("preview", i + 1) is None and time.perf_counter() < deadline:
                    time.sleep(0.005)
        results[label] = took
        if screen is not None:
            pictures = []
            for data in files:
                t0 = time.perf_counter()
                screen._pictures.put((10_000, data))
                while screen.picture("preview", 10_000) is None:
                    time.sleep(0.002)
                pictures.append(time.perf_counter() - t0)
                with screen._lock:
                    screen._preview = None
            snaps = []
            for _ in range(50):
                t0 = time.perf_counter()
                json.dumps(screen.snapshot(), ensure_ascii=False)
                snaps.append(time.perf_counter() - t0)
            screen.stop()
            results["pictures"], results["snapshot"] = pictures, snaps
        station.close()
    dec = []
    for data in files:
        t0 = time.perf_counter()
        cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
        dec.append(time.perf_counter() - t0)
    base, web = statistics.median(results["without screen"]), statistics.median(results["with screen"])
    print("\nbrowser screen, per 12-MP shot:")
    print(f"  Station.take without screen  {ms(results['without screen'])}")
    print(f"  Station.take with screen     {ms(results['with screen'])}")
    print(f"  with / without: {web / base:.2f}x (the screen's listeners on the taking thread)")
    print(f"  preview + thumbnail (own thread) {ms(results['pictures'])}  = "
          f"{statistics.median(results['pictures']) / statistics.median(dec):.2f}x a bare OpenCV decode")
    print(f"  one /api/state answer (JSON)     {ms(results['snapshot'])}")


def sustained(files: list[bytes], home: Path, shots: int, interval: float, with_server: bool,
              web: bool = False) -> bool:
    """The real run loop on a hot folder with a shot every `interval` seconds; True when it kept up."""
    paths = station_paths(home)
    hot = home / "hot"
    hot.mkdir(parents=True, exist_ok=True)
    server = None
    cfg = StationConfig(server_url="http://127.0.0.1:9", station_token="fst_bench", hot_folder=str(hot),
                        retry_max_seconds=30)
    if with_server:
        from capture_station.client import StationClient
        from capture_station.config import OperatorSession, save_session
        from tests.live import LiveServer

        server = LiveServer(workdir=home / "server", database_url=f"sqlite:///{home / 'server' / 'folio.db'}")
        server.workdir.mkdir(parents=True)
        prov = server.provision(code="BENCH")
        server.start()
        cfg.server_url, cfg.station_token = server.base_url, prov.station_token
        c = StationClient(server.base_url, prov.station_token)
        a = c.login(prov.username, prov.password)
        c.close()
        save_session(paths, OperatorSession(a["token"], a["username"], a["display_name"], a["user_id"],
                                            a["station_id"], a["project_id"], str(a["expires_at"])))
    save_config(paths, cfg)
    written: dict[str, float] = {}
    safe: dict[str, float] = {}
    uploaded: list[float] = []
    ready = threading.Event()

    def on_event(e: dict) -> None:
        if e["kind"] == "shot":
            safe[e["source"]] = time.perf_counter()
        elif e["kind"] == "uploaded":
            uploaded.append(time.perf_counter())

    def on_ready(station: Station) -> None:
        station.bus.subscribe(on_event)
        ready.set()

    r, w = os.pipe()
    stdin, typed = os.fdopen(r, "r"), os.fdopen(w, "w", buffering=1)
    th = threading.Thread(target=run_station, kwargs=dict(paths=paths, cfg=cfg, plain=True, stdin=stdin,
                                                          on_ready=on_ready, console=False, web=web))
    th.start()
    ready.wait(60)
    typed.write("00000002-1\n")
    time.sleep(1.0)
    start = time.perf_counter()
    for i in range(shots):
        name = f"IMG_{i:04d}.jpg"
        target = start + i * interval
        time.sleep(max(0.0, target - time.perf_counter()))
        with open(hot / name, "wb") as fh:                   # the camera software writing its file
            fh.write(files[i % len(files)])
        written[name] = time.perf_counter()
    deadline = time.perf_counter() + 30
    while len(safe) < shots and time.perf_counter() < deadline:
        time.sleep(0.05)
    if with_server:
        while len(uploaded) < shots and time.perf_counter() < deadline + 120:
            time.sleep(0.1)
    typed.write("q\n")
    th.join(60)
    if server is not None:
        server.stop()
    lat = [safe[n] - written[n] for n in written if n in safe]
    first, last = lat[: len(lat) // 3], lat[-(len(lat) // 3):]
    print(f"\nsustained: {shots} shots, one every {interval:.2f} s, real run loop on a hot folder"
          f"{', browser screen on' if web else ', terminal only'}"
          f"{' + live server on loopback (same 2 cores)' if with_server else ' (server elsewhere)'}:")
    print(f"  taken: {len(safe)}/{shots}")
    print(f"  file written -> safe in outbox   {ms(lat)}")
    print(f"  first third median {statistics.median(first) * 1000:.0f} ms, last third median "
          f"{statistics.median(last) * 1000:.0f} ms (a growing backlog would show here)")
    if with_server and uploaded:
        span = uploaded[-1] - start
        print(f"  uploaded: {len(uploaded)}/{shots}, last upload {span:.1f} s after the first shot "
              f"({len(uploaded) / span:.2f} pages/s)")
    kept_up = len(safe) == shots and statistics.median(last) < 1.0 and max(lat) < 2 * max(1.0, interval)
    print(f"  keeps up with a shot every {interval:.2f} s: {'YES' if kept_up else 'NO'}")
    return kept_up


def main() -> int:
    """Run the benchmark and print its figures."""
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--files", type=int, default=12, help="distinct 12-MP JPEGs to generate")
    ap.add_argument("--shots", type=int, default=40, help="shots in the sustained run")
    ap.add_argument("--interval", type=float, default=0.5)
    ap.add_argument("--with-server", action="store_true")
    args = ap.parse_args()
    print(f"machine: {os.cpu_count()} logical CPUs, Python {sys.version.split()[0]}, OpenCV {cv2.__version__}")
    files = [twelve_mp_jpeg(i, blur=3.0 if i % 6 == 5 else 0.0) for i in range(args.files)]
    print(f"{len(files)} JPEGs of 4032x3024, {sum(map(len, files)) / len(files) / 1e6:.1f} MB on average "
          f"(every 6th one blurred)")
    with tempfile.TemporaryDirectory() as tmp:
        per_shot(files, Path(tmp) / "a")
        screen_overhead(files, Path(tmp) / "s")
        ok = sustained(files, Path(tmp) / "b", args.shots, args.interval, args.with_server)
        ok = sustained(files, Path(tmp) / "c", args.shots, args.interval, args.with_server, web=True) and ok
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
