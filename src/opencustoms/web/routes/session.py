"""Signing in and out of the web UI (session cookie with a CSRF token) and the home page."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlparse

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from opencustoms.portal.ratelimit import RateLimited
from opencustoms.web.auth import (
    SESSION_COOKIE,
    WS,
    CurrentUser,
    end_session,
    make_session,
    optional_user,
    session_lifetime,
)
from opencustoms.web.render import render
from opencustoms.web.throttle import client_address, retry_after, throttle
from opencustoms.workspace import audit, users
from opencustoms.workspace.models import Role, User

router = APIRouter(include_in_schema=False)


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
    try:
        throttle(ws).check(
            engine=ws.engine, username=username, ip=client_address(request), via="ui"
        )
    except RateLimited as exc:
        wait = round(exc.retry_after)
        response = render(
            request,
            "login.html",
            {
                "next": _safe_next(next),
                "username": username,
                "error": f"Too many sign-in attempts; try again in {max(1, wait)} seconds.",
            },
            user=None,
            status_code=429,
        )
        response.headers.update(retry_after(exc))
        return response
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
    throttle(ws).succeeded(username)
    audit.login(engine=ws.engine, user=user, via="ui")
    cookie, _csrf = make_session(ws, user)
    response = RedirectResponse(_safe_next(next), status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        cookie,
        max_age=session_lifetime(ws),
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
    )
    return response


@router.post("/logout")
def logout(request: Request, ws: WS, user: CurrentUser) -> Response:
    # The server-side session goes, so the cookie is worthless even if someone kept a copy.
    ended = end_session(ws, request.cookies.get(SESSION_COOKIE))
    audit.by_user(
        engine=ws.engine,
        user=user,
        action="logout",
        object_type="user",
        object_id=user.username,
        office=user.office,
        detail={"session_ended": ended},
    )
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response
