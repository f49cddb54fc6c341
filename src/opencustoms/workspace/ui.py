"""Server-rendered pages (Jinja2 + HTMX). Every page's data is also served as JSON: send
``Accept: application/json`` or add ``?format=json`` to the same URL."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlparse

from fastapi import APIRouter, Depends, Form, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import HTMLResponse, JSONResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from opencustoms.workspace import audit, users
from opencustoms.workspace.auth import (
    SESSION_COOKIE,
    SESSION_MAX_AGE,
    WS,
    CurrentUser,
    make_session,
    optional_user,
)
from opencustoms.workspace.models import Role, User

TEMPLATES = Jinja2Templates(directory=Path(__file__).resolve().parent / "templates")
router = APIRouter(include_in_schema=False)


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


def _safe_next(target: str | None) -> str:
    # Only same-site paths, so the login form cannot be used as an open redirect.
    if (
        not target
        or urlparse(target).netloc
        or not target.startswith("/")
        or target.startswith("//")
    ):
        return "/"
    return target


@router.get("/", response_class=HTMLResponse)
def home(user: Annotated[User | None, Depends(optional_user)]) -> Response:
    if user is None:
        return RedirectResponse("/login", status_code=303)
    return RedirectResponse("/my" if user.role == Role.TRADER else "/queue", status_code=303)


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, next: str = "/") -> Response:
    return render(request, "login.html", {"next": _safe_next(next)}, user=None)


@router.post("/login", response_class=HTMLResponse)
def login(
    request: Request,
    ws: WS,
    username: Annotated[str, Form(max_length=64)],
    password: Annotated[str, Form(max_length=256)],
    next: Annotated[str, Form(max_length=500)] = "/",
) -> Response:
    user = users.authenticate(engine=ws.engine, username=username, password=password)
    if user is None:
        audit.append(
            engine=ws.engine,
            actor=username,
            role="-",
            action="login_failed",
            object_type="user",
            object_id=username,
            detail={"via": "ui"},
        )
        return render(
            request,
            "login.html",
            {
                "next": _safe_next(next),
                "username": username,
                "error": "Wrong username or password.",
            },
            user=None,
            status_code=401,
        )
    audit.append(
        engine=ws.engine,
        actor=user.username,
        role=user.role.value,
        action="login",
        object_type="user",
        object_id=user.username,
        office=user.office,
        detail={"via": "ui"},
    )
    cookie, _csrf = make_session(ws, user)
    response = RedirectResponse(_safe_next(next), status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        cookie,
        max_age=SESSION_MAX_AGE,
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
    )
    return response


@router.post("/logout")
def logout(user: CurrentUser) -> Response:
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response
