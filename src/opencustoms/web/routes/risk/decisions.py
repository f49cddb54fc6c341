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
from opencustoms.risk.assessments import inspection
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
from opencustoms.web.render import render
from opencustoms.web.routes.risk.decision_forms import FORM_WORDS, InspectionIn, inspection_input
from opencustoms.workspace import audit
from opencustoms.workspace.models import STAFF_ROLES, Role, User

router = APIRouter()
WRITERS = (Role.OFFICER, Role.SUPERVISOR, Role.ADMIN)


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
    return _detail(ws, user, declaration_id, via="ui").model_dump(mode="json")


def _can(user: User, office: str, *roles: Role) -> bool:
    return user.role == Role.ADMIN or (user.role in roles and user.office == office)


def _item(data: dict[str, Any], item_no: str) -> dict[str, Any]:
    return next((i for i in data["items"] if str(i["item_no"]) == str(item_no)), data["items"][0])


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
    require_role(user, *WRITERS, action="record inspection results")
    body, errors = inspection_input(item_no, fraud, critical, additional_duty, note)
    message = ""
    if body is not None:
        stored = inspection(engine=ws.engine, declaration_id=declaration_id, item_no=body.item_no)
        if stored is not None:
            # One submission: a second post (double click, old tab) changes nothing.
            writable_item(ws, user, declaration_id, body.item_no)
            message = (
                f"A result was already recorded by {stored.recorded_by} at "
                f"{(stored.recorded_at or '')[:16]}; it was not changed."
            )
        else:
            try:
                _inspect(ws, user, declaration_id, body)
                message = "Inspection result recorded."
            except InvalidInput as exc:
                for field, reason in exc.problems:
                    errors[field] = FORM_WORDS.get(field, reason)
    data = _page_data(ws, user, declaration_id)
    status_code = 422 if errors else 200
    context: dict[str, Any] = {
        "can_inspect": True,
        "form_item": int(_item(data, item_no)["item_no"]),
        "values": {
            "fraud": fraud.strip(),
            "critical": bool(critical),
            "additional_duty": additional_duty,
            "note": note,
        },
        "field_errors": errors,
        "errors": bool(errors),
        "message": "The result was not recorded: fix the fields marked below."
        if errors
        else message,
    }
    if not request.headers.get("hx-request"):
        if errors:
            can_override = _can(user, data["office_id"], Role.SUPERVISOR)
            return render(
                request,
                "declaration.html",
                data,
                user=user,
                status_code=status_code,
                can_override=can_override,
                **context,
            )
        return RedirectResponse(f"/declarations/{declaration_id}", status_code=303)
    return render(
        request,
        "_inspection.html",
        {**data, "it": _item(data, item_no)},
        user=user,
        status_code=status_code,
        **context,
    )


@router.post(
    "/declarations/{declaration_id}/lane", response_class=HTMLResponse, include_in_schema=False
)
def lane_form(
    request: Request,
    ws: WS,
    user: CurrentUser,
    declaration_id: str,
    lane: Annotated[str, Form(max_length=16)] = "",
    reason: Annotated[str, Form(max_length=500)] = "",
    item_no: Annotated[str, Form(max_length=8)] = "1",
) -> Response:
    require_role(user, Role.SUPERVISOR, Role.ADMIN, action="change this declaration")
    error = ""
    result = None
    try:
        body = LaneOverrideIn.model_validate(
            {"item_no": item_no, "lane": lane, "reason": reason.strip()}
        )
        result = _override(ws, user, declaration_id, body)
    except ValidationError as exc:
        fields = {str(e["loc"][-1]) for e in exc.errors()}
        words = []
        if "lane" in fields:
            words.append("Choose a lane: red, yellow, blue or green.")
        if "reason" in fields:
            words.append("Give a reason of at least 5 characters (it is kept in the audit trail).")
        if fields - {"lane", "reason"}:
            words.append("This item number is not valid.")
        error = " ".join(words)
    except InvalidInput as exc:
        error = "; ".join(reason for _field, reason in exc.problems)
    if not request.headers.get("hx-request") and not error:
        return RedirectResponse(f"/declarations/{declaration_id}", status_code=303)
    data = _page_data(ws, user, declaration_id)
    it = _item(data, item_no)
    context: dict[str, Any] = {
        "lane_item": it["item_no"],
        "lane_error": bool(error),
        "lane_value": lane if error else None,
        "reason_value": reason if error else "",
        "lane_message": error
        or (
            f"Lane set to {result.lane} (was {result.previous_lane or '-'})."
            if result is not None
            else ""
        ),
    }
    if not request.headers.get("hx-request"):
        office = data["office_id"]
        return render(
            request,
            "declaration.html",
            data,
            user=user,
            status_code=422,
            can_inspect=_can(user, office, Role.OFFICER, Role.SUPERVISOR),
            can_override=True,
            **context,
        )
    # The form comes back at the new lane; the decision card is swapped out of band.
    return render(
        request,
        "_lane_result.html",
        {**data, "it": it},
        user=user,
        status_code=422 if error else 200,
        oob=not error,
        **context,
    )
