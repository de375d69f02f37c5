"""Setup and config: owner-only files in the user's folders, clean messages from the real entry point."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import platformdirs
import pytest

from capture_station.client import AUTH, PERMANENT, TRANSIENT, ApiError
from capture_station.config import ConfigError, StationConfig, load_config, save_config, station_paths
from tests.capture_station.harness import cli


def test_default_folders_come_from_platformdirs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FOLIO_STATION_HOME", raising=False)
    paths = station_paths()
    assert paths.config_dir == Path(platformdirs.user_config_dir("folio-station", appauthor=False, roaming=False))
    assert paths.data_dir == Path(platformdirs.user_data_dir("folio-station", appauthor=False, roaming=False))


def test_config_and_session_are_owner_only(tmp_path: Path) -> None:
    paths = station_paths(tmp_path / "home")
    save_config(paths, StationConfig(server_url="https://folio.example.cn", station_token="fst_x", hot_folder="/h"))
    assert stat.S_IMODE(paths.config_dir.stat().st_mode) == 0o700
    assert stat.S_IMODE(paths.config_file.stat().st_mode) == 0o600
    assert load_config(paths).station_token == "fst_x"


def test_settings_are_typed_and_checked() -> None:
    cfg = StationConfig()
    cfg.set_value("disk_warn_mb", "4096")
    cfg.set_value("bell", "no")
    cfg.set_value("settle_seconds", "0.5")
    assert (cfg.disk_warn_mb, cfg.bell, cfg.settle_seconds) == (4096, False, 0.5)
    with pytest.raises(ConfigError, match="unknown setting"):
        cfg.set_value("nope", "1")
    cfg.after_pickup = "shred"
    with pytest.raises(ConfigError, match="after_pickup"):
        cfg.validate()


def test_failures_are_sorted_into_retry_pause_and_park() -> None:
    assert ApiError(0, "unreachable", "").kind == TRANSIENT
    assert ApiError(503, "http_503", "").kind == TRANSIENT
    assert ApiError(429, "rate", "").kind == TRANSIENT
    assert ApiError(401, "operator_session_expired", "").kind == AUTH
    assert ApiError(401, "bad_station_token", "").kind == AUTH
    assert ApiError(404, "endpoint_missing", "").kind == AUTH
    for code, status in (("bad_record_identity", 422), ("too_large", 413), ("unsupported_media_type", 415),
                         ("idempotency_key_reused", 409), ("undecodable_image", 422)):
        assert ApiError(status, code, "").kind == PERMANENT


def test_cli_without_setup_says_what_to_do(tmp_path: Path) -> None:
    r = cli(tmp_path / "home", "run", "--plain")
    assert r.returncode == 2 and "capture-station setup" in r.stderr and "Traceback" not in r.stderr
    r = cli(tmp_path / "home", "status")
    assert r.returncode == 0 and "（未设置）" in r.stdout


def test_setup_with_an_unreachable_server_saves_and_warns(tmp_path: Path) -> None:
    home = tmp_path / "home"
    r = cli(home, "setup", "--server", "http://127.0.0.1:9", "--token", "fst_abc", "--hot-folder",
            str(tmp_path / "hot"), "--yes")
    assert r.returncode == 0, r.stderr
    assert "无法连接服务器" in r.stdout and (tmp_path / "hot").is_dir()
    saved = json.loads((home / "config" / "config.json").read_text())
    assert saved["server_url"] == "http://127.0.0.1:9" and saved["hot_folder"] == str(tmp_path / "hot")
    r = cli(home, "login", "--username", "x", "--password-stdin", input="y\n")
    assert r.returncode == 1 and "无法连接服务器" in r.stderr and "Traceback" not in r.stderr


def test_every_command_has_help_with_an_example(tmp_path: Path) -> None:
    for command in ("setup", "login", "run", "status", "logout", "requeue"):
        r = cli(tmp_path, command, "--help")
        assert r.returncode == 0 and "example:" in r.stdout and "capture-station" in r.stdout


def test_two_stations_cannot_share_one_outbox(tmp_path: Path) -> None:
    from capture_station.fsutil import LockBusy, ProcessLock

    paths = station_paths(tmp_path)
    with ProcessLock(paths.lock_file):
        r = cli(tmp_path, "setup", "--server", "http://127.0.0.1:9", "--token", "t", "--hot-folder",
                str(tmp_path / "hot"), "--no-check", "--yes")
        assert r.returncode == 0
        r = cli(tmp_path, "run", "--plain", input="q\n")
        assert r.returncode == 3 and "正在使用" in r.stderr
        with pytest.raises(LockBusy):
            ProcessLock(paths.lock_file).acquire()
