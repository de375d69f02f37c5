"""The API documentation works on an intranet: /docs and /redoc load only Folio's own files."""

from urllib.parse import urlsplit

from tests.conftest import shot
from tests.live import LiveServer

LOOPBACK = {"127.0.0.1", "localhost", "::1"}


def _offline(pg, asked: list[str]) -> None:  # noqa: ANN001
    """Block every request that leaves the machine (as on a hospital intranet), noting what was asked."""

    def handle(route) -> None:  # noqa: ANN001
        host = urlsplit(route.request.url).hostname or ""
        if route.request.url.startswith(("data:", "blob:")) or host in LOOPBACK:
            route.continue_()
        else:
            asked.append(route.request.url)
            route.abort()

    pg.route("**/*", handle)


def test_swagger_ui_shows_the_operations_with_the_network_blocked(live_server: LiveServer, page) -> None:  # noqa: ANN001
    live_server.start()
    asked: list[str] = []
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    _offline(page, asked)
    page.goto(f"{live_server.base_url}/docs")
    page.wait_for_selector(".opblock-summary-path", timeout=30_000)
    paths = page.locator(".opblock-summary-path").all_inner_texts()
    assert any("/api/v1/pages" in p for p in paths), paths
    assert page.locator(".opblock").count() >= 10
    shot(page, "issue17-after-docs-offline")
    assert asked == [], f"the docs asked for addresses outside Folio: {asked}"
    # No inline script and no CSP violation: the page runs under Folio's own policy.
    assert not [e for e in errors if "Content Security Policy" in e], errors


def test_redoc_shows_the_operations_with_the_network_blocked(live_server: LiveServer, page) -> None:  # noqa: ANN001
    live_server.start()
    asked: list[str] = []
    _offline(page, asked)
    page.goto(f"{live_server.base_url}/redoc")
    page.wait_for_selector("[data-section-id]", timeout=30_000)
    page.wait_for_function("document.body.innerText.includes('/api/v1/pages')", timeout=30_000)
    assert page.locator("[data-section-id^='operation/']").count() >= 10
    shot(page, "issue17-after-redoc-offline")
    assert asked == [], f"ReDoc asked for addresses outside Folio: {asked}"


def test_docs_pages_carry_the_csp_without_inline_script(client) -> None:  # noqa: ANN001
    for path in ("/docs", "/redoc"):
        r = client.get(path)
        assert r.status_code == 200
        csp = r.headers["content-security-policy"]
        assert "script-src 'self';" in csp and "unsafe-inline" not in csp.split("script-src")[1].split(";")[0]
        assert "cdn" not in r.text.lower() and "<script>" not in r.text
    js = client.get("/static/apidocs/swagger-ui-bundle.js")
    assert js.status_code == 200 and len(js.content) > 100_000
