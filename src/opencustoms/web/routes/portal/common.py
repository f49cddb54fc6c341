"""What every portal page shares: the public session cookie (account and CSRF token), the
caller's identity, the client address for rate limits, and rendering with the portal
layout.

The public session is a separate signed cookie (``oc_portal``, its own salt): a public
account never holds an officer session, and the officer workspace never trusts it. A
signed-in cookie names a server-side session (``portal.sessions``), looked up on every
request, so logging out ends every copy of the cookie. Every
portal form carries the cookie's CSRF token, anonymous forms included (the cookie is
issued on the first page), so another site cannot post in a visitor's name.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass, field
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request
from fastapi.responses import Response
from itsdangerous import BadSignature, URLSafeTimedSerializer

from opencustoms.portal import sessions
from opencustoms.portal.accounts import get_account
from opencustoms.portal.own import Caller, caller_for_account, caller_for_trader
from opencustoms.portal.ratelimit import RateLimited
from opencustoms.web.auth import WS, Workspace, optional_user
from opencustoms.web.render import render
from opencustoms.workspace.models import Role, User

COOKIE = "oc_portal"
MAX_AGE = 12 * 3600


@dataclass
class Portal:
    csrf: str
    account_id: int | None = None
    name: str = ""
    fresh: bool = False  # the cookie must be (re)sent with this response
    user: User | None = None  # an officer-workspace user (traders use the portal too)
    bearer: bool = False  # authenticated by an API token: no cookie, so no CSRF to check
    flash: list[str] = field(default_factory=list)
    sid: str | None = None  # server-side session of a signed-in account


def _signer(ws: Workspace) -> URLSafeTimedSerializer:
    secret = ws.signer.secret_keys[-1]
    return URLSafeTimedSerializer(secret, salt="oc-portal")


async def get_portal(
    request: Request, ws: WS, user: Annotated[User | None, Depends(optional_user)]
) -> Portal:
    if user is not None and request.headers.get("authorization"):
        return Portal(csrf="", user=user, bearer=True)
    raw = request.cookies.get(COOKIE)
    data: dict[str, Any] | None = None
    if raw:
        try:
            loaded = _signer(ws).loads(raw, max_age=MAX_AGE)
            data = loaded if isinstance(loaded, dict) else None
        except BadSignature:
            data = None
    # With a workspace session (a trader, or staff) the workspace already demands its own
    # CSRF token on every write, so portal forms carry that one.
    workspace_csrf = getattr(request.state, "csrf", None) if user is not None else None
    if data is None or "csrf" not in data:
        if workspace_csrf:
            return Portal(csrf=str(workspace_csrf), user=user)
        return Portal(csrf=secrets.token_urlsafe(24), fresh=True, user=user)
    p = Portal(csrf=str(workspace_csrf or data["csrf"]), user=user)
    sid = data.get("sid")
    if isinstance(sid, str):
        found = sessions.account_for_session(engine=ws.engine, sid=sid)
        if found is not None:
            p.account_id, p.name = found
            p.sid = sid
    return p


PortalCtx = Annotated[Portal, Depends(get_portal)]


def set_cookie(ws: Workspace, request: Request, response: Response, p: Portal) -> None:
    value = _signer(ws).dumps({"csrf": p.csrf, "sid": p.sid})
    response.set_cookie(
        COOKIE,
        value,
        max_age=MAX_AGE,
        httponly=True,
        samesite="lax",
        path="/",
        # Secure whenever the request came over HTTPS (behind a TLS proxy, run uvicorn with
        # --proxy-headers so the scheme is seen); plain HTTP for the local demo.
        secure=request.url.scheme == "https",
    )


def check_csrf(p: Portal, sent: str | None) -> None:
    if p.bearer:
        return
    if p.fresh or not sent or not hmac.compare_digest(sent, p.csrf):
        raise HTTPException(403, detail="missing or bad form token; reload the page")


def client_ip(request: Request) -> str:
    # The direct peer. Behind a reverse proxy, uvicorn's --forwarded-allow-ips makes this
    # the client's address; X-Forwarded-For is never read here (a client could forge it).
    return request.client.host if request.client else "unknown"


def caller_of(ws: Workspace, p: Portal) -> Caller | None:
    """The portal account, else a trader logged into the workspace, else nobody."""
    if p.account_id is not None:
        return caller_for_account(engine=ws.engine, account_id=int(p.account_id), name=p.name)
    if p.user is not None and p.user.role == Role.TRADER:
        return caller_for_trader(
            user_id=p.user.id, username=p.user.username, trader_id=p.user.trader_id
        )
    return None


def require_caller(ws: Workspace, p: Portal) -> Caller:
    caller = caller_of(ws, p)
    if caller is None and p.user is not None:
        # Customs staff have no parcels or declarations of their own here.
        raise HTTPException(
            403, detail="the portal's own-data pages are for the public and traders"
        )
    if caller is None:
        raise HTTPException(401, detail="log in to the portal first")
    if caller.kind == "account":
        get_account(engine=ws.engine, account_id=caller.id)  # disabled since login: 404
    return caller


def page(
    request: Request,
    ws: Workspace,
    p: Portal,
    template: str,
    data: dict[str, Any],
    *,
    nav: str = "",
    status_code: int = 200,
    cookie: bool = True,
    **extra: Any,
) -> Response:
    """Render a portal page; ``cookie=False`` for pages without a form (the session cookie,
    and its CSRF token, are issued by the first page that has one)."""
    response = render(
        request,
        f"portal/{template}",
        data,
        user=p.user,
        nav=nav,
        status_code=status_code,
        portal=p,
        **extra,
    )
    if p.fresh and cookie:
        set_cookie(ws, request, response, p)
    return response


def too_many(
    request: Request,
    ws: Workspace,
    p: Portal,
    exc: RateLimited,
    template: str,
    data: dict[str, Any],
) -> Response:
    """429 with Retry-After, the form shown again with the wait in words."""
    response = page(
        request, ws, p, template, {**data, "rate_limited": round(exc.retry_after)}, status_code=429
    )
    response.headers["Retry-After"] = str(max(1, round(exc.retry_after)))
    return response
