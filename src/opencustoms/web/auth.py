"""Request authentication (bearer token or session cookie), CSRF and role checks.

API clients send ``Authorization: Bearer <token>`` (from ``POST /api/auth/token``). The
browser UI uses a signed session cookie naming a server-side session; every state-changing
request made with the cookie must carry the session's CSRF token (form field
``csrf_token`` or header ``X-CSRF-Token``), which a cross-site page cannot read.

Tokens and sessions are looked up in the database on every request (one indexed query,
:mod:`opencustoms.workspace.sessions`), never cached in the process: logout, disabling a
user or changing their role takes effect at once in every server process.
"""

from __future__ import annotations

import datetime as dt
import hmac
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request, status
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import Engine

from opencustoms.errors import Forbidden, NotFound
from opencustoms.risk.assessments import office_of
from opencustoms.risk.live import LiveRisk
from opencustoms.settings import Settings
from opencustoms.workspace import sessions, users
from opencustoms.workspace.models import Role, User

SESSION_COOKIE = "oc_session"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass
class Workspace:
    """What every request handler needs: settings, engine, the session signer and the
    risk engine in force (model, rules, capacity)."""

    settings: Settings
    engine: Engine
    signer: URLSafeTimedSerializer
    risk: LiveRisk
    extras: dict[str, Any]


async def get_ws(request: Request) -> Workspace:
    # async: a sync dependency would cost a thread-pool hop on every request.
    ws: Workspace = request.app.state.ws
    return ws


WS = Annotated[Workspace, Depends(get_ws)]


def make_session(ws: Workspace, user: User) -> tuple[str, str]:
    """Open a server-side session for a freshly logged-in user; return (cookie value,
    csrf token). The cookie carries the session id, signed, and the CSRF token."""
    sid, _expires = sessions.open_session(
        engine=ws.engine, user=user, lifetime=dt.timedelta(seconds=session_lifetime(ws))
    )
    csrf = secrets.token_urlsafe(24)
    return ws.signer.dumps({"sid": sid, "csrf": csrf}), csrf


def session_lifetime(ws: Workspace) -> int:
    """Seconds a UI session lasts (``OPENCUSTOMS_SESSION_LIFETIME``)."""
    return ws.settings.session_lifetime


def read_session(ws: Workspace, cookie: str | None) -> dict[str, Any] | None:
    """The signed content of a session cookie, or None. Cookies from before server-side
    sessions (``uid`` only) are refused: they could not be logged out."""
    if not cookie:
        return None
    try:
        data = ws.signer.loads(cookie, max_age=session_lifetime(ws))
    except BadSignature:
        return None
    return data if isinstance(data, dict) and isinstance(data.get("sid"), str) else None


def end_session(ws: Workspace, cookie: str | None) -> bool:
    """Logout: delete the server-side session the cookie names, so the cookie is dead
    even if replayed; True when a session was open."""
    data = read_session(ws, cookie)
    if data is None:
        return False
    return sessions.close_session(engine=ws.engine, sid=str(data["sid"]))


def _unauthorized(detail: str) -> HTTPException:
    return HTTPException(
        status.HTTP_401_UNAUTHORIZED, detail=detail, headers={"WWW-Authenticate": "Bearer"}
    )


_USER_KEY = "oc_user"


async def optional_user(request: Request) -> User | None:
    """The authenticated user, or None; enforces CSRF on cookie-authenticated writes.

    Looked up once per request: the role checks below call this directly instead of
    through nested ``Depends`` (each level of FastAPI's dependency solving cost ~0.1 ms
    CPU on every request), so the result is kept on this request's state for any other
    dependency of the same request. Nothing outlives the request."""
    state = request.scope.setdefault("state", {})
    if _USER_KEY in state:
        user: User | None = state[_USER_KEY]
        return user
    state[_USER_KEY] = user = await _authenticate(request, request.app.state.ws)
    return user


async def _authenticate(request: Request, ws: Workspace) -> User | None:
    header = request.headers.get("authorization", "")
    if header:
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise _unauthorized("Authorization header must be 'Bearer <token>'")
        user = sessions.user_for_token(engine=ws.engine, token=token.strip())
        if user is None:
            raise _unauthorized("invalid or expired token")
        return user
    session = read_session(ws, request.cookies.get(SESSION_COOKIE))
    if session is None:
        return None
    user = sessions.user_for_session(engine=ws.engine, sid=str(session["sid"]))
    if user is None:
        return None
    if request.method not in SAFE_METHODS:
        sent = request.headers.get("x-csrf-token")
        if sent is None and request.headers.get("content-type", "").startswith(
            ("application/x-www-form-urlencoded", "multipart/form-data")
        ):
            form = await request.form()
            value = form.get("csrf_token")
            sent = value if isinstance(value, str) else None
        if not sent or not hmac.compare_digest(sent, str(session.get("csrf", ""))):
            raise HTTPException(status.HTTP_403_FORBIDDEN, detail="missing or bad CSRF token")
    request.state.csrf = session.get("csrf")
    return user


async def current_user(request: Request) -> User:
    user = await optional_user(request)
    if user is None:
        raise _unauthorized("authentication required")
    return user


CurrentUser = Annotated[User, Depends(current_user)]


def require(*roles: Role) -> Callable[..., Any]:
    """Dependency factory: the current user must have one of ``roles``."""
    allowed = frozenset(roles)

    async def dep(request: Request) -> User:
        user = await current_user(request)
        if user.role not in allowed:
            raise HTTPException(
                status.HTTP_403_FORBIDDEN,
                detail=f"role {user.role.value!r} may not do this "
                f"(allowed: {', '.join(sorted(r.value for r in allowed))})",
            )
        return user

    return dep


STAFF = (Role.OFFICER, Role.SUPERVISOR, Role.ANALYST, Role.ADMIN)
Staff = Annotated[User, Depends(require(*STAFF))]
Writer = Annotated[User, Depends(require(Role.OFFICER, Role.SUPERVISOR, Role.ADMIN))]
Supervisor = Annotated[User, Depends(require(Role.SUPERVISOR, Role.ADMIN))]
Admin = Annotated[User, Depends(require(Role.ADMIN))]
AnyUser = CurrentUser


def check_office(user: User, office: str | None) -> None:
    """Refuse with 404 (not 403) so other offices' declarations are not even confirmed."""
    if not user.can_read_office(office):
        raise NotFound("not found")


def check_office_write(user: User, office: str | None) -> None:
    if user.role == Role.ADMIN:
        return
    if user.role in (Role.OFFICER, Role.SUPERVISOR) and office == user.office:
        return
    raise Forbidden(
        f"role {user.role.value!r} of office {user.office} may not "
        f"change declarations of office {office}"
    )


def known_office(ws: Workspace, user: User, office: str) -> None:
    """404 for an unknown office and for an office the user may not read."""
    if not users.office_exists(engine=ws.engine, office=office):
        raise NotFound("not found")
    check_office(user, office)


def writable_item(ws: Workspace, user: User, declaration_id: str, item_no: int) -> str:
    """The office of a stored item the user may change (404 unknown or unreadable, 403
    readable but not writable)."""
    office = office_of(engine=ws.engine, declaration_id=declaration_id, item_no=item_no)
    if office is None:
        raise NotFound("not found")
    check_office(user, office)
    check_office_write(user, office)
    return office


def require_role(user: User, *roles: Role, action: str) -> None:
    """For routes whose role rule depends on the request (HTML forms): 403 otherwise."""
    if user.role not in roles:
        raise HTTPException(status.HTTP_403_FORBIDDEN, detail=f"your role may not {action}")
