"""The server: create_app() wires settings, database, image store, QC pool, routers and error handlers."""

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles

from app import __version__
from app.acceptance.api import router as acceptance_api
from app.acceptance.views import router as acceptance_views
from app.accounts.admin_views import router as admin_views
from app.accounts.api import router as station_router
from app.accounts.enrol_views import router as enrol_views
from app.accounts.views import router as accounts_views
from app.audit import keys as audit_keys
from app.audit.views import router as audit_views
from app.billing.views import router as billing_views
from app.core.apidocs import install_api_docs
from app.core.config import Settings, get_settings
from app.core.db import make_engine
from app.core.errors import ERROR_RESPONSES, install_error_handlers
from app.core.limits import BodySizeLimit
from app.core.qcpool import QCPool
from app.core.storage import LocalImageStore
from app.core.templates import APP_DIR
from app.core.web import SecurityHeaders, install_html_errors, trust_proxies
from app.custody.views import router as custody_views
from app.delivery.segment_views import router as segment_views
from app.delivery.views import router as delivery_views
from app.erasure.views import router as erasure_views
from app.fleet.api import router as fleet_api
from app.fleet.views import router as fleet_views
from app.frontpage.background import start_reading, stop_reading
from app.frontpage.check_views import router as frontpage_check_views
from app.frontpage.crops import CropCache
from app.frontpage.views import router as frontpage_views
from app.inspection.api import router as inspection_api
from app.inspection.look_views import router as look_views
from app.inspection.views import router as inspection_views
from app.labels.views import router as labels_views
from app.pages.api import router as pages_router
from app.pages.service import UploadLimits
from app.production.views import router as production_views
from app.projects.views import router as projects_views
from app.records.api import router as records_router
from app.records.views import router as records_views

# Multipart framing around the image: field names, boundaries and the small form fields.
_FORM_OVERHEAD = 256 * 1024


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the Folio server for the given settings (default: from the environment)."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.qc = QCPool.from_settings(settings)
        app.state.qc.warm_up()
        app.state.ocr_job = start_reading(settings, app.state.engine, app.state.store)
        # What start-up made lives as long as the process: keeping it out of full garbage collections
        # removes their pauses from requests (the p95 of the big production screens; bench/production.py).
        gc.freeze()
        try:
            yield
        finally:
            stop_reading(app.state.ocr_job)
            app.state.qc.close()
            app.state.engine.dispose()

    app = FastAPI(
        title="Folio",
        summary="Production tracker for page-digitization projects",
        version=__version__,
        lifespan=lifespan,
        responses=ERROR_RESPONSES,
        docs_url=None,  # served by install_api_docs from Folio's own files, not a CDN
        redoc_url=None,
    )
    app.state.settings = settings
    audit_keys.configure(key_hex=settings.audit_key_hex, key_file=settings.audit_key_file)
    audit_keys.audit_key()  # a missing, unreadable or exposed key stops the start, not the first audited action
    app.state.engine = make_engine(settings.database_url)
    app.state.store = LocalImageStore(settings.image_store)
    app.state.crops = CropCache()  # front-page field crops, one per app: another app's pages are not this one's
    app.state.upload_limits = UploadLimits(
        settings.max_upload_bytes, settings.max_image_pixels, settings.max_image_side, settings.max_decoded_bytes
    )
    install_error_handlers(app)
    install_html_errors(app)
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_upload_bytes + _FORM_OVERHEAD)
    app.add_middleware(SecurityHeaders, hsts=settings.cookie_secure)
    install_api_docs(app)
    trust_proxies(app, settings.trusted_proxy_list)
    app.mount("/static", StaticFiles(directory=APP_DIR / "static"), name="static")
    for router in (
        station_router,
        records_router,
        pages_router,
        accounts_views,
        admin_views,
        enrol_views,
        audit_views,
        production_views,
        projects_views,
        erasure_views,
    ):
        app.include_router(router)
    app.include_router(records_views)
    app.include_router(billing_views)

    app.include_router(acceptance_api)
    app.include_router(acceptance_views)
    app.include_router(custody_views)
    app.include_router(frontpage_views)
    app.include_router(frontpage_check_views)
    app.include_router(delivery_views)
    app.include_router(segment_views)
    app.include_router(labels_views)
    app.include_router(fleet_api)
    app.include_router(fleet_views)
    app.include_router(inspection_api)
    app.include_router(inspection_views)
    app.include_router(look_views)

    @app.get("/healthz", tags=["health"])
    def healthz() -> dict[str, str]:
        """Liveness: the process answers."""
        return {"status": "ok"}

    return app
