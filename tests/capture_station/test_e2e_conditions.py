"""Bad conditions get a clear message, and no shot is lost: tokens, sessions, network, disk, files, records."""

from __future__ import annotations

import json
import sqlite3
import time

from tests.capture_station.conftest import Env, setup_station
from tests.capture_station.harness import cli, sha
from tests.capture_station.test_e2e import BARCODE, is_kind, open_record
from tests.capture_station.test_e2e_crashes import assert_exactly_once, wait_drained
from tests.factories import page_jpeg


def test_wrong_station_token_is_refused_with_a_clear_message(env: Env) -> None:
    r = cli(env.home, "setup", "--server", env.server.base_url, "--token", "fst_not-a-real-token", "--yes")
    assert r.returncode == 1
    assert "服务器不接受本工作站的令牌" in r.stderr and "Traceback" not in r.stderr
    saved = json.loads((env.home / "config" / "config.json").read_text())
    assert saved["station_token"] == env.prov.station_token        # the good token was not overwritten

    # a token revoked after setup: the running station pauses its queue and says why
    cli(env.home, "setup", "--token", "fst_revoked", "--no-check", "--yes")
    r = cli(env.home, "login", "--username", env.prov.username, "--password-stdin", input=env.prov.password)
    assert r.returncode == 1 and "服务器不接受本工作站的令牌" in r.stderr
    st = env.station.start()
    m = st.mark()
    st.send(BARCODE)
    st.drop("IMG_0001.jpg", page_jpeg(600))
    shot = st.wait_for(is_kind("shot"), since=m)[0]
    assert shot["page"] == 1                                       # still captured and safe
    auth = st.wait_for(is_kind("auth", code="bad_station_token"), since=m, timeout=30)[0]
    assert "工作站令牌无效" in auth["text"]
    st.quit()


def expire_sessions(env: Env) -> None:
    """Make every operator session on the server run out now."""
    db = env.server.database_url.removeprefix("sqlite:///")
    with sqlite3.connect(db) as conn:
        n = conn.execute("UPDATE station_session SET expires_at = '2000-01-01 00:00:00.000000'").rowcount
    assert n >= 1


def test_expired_session_pauses_the_queue_until_the_operator_signs_in_again(env: Env) -> None:
    st = env.station.start()
    open_record(env)
    shots = [page_jpeg(610 + i) for i in range(3)]
    m = st.mark()
    st.drop("IMG_0001.jpg", shots[0])
    st.wait_for(is_kind("uploaded"), since=m, timeout=30)
    expire_sessions(env)
    st.drop("IMG_0002.jpg", shots[1])
    st.drop("IMG_0003.jpg", shots[2])
    st.wait_for(is_kind("shot"), since=m, count=3)
    auth = st.wait_for(is_kind("auth", code="operator_session_expired"), since=m, timeout=30)[0]
    assert "登录已过期" in auth["text"] and "不会丢失" in auth["text"]
    time.sleep(1.5)
    assert len([e for e in st.events()[m:] if e["kind"] == "uploaded"]) == 1   # paused, nothing dropped
    st.send(f"login {env.prov.username} {env.prov.password}")
    st.wait_for(is_kind("login"), since=m, timeout=30)
    st.wait_for(is_kind("uploaded"), since=m, count=3, timeout=60)
    assert_exactly_once(env, shots)
    st.quit()


def test_server_unreachable_keeps_capturing_and_says_so(env: Env) -> None:
    env.server.stop()
    st = env.station.start()
    m = st.mark()
    st.send(BARCODE)
    rec = st.wait_for(is_kind("record"), since=m)[0]
    assert rec["online"] is False and "离线" in rec["text"]
    shots = [page_jpeg(620 + i) for i in range(4)]
    for i, data in enumerate(shots):
        st.drop(f"IMG_{i:04d}.jpg", data)
        time.sleep(0.3)
    events = st.wait_for(is_kind("shot"), since=m, count=4)
    assert [e["queued"] for e in events] == [1, 2, 3, 4]                # the queue grows, on screen
    offline = st.wait_for(is_kind("offline"), timeout=30)[0]        # told once, maybe before the scan
    assert "服务器无法连接" in offline["text"]
    status = cli(env.home, "status")
    assert "4 项待上传" in status.stdout
    env.server.start()
    st.wait_for(is_kind("online"), since=m, timeout=60)
    st.wait_for(is_kind("uploaded"), since=m, count=4, timeout=60)
    assert_exactly_once(env, shots)
    st.quit()


def test_disk_nearly_full_warns_and_then_leaves_shots_in_the_hot_folder(env: Env) -> None:
    setup_station(env.home, env.hot, env.server.base_url, env.prov.station_token, "--set", "disk_warn_mb=999999999")
    st = env.station.start()
    low = st.wait_for(is_kind("disk"), timeout=10)[0]
    assert low["disk_level"] == "low" and "磁盘空间不足" in low["text"] and "约可再存" in low["text"]
    open_record(env)
    m = st.mark()
    st.drop("IMG_0001.jpg", page_jpeg(630))
    assert st.wait_for(is_kind("shot"), since=m)[0]["page"] == 1       # a warning only: capture goes on
    st.quit()

    setup_station(env.home, env.hot, env.server.base_url, env.prov.station_token, "--set", "disk_min_mb=999999999")
    st.start()
    full = st.wait_for(is_kind("disk", disk_level="full"), timeout=10)[0]
    assert "磁盘将满" in full["text"] and "未丢失" in full["text"]
    m = st.mark()
    st.drop("IMG_0002.jpg", page_jpeg(631))
    time.sleep(2.0)
    assert not [e for e in st.events()[m:] if e["kind"] == "shot"]
    assert (env.hot / "IMG_0002.jpg").exists()                           # not taken, not lost
    st.quit()

    setup_station(env.home, env.hot, env.server.base_url, env.prov.station_token, "--set", "disk_min_mb=300",
                  "--set", "disk_warn_mb=1")
    st.start()
    st.wait_for(lambda e: e["kind"] == "shot" and e["source"] == "IMG_0002.jpg", timeout=20)
    wait_drained(env)
    assert_exactly_once(env, [page_jpeg(630), page_jpeg(631)])
    st.quit()


def test_unreadable_image_files_are_reported_and_kept(env: Env) -> None:
    st = env.station.start()
    open_record(env)
    m = st.mark()
    st.drop("IMG_0001.jpg", b"this is not a picture at all" * 100)       # never becomes an image
    corrupt = b"\xff\xd8\xff\xe0" + b"\x13\x37" * 5000 + b"\xff\xd9"     # looks finished, cannot be decoded
    st.drop("IMG_0002.jpg", corrupt)
    good = page_jpeg(640)
    time.sleep(0.5)
    st.drop("IMG_0003.jpg", good)
    other = page_jpeg(641)  # whole, but a block of its compressed data overwritten: libjpeg decodes garbage
    overwritten = other[: len(other) // 2] + bytes(4096) + other[len(other) // 2 + 4096 :]
    st.drop("IMG_0004.jpg", overwritten)
    bad = st.wait_for(is_kind("unreadable"), since=m, count=3, timeout=20)
    by_name = {e["name"]: e for e in bad}
    # its first bytes are no image's: no writer can make it one, so it is moved aside (kept), worded
    assert by_name["IMG_0001.jpg"]["moved_to"] and "无法读取图像文件 IMG_0001.jpg：不是图像文件" in \
        by_name["IMG_0001.jpg"]["text"]
    assert (env.hot / "unreadable" / "IMG_0001.jpg").exists() and not (env.hot / "IMG_0001.jpg").exists()
    # Its structure never completes (qc.streams reads the JPEG's segments): reported and left in place, never moved
    # while a writer may still have it (the image policy, qc/README.md).
    assert by_name["IMG_0002.jpg"]["moved_to"] is None
    assert (env.hot / "IMG_0002.jpg").read_bytes() == corrupt
    # Whole but damaged inside: moved aside, kept byte for byte, the reason on screen; never a page.
    assert by_name["IMG_0004.jpg"]["moved_to"] and "图像文件已损坏" in by_name["IMG_0004.jpg"]["text"]
    assert (env.hot / "unreadable" / "IMG_0004.jpg").read_bytes() == overwritten
    shot = st.wait_for(is_kind("shot"), since=m)[0]
    assert shot["page"] == 1 and shot["source"] == "IMG_0003.jpg"        # numbering skips the bad files
    st.wait_for(is_kind("uploaded"), since=m, timeout=30)
    assert_exactly_once(env, [good])
    st.quit()


def test_a_record_number_the_server_refuses(env: Env) -> None:
    st = env.station.start()
    m = st.mark()
    st.send("NOT-A-RECORD")
    refused = st.wait_for(is_kind("record_refused"), since=m)[0]
    assert "服务器拒绝该病案号 NOT-A-RECORD" in refused["text"] and refused["code"] == "bad_record_identity"
    st.drop("IMG_0001.jpg", page_jpeg(650))
    hold = st.wait_for(is_kind("hold"), since=m, timeout=10)[0]
    assert "请先扫描病案条码" in hold["text"]
    time.sleep(1.0)
    assert (env.hot / "IMG_0001.jpg").exists() and not [e for e in st.events()[m:] if e["kind"] == "shot"]
    open_record(env)                                                     # the right barcode: the shot is taken
    assert st.wait_for(is_kind("shot"), since=m)[0]["page"] == 1
    st.quit()


def test_a_record_refused_after_capturing_offline_is_parked_with_its_file(env: Env) -> None:
    env.server.stop()
    st = env.station.start()
    m = st.mark()
    st.send("BAD_RECORD")                                                 # cannot be checked while offline
    st.wait_for(is_kind("record", online=False), since=m)
    data = page_jpeg(660)
    st.drop("IMG_0001.jpg", data)
    st.wait_for(is_kind("shot"), since=m)
    st.send(BARCODE)
    st.wait_for(is_kind("record"), since=m, count=2)
    st.drop("IMG_0002.jpg", page_jpeg(661))
    st.wait_for(is_kind("shot"), since=m, count=2)
    env.server.start()
    rejected = st.wait_for(is_kind("rejected"), since=m, timeout=60)[0]
    assert rejected["code"] == "bad_record_identity" and "服务器拒绝了第 1 页" in rejected["text"]
    assert open(rejected["file"], "rb").read() == data                   # kept, shown, never silently deleted
    st.wait_for(is_kind("uploaded"), since=m, timeout=60)                 # the queue moves on
    status = cli(env.home, "status")
    assert "被拒绝 #" in status.stdout and "bad_record_identity" in status.stdout and rejected["file"] in status.stdout
    view = env.view()
    assert [view.current_sha(p) for p in view.pages(BARCODE)] == [sha(page_jpeg(661))]
    st.quit()
