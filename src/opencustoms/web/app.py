"""The FastAPI application factory: the routers of every domain (API and pages).

>>> from fastapi.testclient import TestClient
>>> from opencustoms.settings import Settings
>>> app = create_app(Settings(database_url="sqlite://", secret_key="doctest"))
>>> TestClient(app).get("/healthz").json()["status"]
'ok'
"""

from __future__ import annotations

import gc
import secrets
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager, suppress
from pathlib import Path
from typing import Any

from fastapi import FastAPI
from fastapi.responses import JSONResponse
from itsdangerous import URLSafeTimedSerializer

from opencustoms import db
from opencustoms.errors import DomainError
from opencustoms.risk.live import LiveRisk
from opencustoms.settings import Settings, get_settings
from opencustoms.web import errors, i18n
from opencustoms.web.assets import ASSETS, Delivery, StaticAssets
from opencustoms.web.auth import Workspace
from opencustoms.web.headers import SecurityHeaders
from opencustoms.web.routes import ROUTERS
from opencustoms.web.uploads import BodyLimit
from opencustoms.workspace.users import prepare_database

HERE = Path(__file__).resolve().parent

DESCRIPTION = """
OpenCustoms officer workspace API.

Authenticate with `POST /api/auth/token` (username and password) and send the token as
`Authorization: Bearer <token>`. Roles: **officer** (own office), **supervisor** (own
office, plus capacity, rules and lane overrides), **analyst** (read across offices),
**admin**, **trader** (tariff calculation, HS suggestion and the status of their own
declarations; never scores or reasons). Lists are paginated with `page` and `page_size`.
Validation errors are 422 with `detail[].loc` naming the field.
"""


def _secret_key(settings: Settings) -> str:
    if settings.secret_key:
        return settings.secret_key
    # Persist a random key under var/ so sessions survive a restart of the same install.
    path = Path(settings.var_dir) / "secret_key"
    if path.is_file():
        return path.read_text().strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(48)
    path.write_text(key)
    path.chmod(0o600)
    return key


def warm_up(ws: Workspace) -> None:
    """Load the risk model as the server starts, then move every object alive now
    (imports, routes, the model) out of the garbage collector's reach (``gc.freeze``).

    Measured under load: a full collection walked ~220,000 long-lived objects and stopped
    the event loop for tens of milliseconds each time, which every request waiting
    behind it paid (the API load p99). Frozen objects are never scanned; objects created
    later are collected as usual."""
    # No model (yet): the server starts anyway and scoring answers with the error.
    with suppress(DomainError, OSError):
        ws.risk.model()
    gc.collect()  # garbage frozen now would never be freed
    gc.freeze()


@asynccontextmanager
async def _warm_lifespan(app: FastAPI) -> AsyncIterator[None]:
    # In the background: on a busy machine loading the model took longer than a health
    # check waits, and a score request arriving first loads it itself anyway.
    thread = threading.Thread(target=warm_up, args=(app.state.ws,), name="warm-up", daemon=True)
    app.state.warm_up = thread
    thread.start()
    yield


def serve_app() -> FastAPI:
    """The app as ``opencustoms serve`` runs it (uvicorn factory): :func:`create_app`,
    warmed up (:func:`warm_up`, in a thread started at startup). Tests build apps with
    ``create_app``, which freezes nothing."""
    app = create_app()
    app.router.lifespan_context = _warm_lifespan
    return app


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    engine = db.open_engine(settings.resolved_database_url)
    prepare_database(engine, offices_file=settings.offices_file)
    ws = Workspace(
        settings=settings,
        engine=engine,
        signer=URLSafeTimedSerializer(_secret_key(settings), salt="oc-session"),
        risk=LiveRisk(settings),
        extras={},
    )
    app = FastAPI(
        title="OpenCustoms",
        version="0.1.0",
        description=DESCRIPTION,
        # Our own /docs page (routes/apidocs.py): FastAPI's carries an inline script, which
        # the Content-Security-Policy refuses.
        docs_url=None,
        openapi_tags=[
            {"name": "auth", "description": "Tokens and the current user."},
            {"name": "admin", "description": "Users, offices and the audit trail."},
            {"name": "declarations", "description": "Ingest, detail and status."},
            {"name": "risk", "description": "Scores, queues, inspections, lanes, rules."},
            {"name": "tariff", "description": "Duty and tax calculation."},
            {"name": "hs", "description": "HS classification suggestions."},
            {"name": "dashboard", "description": "Hit rate, revenue and workload."},
        ],
    )
    app.state.ws = ws

    @app.get(
        "/healthz",
        tags=["auth"],
        summary="Liveness and readiness",
        responses={503: {"description": "A dependency is unreachable; the body names it"}},
    )
    def healthz() -> Any:
        try:
            with engine.connect() as conn:
                conn.exec_driver_sql("SELECT 1")
        except Exception as exc:
            if not errors.database_lost(exc):
                raise
            cause = (str(getattr(exc, "orig", None) or exc).strip().splitlines() or [""])[0]
            return JSONResponse(
                {"status": "unavailable", "failing": {"database": cause}},
                status_code=503,
                headers={"Retry-After": str(errors.RETRY_AFTER_SECONDS)},
            )
        return {"status": "ok"}

    for router in ROUTERS:
        app.include_router(router)
    app.mount("/static", StaticAssets(assets=ASSETS), name="static")
    ASSETS.warm_in_background()
    errors.install(app)
    app.add_middleware(Delivery)
    app.add_middleware(SecurityHeaders)
    app.add_middleware(BodyLimit, max_bytes=settings.upload_max_bytes + (1 << 20))
    app.add_middleware(i18n.LanguageMiddleware)
    return app
