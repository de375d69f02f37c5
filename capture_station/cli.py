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
from capture_station.outbox import Outbox

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
        raise CommandError(f"configuration error: {exc}", 2) from exc
    if need_server and not cfg.configured:
        raise CommandError("this station is not set up yet: run `capture-station setup --server URL --token TOKEN`",
                           2)
    return cfg


def _explain(exc: ApiError) -> str:
    """A sentence for the person at the keyboard."""
    if exc.status == 0:
        return f"cannot reach the server ({exc.detail}); check the address and the network"
    return {
        "bad_station_token": "the server does not accept this station's token: ask an administrator for a new one "
                             "(folio station add) and run `capture-station setup --token ...`",
        "bad_credentials": "wrong user name or password",
        "role_not_allowed": "this account may not capture at a station",
        "operator_session_expired": "the operator session has ended: run `capture-station login`",
    }.get(exc.code, f"the server answered {exc.status} {exc.code}: {exc.detail}")


# -- setup
def cmd_setup(args: argparse.Namespace) -> int:
    """Save the server address, station token and image source in the user's config folder (owner-only)."""
    paths = _paths(args)
    cfg = _config(paths, need_server=False)
    interactive = sys.stdin.isatty() and not args.yes
    server = args.server or cfg.server_url or (input("server address (https://...): ").strip() if interactive else "")
    token = args.token
    if args.token_stdin:
        token = sys.stdin.readline().strip()
    if not token and not cfg.station_token and interactive:
        token = getpass.getpass("station token (fst_..., not shown): ").strip()
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
                raise ConfigError(f"--set needs name=value, got {pair!r}")
            cfg.set_value(name.strip(), value.strip())
        if not cfg.configured:
            raise ConfigError("a server address (--server) and a station token (--token) are needed")
        if cfg.source == "folder" and not cfg.hot_folder:
            raise ConfigError("the hot folder is not set: --hot-folder <folder the camera software saves into>")
        cfg.validate()
    except ConfigError as exc:
        raise CommandError(str(exc), 2) from exc
    checked = None
    if not args.no_check:
        client = StationClient(cfg.server_url, cfg.station_token, timeout=15, connect_timeout=5)
        try:
            client.check_station()
            checked = True
        except ApiError as exc:
            if exc.status != 0 and exc.status < 500:
                raise CommandError(f"not saved: {_explain(exc)}", 1) from exc
            checked = False
            _say(f"warning: {_explain(exc)}; saving anyway, the station will connect when the server is reachable")
        finally:
            client.close()
    save_config(paths, cfg)
    if cfg.source == "folder":
        Path(cfg.hot_folder).mkdir(parents=True, exist_ok=True)
    _say(f"saved {paths.config_file} (readable by this user only"
         f"{'' if not IS_WINDOWS else ': per-user AppData folder, inherited permissions removed'})")
    _say(f"outbox: {paths.data_dir}")
    if checked:
        _say(f"the server at {cfg.server_url} accepts this station's token. Next: capture-station login")
    return 0


# -- login / logout
def cmd_login(args: argparse.Namespace) -> int:
    """Sign an operator in at this station; the session token is saved owner-only."""
    paths = _paths(args)
    cfg = _config(paths)
    username = args.username or input("user name: ").strip()
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = getpass.getpass("password: ")
    client = StationClient(cfg.server_url, cfg.station_token, timeout=15, connect_timeout=5)
    try:
        answer = client.login(username, password)
    except ApiError as exc:
        raise CommandError(f"sign-in failed: {_explain(exc)}", 1) from exc
    finally:
        client.close()
    save_session(paths, OperatorSession(
        token=answer["token"], username=answer["username"], display_name=answer.get("display_name") or username,
        user_id=answer["user_id"], station_id=answer["station_id"], project_id=answer["project_id"],
        expires_at=str(answer["expires_at"])))
    _say(f"{answer.get('display_name') or username} signed in at station {answer['station_id']} "
         f"until {answer['expires_at']}")
    return 0


def cmd_logout(args: argparse.Namespace) -> int:
    """End the operator's session here and on the server."""
    paths = _paths(args)
    cfg = _config(paths)
    session = load_session(paths)
    if session is None:
        _say("nobody is signed in")
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
            _say(f"note: the server could not be told ({_explain(exc)}); signed out on this PC")
    finally:
        client.close()
    save_session(paths, None)
    _say(f"{session.display_name} signed out")
    if mine:
        _say(f"{mine} item(s) of {session.username} are still waiting to upload; they upload when "
             f"{session.username} signs in again")
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
        raise CommandError("no hot folder is set: capture-station setup --hot-folder <folder>", 2)
    try:
        return run_station(paths, cfg, plain=args.plain, events_path=Path(args.events) if args.events else None)
    except StationBusy as exc:
        raise CommandError(str(exc), 3) from exc


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
        report["recent"] = [{"seq": i.seq, "state": i.state, "record": i.record_label, "page": i.page_number,
                             "local": (i.local or {}).get("verdict"), "server": (i.result or {}).get("verdict"),
                             "at": i.done_at or i.created_at} for i in box.recent(10)]
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
    _say(f"server:   {report['server'] or '(not set up)'}   station token: {report['station_token'] or '-'}")
    _say(f"source:   {report['source']} {report['hot_folder'] or ''}")
    _say(f"operator: {report['operator'] or '(nobody signed in)'}")
    c = report.get("counts")
    if not c:
        _say("outbox:   empty (nothing captured yet)")
        return 0
    _say(f"outbox:   {c['queued']} waiting ({c['queued_bytes'] / 1e6:.1f} MB), {c['rejected']} rejected, "
         f"{c['done']} uploaded   [{report['outbox']}]")
    if report["oldest_queued_at"]:
        _say(f"          oldest waiting since {report['oldest_queued_at']}")
    _say("last items:")
    for r in report["recent"]:
        _say(f"  #{r['seq']:<6} {r['state']:<9} {r['record']:<20} page {r['page']!s:<5} local {r['local'] or '-':<9}"
             f" server {r['server'] or '-'}")
    for r in report["rejected"]:
        _say(f"REJECTED #{r['seq']} {r['kind']} {r['record']} page {r['page']}: {r['error']} {r['detail']}"
             f"  file: {r['file'] or '-'}")
    return 0


def cmd_requeue(args: argparse.Namespace) -> int:
    """Put a rejected item back at the end of the queue (after fixing what the server complained about)."""
    paths = _paths(args)
    box = Outbox(paths.outbox_db, paths.outbox_files)
    try:
        item = box.requeue(args.seq)
    except ValueError as exc:
        raise CommandError(str(exc), 1) from exc
    finally:
        box.close()
    _say(f"item {args.seq} is queued again as #{item.seq}")
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
        print(f"capture-station: unexpected error ({type(exc).__name__}: {exc}); details in "
              f"{station_paths(args.home).log_file}. Shots already saved are safe in the outbox.", file=sys.stderr)
        return 1
