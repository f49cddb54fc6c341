"""Public accounts and a person's own data: register, verify, log in and out, my parcels
and declarations (PCCC history, taxes due, report misuse), identity links, and exporters'
US tariff exposure."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from opencustoms.errors import Conflict, InvalidInput
from opencustoms.portal import accounts as acc
from opencustoms.portal import feedback as fb
from opencustoms.portal import sessions as portal_sessions
from opencustoms.portal.exports import WhatIf, own_export_lines, parse_lines, us_exposure
from opencustoms.portal.mail import mailer_from_settings
from opencustoms.portal.own import my_declarations, my_parcels, report_misuse
from opencustoms.portal.ratelimit import RateLimited
from opencustoms.portal.rulings import my_rulings
from opencustoms.web.auth import WS, Workspace
from opencustoms.web.routes.portal.common import (
    Portal,
    PortalCtx,
    check_csrf,
    client_ip,
    page,
    require_caller,
    set_cookie,
    too_many,
)

router = APIRouter(include_in_schema=False)
Short = Annotated[str, Form(max_length=300)]


def _mailer(ws: Workspace) -> Any:
    # Tests and the demo put a mail sink here; otherwise SMTP or .eml files per settings.
    return ws.extras.get("mailer") or mailer_from_settings()


@router.get("/portal/register", response_class=HTMLResponse)
async def register_form(request: Request, ws: WS, p: PortalCtx) -> Response:
    return page(request, ws, p, "register.html", {"form": {}, "errors": []}, nav="register")


@router.post("/portal/register", response_class=HTMLResponse)
def register(
    request: Request,
    ws: WS,
    p: PortalCtx,
    email: Short,
    password: Annotated[str, Form(max_length=256)],
    display_name: Short,
    csrf_token: Short = "",
) -> Response:
    check_csrf(p, csrf_token)
    form = {"email": email, "display_name": display_name}
    language = request.scope.get("state", {}).get("language", "ko")
    try:
        acc.register(
            engine=ws.engine,
            mailer=_mailer(ws),
            email=email,
            password=password,
            display_name=display_name,
            language=language,
            client_ip=client_ip(request),
            verify_url=f"{ws.settings.portal_base_url.rstrip('/')}/portal/verify",
        )
    except RateLimited as exc:
        return too_many(request, ws, p, exc, "register.html", {"form": form, "errors": []})
    except (InvalidInput, Conflict) as exc:
        field = exc.field if isinstance(exc, InvalidInput) else "email"
        reason = exc.reason if isinstance(exc, InvalidInput) else str(exc).split(": ", 1)[-1]
        data = {"form": form, "errors": [{"field": field, "msg": reason}]}
        return page(request, ws, p, "register.html", data, nav="register", status_code=422)
    return page(request, ws, p, "message.html", {"message": "check_mail", "email": email})


@router.get("/portal/verify", response_class=HTMLResponse)
def verify(request: Request, ws: WS, p: PortalCtx, token: str = "") -> Response:
    acc.verify_email(engine=ws.engine, token=token[:200])
    return page(request, ws, p, "message.html", {"message": "verified"})


@router.get("/portal/login", response_class=HTMLResponse)
async def login_form(request: Request, ws: WS, p: PortalCtx) -> Response:
    return page(request, ws, p, "login.html", {"form": {}, "errors": []}, nav="login")


@router.post("/portal/login", response_class=HTMLResponse)
def login(
    request: Request,
    ws: WS,
    p: PortalCtx,
    email: Short,
    password: Annotated[str, Form(max_length=256)],
    csrf_token: Short = "",
) -> Response:
    check_csrf(p, csrf_token)
    form = {"email": email}
    try:
        account = acc.authenticate(
            engine=ws.engine, email=email, password=password, client_ip=client_ip(request)
        )
    except RateLimited as exc:
        return too_many(request, ws, p, exc, "login.html", {"form": form, "errors": []})
    except acc.LoginFailed:
        data = {"form": form, "errors": [{"field": "email", "msg": "login_failed"}]}
        return page(request, ws, p, "login.html", data, nav="login", status_code=401)
    # A new CSRF token at login: a token seen before login cannot be replayed after it.
    fresh = Portal(
        csrf=acc_token(),
        account_id=account.id,
        name=account.display_name,
        sid=portal_sessions.open_session(engine=ws.engine, account=account),
    )
    response = RedirectResponse("/portal/my", status_code=303)
    set_cookie(ws, request, response, fresh)
    return response


def acc_token() -> str:
    import secrets

    return secrets.token_urlsafe(24)


@router.post("/portal/logout")
def logout(request: Request, ws: WS, p: PortalCtx, csrf_token: Short = "") -> Response:
    check_csrf(p, csrf_token)
    if p.sid is not None:
        portal_sessions.close_session(engine=ws.engine, sid=p.sid)
    response = RedirectResponse("/portal", status_code=303)
    set_cookie(ws, request, response, Portal(csrf=acc_token()))
    return response


def _my_data(ws: Workspace, p: Portal) -> dict[str, Any]:
    caller = require_caller(ws, p)
    data: dict[str, Any] = {
        "caller": {
            "kind": caller.kind,
            "name": caller.name,
            "pcccs": sorted(caller.pcccs),
            "trader_ids": sorted(caller.trader_ids),
        },
        "parcels": my_parcels(engine=ws.engine, caller=caller),
        "declarations": my_declarations(engine=ws.engine, caller=caller),
        "feedback": fb.mine(engine=ws.engine, caller=caller),
        "rulings": my_rulings(engine=ws.engine, caller=caller),
        "identities": [],
        "errors": [],
    }
    if caller.kind == "account":
        data["identities"] = acc.identities(engine=ws.engine, account_id=caller.id)
    return data


@router.get("/portal/my", response_class=HTMLResponse)
def my_page(request: Request, ws: WS, p: PortalCtx) -> Response:
    return page(request, ws, p, "my.html", _my_data(ws, p), nav="my")


@router.post("/portal/my/identity", response_class=HTMLResponse)
def identity_request(
    request: Request, ws: WS, p: PortalCtx, kind: Short, value: Short, csrf_token: Short = ""
) -> Response:
    check_csrf(p, csrf_token)
    caller = require_caller(ws, p)
    if caller.kind != "account":
        raise InvalidInput("kind", "workspace traders follow the id their account was given")
    try:
        acc.request_identity(engine=ws.engine, account_id=caller.id, kind=kind, value=value)
    except (InvalidInput, Conflict) as exc:
        data = _my_data(ws, p)
        data["errors"] = [
            {"field": getattr(exc, "field", "value"), "msg": getattr(exc, "reason", str(exc))}
        ]
        return page(request, ws, p, "my.html", data, nav="my", status_code=422)
    return RedirectResponse("/portal/my#identities", status_code=303)


@router.post("/portal/my/misuse", response_class=HTMLResponse)
def misuse(
    request: Request,
    ws: WS,
    p: PortalCtx,
    parcel_id: Annotated[list[str], Form(max_length=64)],
    note: Annotated[str, Form(max_length=2000)] = "",
    csrf_token: Short = "",
) -> Response:
    check_csrf(p, csrf_token)
    caller = require_caller(ws, p)
    alert_id = report_misuse(engine=ws.engine, caller=caller, parcel_ids=parcel_id[:200], note=note)
    data = _my_data(ws, p)
    data["reported"] = {"alert_id": alert_id, "parcels": sorted(set(parcel_id))}
    return page(request, ws, p, "my.html", data, nav="my")


@router.get("/portal/exports", response_class=HTMLResponse)
def exports_form(request: Request, ws: WS, p: PortalCtx) -> Response:
    caller = require_caller(ws, p)
    own = own_export_lines(engine=ws.engine, caller=caller)
    data = {
        "own": own,
        "result": None,
        "errors": [],
        "form": {"date_from": "2025-01-01", "date_to": "2025-09-01"},
    }
    return page(request, ws, p, "exports.html", data, nav="exports")


@router.post("/portal/exports", response_class=HTMLResponse)
async def exports_run(
    request: Request,
    ws: WS,
    p: PortalCtx,
    date_from: Short,
    date_to: Short,
    csrf_token: Short = "",
    source: Short = "upload",
    what_if_rate: Short = "",
    what_if_scope: Short = "",
    file: Annotated[UploadFile | None, File()] = None,
) -> Response:
    from fastapi.concurrency import run_in_threadpool

    check_csrf(p, csrf_token)
    caller = require_caller(ws, p)
    form = {
        "date_from": date_from,
        "date_to": date_to,
        "what_if_rate": what_if_rate,
        "what_if_scope": what_if_scope,
        "source": source,
    }
    own = await run_in_threadpool(own_export_lines, engine=ws.engine, caller=caller)
    data: dict[str, Any] = {"own": own, "result": None, "what_if": None, "errors": [], "form": form}
    try:
        if source == "own":
            lines = own
        else:
            raw = await file.read((1 << 20) + 1) if file is not None else b""
            lines = parse_lines(raw.decode("utf-8", errors="replace"))
        data["result"] = await run_in_threadpool(
            us_exposure, lines, date_from=date_from, date_to=date_to
        )
        if what_if_rate.strip():
            try:
                rate = float(what_if_rate)
            except ValueError:
                raise InvalidInput("what_if_rate", "a percentage") from None
            scope = tuple(s for s in what_if_scope.replace(",", " ").split() if s)
            data["what_if"] = await run_in_threadpool(
                us_exposure,
                lines,
                date_from=date_from,
                date_to=date_to,
                what_if=WhatIf(rate=rate, scope=scope),
            )
    except InvalidInput as exc:
        data["errors"] = [{"field": exc.field, "msg": exc.reason}]
        return page(request, ws, p, "exports.html", data, nav="exports", status_code=422)
    return page(request, ws, p, "exports.html", data, nav="exports")
