"""Public pages (no login): duty estimate, HS help with the advance-ruling form, feedback
and the requester's view of an answer."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Form, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response

from opencustoms.errors import InvalidInput
from opencustoms.portal import feedback as fb
from opencustoms.portal.estimate import EstimateQuery, cached, estimate, suggest_codes
from opencustoms.portal.policy import KINDS, load_routing
from opencustoms.portal.ratelimit import RateLimited
from opencustoms.portal.rulings import submit_ruling
from opencustoms.web.auth import WS
from opencustoms.web.routes.portal.common import (
    PortalCtx,
    caller_of,
    check_csrf,
    client_ip,
    page,
    too_many,
)

router = APIRouter(include_in_schema=False)
Text = Annotated[str, Form(max_length=10_000)]
Short = Annotated[str, Form(max_length=300)]


def _errors(exc: InvalidInput) -> list[dict[str, str]]:
    return [{"field": exc.field, "msg": exc.reason}]


@router.get("/portal", response_class=HTMLResponse)
async def home(request: Request, ws: WS, p: PortalCtx) -> Response:
    return page(request, ws, p, "home.html", {}, nav="home")


@router.get("/portal/estimate", response_class=HTMLResponse)
async def estimate_page(request: Request, ws: WS, p: PortalCtx) -> Response:
    """The query string is the whole state: a shared link shows the same estimate."""
    params = dict(request.query_params)
    data: dict[str, Any] = {"form": params, "estimate": None, "errors": [], "suggestions": []}
    status = 200
    description = (params.get("description") or "").strip()
    try:
        if description and not params.get("hs"):
            data["suggestions"] = await run_in_threadpool(suggest_codes, description)
        elif params.get("hs"):
            q = EstimateQuery.parse(params)
            # Shared links are opened many times: answer those from memory on the event
            # loop; compute new questions in the thread pool so the loop never blocks.
            result = cached(q)
            if result is None:
                result = await run_in_threadpool(estimate, q)
            data["estimate"] = result.as_dict()
    except InvalidInput as exc:
        data["errors"], status = _errors(exc), 422
    return page(
        request,
        ws,
        p,
        "estimate.html",
        data,
        nav="estimate",
        status_code=status,
        cookie=False,  # no form here needs the token (logged-in users already have it)
    )


@router.get("/portal/hs", response_class=HTMLResponse)
async def hs_page(request: Request, ws: WS, p: PortalCtx, q: str = "") -> Response:
    data: dict[str, Any] = {"q": q, "candidates": [], "errors": [], "ruling": None}
    status = 200
    if q.strip():
        try:
            data["candidates"] = await run_in_threadpool(suggest_codes, q, top=8)
        except InvalidInput as exc:
            data["errors"], status = _errors(exc), 422
    return page(request, ws, p, "hs.html", data, nav="hs", status_code=status)


@router.post("/portal/rulings", response_class=HTMLResponse)
def ruling_submit(
    request: Request,
    ws: WS,
    p: PortalCtx,
    applicant: Short,
    contact_email: Short,
    description: Text,
    csrf_token: Short = "",
    proposed_hs: Short = "",
    origin: Short = "",
    q: Short = "",
) -> Response:
    check_csrf(p, csrf_token)
    form = {
        "applicant": applicant,
        "contact_email": contact_email,
        "description": description,
        "proposed_hs": proposed_hs,
        "origin": origin,
    }
    data: dict[str, Any] = {"q": q, "candidates": [], "errors": [], "ruling": None, "form": form}
    try:
        suggestions = suggest_codes(description, top=5)
        data["ruling"] = submit_ruling(
            engine=ws.engine,
            applicant=applicant,
            contact_email=contact_email,
            description=description,
            client_ip=client_ip(request),
            proposed_hs=proposed_hs,
            origin=origin,
            suggestions=suggestions,
            caller=caller_of(ws, p),
        )
    except RateLimited as exc:
        return too_many(request, ws, p, exc, "hs.html", data)
    except InvalidInput as exc:
        data["errors"] = _errors(exc)
        return page(request, ws, p, "hs.html", data, nav="hs", status_code=422)
    return page(request, ws, p, "hs.html", data, nav="hs")


def _feedback_form(extra: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "topics": list(load_routing().topics),
        "kinds": KINDS,
        "errors": [],
        "form": {},
        **(extra or {}),
    }


@router.get("/portal/feedback", response_class=HTMLResponse)
async def feedback_form(
    request: Request,
    ws: WS,
    p: PortalCtx,
    topic: str = "",
    subject_type: str = "topic",
    subject_id: str = "",
) -> Response:
    form = {"topic": topic, "subject_type": subject_type, "subject_id": subject_id}
    return page(request, ws, p, "feedback.html", _feedback_form({"form": form}), nav="feedback")


@router.post("/portal/feedback", response_class=HTMLResponse)
def feedback_submit(
    request: Request,
    ws: WS,
    p: PortalCtx,
    kind: Short,
    topic: Short,
    text: Text,
    csrf_token: Short = "",
    contact_email: Short = "",
    subject_type: Short = "topic",
    subject_id: Short = "",
) -> Response:
    check_csrf(p, csrf_token)
    form = {
        "kind": kind,
        "topic": topic,
        "text": text,
        "contact_email": contact_email,
        "subject_type": subject_type,
        "subject_id": subject_id,
    }
    try:
        done = fb.submit(
            engine=ws.engine,
            kind=kind,
            topic=topic,
            text=text,
            language=request.scope.get("state", {}).get("language", "ko"),
            client_ip=client_ip(request),
            caller=caller_of(ws, p),
            contact_email=contact_email or None,
            subject_type=subject_type,
            subject_id=subject_id or None,
        )
    except RateLimited as exc:
        return too_many(request, ws, p, exc, "feedback.html", _feedback_form({"form": form}))
    except InvalidInput as exc:
        data = _feedback_form({"form": form, "errors": _errors(exc)})
        return page(request, ws, p, "feedback.html", data, nav="feedback", status_code=422)
    data = {
        "reference": done.reference,
        "access_code": done.access_code,
        "office": done.office,
        "due_at": done.due_at,
        "sla_reference": done.sla_reference,
    }
    return page(request, ws, p, "feedback_done.html", data, nav="feedback")


@router.get("/portal/feedback/status", response_class=HTMLResponse)
def feedback_status(
    request: Request, ws: WS, p: PortalCtx, reference: str = "", code: str = ""
) -> Response:
    data: dict[str, Any] = {"reference": reference, "code": code, "item": None, "errors": []}
    if reference:
        data["item"] = fb.get_for_requester(
            engine=ws.engine,
            reference=reference[:40],
            caller=caller_of(ws, p),
            access_code=code[:40],
        )
    return page(request, ws, p, "feedback_status.html", data, nav="feedback")


@router.post("/portal/feedback/rate", response_class=HTMLResponse)
def feedback_rate(
    request: Request,
    ws: WS,
    p: PortalCtx,
    reference: Short,
    satisfaction: Annotated[int, Form(ge=1, le=5)],
    csrf_token: Short = "",
    code: Short = "",
) -> Response:
    check_csrf(p, csrf_token)
    caller = caller_of(ws, p)
    fb.rate(
        engine=ws.engine,
        reference=reference,
        satisfaction=satisfaction,
        caller=caller,
        access_code=code or None,
    )
    item = fb.get_for_requester(
        engine=ws.engine, reference=reference, caller=caller, access_code=code or None
    )
    data = {"reference": reference, "code": code, "item": item, "errors": [], "rated": True}
    return page(request, ws, p, "feedback_status.html", data, nav="feedback")
