"""What every feature's `folio` commands share: the clean error, the session, the way a command is added, and the
server's own commands (`folio db upgrade`, `folio serve`)."""

import argparse
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlmodel import Session, select

from app.core.config import Settings


class CLIError(Exception):
    """A clean message for the user and a non-zero exit."""


@contextmanager
def session_for(settings: Settings) -> Iterator[Session]:
    """A writing session on the configured database, committed when the block ends without an error.

    Every feature's tables are registered first, so that a flush resolves each foreign key whichever modules the
    command happened to import.
    """
    import app.models  # noqa: F401
    from app.core.db import make_engine, writing

    engine = make_engine(settings.database_url)
    try:
        with Session(writing(engine), expire_on_commit=False) as session:
            yield session
            session.commit()
    finally:
        engine.dispose()


def add_command(
    parent: argparse._SubParsersAction, name: str, func: Callable, helptext: str, example: str
) -> argparse.ArgumentParser:
    """Add subcommand `name` running `func(args, settings)`, with its help and one example under it."""
    p = parent.add_parser(
        name,
        help=helptext,
        description=helptext,
        epilog=f"example:\n  {example}",
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.set_defaults(func=func)
    return p


def named_project(session: Session, code: str | None, several: str):  # noqa: ANN201  (a Project)
    """The project with this code, or the only active one; CLIError(several) when there is no single one."""
    from app.projects.models import Project
    from app.projects.service import project_by_code

    if code:
        return project_by_code(session, code)
    projects = session.exec(select(Project).where(Project.active == True)).all()  # noqa: E712
    if len(projects) != 1:
        raise CLIError(several)
    return projects[0]


def safe_url(url: str) -> str:
    """The database URL with its password hidden."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def cmd_db_upgrade(args: argparse.Namespace, settings: Settings) -> None:
    """Create or update the tables."""
    from app.core.migrate import upgrade

    upgrade(settings.database_url)
    print(f"database is up to date: {safe_url(settings.database_url)}")


def cmd_serve(args: argparse.Namespace, settings: Settings) -> None:
    """Run the server with uvicorn."""
    import uvicorn

    from app.core.migrate import upgrade

    upgrade(settings.database_url)
    host, port = args.host or settings.host, args.port or settings.port
    print(f"Folio is listening on http://{host}:{port}/  (API docs: http://{host}:{port}/docs)", flush=True)
    uvicorn.run(
        "app.main:create_app",
        factory=True,
        host=host,
        port=port,
        workers=args.workers,
        log_level="info",
        proxy_headers=True,
    )


def add_db_commands(sub: argparse._SubParsersAction, add: Callable) -> None:
    """Register `folio db upgrade`."""
    db = sub.add_parser("db", help="database schema").add_subparsers(dest="db_command", required=True)
    add(db, "upgrade", cmd_db_upgrade, "create or update the tables", "folio db upgrade")


def add_serve_command(sub: argparse._SubParsersAction, add: Callable) -> None:
    """Register `folio serve`."""
    p = add(sub, "serve", cmd_serve, "run the server (migrates the database first)", "folio serve --port 8000")
    p.add_argument("--host")
    p.add_argument("--port", type=int)
    p.add_argument("--workers", type=int, default=1)
