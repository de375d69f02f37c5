"""`capture-station`: setup, login, run, status, logout (thin commands over the station library)."""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path

from capture_station import __version__
from capture_station.client import ApiError, StationClient
from capture_station.config import (
    ConfigError,
    OperatorSession,
    Paths,
    StationConfig,
    load_config,
    load_session,
    save_config,
    save_session,
    station_paths,
)
from capture_station.fsutil import IS_WINDOWS
from capture_station.messages import local_time, t, t_error
from capture_station.outbox import Outbox

_LANG = {"lang": "zh"}   # the station's language, read from its config by main()


def _t(key: str, **fields: object) -> str:
    return t(key, _LANG["lang"], **fields)


def _config_text(exc: ConfigError) -> str:
    return _t(exc.key, **exc.fields) if exc.key else str(exc)

EPILOG = """examples:
  capture-station setup --server https://folio.example.cn --token fst_... --hot-folder "D:\\\\高拍仪\\\\照片"
  capture-station login --username op_zhang
  capture-station run
  capture-station status
  capture-station logout
"""


class CommandError(Exception):
    """A clean failure: the message is printed, the exit code returned."""

    def __init__(self, message: str, code: int = 1) -> None:
        super().__init__(message)
        self.code = code


def _say(text: str) -> None:
    try:
        print(text)
    except UnicodeEncodeError:  # a console that cannot show Chinese
        print(text.encode("ascii", "replace").decode())


def _paths(args: argparse.Namespace) -> Paths:
    return station_paths(args.home)


def _config(paths: Paths, need_server: bool = True) -> StationConfig:
    try:
        cfg = load_config(paths)
    except ConfigError as exc:
        raise CommandError(_t("cli_config_error", detail=_config_text(exc)), 2) from exc
    _LANG["lang"] = cfg.language
    if need_server and not cfg.configured:
        raise CommandError(_t("cli_not_set_up"), 2)
    return cfg


def _explain(exc: ApiError) -> str:
    """A sentence for the person at the keyboard, in the station's language (from the server's error code)."""
    if exc.status == 0:
        return _t("cli_unreachable")
    special = {"bad_station_token": "cli_bad_station_token", "operator_session_expired": "cli_session_ended"}
    if exc.code in special:
        return _t(special[exc.code])
    return _t("cli_refused", reason=t_error(exc.code, _LANG["lang"]))


# -- setup
def cmd_setup(args: argparse.Namespace) -> int:
    """Save the server address, station token and image source in the user's config folder (owner-only)."""
    paths = _paths(args)
    cfg = _config(paths, need_server=False)
    interactive = sys.stdin.isatty() and not args.yes
    server = args.server or cfg.server_url or (input(_t("cli_server_prompt")).strip() if interactive else "")
    token = args.token
    if args.token_stdin:
        token = sys.stdin.readline().strip()
    if not token and not cfg.station_token and interactive:
        token = getpass.getpass(_t("cli_token_prompt")).strip()
    cfg.server_url = server.rstrip("/")
    cfg.station_token = token or cfg.station_token
    if args.source:
        cfg.source = args.source
    if args.hot_folder:
        cfg.hot_folder = str(Path(args.hot_folder).expanduser().resolve())
    if args.after_pickup:
        cfg.after_pickup = args.after_pickup
    if args.language:
        cfg.language = args.language
    try:
        for pair in args.set or []:
            name, sep, value = pair.partition("=")
            if not sep:
                raise ConfigError(f"--set needs name=value, got {pair!r}", "cfg_set_format", pair=pair)
            cfg.set_value(name.strip(), value.strip())
        if not cfg.configured:
            raise ConfigError("a server address (--server) and a station token (--token) are needed",
                              "cfg_need_server")
        if cfg.source == "folder" and not cfg.hot_folder:
            raise ConfigError("the hot folder is not set: --hot-folder <folder the camera software saves into>",
                              "cfg_need_hot_folder")
        cfg.validate()
    except ConfigError as exc:
        raise CommandError(_config_text(exc), 2) from exc
    _LANG["lang"] = cfg.language
    checked = None
    if not args.no_check:
        client = StationClient(cfg.server_url, cfg.station_token, timeout=15, connect_timeout=5)
        try:
            client.check_station()
            checked = True
        except ApiError as exc:
            if exc.status != 0 and exc.status < 500:
                raise CommandError(_t("cli_not_saved", why=_explain(exc)), 1) from exc
            checked = False
            _say(_t("cli_saved_anyway", why=_explain(exc)))
        finally:
            client.close()
    save_config(paths, cfg)
    if cfg.source == "folder":
        Path(cfg.hot_folder).mkdir(parents=True, exist_ok=True)
    _say(_t("cli_saved_windows" if IS_WINDOWS else "cli_saved", file=paths.config_file))
    _say(_t("cli_outbox", path=paths.data_dir))
    if checked:
        _say(_t("cli_token_ok", server=cfg.server_url))
    return 0


# -- login / logout
def cmd_login(args: argparse.Namespace) -> int:
    """Sign an operator in at this station; the session token is saved owner-only."""
    paths = _paths(args)
    cfg = _config(paths)
    username = args.username or input(_t("cli_username") + ": ").strip()
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = getpass.getpass(_t("password") + ": ")
    client = StationClient(cfg.server_url, cfg.station_token, timeout=15, connect_timeout=5)
    try:
        answer = client.login(username, password)
    except ApiError as exc:
        raise CommandError(_t("cli_signin_failed", why=_explain(exc)), 1) from exc
    finally:
        client.close()
    save_session(paths, OperatorSession(
        token=answer["token"], username=answer["username"], display_name=answer.get("display_name") or username,
        user_id=answer["user_id"], station_id=answer["station_id"], project_id=answer["project_id"],
        expires_at=str(answer["expires_at"])))
    _say(_t("cli_signed_in", name=answer.get("display_name") or username, station=answer["station_id"],
            until=local_time(answer["expires_at"])))
    return 0


def cmd_logout(args: argparse.Namespace) -> int:
    """End the operator's session here and on the server."""
    paths = _paths(args)
    cfg = _config(paths)
    session = load_session(paths)
    if session is None:
        _say(_t("cli_nobody"))
        return 0
    mine = 0
    if paths.outbox_db.exists():
        box = Outbox(paths.outbox_db, paths.outbox_files)
        mine = sum(1 for i in box.queued() if i.operator == session.username)
        box.close()
    client = StationClient(cfg.server_url, cfg.station_token, session.token, timeout=10, connect_timeout=5)
    try:
        client.logout()
    except ApiError as exc:
        if exc.code != "operator_session_expired":
            _say(_t("cli_logout_note", why=_explain(exc)))
    finally:
        client.close()
    save_session(paths, None)
    _say(_t("cli_signed_out", name=session.display_name))
    if mine:
        _say(_t("cli_still_waiting", n=mine, user=session.username))
    return 0


# -- run
def cmd_run(args: argparse.Namespace) -> int:
    """The working screen: take shots, check them, queue them safely, upload them."""
    from capture_station.run import StationBusy, run_station

    paths = _paths(args)
    cfg = _config(paths)
    if args.hot_folder:
        cfg.hot_folder, cfg.source = str(Path(args.hot_folder).resolve()), "folder"
    if args.source:
        cfg.source = args.source
    if args.camera_index is not None:
        cfg.camera_index = args.camera_index
    if cfg.source == "folder" and not cfg.hot_folder:
        raise CommandError(_t("cli_no_hot_folder"), 2)
    try:
        return run_station(paths, cfg, plain=args.plain, events_path=Path(args.events) if args.events else None,
                           web=not args.no_web, open_browser=cfg.web_open_browser and not args.plain)
    except StationBusy as exc:
        raise CommandError(_t("cli_busy", path=paths.data_dir), 3) from exc


# -- status
def cmd_status(args: argparse.Namespace) -> int:
    """The outbox (waiting, rejected), the last uploads and who is signed in."""
    paths = _paths(args)
    cfg = _config(paths, need_server=False)
    session = load_session(paths)
    report: dict = {"config": str(paths.config_file), "server": cfg.server_url or None,
                    "station_token": (cfg.station_token[:8] + "…") if cfg.station_token else None,
                    "source": cfg.source, "hot_folder": cfg.hot_folder or None,
                    "operator": session.username if session else None, "outbox": str(paths.data_dir)}
    if paths.outbox_db.exists():
        box = Outbox(paths.outbox_db, paths.outbox_files)
        report["counts"] = box.counts()
        report["oldest_queued_at"] = box.oldest_queued_at()
        recent = box.recent(10)
        now = box.pages_now(recent)   # the page numbers after later deletes and inserts
        report["recent"] = [{"seq": i.seq, "state": i.state, "record": i.record_label, "page": now[i.seq],
                             "local": (i.local or {}).get("verdict"), "server": (i.result or {}).get("verdict"),
                             "at": i.done_at or i.created_at} for i in recent]
        report["rejected"] = [{"seq": i.seq, "kind": i.kind, "record": i.record_label, "page": i.page_number,
                               "error": (i.result or {}).get("error"), "detail": (i.result or {}).get("detail"),
                               "file": str(box.file_path(i)) if i.file else None} for i in box.rejected()]
        state = box.get_state() or {}
        report["record"] = state.get("record")
        report["page_count"] = state.get("page_count")
        box.close()
    if args.json:
        _say(json.dumps(report, ensure_ascii=False, indent=2, default=str))
        return 0
    _say(_t("st_server", server=report["server"] or _t("st_not_set"), token=report["station_token"] or "-"))
    _say(_t("st_source", source=_t(f"st_source_{report['source']}"), folder=report["hot_folder"] or ""))
    _say(_t("st_operator", name=report["operator"] or _t("st_nobody")))
    c = report.get("counts")
    if not c:
        _say(_t("st_empty"))
        return 0
    _say(_t("st_counts", queued=c["queued"], mb=f"{c['queued_bytes'] / 1e6:.1f}", rejected=c["rejected"],
            done=c["done"], path=report["outbox"]))
    if report["oldest_queued_at"]:
        _say(_t("st_oldest", at=local_time(report["oldest_queued_at"])))
    _say(_t("st_last"))
    lang = _LANG["lang"]
    for r in report["recent"]:
        _say(_t("st_row", seq=r["seq"], state=_t(f"item_{r['state']}"), record=r["record"],
                page=_t("st_page_deleted") if r["page"] is None else _t("page", n=r["page"]),
                local=_verdict_word(r["local"], lang), server=_verdict_word(r["server"], lang)))
    for r in report["rejected"]:
        _say(_t("st_rejected", seq=r["seq"], kind=_t(f"op_{r['kind']}"), record=r["record"], page=r["page"],
                why=f"{r['error']} {t_error(r['error'], lang)}", file=r["file"] or "-"))
    return 0


def _verdict_word(verdict: str | None, lang: str) -> str:
    return {"pass": t("ok", lang), "fail": t("reshoot", lang), None: "-"}.get(verdict, t("unchecked", lang))


def cmd_requeue(args: argparse.Namespace) -> int:
    """Put a rejected item back at the end of the queue (after fixing what the server complained about)."""
    paths = _paths(args)
    box = Outbox(paths.outbox_db, paths.outbox_files)
    try:
        item = box.requeue(args.seq)
    except ValueError as exc:
        raise CommandError(_t("cli_not_rejected", seq=args.seq), 1) from exc
    finally:
        box.close()
    _say(_t("cli_requeued", seq=args.seq, new=item.seq))
    return 0


def _add(sub: argparse._SubParsersAction, name: str, fn: Callable[[argparse.Namespace], int], help_: str,
         example: str) -> argparse.ArgumentParser:
    p = sub.add_parser(name, help=help_, description=f"{help_}\n\nexample:\n  {example}",
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    p.set_defaults(fn=fn)
    return p


def build_parser() -> argparse.ArgumentParser:
    """The command line."""
    parser = argparse.ArgumentParser(prog="capture-station", description="Folio capture station",
                                     epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=__version__)
    parser.add_argument("--home", default=None, help="keep config and outbox under this folder "
                        "(default: the user's config and data folders; env FOLIO_STATION_HOME)")
    sub = parser.add_subparsers(dest="command", required=True)

    p = _add(sub, "setup", cmd_setup, "set the server address, station token and image source",
             "capture-station setup --server https://folio.example.cn --token fst_... --hot-folder D:\\scans")
    p.add_argument("--server", help="the Folio server's address")
    p.add_argument("--token", help="the station token (fst_...) from `folio station add`")
    p.add_argument("--token-stdin", action="store_true", help="read the token from the first line of stdin")
    p.add_argument("--source", choices=("folder", "camera"))
    p.add_argument("--hot-folder", help="the folder the camera software saves its pictures into")
    p.add_argument("--after-pickup", choices=("delete", "move", "keep"),
                   help="what to do with a picked-up file once it is safe in the outbox")
    p.add_argument("--language", choices=("zh", "en"))
    p.add_argument("--set", action="append", metavar="NAME=VALUE", help="any other setting, e.g. disk_warn_mb=4096")
    p.add_argument("--no-check", action="store_true", help="do not contact the server")
    p.add_argument("--yes", "-y", action="store_true", help="never prompt")

    p = _add(sub, "login", cmd_login, "sign an operator in at this station",
             "capture-station login --username op_zhang")
    p.add_argument("--username", "-u")
    p.add_argument("--password-stdin", action="store_true", help="read the password from stdin")

    p = _add(sub, "run", cmd_run, "the working screen", "capture-station run")
    p.add_argument("--plain", action="store_true", help="print one line per event instead of the live screen; "
                   "commands are read line by line from stdin")
    p.add_argument("--events", help="also append every event as a JSON line to this file")
    p.add_argument("--hot-folder", help="use this hot folder (instead of the configured source)")
    p.add_argument("--source", choices=("folder", "camera"))
    p.add_argument("--camera-index", type=int)
    p.add_argument("--no-web", action="store_true", help="terminal only: no browser screen on 127.0.0.1")

    p = _add(sub, "status", cmd_status, "the outbox and the last uploads", "capture-station status")
    p.add_argument("--json", action="store_true")

    _add(sub, "logout", cmd_logout, "sign the operator out", "capture-station logout")
    p = _add(sub, "requeue", cmd_requeue, "queue a rejected item again", "capture-station requeue 42")
    p.add_argument("seq", type=int)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of `capture-station` and `python -m capture_station`."""
    if IS_WINDOWS:
        os.system("")  # noqa: S605, S607 - turns on ANSI colours in the classic Windows console
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            try:
                stream.reconfigure(errors="replace")
            except (OSError, ValueError):
                pass
    args = build_parser().parse_args(argv)
    try:
        _LANG["lang"] = load_config(station_paths(args.home)).language
    except (ConfigError, OSError):
        pass  # the command itself reports a broken config
    try:
        return args.fn(args)
    except CommandError as exc:
        print(f"capture-station: {exc}", file=sys.stderr)
        return exc.code
    except KeyboardInterrupt:
        return 130
    except OSError as exc:
        print(f"capture-station: {exc}", file=sys.stderr)
        return 1
    except Exception as exc:  # noqa: BLE001 - the operator gets a sentence, the log gets the traceback
        import logging

        from capture_station.run import setup_logging

        try:
            setup_logging(station_paths(args.home))
        except OSError:
            pass
        logging.getLogger("capture_station").exception("unexpected error")
        text = _t("cli_unexpected", name=type(exc).__name__, log=station_paths(args.home).log_file)
        print(f"capture-station: {text}", file=sys.stderr)
        return 1
