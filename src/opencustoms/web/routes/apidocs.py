"""The interactive API documentation page (Swagger UI), replacing FastAPI's default one.

FastAPI's page starts Swagger UI with an inline script, which the Content-Security-Policy
(``web/headers.py``) refuses; this page passes the OpenAPI URL in a ``data-`` attribute to
``static/swagger-init.js``. No OAuth2 scheme is declared (tokens come from
``POST /api/auth/token``), so the OAuth2 redirect page FastAPI adds is not needed.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from opencustoms.web.render import TEMPLATES

router = APIRouter()


@router.get("/docs", response_class=HTMLResponse, include_in_schema=False)
def swagger_ui(request: Request) -> HTMLResponse:
    root = request.scope.get("root_path", "").rstrip("/")
    app = request.app
    return TEMPLATES.TemplateResponse(
        request,
        "apidocs.html",
        {"title": f"{app.title} - Swagger UI", "openapi_url": root + (app.openapi_url or "")},
    )
