"""User administration by admins (issue 18, finding 7): disable, enable, change role,
reset password - as API routes and as the ``/users`` page.

Each change is audited with the admin as actor and what it ended; disabling, a role
change and a password reset end the user's sessions and tokens in the same transaction
(``workspace.users``), so the user's next request, in any server process, is refused or
runs with the new rights.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, ValidationError

from opencustoms.errors import InvalidInput
from opencustoms.web.auth import WS, Admin
from opencustoms.web.render import render
from opencustoms.workspace import audit, users
from opencustoms.workspace.models import PasswordIn, Role, RoleIn, User

router = APIRouter()
Username = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9._@-]+$")]


class ChangeOut(BaseModel):
    user: User
    sessions_ended: int
    tokens_ended: int


def _record(ws: WS, admin: User, action: str, change: users.Change) -> ChangeOut:
    after = change.user
    audit.by_user(
        engine=ws.engine,
        user=admin,
        action=action,
        object_type="user",
        object_id=after.username,
        office=after.office,
        detail=change.audit_detail(),
    )
    return ChangeOut(
        user=after, sessions_ended=change.sessions_ended, tokens_ended=change.tokens_ended
    )


@router.post(
    "/api/users/{username}/disable",
    tags=["admin"],
    summary="Disable a user: no login; their sessions and tokens end at once (admin)",
    responses={404: {"description": "No such user"}, 409: {"description": "Last admin"}},
)
def disable(ws: WS, admin: Admin, username: Username) -> ChangeOut:
    return _record(
        ws, admin, "user_disable", users.disable_user(engine=ws.engine, username=username)
    )


@router.post(
    "/api/users/{username}/enable",
    tags=["admin"],
    summary="Enable a disabled user again (admin)",
    responses={404: {"description": "No such user"}},
)
def enable(ws: WS, admin: Admin, username: Username) -> ChangeOut:
    return _record(ws, admin, "user_enable", users.enable_user(engine=ws.engine, username=username))


@router.put(
    "/api/users/{username}/role",
    tags=["admin"],
    summary="Change a user's role (and office); their sessions and tokens end (admin)",
    responses={404: {"description": "No such user"}, 409: {"description": "Last admin"}},
)
def set_role(ws: WS, admin: Admin, username: Username, data: RoleIn) -> ChangeOut:
    change = users.set_role(
        engine=ws.engine,
        username=username,
        role=data.role,
        office=data.office,
        trader_id=data.trader_id,
    )
    return _record(ws, admin, "user_role", change)


@router.put(
    "/api/users/{username}/password",
    tags=["admin"],
    summary="Reset a user's password (policy checked); their sessions and tokens end (admin)",
    responses={404: {"description": "No such user"}},
)
def reset_password(ws: WS, admin: Admin, username: Username, data: PasswordIn) -> ChangeOut:
    change = users.reset_password(engine=ws.engine, username=username, password=data.password)
    return _record(ws, admin, "user_password_reset", change)


def _page(
    request: Request, ws: WS, admin: User, *, message: str = "", error: str = "", status: int = 200
) -> Response:
    everyone = users.list_users(engine=ws.engine)
    audit.by_user(
        engine=ws.engine,
        user=admin,
        action="user_list",
        object_type="user",
        object_id="*",
        detail={"via": "page"},
    )
    return render(
        request,
        "users.html",
        {
            "users": everyone,
            "roles": [r.value for r in Role],
            "message": message,
            "error": error,
        },
        user=admin,
        nav="audit",
        status_code=status,
    )


@router.get("/users", response_class=HTMLResponse, include_in_schema=False)
def users_page(request: Request, ws: WS, admin: Admin) -> Response:
    return _page(request, ws, admin)


@router.post("/users/{username}", response_class=HTMLResponse, include_in_schema=False)
def change_user(
    request: Request,
    ws: WS,
    admin: Admin,
    username: Username,
    action: Annotated[str, Form(pattern="^(disable|enable|role|password)$")],
    role: Annotated[str | None, Form(max_length=16)] = None,
    office: Annotated[str | None, Form(max_length=16)] = None,
    password: Annotated[str | None, Form(max_length=256)] = None,
    confirm: Annotated[str | None, Form(max_length=256)] = None,
) -> Response:
    """The page's forms: one per action; a bad value shows the page again with the field
    and the reason (422), a good one redirects back to the list (303)."""
    try:
        if action == "disable":
            change = users.disable_user(engine=ws.engine, username=username)
        elif action == "enable":
            change = users.enable_user(engine=ws.engine, username=username)
        elif action == "role":
            data = RoleIn(role=role or "", office=office or None)
            change = users.set_role(
                engine=ws.engine, username=username, role=data.role, office=data.office
            )
        else:
            if password != confirm:
                raise InvalidInput("confirm", "the two passwords differ")
            new = PasswordIn(password=password or "").password
            change = users.reset_password(engine=ws.engine, username=username, password=new)
    except ValidationError as exc:
        err = exc.errors()[0]
        return _page(request, ws, admin, error=f"{err['loc'][0]}: {err['msg']}", status=422)
    except InvalidInput as exc:
        return _page(request, ws, admin, error=str(exc), status=422)
    _record(ws, admin, f"user_{'password_reset' if action == 'password' else action}", change)
    return RedirectResponse("/users", status_code=303)
