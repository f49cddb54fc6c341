"""The one place where errors become HTTP responses.

Domain errors (``opencustoms.errors``) map to status codes: ``InvalidInput`` 422 with
``detail[].loc`` naming the field (FastAPI's own validation shape), ``NotFound`` 404,
``Forbidden`` 403, ``Conflict`` 409, ``Unavailable`` 503. Route functions raise domain
errors or ``HTTPException``; they never build error responses themselves.

A browser (``Accept: text/html``, a page path, no ``?format=json``) gets the same status
as an HTML page naming every field error (``error.html``); API clients get JSON.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from sqlalchemy import exc as sa_exc
from starlette.exceptions import HTTPException as StarletteHTTPException

from opencustoms.errors import Conflict, DomainError, Forbidden, InvalidInput, NotFound, Unavailable
from opencustoms.web.auth import SESSION_COOKIE, read_session
from opencustoms.web.render import TEMPLATES
from opencustoms.workspace import sessions
from opencustoms.workspace.models import User

STATUS: tuple[tuple[type[DomainError], int], ...] = (
    (InvalidInput, 422),
    (NotFound, 404),
    (Forbidden, 403),
    (Conflict, 409),
    (Unavailable, 503),
)


RETRY_AFTER_SECONDS = 5


def database_lost(exc: BaseException) -> bool:
    """Whether a database error means the database is unreachable (not a bad query)."""
    return isinstance(exc, sa_exc.OperationalError | sa_exc.InterfaceError) or bool(
        isinstance(exc, sa_exc.DBAPIError) and exc.connection_invalidated
    )


def status_of(exc: DomainError) -> int:
    """HTTP status of a domain error (500 for a bare ``DomainError``).

    >>> status_of(NotFound("no such office")), status_of(InvalidInput("lane", "unknown"))
    (404, 422)
    """
    return next((code for kind, code in STATUS if isinstance(exc, kind)), 500)


def field_errors(exc: InvalidInput, where: str = "body") -> list[dict[str, Any]]:
    """An ``InvalidInput`` as FastAPI's validation error list (``loc`` names the field).

    >>> field_errors(InvalidInput("rule.when", "must be a list"))[0]["loc"]
    ['body', 'rule', 'when']
    """
    return [
        {"loc": [where, *field.split(".")], "msg": reason, "type": "value_error"}
        for field, reason in exc.problems
    ]


def _wants_html(request: Request) -> bool:
    accept = request.headers.get("accept", "")
    return (
        not request.url.path.startswith("/api")
        and "text/html" in accept
        and request.query_params.get("format") != "json"
    )


TITLES = {
    403: "Not allowed",
    404: "Not found",
    409: "Conflict",
    422: "Some of what was sent cannot be used",
    503: "Temporarily unavailable",
}


def _page_user(request: Request) -> User | None:
    """The signed-in user for the error page's header (None when unknown or when the
    database cannot say: an error page must not fail in turn)."""
    ws = getattr(request.app.state, "ws", None)
    if ws is None:
        return None
    scheme, _, token = request.headers.get("authorization", "").partition(" ")
    data = read_session(ws, request.cookies.get(SESSION_COOKIE))
    try:
        if scheme.lower() == "bearer" and token.strip():
            return sessions.user_for_token(engine=ws.engine, token=token.strip())
        if data is None:
            return None
        user = sessions.user_for_session(engine=ws.engine, sid=str(data["sid"]))
    except Exception:
        return None
    request.state.csrf = data.get("csrf") if user is not None else None
    return user


def _error_page(
    request: Request,
    status: int,
    *,
    message: str = "",
    errors: list[dict[str, Any]] | None = None,
    headers: dict[str, Any] | None = None,
) -> Response:
    """The HTML page of an error for a browser; every field error listed."""
    fields = [
        {
            "field": ".".join(str(p) for p in e["loc"] if p not in ("query", "body", "path")),
            "msg": e["msg"],
        }
        for e in errors or []
    ]
    context = {
        "user": _page_user(request),
        "nav": "",
        "csrf": getattr(request.state, "csrf", None),
        "status": status,
        "title": TITLES.get(status, "Error"),
        "message": message,
        "field_errors": fields,
    }
    return TEMPLATES.TemplateResponse(
        request, "error.html", context, status_code=status, headers=headers
    )


def install(app: FastAPI) -> None:
    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if exc.status_code == 401 and _wants_html(request):
            return RedirectResponse(f"/login?next={request.url.path}", status_code=303)
        headers: dict[str, Any] = dict(exc.headers or {})
        if _wants_html(request):
            return _error_page(request, exc.status_code, message=str(exc.detail), headers=headers)
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
        if _wants_html(request):
            return _error_page(request, 422, errors=errors)
        return JSONResponse({"detail": errors}, status_code=422)

    @app.exception_handler(sa_exc.DBAPIError)
    async def database_error(request: Request, exc: sa_exc.DBAPIError) -> Response:
        # The database went away (stopped, restarted, network): 503 with Retry-After
        # rather than 500; the pool reconnects by itself once it is back (pre-ping).
        if not database_lost(exc):
            raise exc
        return JSONResponse(
            {"detail": "the database is unreachable; retry shortly"},
            status_code=503,
            headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
        )

    @app.exception_handler(OverflowError)
    async def overflow_error(request: Request, exc: OverflowError) -> Response:
        # A path or query integer beyond the database's 64-bit range (e.g. an id of 2**63)
        # reaches the driver; that is bad input, not a server fault (issue 18, finding 11).
        return JSONResponse(
            {
                "detail": [
                    {"loc": ["path"], "msg": "a number is out of range", "type": "value_error"}
                ]
            },
            status_code=422,
        )

    @app.exception_handler(DomainError)
    async def domain_error(request: Request, exc: DomainError) -> Response:
        if isinstance(exc, InvalidInput):
            where = "query" if request.method == "GET" else "body"
            if _wants_html(request):
                return _error_page(request, 422, errors=field_errors(exc, where))
            return JSONResponse({"detail": field_errors(exc)}, status_code=422)
        if _wants_html(request):
            return _error_page(request, status_of(exc), message=str(exc) or "not found")
        return JSONResponse({"detail": str(exc) or "not found"}, status_code=status_of(exc))
