"""A body over the limit is refused with 413 however it is sent — with Content-Length or chunked without one."""

from collections.abc import Iterator

from fastapi.testclient import TestClient
from sqlmodel import Session, func, select

from app.pages.models import PageImage
from tests.factories import signed_in_station

HEAD = (
    b'--XX\r\nContent-Disposition: form-data; name="page_number"\r\n\r\n1\r\n'
    b'--XX\r\nContent-Disposition: form-data; name="idempotency_key"\r\n\r\nchunked-0001\r\n'
    b'--XX\r\nContent-Disposition: form-data; name="image"; filename="a.jpg"\r\nContent-Type: image/jpeg\r\n\r\n'
)


def _chunked(total_mb: int) -> Iterator[bytes]:
    """A multipart body streamed in 1 MB chunks: no Content-Length, so only the bytes received can tell."""
    yield HEAD + b"\xff\xd8"
    for _ in range(total_mb):
        yield b"\x00" * (1024 * 1024)
    yield b"\r\n--XX--\r\n"


def test_a_100_mb_chunked_upload_is_413_and_stores_nothing(client: TestClient, session: Session) -> None:
    auth = signed_in_station(client, session)
    r = client.post(
        "/api/v1/pages",
        content=_chunked(100),
        headers={**auth.headers, "Content-Type": "multipart/form-data; boundary=XX"},
    )
    assert r.status_code == 413, r.text
    assert r.json()["error"] == "too_large"
    assert session.exec(select(func.count()).select_from(PageImage)).one() == 0


def test_a_chunked_form_over_the_limit_on_a_browser_route_is_413(client: TestClient) -> None:
    r = client.post("/login", content=_chunked(40), headers={"Content-Type": "multipart/form-data; boundary=XX"})
    assert r.status_code == 413, r.text
