"""The FastAPI application factory: API routers of every domain plus the web UI.

>>> from fastapi.testclient import TestClient
>>> from opencustoms.settings import Settings
>>> app = create_app(Settings(database_url="sqlite://"))
>>> TestClient(app).get("/healthz").json()["status"]
'ok'
"""

from __future__ import annotations

import importlib
import logging
import secrets
from pathlib import Path
from typing import Any, ClassVar

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import Engine
from starlette.exceptions import HTTPException as StarletteHTTPException

from opencustoms import db
from opencustoms.settings import Settings, get_settings
from opencustoms.workspace.auth import Workspace
from opencustoms.workspace.users import seed_offices

log = logging.getLogger(__name__)
HERE = Path(__file__).resolve().parent
# Domain routers; each module exposes ``router``. A domain whose engine is not installed
# yet is skipped with a log line rather than taking the whole workspace down.
DOMAIN_VIEWS = (
    "opencustoms.declarations.views",
    "opencustoms.risk.views",
    "opencustoms.tariff.views",
    "opencustoms.hs.views",
)

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


def prepare_database(engine: Engine, url: str, settings: Settings | None = None) -> None:
    """Bring the schema to head (alembic) and seed the office register."""
    settings = settings or get_settings()
    import opencustoms.workspace.models as models

    if url != "sqlite://":
        db.migrate(url)
    # A no-op once revision 0004_workspace has run; creates the workspace tables while the
    # revision chain is incomplete (in-memory databases, partial checkouts).
    tables = [
        models.OfficeRow,
        models.UserRow,
        models.TokenRow,
        models.AuditRow,
        models.AuditHeadRow,
    ]
    names = [t.__tablename__ for t in tables]
    db.Base.metadata.create_all(engine, tables=[db.Base.metadata.tables[n] for n in names])
    seed_offices(engine=engine, path=settings.offices_file)


def _memory_engine() -> Engine:
    """One in-memory SQLite database shared by every thread (doctests, quick trials)."""
    from sqlalchemy import create_engine
    from sqlalchemy.pool import StaticPool

    return create_engine(
        "sqlite://", connect_args={"check_same_thread": False}, poolclass=StaticPool
    )


def _wants_html(request: Request) -> bool:
    accept = request.headers.get("accept", "")
    return (
        not request.url.path.startswith("/api")
        and "text/html" in accept
        and request.query_params.get("format") != "json"
    )


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    url = settings.resolved_database_url
    engine = _memory_engine() if url == "sqlite://" else db.get_engine(url)
    prepare_database(engine, url, settings)
    ws = Workspace(
        settings=settings,
        engine=engine,
        signer=URLSafeTimedSerializer(_secret_key(settings), salt="oc-session"),
        extras={},
    )
    app = FastAPI(
        title="OpenCustoms",
        version="0.1.0",
        description=DESCRIPTION,
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

    @app.get("/healthz", tags=["auth"], summary="Liveness and readiness")
    def healthz() -> dict[str, str]:
        with engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")
        return {"status": "ok"}

    from opencustoms.workspace import api, ui, ui_risk

    app.include_router(api.router)
    for name in DOMAIN_VIEWS:
        try:
            module = importlib.import_module(name)
        except ImportError as exc:
            log.warning("workspace: %s not available (%s)", name, exc)
            continue
        app.include_router(module.router)
    app.include_router(ui.router)
    app.include_router(ui_risk.router)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    _install_error_handlers(app)
    app.add_middleware(SecurityHeaders)
    return app


class SecurityHeaders:
    """Pure ASGI middleware adding browser security headers (no per-request task
    overhead, unlike BaseHTTPMiddleware)."""

    HEADERS: ClassVar[list[tuple[bytes, bytes]]] = [
        (b"x-frame-options", b"DENY"),
        (b"x-content-type-options", b"nosniff"),
        (b"referrer-policy", b"same-origin"),
    ]

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Any) -> None:
            if message["type"] == "http.response.start":
                message["headers"] = [*message.get("headers", []), *self.HEADERS]
            await send(message)

        await self.app(scope, receive, send_with_headers)


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code == 401 and _wants_html(request):
            return RedirectResponse(f"/login?next={request.url.path}", status_code=303)
        headers: dict[str, Any] = dict(exc.headers or {})
        return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        errors = [
            {
                "loc": list(e.get("loc", ())),
                "msg": str(e.get("msg", "")),
                "type": str(e.get("type", "value_error")),
            }
            for e in exc.errors()
        ]
        return JSONResponse({"detail": errors}, status_code=422)
