"""Database engine and the per-request session: one transaction per request, committed before the answer."""

from collections.abc import Iterator
from pathlib import Path
from typing import Annotated

from fastapi import Depends, Query, Request
from fastapi import Path as PathParam
from sqlalchemy import Engine, event
from sqlalchemy.engine import make_url
from sqlmodel import Session, create_engine

from app.core.config import Settings
from app.core.errors import AppError

_WRITE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


def _decode_text(raw: bytes) -> str:
    return raw.decode("utf-8", "replace")


def make_engine(url: str) -> Engine:
    """Create an engine; SQLite gets WAL, foreign keys, a busy timeout and explicit BEGIN handling."""
    if not url.startswith("sqlite"):
        return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)

    database = make_url(url).database
    if database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record) -> None:  # noqa: ANN001
        # Let SQLAlchemy, not pysqlite, emit BEGIN: that makes SAVEPOINT and BEGIN IMMEDIATE work.
        dbapi_conn.isolation_level = None
        # A stored text that is not UTF-8 (written by hand into the file) is read with U+FFFD in place of the
        # bad bytes instead of stopping the read: the audit check then reports the row as altered.
        dbapi_conn.text_factory = _decode_text
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=FULL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA busy_timeout=30000")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn) -> None:  # noqa: ANN001
        # A writing transaction takes the write lock at once: a read that later wants to write
        # would otherwise fail with SQLITE_BUSY instead of waiting its turn.
        mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
        conn.exec_driver_sql(f"BEGIN {mode}")

    return engine


def writing(engine: Engine) -> Engine:
    """The same engine, but each transaction takes SQLite's write lock when it starts."""
    if engine.dialect.name == "sqlite":
        return engine.execution_options(sqlite_begin="IMMEDIATE")
    return engine


def _session(engine: Engine) -> Iterator[Session]:
    with Session(engine, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except AppError as exc:
            # A refusal that was audited (a failed sign-in) keeps its audit event; others write nothing.
            session.commit() if exc.keep_writes else session.rollback()
            raise
        except BaseException:
            session.rollback()
            raise


def get_session(request: Request) -> Iterator[Session]:
    """Yield the request's session; commit on success, roll back on any error."""
    engine: Engine = request.app.state.engine
    yield from _session(writing(engine) if request.method in _WRITE_METHODS else engine)


def get_write_session(request: Request) -> Iterator[Session]:
    """Like get_session, for a GET that writes too (an audited image view)."""
    yield from _session(writing(request.app.state.engine))


SessionDep = Annotated[Session, Depends(get_session, scope="function")]
WriteSessionDep = Annotated[Session, Depends(get_write_session, scope="function")]


def sqlite_path(settings: Settings) -> Path | None:
    """The SQLite file of the settings' database, or None for another backend."""
    if not settings.is_sqlite:
        return None
    database = make_url(settings.database_url).database
    return Path(database) if database else None


# An id in a path or query: a positive 32-bit integer, as every backend's integer key can hold it.
DbId = Annotated[int, PathParam(ge=1, le=2_147_483_647)]
DbIdQuery = Annotated[int | None, Query(ge=1, le=2_147_483_647)]
