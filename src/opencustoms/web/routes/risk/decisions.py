"""A declaration's assessment and the officers' decisions on it: the detail (API and
page; every view is audited), inspection results and supervisors' lane overrides (API
and the page's forms, through the same functions)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from opencustoms.errors import InvalidInput, NotFound
from opencustoms.risk import assessments, feedback
from opencustoms.risk.detail import DeclarationDetail, declaration_detail
from opencustoms.web.auth import (
    WS,
    CurrentUser,
    Staff,
    Supervisor,
    Writer,
    check_office,
    require_role,
    writable_item,
)
from opencustoms.web.render import form_errors, html_escape, render
from opencustoms.workspace import audit
from opencustoms.workspace.models import STAFF_ROLES, Role, User

router = APIRouter()
WRITERS = (Role.OFFICER, Role.SUPERVISOR, Role.ADMIN)


class InspectionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    item_no: int = Field(default=1, ge=1, le=9999)
    fraud: bool = Field(description="Was fraud found?")
    critical: bool = Field(default=False, description="Critical fraud (KCS class 2)")
    additional_duty: float = Field(default=0.0, ge=0, le=1e13, description="KRW found due")
    note: str | None = Field(default=None, max_length=1000)


class LaneOverrideIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    item_no: int = Field(default=1, ge=1, le=9999)
    lane: Literal["green", "yellow", "red", "blue"]
    reason: str = Field(min_length=5, max_length=500, examples=["Intelligence tip-off"])


class InspectionOut(BaseModel):
    declaration_id: str
    item_no: int
    fraud: bool
    critical: bool
    additional_duty: float
    recorded_by: str


class LaneOut(BaseModel):
    declaration_id: str
    item_no: int
    lane: str
    previous_lane: str | None
    reason: str
    overridden_by: str


def _detail(ws: WS, user: User, declaration_id: str, *, via: str) -> DeclarationDetail:
    detail = declaration_detail(engine=ws.engine, declaration_id=declaration_id)
    if detail is None:
        raise NotFound("not found")
    check_office(user, detail.office_id)
    audit.by_user(
        engine=ws.engine,
        user=user,
        action="view_risk_detail",
        object_type="declaration",
        object_id=declaration_id,
        office=detail.office_id,
        detail={"items": [it.item_no for it in detail.items], "via": via},
    )
    return detail


def _inspect(ws: WS, user: User, declaration_id: str, body: InspectionIn) -> InspectionOut:
    office = writable_item(ws, user, declaration_id, body.item_no)
    res = feedback.record_inspection(
        engine=ws.engine,
        declaration_id=declaration_id,
        item_no=body.item_no,
        fraud=body.fraud,
        critical=body.critical,
        additional_duty=body.additional_duty,
        note=body.note,
        user=user.username,
    )
    audit.by_user(
        engine=ws.engine,
        user=user,
        action="inspection_result",
        object_type="declaration",
        object_id=declaration_id,
        office=office,
        detail=body.model_dump(),
    )
    return InspectionOut(
        declaration_id=res.declaration_id,
        item_no=res.item_no,
        fraud=res.fraud,
        critical=res.critical,
        additional_duty=res.additional_duty,
        recorded_by=res.officer,
    )


def _override(ws: WS, user: User, declaration_id: str, body: LaneOverrideIn) -> LaneOut:
    office = writable_item(ws, user, declaration_id, body.item_no)
    key = (declaration_id, body.item_no)
    before = assessments.lanes_for(engine=ws.engine, keys=[key]).get(key)
    res = feedback.override_lane(
        engine=ws.engine,
        declaration_id=declaration_id,
        item_no=body.item_no,
        lane=body.lane,
        reason=body.reason,
        user=user.username,
    )
    audit.by_user(
        engine=ws.engine,
        user=user,
        action="lane_override",
        object_type="declaration",
        object_id=declaration_id,
        office=office,
        detail={**body.model_dump(), "from": before},
    )
    return LaneOut(
        declaration_id=res.declaration_id,
        item_no=res.item_no,
        lane=res.lane,
        previous_lane=res.previous_lane,
        reason=res.reason,
        overridden_by=res.user,
    )


@router.get(
    "/api/declarations/{declaration_id}",
    tags=["declarations"],
    summary="Declaration detail with score, lane, reasons, rules fired and inspection "
    "(staff; officers and supervisors only for their own office). Every call is audited.",
    responses={404: {"description": "Unknown, or another office's declaration"}},
)
def declaration_api(ws: WS, user: Staff, declaration_id: str) -> DeclarationDetail:
    return _detail(ws, user, declaration_id, via="api")


@router.post(
    "/api/declarations/{declaration_id}/inspection",
    tags=["risk"],
    summary="Record an inspection result (officers and supervisors of the office, admins)",
    status_code=201,
    responses={404: {"description": "Unknown, or another office's declaration"}},
)
def record_inspection(
    ws: WS, user: Writer, declaration_id: str, body: InspectionIn
) -> InspectionOut:
    return _inspect(ws, user, declaration_id, body)


@router.post(
    "/api/declarations/{declaration_id}/lane",
    tags=["risk"],
    summary="Override a declaration's lane (supervisors of the office, admins)",
    responses={404: {"description": "Unknown, or another office's declaration"}},
)
def override_lane(ws: WS, user: Supervisor, declaration_id: str, body: LaneOverrideIn) -> LaneOut:
    return _override(ws, user, declaration_id, body)


def _page_data(ws: WS, user: User, declaration_id: str) -> dict[str, Any]:
    require_role(user, *STAFF_ROLES, action="see risk pages")
    data = _detail(ws, user, declaration_id, via="ui").model_dump(mode="json")
    for item in data["items"]:
        item["fields"] = sorted(item["declaration"].items())
    return data


def _can(user: User, office: str, *roles: Role) -> bool:
    return user.role == Role.ADMIN or (user.role in roles and user.office == office)


@router.get("/declarations/{declaration_id}", response_class=HTMLResponse, include_in_schema=False)
def declaration_page(request: Request, ws: WS, user: CurrentUser, declaration_id: str) -> Response:
    data = _page_data(ws, user, declaration_id)
    office = data["office_id"]
    return render(
        request,
        "declaration.html",
        data,
        user=user,
        nav="queue",
        can_inspect=_can(user, office, Role.OFFICER, Role.SUPERVISOR),
        can_override=_can(user, office, Role.SUPERVISOR),
    )


@router.post(
    "/declarations/{declaration_id}/inspection",
    response_class=HTMLResponse,
    include_in_schema=False,
)
def inspection_form(
    request: Request,
    ws: WS,
    user: CurrentUser,
    declaration_id: str,
    item_no: Annotated[str, Form(max_length=8)] = "1",
    fraud: Annotated[str, Form(max_length=8)] = "",
    critical: Annotated[str, Form(max_length=8)] = "",
    additional_duty: Annotated[str, Form(max_length=32)] = "0",
    note: Annotated[str, Form(max_length=1000)] = "",
) -> Response:
    require_role(user, *STAFF_ROLES, action="see risk pages")
    errors: list[dict[str, Any]] = []
    message = ""
    try:
        body = InspectionIn.model_validate(
            {
                "item_no": item_no,
                "fraud": fraud,
                "critical": critical or False,
                "additional_duty": additional_duty or 0,
                "note": note or None,
            }
        )
        require_role(user, *WRITERS, action="record inspection results")
        _inspect(ws, user, declaration_id, body)
        message = "Inspection result recorded."
    except (ValidationError, InvalidInput) as exc:
        errors = form_errors(exc)
    data = _page_data(ws, user, declaration_id)
    item = next((i for i in data["items"] if str(i["item_no"]) == str(item_no)), data["items"][0])
    if not request.headers.get("hx-request"):
        if errors:
            return render(
                request,
                "declaration.html",
                data,
                user=user,
                status_code=422,
                can_inspect=True,
                can_override=False,
            )
        return RedirectResponse(f"/declarations/{declaration_id}", status_code=303)
    return render(
        request,
        "_inspection.html",
        {
            **data,
            "it": item,
            "errors": errors,
            "message": "Please fix the form." if errors else message,
        },
        user=user,
        can_inspect=True,
        status_code=422 if errors else 200,
    )


@router.post(
    "/declarations/{declaration_id}/lane", response_class=HTMLResponse, include_in_schema=False
)
def lane_form(
    request: Request,
    ws: WS,
    user: CurrentUser,
    declaration_id: str,
    lane: Annotated[str, Form(max_length=16)],
    reason: Annotated[str, Form(max_length=500)],
    item_no: Annotated[str, Form(max_length=8)] = "1",
) -> Response:
    require_role(user, Role.SUPERVISOR, Role.ADMIN, action="change this declaration")
    try:
        body = LaneOverrideIn.model_validate({"item_no": item_no, "lane": lane, "reason": reason})
        result = _override(ws, user, declaration_id, body)
    except (ValidationError, InvalidInput) as exc:
        msg = "; ".join(f"{e['loc'][-1]}: {e['msg']}" for e in form_errors(exc))
        return HTMLResponse(
            f'<p class="flash bad" role="alert">{html_escape(msg)}</p>', status_code=422
        )
    if not request.headers.get("hx-request"):
        return RedirectResponse(f"/declarations/{declaration_id}", status_code=303)
    lane_name = html_escape(result.lane)
    return HTMLResponse(
        f'<p class="flash" role="status">Lane set to '
        f'<span class="lane lane-{lane_name}">{lane_name}</span>. '
        "Reload to see it everywhere.</p>"
    )
