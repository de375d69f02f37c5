"""The API documentation pages (/docs: Swagger UI, /redoc: ReDoc) served entirely by Folio.

FastAPI's own pages load Swagger UI and ReDoc from a CDN and bootstrap them with an inline script, so they are
blank on a hospital intranet and need a CSP exception. Here the assets come from the `fastapi-offline` package
(Swagger UI and ReDoc builds, MIT/Apache-2.0; its licence ships in the wheel), mounted under /static/apidocs, and
the bootstrap is Folio's own /static/apidocs.js: no inline script, no address outside Folio.
"""

from pathlib import Path

import fastapi_offline
from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.requests import Request
from starlette.responses import HTMLResponse

ASSETS = Path(fastapi_offline.__file__).resolve().parent / "static"
ASSETS_URL = "/static/apidocs"

_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{title}</title>
<link rel="icon" href="/static/favicon.svg">
{head}
</head>
<body>
<div id="{target}" data-openapi="{openapi}"></div>
<script src="{bundle}"></script>
<script src="/static/apidocs.js"></script>
</body>
</html>
"""


def _page(title: str, target: str, openapi: str, bundle: str, head: str = "") -> HTMLResponse:
    return HTMLResponse(_PAGE.format(title=title, target=target, openapi=openapi, bundle=bundle, head=head))


def install_api_docs(app: FastAPI, openapi_url: str = "/openapi.json") -> None:
    """Serve /docs and /redoc from Folio's own files (create the app with docs_url=None, redoc_url=None)."""
    app.mount(ASSETS_URL, StaticFiles(directory=ASSETS), name="apidocs")

    async def swagger(request: Request) -> HTMLResponse:
        """Swagger UI for the JSON API."""
        css = f'<link rel="stylesheet" href="{ASSETS_URL}/swagger-ui.css">'
        return _page(f"{app.title} API", "swagger-ui", openapi_url, f"{ASSETS_URL}/swagger-ui-bundle.js", css)

    async def redoc(request: Request) -> HTMLResponse:
        """ReDoc for the JSON API."""
        return _page(f"{app.title} API", "redoc", openapi_url, f"{ASSETS_URL}/redoc.standalone.js")

    # Plain routes like FastAPI's own documentation pages: no part of the OpenAPI schema, open to anyone.
    app.router.add_route("/docs", swagger, methods=["GET"], include_in_schema=False)
    app.router.add_route("/redoc", redoc, methods=["GET"], include_in_schema=False)
