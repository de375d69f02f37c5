"""X-Forwarded-For is believed only from FOLIO_TRUSTED_PROXIES: by default nobody may choose his audited address."""

from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from sqlmodel import Session, col, select

from app.audit.models import AuditEvent
from app.core.db import make_engine
from app.core.web import trust_proxies
from tests.live import LiveServer

FORGED = "203.0.113.9"


def _failed_sign_in_address(server: LiveServer, tmp_path: Path) -> str | None:
    prov = server.provision(code="XFF")
    server.start()
    r = httpx.post(
        f"{server.base_url}/api/v1/station/sessions",
        json={"username": prov.username, "password": "not-the-password-1"},
        headers={"Authorization": f"Bearer {prov.station_token}", "X-Forwarded-For": FORGED},
    )
    assert r.status_code == 401, r.text
    engine = make_engine(server.database_url)
    with Session(engine) as s:
        event = s.exec(
            select(AuditEvent).where(AuditEvent.outcome == "failure").order_by(col(AuditEvent.id).desc())
        ).first()
    engine.dispose()
    assert event is not None
    return event.source_ip


def test_a_forwarded_address_from_an_untrusted_peer_is_ignored(live_server: LiveServer, tmp_path: Path) -> None:
    assert _failed_sign_in_address(live_server, tmp_path) == "127.0.0.1"


def test_a_configured_proxy_is_believed(live_server: LiveServer, tmp_path: Path) -> None:
    live_server.extra_env["FOLIO_TRUSTED_PROXIES"] = "127.0.0.1"
    assert _failed_sign_in_address(live_server, tmp_path) == FORGED


@pytest.mark.parametrize("entry", ["*", "proxy.example.cn", "10.0.0.0/33"])
def test_trusting_everybody_or_a_name_is_refused(entry: str) -> None:
    with pytest.raises(ValueError, match="FOLIO_TRUSTED_PROXIES"):
        trust_proxies(FastAPI(), [entry])
