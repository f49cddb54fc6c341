"""Risk HTTP API: score one or many declarations, office queues, inspection results, lane
overrides, officer rules and model metrics."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Depends, HTTPException, Query
from pydantic import BaseModel, ConfigDict, Field

from opencustoms.declarations.schema import Declaration
from opencustoms.workspace import actions, assessments, audit, risk_store
from opencustoms.workspace.auth import (
    WS,
    Staff,
    Supervisor,
    Writer,
    check_office,
    check_office_write,
    field_error,
)
from opencustoms.workspace.dashboards import Dashboard, weekly
from opencustoms.workspace.models import Role, User
from opencustoms.workspace.pagination import Page, PageParams, page_params

router = APIRouter(prefix="/api", tags=["risk"])
MAX_SCORE_BATCH = 1000

EXAMPLE = {
    "declaration_id": "97061800",
    "declaration_date": "2021-03-02",
    "office_id": "40",
    "importer_id": "PCW8KX7",
    "declarant_id": "ZZR1LT6",
    "seller_id": "0VKY2BR",
    "courier_id": None,
    "hs_code": "420221",
    "origin_country": "CN",
    "departure_country": "CN",
    "tax_rate": 8.0,
    "tax_type": "A",
    "net_mass_kg": 12.5,
    "item_price_krw": 1250000,
}


class ScoreBatch(BaseModel):
    model_config = ConfigDict(extra="forbid")

    declarations: list[Declaration] = Field(min_length=1, max_length=MAX_SCORE_BATCH)


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


class RuleErrors(BaseModel):
    valid: bool
    errors: list[dict[str, str]] = Field(description="Per field: {field, message}")


class RulesList(BaseModel):
    rules: list[dict[str, Any]]
    watchlists: dict[str, Any]


@router.post(
    "/risk/score",
    summary="Score one declaration (not stored)",
    responses={422: {"description": "Invalid declaration; loc names the field"}},
)
async def score(
    ws: WS, user: Staff, declaration: Annotated[Declaration, Body(examples=[EXAMPLE])]
) -> risk_store.ScoreOut:
    # Scoring one item is ~1 ms of CPU under the GIL: running it on the event loop is
    # cheaper than a thread-pool hop and no less concurrent.
    return risk_store.score_many(ws=ws, declarations=[declaration])[0]


@router.post("/risk/score-batch", summary="Score many declarations (not stored)")
def score_batch(ws: WS, user: Staff, req: ScoreBatch) -> list[risk_store.ScoreOut]:
    return risk_store.score_many(ws=ws, declarations=req.declarations)


def _known_office(ws: WS, user: User, office: str) -> None:
    """404 for an unknown office and for an office the user may not read."""
    if not risk_store.office_exists(engine=ws.engine, office=office):
        raise HTTPException(404, detail="not found")
    check_office(user, office)


@router.get(
    "/offices/{office}/queue",
    summary="An office's queue: scored declarations with lane, score and reasons",
    responses={404: {"description": "Unknown office, or not yours"}},
)
def queue(
    ws: WS,
    user: Staff,
    office: str,
    params: Annotated[PageParams, Depends(page_params)],
    lane: Annotated[
        Literal["selected", "red", "yellow", "blue", "green", "all"],
        Query(description="selected = red, yellow and blue"),
    ] = "selected",
    status: Literal["open", "inspected", "all"] = "all",
    min_score: Annotated[float | None, Query(ge=0, le=1)] = None,
    importer_id: Annotated[str | None, Query(max_length=64)] = None,
    hs_prefix: Annotated[str | None, Query(pattern=r"^\d{1,10}$")] = None,
    date_from: Annotated[str | None, Query(pattern=r"^\d{4}-\d{2}-\d{2}$")] = None,
    date_to: Annotated[str | None, Query(pattern=r"^\d{4}-\d{2}-\d{2}$")] = None,
    sort: Literal["score", "date", "revenue_at_risk", "price"] = "score",
    order: Literal["asc", "desc"] = "desc",
) -> Page[assessments.QueueItem]:
    _known_office(ws, user, office)
    flt = assessments.QueueFilter(
        lane=lane,
        status=status,
        min_score=min_score,
        importer_id=importer_id,
        hs_prefix=hs_prefix,
        date_from=date_from,
        date_to=date_to,
        sort=sort,
        order=order,
    )
    total, items = assessments.queue(
        engine=ws.engine, office=office, flt=flt, limit=params.page_size, offset=params.offset
    )
    # The queue shows scores and reasons too: record who saw which declarations.
    audit.by_user(
        engine=ws.engine,
        user=user,
        action="view_queue",
        object_type="office",
        object_id=office,
        office=office,
        detail={
            "filters": flt.model_dump(),
            "page": params.page,
            "declarations": [i.declaration_id for i in items],
        },
    )
    return Page[assessments.QueueItem].of(items, total=total, params=params)


def _service_error(exc: ValueError, model: type[BaseModel]) -> HTTPException:
    """The risk engine's "field: reason" errors as 422 naming the field."""
    field, _, message = str(exc).partition(":")
    if field not in model.model_fields:
        return HTTPException(
            422, detail=[{"loc": ["body"], "msg": str(exc), "type": "value_error"}]
        )
    return field_error(field, message.strip() or str(exc))


def _declaration_office(ws: WS, user: User, declaration_id: str, item_no: int) -> str:
    office = assessments.office_of(engine=ws.engine, declaration_id=declaration_id, item_no=item_no)
    if office is None:
        raise HTTPException(404, detail="not found")
    check_office(user, office)
    check_office_write(user, office)
    return office


@router.post(
    "/declarations/{declaration_id}/inspection",
    summary="Record an inspection result (officers and supervisors of the office, admins)",
    status_code=201,
    responses={404: {"description": "Unknown, or another office's declaration"}},
)
def record_inspection(
    ws: WS, user: Writer, declaration_id: str, body: InspectionIn
) -> actions.InspectionOut:
    office = _declaration_office(ws, user, declaration_id, body.item_no)
    try:
        result = actions.record_inspection(
            engine=ws.engine,
            declaration_id=declaration_id,
            item_no=body.item_no,
            fraud=body.fraud,
            critical=body.critical,
            additional_duty=body.additional_duty,
            note=body.note,
            user=user.username,
        )
    except ValueError as exc:
        raise _service_error(exc, InspectionIn) from exc
    audit.by_user(
        engine=ws.engine,
        user=user,
        action="inspection_result",
        object_type="declaration",
        object_id=declaration_id,
        office=office,
        detail=body.model_dump(),
    )
    return result


@router.post(
    "/declarations/{declaration_id}/lane",
    summary="Override a declaration's lane (supervisors of the office, admins)",
    responses={404: {"description": "Unknown, or another office's declaration"}},
)
def override_lane(
    ws: WS, user: Supervisor, declaration_id: str, body: LaneOverrideIn
) -> actions.LaneOut:
    office = _declaration_office(ws, user, declaration_id, body.item_no)
    before = assessments.lanes_for(engine=ws.engine, keys=[(declaration_id, body.item_no)])
    try:
        result = actions.override_lane(
            engine=ws.engine,
            declaration_id=declaration_id,
            item_no=body.item_no,
            lane=body.lane,
            reason=body.reason,
            user=user.username,
        )
    except ValueError as exc:
        raise _service_error(exc, LaneOverrideIn) from exc
    audit.by_user(
        engine=ws.engine,
        user=user,
        action="lane_override",
        object_type="declaration",
        object_id=declaration_id,
        office=office,
        detail={**body.model_dump(), "from": before.get((declaration_id, body.item_no))},
    )
    return result


class CapacityIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    red: int = Field(ge=0, le=100_000, description="Physical inspections per day")
    yellow: int = Field(ge=0, le=100_000, description="Document checks per day")
    blue: int = Field(ge=0, le=100_000, description="Post-clearance audit picks per day")


@router.get(
    "/offices/{office}/capacity",
    summary="An office's daily inspection capacity",
    responses={404: {"description": "Unknown office, or not yours"}},
)
def get_capacity(ws: WS, user: Staff, office: str) -> risk_store.CapacityOut:
    _known_office(ws, user, office)
    return risk_store.capacity(ws=ws, office=office)


@router.put(
    "/offices/{office}/capacity",
    summary="Set an office's daily capacity (supervisors of the office, admins)",
    responses={404: {"description": "Unknown office, or not yours"}},
)
def put_capacity(ws: WS, user: Supervisor, office: str, body: CapacityIn) -> risk_store.CapacityOut:
    _known_office(ws, user, office)
    check_office_write(user, office)
    before = risk_store.capacity(ws=ws, office=office)
    after = risk_store.set_capacity(ws=ws, office=office, **body.model_dump())
    audit.by_user(
        engine=ws.engine,
        user=user,
        action="capacity_change",
        object_type="office",
        object_id=office,
        office=office,
        detail={"from": before.model_dump(), "to": body.model_dump()},
    )
    return after


@router.get("/rules", summary="Officer rules and watchlists in force")
def list_rules(ws: WS, user: Staff) -> RulesList:
    rs = risk_store.rules(ws=ws)
    return RulesList(
        rules=[r.model_dump(mode="json") for r in rs.rules],
        watchlists={k: v.model_dump(mode="json") for k, v in rs.watchlists.items()},
    )


RULE_EXAMPLE = {
    "id": "R40-BAGS",
    "office": "40",
    "valid_from": "2021-01-01",
    "when": [
        {"field": "hs6", "op": "eq", "value": "420221"},
        {"field": "item_price_krw", "op": "gt", "value": 2000000},
    ],
    "action": {"lane": "yellow"},
    "reason": "Luxury handbags above the excise threshold",
    "instructions": "Check the invoice against brand price lists",
    "reference": "Office 40 selectivity note 2021-01",
}


@router.post("/rules/validate", summary="Validate a rule without saving it")
def validate_rule(
    ws: WS, user: Staff, rule: Annotated[dict[str, Any], Body(examples=[RULE_EXAMPLE])]
) -> RuleErrors:
    errors = risk_store.validate_rule(ws=ws, rule=rule)
    return RuleErrors(valid=not errors, errors=errors)


def _save_rule(ws: WS, user: User, rule: dict[str, Any], *, rule_id: str | None) -> RuleErrors:
    errors = risk_store.validate_rule(ws=ws, rule=rule)
    if errors:
        raise HTTPException(
            422,
            detail=[
                {
                    "loc": ["body", *e["field"].split(".")],
                    "msg": e["message"],
                    "type": "value_error",
                }
                for e in errors
            ],
        )
    if user.role != Role.ADMIN and rule.get("office") != user.office:
        raise HTTPException(
            403, detail=f"supervisors may only own rules of their office ({user.office})"
        )
    try:
        action = risk_store.save_rule(
            ws=ws,
            rule=rule,
            rule_id=rule_id,
            may_edit=lambda office: user.role == Role.ADMIN or office == user.office,
        )
    except PermissionError as exc:
        raise HTTPException(403, detail=str(exc)) from exc
    except LookupError as exc:
        raise HTTPException(404, detail=str(exc)) from exc
    except ValueError as exc:
        raise field_error("id", str(exc)) from exc
    audit.by_user(
        engine=ws.engine,
        user=user,
        action=f"rule_{action}",
        object_type="rule",
        object_id=str(rule["id"]),
        office=str(rule.get("office")),
        detail={"rule": rule},
    )
    return RuleErrors(valid=True, errors=[])


@router.post(
    "/rules",
    status_code=201,
    summary="Create an officer rule (supervisors for their office, admins)",
    responses={422: {"description": "Invalid rule; loc names the field"}},
)
def create_rule(
    ws: WS, user: Supervisor, rule: Annotated[dict[str, Any], Body(examples=[RULE_EXAMPLE])]
) -> RuleErrors:
    return _save_rule(ws, user, rule, rule_id=None)


@router.put(
    "/rules/{rule_id}",
    summary="Update an officer rule (supervisors of the owning office, admins)",
    responses={422: {"description": "Invalid rule; loc names the field"}},
)
def update_rule(
    ws: WS,
    user: Supervisor,
    rule_id: str,
    rule: Annotated[dict[str, Any], Body(examples=[RULE_EXAMPLE])],
) -> RuleErrors:
    if rule.get("id", rule_id) != rule_id:
        raise field_error("id", f"the body's id {rule.get('id')!r} differs from {rule_id!r}")
    return _save_rule(ws, user, {**rule, "id": rule_id}, rule_id=rule_id)


@router.get(
    "/risk/metrics", summary="The risk model in use: version, training window, evaluation metrics"
)
def metrics(ws: WS, user: Staff) -> dict[str, Any]:
    return risk_store.model_metrics(ws=ws)


@router.get(
    "/dashboard", tags=["dashboard"], summary="Hit rate, revenue and workload per office per week"
)
def dashboard(
    ws: WS, user: Staff, office: Annotated[str | None, Query(max_length=16)] = None
) -> Dashboard:
    if user.role not in (Role.ANALYST, Role.ADMIN):
        office = office or user.office
    if office is not None:
        check_office(user, office)
    frame = assessments.dashboard_frame(engine=ws.engine, office=office)
    return weekly(frame, office=office)
