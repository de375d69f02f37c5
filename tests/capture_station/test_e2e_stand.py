"""Issue 14: an A5 lab slip on the project's fixed stand, shot at a real station against a real server. Before the
project's stand is set, the station and the server both refuse it as too coarse ("assuming A4"); once the
manager sets the stand (`folio project qc-profile`), the station takes the server's profile and both pass it;
a shot at a smaller frame still fails, at the station, naming the stand."""

from __future__ import annotations

import os
import subprocess
import sys

import cv2
import numpy as np

from tests.capture_station.conftest import Env
from tests.capture_station.test_e2e import is_kind, open_record
from tests.qc.test_qc_stand import ROOT, _on_stand


def _folio(env: Env, *args: str) -> subprocess.CompletedProcess[str]:
    environ = {**os.environ, "FOLIO_DATABASE_URL": env.server.database_url}
    return subprocess.run(
        [sys.executable, "-m", "app.cli", *args], cwd=ROOT, env=environ, capture_output=True, text=True, timeout=120
    )


def test_a_slip_on_the_stand_passes_at_the_station_once_the_stand_is_set(env: Env) -> None:
    st = env.station.start()
    open_record(env)
    slip, dpi = _on_stand(7, "A5")
    m = st.mark()
    st.drop("IMG_0001.jpg", slip)
    before = st.wait_for(is_kind("shot"), since=m)[0]
    assert (before["verdict"], before["reasons"]) == ("fail", ["low_resolution"]), before
    assert st.wait_for(is_kind("uploaded", page=1), since=m, timeout=60)[0]["verdict"] == "fail"
    st.quit()

    code = env.prov.project_code  # type: ignore[attr-defined]
    stand = ["--set", f"stand_dpi={dpi:.1f}", "--set", "stand_frame_px=[4000, 3000]"]
    r = _folio(env, "project", "qc-profile", "--project", code, *stand)
    assert r.returncode == 0 and "2 field(s) changed" in r.stdout, r.stdout + r.stderr

    st.start()  # the station fetches the project's profile as it starts
    m = st.mark()
    assert st.wait_for(is_kind("profile"), since=m, timeout=60)[0]["source"] == "server"
    open_record(env)
    st.drop("IMG_0002.jpg", _on_stand(8, "A5")[0])
    after = st.wait_for(is_kind("shot"), since=m)[0]
    assert after["verdict"] == "pass", after
    assert st.wait_for(is_kind("uploaded", page=after["page"]), since=m, timeout=60)[0]["verdict"] == "pass"
    img = cv2.imdecode(np.frombuffer(_on_stand(9, "A4")[0], np.uint8), cv2.IMREAD_COLOR)
    small = cv2.imencode(".jpg", cv2.resize(img, (2592, 1944), interpolation=cv2.INTER_AREA))[1].tobytes()
    m = st.mark()
    st.drop("IMG_0003.jpg", small)
    coarse = st.wait_for(is_kind("shot"), since=m)[0]
    assert coarse["verdict"] == "fail" and coarse["reasons"] == ["low_resolution"], coarse
    assert "拍摄架" in coarse["text"], coarse["text"]  # the operator is told it is the stand's camera setting
    assert st.quit() == 0
