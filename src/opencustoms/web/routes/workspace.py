"""Users, roles, offices and the audit trail: API tokens, the current user, the office
register, user administration and the audit trail (API and the admin's page)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Body, Depends, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from opencustoms.portal.ratelimit import RateLimited
from opencustoms.web.auth import WS, Admin, CurrentUser, require
from opencustoms.web.pagination import Page, PageParams, page_params
from opencustoms.web.render import render
from opencustoms.web.throttle import client_address, retry_after, throttle
from opencustoms.workspace import audit, sessions, users
from opencustoms.workspace.models import AuditEntry, Office, Role, User, UserCreate

router = APIRouter()
Auditor = Annotated[User, Depends(require(Role.ADMIN, Role.ANALYST))]


class Credentials(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: str = Field(min_length=1, max_length=64, examples=["kim.officer"])
    password: str = Field(min_length=1, max_length=256, examples=["correct horse battery"])


class TokenOut(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_at: dt.datetime
    user: User


@router.post(
    "/api/auth/token",
    tags=["auth"],
    summary="Exchange username and password for a bearer token",
    responses={
        401: {"description": "Wrong username or password"},
        429: {"description": "Too many attempts for the account or address; see Retry-After"},
    },
)
def token(request: Request, ws: WS, creds: Credentials) -> TokenOut:
    try:
        throttle(ws).check(
            engine=ws.engine, username=creds.username, ip=client_address(request), via="api"
        )
    except RateLimited as exc:
        raise HTTPException(429, detail=str(exc), headers=retry_after(exc)) from None
    user = users.authenticate(engine=ws.engine, username=creds.username, password=creds.password)
    if user is None:
        audit.append(
            engine=ws.engine,
            actor=creds.username,
            role="-",
            action="login_failed",
            object_type="user",
            object_id=creds.username,
            detail={"via": "api"},
        )
        raise HTTPException(401, detail="wrong username or password")
    throttle(ws).succeeded(creds.username)
    tok, expires = sessions.issue_token(
        engine=ws.engine, user=user, lifetime=dt.timedelta(seconds=ws.settings.token_lifetime)
    )
    audit.login(engine=ws.engine, user=user, via="api")
    return TokenOut(access_token=tok, expires_at=expires, user=user)


@router.get("/api/me", tags=["auth"], summary="The authenticated user")
def me(user: CurrentUser) -> User:
    return user


@router.get("/api/offices", tags=["admin"], summary="Customs offices and support centres")
def offices(ws: WS, _: CurrentUser) -> list[Office]:
    return users.list_offices(engine=ws.engine)


@router.get("/api/users", tags=["admin"], summary="List users (admin)")
def list_users(
    ws: WS, admin: Admin, params: Annotated[PageParams, Depends(page_params)]
) -> Page[User]:
    everyone = users.list_users(engine=ws.engine)
    audit.by_user(
        engine=ws.engine,
        user=admin,
        action="user_list",
        object_type="user",
        object_id="*",
        detail={"page": params.page},
    )
    chunk = everyone[params.offset : params.offset + params.page_size]
    return Page[User].of(chunk, total=len(everyone), params=params)


@router.post("/api/users", tags=["admin"], status_code=201, summary="Create a user (admin)")
def create_user(
    ws: WS,
    admin: Admin,
    data: Annotated[
        UserCreate,
        Body(
            examples=[
                {
                    "username": "lee.supervisor",
                    "password": "a long passphrase of mine",
                    "role": "supervisor",
                    "office": "20",
                }
            ]
        ),
    ],
) -> User:
    user = users.create_user(engine=ws.engine, data=data)  # UserError: 422 naming the field
    audit.by_user(
        engine=ws.engine,
        user=admin,
        action="user_create",
        object_type="user",
        object_id=user.username,
        office=user.office,
        detail={"role": user.role.value},
    )
    return user


def _audit_read(ws: WS, reader: User, page: int, object_id: str | None) -> None:
    # Who read the trail is itself audited (issue 18, finding 9).
    audit.by_user(
        engine=ws.engine,
        user=reader,
        action="audit_read",
        object_type="audit",
        object_id=object_id or "*",
        detail={"page": page},
    )


class VerifyOut(BaseModel):
    ok: bool
    entries: int
    problems: list[str]


@router.get("/api/audit", tags=["admin"], summary="Audit trail, newest first (admin, analyst)")
def audit_log(
    ws: WS,
    reader: Auditor,
    params: Annotated[PageParams, Depends(page_params)],
    object_id: str | None = None,
) -> Page[AuditEntry]:
    _audit_read(ws, reader, params.page, object_id)
    total, entries = audit.list_entries(
        engine=ws.engine, limit=params.page_size, offset=params.offset, object_id=object_id
    )
    return Page[AuditEntry].of(entries, total=total, params=params)


@router.get("/api/audit/verify", tags=["admin"], summary="Verify the audit hash chain (admin)")
def audit_verify(ws: WS, _: Admin) -> VerifyOut:
    result = audit.verify(engine=ws.engine)
    return VerifyOut(ok=result.ok, entries=result.entries, problems=result.problems)


@router.get("/audit", response_class=HTMLResponse, include_in_schema=False)
def audit_page(
    request: Request, ws: WS, user: Admin, page: Annotated[int, Query(ge=1, le=1_000_000)] = 1
) -> Response:
    params = PageParams(page=max(page, 1), page_size=50)
    _audit_read(ws, user, params.page, None)
    total, entries = audit.list_entries(
        engine=ws.engine, limit=params.page_size, offset=params.offset
    )
    result = audit.verify(engine=ws.engine)
    return render(
        request,
        "audit.html",
        {
            "page": Page[AuditEntry].of(entries, total=total, params=params),
            "verify": VerifyOut(ok=result.ok, entries=result.entries, problems=result.problems),
        },
        user=user,
        nav="audit",
    )
