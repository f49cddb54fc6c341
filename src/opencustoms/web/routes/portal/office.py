"""The officers' side of the portal (workspace login): feedback queue and replies, the
supervisors' statistics per office, advance-ruling requests and identity checks."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from opencustoms.portal import accounts as acc
from opencustoms.portal import feedback as fb
from opencustoms.portal import rulings
from opencustoms.web.auth import WS, Staff, Writer
from opencustoms.web.render import render
from opencustoms.workspace.models import Role

router = APIRouter(include_in_schema=False)
Text = Annotated[str, Form(max_length=5000)]
Short = Annotated[str, Form(max_length=300)]


def _role(user: Any) -> str:
    return str(user.role.value)


@router.get("/portal/office/feedback", response_class=HTMLResponse)
def queue(request: Request, ws: WS, user: Staff, status: str = "open") -> Response:
    status = status if status in ("open", "answered", "closed", "all") else "open"
    items = fb.office_queue(
        engine=ws.engine,
        role=_role(user),
        office=user.office,
        status=None if status == "all" else status,
    )
    return render(
        request,
        "portal/office_feedback.html",
        {"items": items, "status": status},
        user=user,
        nav="feedback",
    )


@router.get("/portal/office/feedback/{reference}", response_class=HTMLResponse)
def item(request: Request, ws: WS, user: Staff, reference: str) -> Response:
    found = fb.get_for_staff(
        engine=ws.engine, reference=reference, role=_role(user), office=user.office
    )
    return render(request, "portal/office_item.html", {"item": found}, user=user, nav="feedback")


@router.post("/portal/office/feedback/{reference}/reply")
def reply(ws: WS, user: Writer, reference: str, text: Text, close: Short = "") -> Response:
    fb.reply(
        engine=ws.engine,
        reference=reference,
        text=text,
        author=user.username,
        role=_role(user),
        office=user.office,
        close=bool(close),
    )
    return RedirectResponse(f"/portal/office/feedback/{reference}", status_code=303)


@router.get("/portal/office/stats", response_class=HTMLResponse)
def stats(request: Request, ws: WS, user: Staff) -> Response:
    if user.role == Role.OFFICER:
        from opencustoms.errors import Forbidden

        raise Forbidden("supervisors and analysts only")
    rows = fb.statistics(engine=ws.engine, role=_role(user), office=user.office)
    return render(request, "portal/office_stats.html", {"offices": rows}, user=user, nav="feedback")


@router.get("/portal/office/rulings", response_class=HTMLResponse)
def ruling_queue(request: Request, ws: WS, user: Staff, status: str = "received") -> Response:
    status = status if status in ("received", "answered", "all") else "received"
    items = rulings.list_rulings(
        engine=ws.engine, role=_role(user), status=None if status == "all" else status
    )
    return render(
        request,
        "portal/office_rulings.html",
        {"items": items, "status": status},
        user=user,
        nav="feedback",
    )


@router.post("/portal/office/rulings/{reference}")
def ruling_decide(ws: WS, user: Writer, reference: str, ruling_hs: Short, text: Text) -> Response:
    rulings.decide_ruling(
        engine=ws.engine,
        reference=reference,
        ruling_hs=ruling_hs,
        text=text,
        officer=user.username,
        role=_role(user),
    )
    return RedirectResponse("/portal/office/rulings?status=all", status_code=303)


@router.get("/portal/office/identities", response_class=HTMLResponse)
def identities(request: Request, ws: WS, user: Writer) -> Response:
    return render(
        request,
        "portal/office_identities.html",
        {"items": acc.pending_identities(engine=ws.engine)},
        user=user,
        nav="feedback",
    )


@router.post("/portal/office/identities/{identity_id}")
def identity_decide(ws: WS, user: Writer, identity_id: int, decision: Short) -> Response:
    acc.decide_identity(
        engine=ws.engine,
        identity_id=identity_id,
        approve=decision == "approve",
        officer=user.username,
        role=_role(user),
    )
    return RedirectResponse("/portal/office/identities", status_code=303)
