"""Test fixtures: a real database per backend (SQLite and PostgreSQL), built by Alembic, and a real app."""

import os
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from fastapi.testclient import TestClient
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from sqlalchemy import Engine, text
from sqlmodel import Session

from app.core.config import Settings
from app.core.db import make_engine, writing
from app.core.migrate import upgrade
from app.core.schema import metadata
from app.main import create_app
from tests.live import LiveServer

# The audit key of this test run (created on first use, mode 0600): shared by the in-process app, the services
# the tests call and every `folio` child process, as one deployment's servers share theirs.
os.environ.setdefault("FOLIO_AUDIT_KEY_FILE", os.path.join(tempfile.mkdtemp(prefix="folio-audit-key-"), "audit.key"))

PG_ADMIN_URL = os.environ.get("FOLIO_TEST_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/test")
BACKENDS = [b for b in os.environ.get("FOLIO_TEST_BACKENDS", "sqlite,postgresql").split(",") if b]

# No timed assertion anywhere in the suite: hypothesis's per-example deadline and its "too slow" health check
# are timings (a loaded CI machine fails them), so both are off; speed is measured in bench/. Examples are
# derandomized (a fixed seed per test) so that a run is reproducible; HYPOTHESIS_PROFILE=explore searches anew.
hypothesis_settings.register_profile(
    "folio", deadline=None, derandomize=True, database=None, suppress_health_check=[HealthCheck.too_slow]
)
hypothesis_settings.register_profile("explore", deadline=None, suppress_health_check=[HealthCheck.too_slow])
hypothesis_settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "folio"))


def _create_pg_database() -> tuple[str, str]:
    name = f"folio_test_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    try:
        with psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=5) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as exc:
        pytest.fail(
            f"PostgreSQL is not reachable at {PG_ADMIN_URL} ({exc}); start it, or run with FOLIO_TEST_BACKENDS=sqlite",
            pytrace=False,
        )
    base = PG_ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1)
    return name, f"{base}/{name}"


def _drop_pg_database(name: str) -> None:
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session", params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A fresh database of each backend, migrated to head by Alembic."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'folio.db'}"
        upgrade(url)
        yield url
        return
    name, url = _create_pg_database()
    try:
        upgrade(url)
        yield url
    finally:
        _drop_pg_database(name)


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    """An engine on the backend's test database."""
    eng = make_engine(database_url)
    yield eng
    eng.dispose()


def _truncate(engine: Engine) -> None:
    tables = [t.name for t in reversed(metadata.sorted_tables)]
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"))
        else:
            for table in tables:
                conn.execute(text(f'DELETE FROM "{table}"'))


@pytest.fixture
def db(engine: Engine) -> Iterator[Engine]:
    """The backend's engine, emptied after the test."""
    yield engine
    _truncate(engine)


@pytest.fixture
def session(db: Engine) -> Iterator[Session]:
    """A session on the test database; the test commits what it wants to keep."""
    with Session(writing(db), expire_on_commit=False) as s:
        yield s


@pytest.fixture(scope="session")
def settings(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Server settings on the backend's test database and a throwaway image folder."""
    return Settings(
        database_url=database_url,
        image_store=tmp_path_factory.mktemp("images"),
        mode="test",
        qc_workers=1,
        ocr_workers=0,  # the reading job is driven by its own tests (tests/frontpage_ocr)
        max_upload_bytes=30 * 1024 * 1024,
        max_image_pixels=60_000_000,
        _env_file=None,
    )


@pytest.fixture(scope="session")
def app_client(settings: Settings) -> Iterator[TestClient]:
    """One running app (with its QC worker) per backend, shared by the tests."""
    app = create_app(settings)
    with TestClient(app) as c:
        yield c


@pytest.fixture
def client(app_client: TestClient, db: Engine) -> Iterator[TestClient]:
    """The app's client; the database is emptied after the test, once the processed copies the test's uploads
    queued are made (a copy written after the emptying would fail, or leak into the next test)."""
    yield app_client
    app_client.app.state.qc.wait_later()


@pytest.fixture
def image_store(settings: Settings) -> Path:
    """The folder of the app's image store."""
    return Path(settings.image_store)


@pytest.fixture
def live_server(tmp_path: Path) -> Iterator[LiveServer]:
    """A real `folio serve` process on loopback with a fresh SQLite database; stopped after the test."""
    server = LiveServer(workdir=tmp_path / "server", database_url=f"sqlite:///{tmp_path / 'server' / 'folio.db'}")
    server.workdir.mkdir(parents=True)
    yield server
    server.stop()


ARTIFACTS = Path(__file__).resolve().parents[1] / "test-artifacts"
CHROMIUM = os.environ.get("FOLIO_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """Debian's chromium, headless, driven by Playwright (installed by scripts/test.sh)."""
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"chromium is not installed at {CHROMIUM}: run ./scripts/test.sh, which installs it", pytrace=False)
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        yield b
        b.close()


@pytest.fixture
def page(browser, request: pytest.FixtureRequest) -> Iterator[object]:
    """A fresh browser page at 1366x768; a screenshot of where it ended is saved under test-artifacts/."""
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="zh-CN")
    pg = context.new_page()
    yield pg
    ARTIFACTS.mkdir(exist_ok=True)
    safe = "".join(c if c.isalnum() or c in "-_" else "_" for c in request.node.name)
    try:
        pg.screenshot(path=str(ARTIFACTS / f"{safe}-end.png"), full_page=True)
    except Exception:  # noqa: BLE001, S110 - a closed page has nothing to show
        pass
    context.close()


def shot(pg, name: str) -> None:
    """Save a named screenshot under test-artifacts/."""
    ARTIFACTS.mkdir(exist_ok=True)
    pg.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)
