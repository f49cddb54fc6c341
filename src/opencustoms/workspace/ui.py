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
    Admin,
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
    audit.login(engine=ws.engine, user=user, via="ui")
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


@router.get("/tools", response_class=HTMLResponse)
def tools_page(request: Request, user: CurrentUser) -> Response:
    import datetime as dt

    return render(
        request, "tools.html", {"today": dt.date.today().isoformat()}, user=user, nav="tools"
    )


@router.post("/tools/tariff", response_class=HTMLResponse)
def tools_tariff(
    request: Request,
    user: CurrentUser,
    hs_code: Annotated[str, Form(max_length=12)],
    origin: Annotated[str, Form(max_length=8)],
    value: Annotated[str, Form(max_length=32)],
    currency: Annotated[str, Form(max_length=8)],
    date: Annotated[str, Form(max_length=12)],
) -> Response:
    from fastapi import HTTPException
    from pydantic import ValidationError

    from opencustoms.tariff.views import TariffRequest, compute

    try:
        req = TariffRequest.model_validate(
            {
                "hs_code": hs_code,
                "origin": origin,
                "value": value,
                "currency": currency,
                "date": date,
            }
        )
        data: dict[str, Any] = {"tax": compute(req).model_dump()}
    except ValidationError as exc:
        data = {"errors": [{"loc": list(e["loc"]), "msg": e["msg"]} for e in exc.errors()]}
    except HTTPException as exc:
        data = {"errors": _as_field_errors(exc.detail, "request")}
        return render(request, "_tool_result.html", data, user=user, status_code=exc.status_code)
    return render(
        request, "_tool_result.html", data, user=user, status_code=422 if "errors" in data else 200
    )


@router.post("/tools/hs", response_class=HTMLResponse)
def tools_hs(
    request: Request, ws: WS, user: CurrentUser, text: Annotated[str, Form(max_length=100_000)]
) -> Response:
    from fastapi import HTTPException

    from opencustoms.hs.views import run_suggest

    status = 200
    try:
        data: dict[str, Any] = {
            "suggestions": [c.model_dump() for c in run_suggest(ws, text, 5)],
            "text": text,
            "can_teach": user.role in (Role.OFFICER, Role.SUPERVISOR, Role.ADMIN),
        }
    except HTTPException as exc:
        status = exc.status_code
        data = {"errors": _as_field_errors(exc.detail, "text")}
    return render(request, "_tool_result.html", data, user=user, status_code=status)


@router.post("/tools/hs/feedback", response_class=HTMLResponse)
def tools_hs_feedback(
    request: Request,
    ws: WS,
    user: CurrentUser,
    text: Annotated[str, Form(max_length=10_000)],
    hs_code: Annotated[str, Form(max_length=12)],
    confirmed: Annotated[str, Form(max_length=5)] = "0",
    suggested_hs: Annotated[str, Form(max_length=12)] = "",
) -> Response:
    from fastapi import HTTPException
    from pydantic import ValidationError

    from opencustoms.hs.views import FeedbackRequest, hs_feedback

    if user.role not in (Role.OFFICER, Role.SUPERVISOR, Role.ADMIN):
        raise HTTPException(
            403, detail="only officers, supervisors and admins teach the classifier"
        )
    try:
        req = FeedbackRequest.model_validate(
            {
                "text": text,
                "hs_code": hs_code,
                "confirmed": confirmed,
                "suggested_hs": suggested_hs or None,
            }
        )
        record = hs_feedback(ws, user, req)
    except ValidationError as exc:
        errors = [{"loc": list(e["loc"]), "msg": e["msg"]} for e in exc.errors()]
        return render(request, "_tool_result.html", {"errors": errors}, user=user, status_code=422)
    except HTTPException as exc:
        return render(
            request,
            "_tool_result.html",
            {"errors": _as_field_errors(exc.detail, "hs_code")},
            user=user,
            status_code=exc.status_code,
        )
    return render(request, "_tool_result.html", {"feedback": record.model_dump()}, user=user)


def _as_field_errors(detail: Any, field: str) -> list[dict[str, Any]]:
    """An HTTPException detail (a message or FastAPI's error list) as a list of errors."""
    if isinstance(detail, list):
        return detail
    return [{"loc": [field], "msg": str(detail)}]


@router.get("/my", response_class=HTMLResponse)
def my_page(request: Request, ws: WS, user: CurrentUser, page: int = 1) -> Response:
    from opencustoms.declarations.views import my_declarations
    from opencustoms.workspace.pagination import PageParams

    result = my_declarations(ws, user, PageParams(page=max(page, 1), page_size=50))
    return render(
        request, "my.html", {"trader_id": user.trader_id, "page": result}, user=user, nav="my"
    )


@router.get("/audit", response_class=HTMLResponse)
def audit_page(request: Request, ws: WS, user: Admin, page: int = 1) -> Response:
    from opencustoms.workspace.api import audit_log, audit_verify
    from opencustoms.workspace.pagination import PageParams

    entries = audit_log(ws, user, PageParams(page=max(page, 1), page_size=50))
    return render(
        request,
        "audit.html",
        {"page": entries, "verify": audit_verify(ws, user)},
        user=user,
        nav="audit",
    )
