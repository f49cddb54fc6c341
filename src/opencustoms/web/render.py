"""One route, two representations: HTML from a Jinja2 template, or the same data as JSON
when the client sends ``Accept: application/json`` or ``?format=json``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse, Response
from fastapi.templating import Jinja2Templates
from markupsafe import escape

from opencustoms.web import i18n
from opencustoms.web.assets import ASSETS
from opencustoms.workspace.models import User

TEMPLATES = Jinja2Templates(directory=Path(__file__).resolve().parent / "templates")
i18n.install(TEMPLATES.env)
TEMPLATES.env.globals["static_url"] = ASSETS.url
TEMPLATES.env.globals["inline_css"] = ASSETS.inline_css


def wants_json(request: Request) -> bool:
    if request.query_params.get("format") == "json":
        return True
    accept = request.headers.get("accept", "")
    return "application/json" in accept and "text/html" not in accept


def render(
    request: Request,
    template: str,
    data: dict[str, Any],
    *,
    user: User | None,
    nav: str = "",
    status_code: int = 200,
    **extra: Any,
) -> Response:
    """HTML from ``template`` or, when asked for, ``data`` as JSON."""
    if wants_json(request):
        return JSONResponse(jsonable_encoder(data), status_code=status_code)
    context = {
        "user": user,
        "nav": nav,
        "csrf": getattr(request.state, "csrf", None),
        "data": data,
        **data,
        **extra,
    }
    return TEMPLATES.TemplateResponse(request, template, context, status_code=status_code)


def html_escape(text: str) -> str:
    return str(escape(text))


def form_errors(exc: Any) -> list[dict[str, Any]]:
    """A pydantic ``ValidationError`` or a domain ``InvalidInput`` as the error list the
    templates show ({loc, msg})."""
    if hasattr(exc, "problems"):
        return [{"loc": field.split("."), "msg": reason} for field, reason in exc.problems]
    return [{"loc": list(e["loc"]), "msg": e["msg"]} for e in exc.errors()]
