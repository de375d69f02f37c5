"""The station's own small settings: where things live, the server, the image source, thresholds.

Config (server address, station token) and the operator session live in the user's config folder
(platformdirs), written owner-only; the outbox lives in the user's data folder. FOLIO_STATION_HOME
(or --home) puts both under one folder instead, e.g. for tests or a portable install.
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

import platformdirs

from capture_station.fsutil import make_private_dir, write_durable
from capture_station.identity import BARCODE_PATTERN

APP_NAME = "folio-station"
AFTER_PICKUP = ("delete", "move", "keep")
SOURCES = ("folder", "camera")


class ConfigError(ValueError):
    """The configuration is missing or invalid; the message says what to do.

    `key` and `fields` name the wording in capture_station.messages, so the CLI can say it in the station's language.
    """

    def __init__(self, message: str, key: str = "", **fields: object) -> None:
        super().__init__(message)
        self.key, self.fields = key, fields


@dataclass(frozen=True)
class Paths:
    """Where the station keeps its files."""

    config_dir: Path
    data_dir: Path

    @property
    def config_file(self) -> Path:
        """config.json: server, token, source and thresholds."""
        return self.config_dir / "config.json"

    @property
    def session_file(self) -> Path:
        """session.json: the signed-in operator's token."""
        return self.config_dir / "session.json"

    @property
    def outbox_db(self) -> Path:
        """The outbox database (SQLite, WAL)."""
        return self.data_dir / "outbox.sqlite3"

    @property
    def outbox_files(self) -> Path:
        """Copies of the images waiting to be uploaded (and of rejected ones)."""
        return self.data_dir / "outbox"

    @property
    def lock_file(self) -> Path:
        """Held by the running station so that two never share an outbox."""
        return self.data_dir / "station.lock"

    @property
    def log_file(self) -> Path:
        """The station's log (ids and codes, no patient data)."""
        return self.data_dir / "station.log"


def station_paths(home: str | os.PathLike[str] | None = None) -> Paths:
    """The station's folders: under `home` (or $FOLIO_STATION_HOME) if given, else platformdirs' user folders."""
    home = home or os.environ.get("FOLIO_STATION_HOME")
    if home:
        base = Path(home).expanduser().resolve()
        return Paths(base / "config", base / "data")
    return Paths(Path(platformdirs.user_config_dir(APP_NAME, appauthor=False, roaming=False)),
                 Path(platformdirs.user_data_dir(APP_NAME, appauthor=False, roaming=False)))


@dataclass
class StationConfig:
    """Everything `capture-station setup` writes; each field can be changed with `setup --set name=value`."""

    server_url: str = ""
    station_token: str = ""
    source: str = "folder"                 # folder | camera
    hot_folder: str = ""                   # where the camera software saves its JPEGs
    after_pickup: str = "delete"           # delete | move | keep: what to do with a picked-up file
    done_folder: str = ""                  # for after_pickup=move; default <hot_folder>/done
    settle_seconds: float = 0.25           # a file's size must hold still this long before it is read
    unreadable_after_seconds: float = 5.0  # a still file that does not decode by then is unreadable
    camera_index: int = 0
    camera_width: int = 0                  # 0: the camera's default
    camera_height: int = 0
    jpeg_quality: int = 92
    pedal_key: str = "F9"                  # a foot pedal programmed to send this key shoots (camera source)
    language: str = "zh"                   # zh | en
    bell: bool = True
    qc_profile: str = ""                   # optional JSON profile for the local check
    disk_warn_mb: int = 2048               # warn below this much free space
    disk_min_mb: int = 300                 # stop taking shots below this (they stay in the hot folder)
    retry_max_seconds: float = 30.0        # longest wait between upload retries
    request_timeout_seconds: float = 60.0
    today_refresh_seconds: float = 20.0
    web_port: int = 0                      # the browser screen's port on 127.0.0.1 (0: any free port)
    web_open_browser: bool = True          # `run` opens the browser screen
    barcode_pattern: str = BARCODE_PATTERN  # reads MRN + visit out of a barcode offline ('' : never)
    extra: dict[str, Any] = field(default_factory=dict)

    def validate(self) -> None:
        """Raise ConfigError with a readable message for a value that cannot work."""
        if self.source not in SOURCES:
            raise ConfigError(f"source must be one of {', '.join(SOURCES)}", "cfg_choice", name="source",
                              choices=", ".join(SOURCES))
        if self.after_pickup not in AFTER_PICKUP:
            choices = ", ".join(AFTER_PICKUP)
            raise ConfigError(f"after_pickup must be one of {choices}", "cfg_choice", name="after_pickup",
                              choices=choices)
        if self.server_url and not self.server_url.startswith(("http://", "https://")):
            raise ConfigError("server_url must start with http:// or https://", "cfg_url")
        if self.language not in ("zh", "en"):
            raise ConfigError("language must be zh or en", "cfg_choice", name="language", choices="zh, en")

    def set_value(self, name: str, raw: str) -> None:
        """Set one field from text, converted to the field's type."""
        kinds = {f.name: f.type for f in fields(self)}
        if name not in kinds or name == "extra":
            known = ", ".join(k for k in kinds if k != "extra")
            raise ConfigError(f"unknown setting {name!r}; known: {known}", "cfg_unknown", name=name, known=known)
        current = getattr(self, name)
        value: Any
        if isinstance(current, bool):
            value = raw.strip().lower() in ("1", "true", "yes", "on")
        elif isinstance(current, int):
            value = int(raw)
        elif isinstance(current, float):
            value = float(raw)
        else:
            value = raw
        setattr(self, name, value)

    @property
    def configured(self) -> bool:
        """A server address and a station token are set."""
        return bool(self.server_url and self.station_token)


def load_config(paths: Paths) -> StationConfig:
    """The saved configuration (defaults when there is none yet)."""
    try:
        raw = json.loads(paths.config_file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return StationConfig()
    except (OSError, ValueError) as exc:
        raise ConfigError(f"cannot read {paths.config_file}: {exc}", "cfg_unreadable", file=paths.config_file) from exc
    known = {f.name for f in fields(StationConfig)}
    cfg = StationConfig(**{k: v for k, v in raw.items() if k in known})
    cfg.extra.update({k: v for k, v in raw.items() if k not in known})
    cfg.validate()
    return cfg


def save_config(paths: Paths, cfg: StationConfig) -> None:
    """Write the configuration owner-only (it holds the station token)."""
    cfg.validate()
    make_private_dir(paths.config_dir)
    data = asdict(cfg)
    extra = data.pop("extra")
    data.update(extra)
    write_durable(paths.config_file, json.dumps(data, indent=2, ensure_ascii=False).encode(), private=True)


@dataclass
class OperatorSession:
    """The signed-in operator: their token and who they are."""

    token: str
    username: str
    display_name: str
    user_id: int
    station_id: int
    project_id: int
    expires_at: str


def load_session(paths: Paths) -> OperatorSession | None:
    """The saved operator session, or None."""
    try:
        raw = json.loads(paths.session_file.read_text(encoding="utf-8"))
        return OperatorSession(**raw)
    except (OSError, ValueError, TypeError):
        return None


def save_session(paths: Paths, session: OperatorSession | None) -> None:
    """Save (owner-only) or forget the operator session."""
    if session is None:
        try:
            paths.session_file.unlink()
        except FileNotFoundError:
            pass
        return
    make_private_dir(paths.config_dir)
    write_durable(paths.session_file, json.dumps(asdict(session), ensure_ascii=False).encode(), private=True)
