"""`folio project create|delivery-profile|qc-profile`: a project with the contract's default terms; its delivery and
QC profiles."""

import argparse
import json
from collections.abc import Callable
from datetime import date

from app.core.cli import session_for
from app.core.config import Settings


def cmd_project_create(args: argparse.Namespace, settings: Settings) -> None:
    """Create a project with the contract's default terms."""
    from app.projects.service import create_project

    with session_for(settings) as session:
        project = create_project(session, code=args.code, name=args.name, start_date=args.start, years=args.years)
        # Custody (issue 9): a new project captures only records checked out of the records room.
        from app.core.clock import utcnow
        from app.custody.policy import save_policy

        save_policy(
            session, project.id, require_checkout=True, overdue_days=14, actor={"actor_role": "cli"}, now=utcnow()
        )
        print(f"project {project.code} created (id {project.id}), {project.start_date} .. {project.end_date}")
        print("capture needs a confirmed check-out of each record (custodian: Custody > Settings to change it)")


def cmd_delivery_profile(args: argparse.Namespace, settings: Settings) -> None:
    """Show or change a project's delivery profile (issue 16)."""
    from sqlmodel import select

    from app.projects.delivery_profile import DeliveryProfileError, load_profile
    from app.projects.models import Project

    with session_for(settings) as session:
        project = session.exec(select(Project).where(Project.code == args.project)).first()
        if project is None:
            raise SystemExit(f"no project {args.project}")
        wanted = dict(project.delivery_profile or {})
        for key in ("contents", "format", "jpeg_quality", "margin_mm", "pdfa", "mets"):
            value = getattr(args, key)
            if value is not None:
                wanted[key] = value
        try:
            profile = load_profile(wanted)
        except (DeliveryProfileError, TypeError) as exc:
            raise SystemExit(f"refused, nothing changed: {exc}") from None
        project.delivery_profile = profile.to_dict()
        session.add(project)
        print(" ".join(f"{k}={v}" for k, v in profile.to_dict().items()))


def cmd_qc_profile(args: argparse.Namespace, settings: Settings) -> None:
    """Show or change a project's QC profile (the checks' thresholds, qc/README.md), which the server's check and
    every station's use: --file sets the fields a JSON profile holds (`python -m qc calibrate` and `python -m qc
    stand -o` write whole ones; fields it leaves out keep their values), each --set KEY=VALUE then changes one
    field (a JSON value: 215.2, true, [4000, 3000]). Refused whole, nothing changed, on an unknown field or a value
    out of its range; each field changed is printed with its old and new value and audited (project.qc_profile).
    Pages already checked keep their verdicts."""
    from sqlmodel import select

    import qc
    from app.audit.service import record_event
    from app.projects.models import Project

    with session_for(settings) as session:
        project = session.exec(select(Project).where(Project.code == args.project)).first()
        if project is None:
            raise SystemExit(f"no project {args.project}")
        current = qc.load_profile(project.qc_profile or {}).to_dict()
        try:
            wanted = {**current, **qc.profile_fields(args.file)} if args.file else dict(current)
            for item in args.set or []:
                key, sep, raw = item.partition("=")
                if not sep or not key:
                    raise ValueError(f"--set {item!r}: give KEY=VALUE")
                try:
                    wanted[key.strip()] = json.loads(raw)
                except json.JSONDecodeError:
                    wanted[key.strip()] = raw  # a word: the profile's name
            new = qc.load_profile(wanted).to_dict()
        except (ValueError, TypeError, OSError) as exc:
            raise SystemExit(f"refused, nothing changed: {exc}") from None
        changes = {k: [current.get(k), new.get(k)] for k in {**current, **new} if current.get(k) != new.get(k)}
        if changes:
            project.qc_profile = new
            session.add(project)
            record_event(
                session,
                "project.qc_profile",
                project_id=project.id,
                actor_role="cli",
                object_type="project",
                object_id=project.id,
                detail={"changes": changes},
            )
        print(json.dumps(new, ensure_ascii=False))
        for key, (was, now) in changes.items():
            print(f"  {key}: {_shown(was)} -> {_shown(now)}")
        print(f"{len(changes)} field(s) changed" if changes else "nothing changed")


def _shown(value: object) -> str:
    """A profile field's value as the change lines print it: JSON, or "(not set)" for a field the profile omits."""
    return "(not set)" if value is None else json.dumps(value)


def add_commands(sub: argparse._SubParsersAction, add: Callable) -> None:
    """Register `folio project create`."""
    project = sub.add_parser("project", help="projects").add_subparsers(dest="project_command", required=True)
    p = add(
        project,
        "create",
        cmd_project_create,
        "create a project with the contract's default terms",
        'folio project create --code SZH2026 --name "某医院病案数字化" --start 2026-12-01',
    )
    p.add_argument("--code", required=True)
    p.add_argument("--name", required=True)
    p.add_argument("--start", required=True, type=date.fromisoformat, help="start date, YYYY-MM-DD")
    p.add_argument("--years", type=int, default=3, help="contract length in years (default 3)")
    p = add(
        project,
        "delivery-profile",
        cmd_delivery_profile,
        "show or change what the delivery package holds and how processed pages are made",
        "folio project delivery-profile --project SZH2026 --contents both --format tiff",
    )
    p.add_argument("--project", required=True)
    p.add_argument("--contents", choices=["processed", "masters", "both"])
    p.add_argument("--format", choices=["jpeg", "tiff", "jp2"], help="format of the processed pages (one per package)")
    p.add_argument("--jpeg-quality", type=int, dest="jpeg_quality")
    p.add_argument("--margin-mm", type=float, dest="margin_mm")
    p.add_argument("--pdfa", action=argparse.BooleanOptionalAction, default=None)
    p.add_argument("--mets", action=argparse.BooleanOptionalAction, default=None, help="a METS document per record")
    p = add(
        project,
        "qc-profile",
        cmd_qc_profile,
        "show or change the thresholds the server's and the stations' checks use",
        "folio project qc-profile --project SZH2026 --set stand_dpi=215.2 --set 'stand_frame_px=[4000, 3000]'",
    )
    p.add_argument("--project", required=True)
    p.add_argument("--file", help="a JSON file of the fields to set (python -m qc calibrate / stand -o write one)")
    p.add_argument("--set", action="append", metavar="KEY=VALUE", help="change one field (repeatable)")
