"""Officer rules (list, validate, create, update: API and the rules editor page) and
offices' daily inspection capacity."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

import yaml
from fastapi import APIRouter, Body, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from opencustoms.errors import InvalidInput
from opencustoms.risk.live import CapacityOut
from opencustoms.web.auth import (
    WS,
    CurrentUser,
    Staff,
    Supervisor,
    check_office_write,
    known_office,
    require_role,
)
from opencustoms.web.render import render
from opencustoms.workspace import audit
from opencustoms.workspace.models import STAFF_ROLES, Role, User

router = APIRouter()
EDITORS = (Role.SUPERVISOR, Role.ADMIN)


class RuleErrors(BaseModel):
    valid: bool
    errors: list[dict[str, str]] = Field(description="Per field: {field, message}")


class RulesList(BaseModel):
    rules: list[dict[str, Any]]
    watchlists: dict[str, Any]
    rejected: dict[str, list[str]] = Field(
        default_factory=dict,
        description="Rule files refused on load (their last good version stays in force)",
    )


class CapacityIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    red: int = Field(ge=0, le=100_000, description="Physical inspections per day")
    yellow: int = Field(ge=0, le=100_000, description="Document checks per day")
    blue: int = Field(ge=0, le=100_000, description="Post-clearance audit picks per day")


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


def _list(ws: WS) -> RulesList:
    rs = ws.risk.rules()
    return RulesList(
        rules=[r.model_dump(mode="json") for r in rs.rules],
        watchlists={k: v.model_dump(mode="json") for k, v in rs.watchlists.items()},
        rejected=rs.rejected,
    )


def _save(ws: WS, user: User, rule: dict[str, Any], *, rule_id: str | None) -> RuleErrors:
    """Validate and store a rule, then audit it (raises InvalidInput per field,
    Forbidden or NotFound)."""
    office = None if user.role == Role.ADMIN else user.office
    action = ws.risk.save_rule(rule, rule_id=rule_id, office=office)
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


@router.get("/api/rules", tags=["risk"], summary="Officer rules and watchlists in force")
def list_rules(ws: WS, user: Staff) -> RulesList:
    return _list(ws)


@router.post("/api/rules/validate", tags=["risk"], summary="Validate a rule without saving it")
def validate_rule(
    ws: WS, user: Staff, rule: Annotated[dict[str, Any], Body(examples=[RULE_EXAMPLE])]
) -> RuleErrors:
    errors = ws.risk.validate_rule(rule)
    return RuleErrors(valid=not errors, errors=errors)


@router.post(
    "/api/rules",
    tags=["risk"],
    status_code=201,
    summary="Create an officer rule (supervisors for their office, admins)",
    responses={422: {"description": "Invalid rule; loc names the field"}},
)
def create_rule(
    ws: WS, user: Supervisor, rule: Annotated[dict[str, Any], Body(examples=[RULE_EXAMPLE])]
) -> RuleErrors:
    return _save(ws, user, rule, rule_id=None)


@router.put(
    "/api/rules/{rule_id}",
    tags=["risk"],
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
        raise InvalidInput("id", f"the body's id {rule.get('id')!r} differs from {rule_id!r}")
    return _save(ws, user, {**rule, "id": rule_id}, rule_id=rule_id)


@router.get(
    "/api/offices/{office}/capacity",
    tags=["risk"],
    summary="An office's daily inspection capacity",
    responses={404: {"description": "Unknown office, or not yours"}},
)
def get_capacity(ws: WS, user: Staff, office: str) -> CapacityOut:
    known_office(ws, user, office)
    return ws.risk.capacity(office)


@router.put(
    "/api/offices/{office}/capacity",
    tags=["risk"],
    summary="Set an office's daily capacity (supervisors of the office, admins)",
    responses={404: {"description": "Unknown office, or not yours"}},
)
def put_capacity(ws: WS, user: Supervisor, office: str, body: CapacityIn) -> CapacityOut:
    known_office(ws, user, office)
    check_office_write(user, office)
    return set_office_capacity(ws, user, office, body)


def set_office_capacity(ws: WS, user: User, office: str, body: CapacityIn) -> CapacityOut:
    """Write an office's daily capacity and audit the change (the API and the supervisor
    console; the caller has checked the user may)."""
    before = ws.risk.capacity(office)
    after = ws.risk.set_capacity(office, **body.model_dump())
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


RULE_TEMPLATE = """id: R{office}-NEW
office: "{office}"
valid_from: {today}
when:
  - field: hs6
    op: eq
    value: "420221"
  - field: item_price_krw
    op: gt
    value: 2000000
action:
  lane: yellow
reason: Luxury handbags above the excise threshold
instructions: Check the invoice against brand price lists
reference: Office {office} selectivity note
"""


def _rules_data(ws: WS, user: User, edit: str | None) -> dict[str, Any]:
    listed = _list(ws)
    can_edit = user.role in EDITORS
    rules = [
        {**r, "editable": can_edit and (user.role == Role.ADMIN or r.get("office") == user.office)}
        for r in listed.rules
    ]
    rule_yaml = RULE_TEMPLATE.format(office=user.office, today=dt.date.today().isoformat())
    edit_id = None
    for r in rules:
        if edit and r["id"] == edit and r["editable"]:
            edit_id = edit
            shown = {k: v for k, v in r.items() if k != "editable" and v is not None}
            rule_yaml = yaml.safe_dump(shown, sort_keys=False, allow_unicode=True)
    return {
        "rules": rules,
        "watchlists": listed.watchlists,
        "rejected": listed.rejected,
        "can_edit": can_edit,
        "edit_id": edit_id,
        "rule_yaml": rule_yaml,
    }


def _staff(user: User) -> None:
    if user.role not in STAFF_ROLES:
        raise HTTPException(403, detail="traders have no access to risk pages")


@router.get("/rules", response_class=HTMLResponse, include_in_schema=False)
def rules_page(request: Request, ws: WS, user: CurrentUser, edit: str | None = None) -> Response:
    _staff(user)
    return render(request, "rules.html", _rules_data(ws, user, edit), user=user, nav="rules")


def _parse_rule(rule_yaml: str) -> dict[str, Any]:
    try:
        rule = yaml.safe_load(rule_yaml)
    except yaml.YAMLError as exc:
        raise InvalidInput("rule", f"not valid YAML: {exc}") from exc
    if not isinstance(rule, dict):
        raise InvalidInput("rule", "a rule must be a mapping of fields")
    return rule


def _problems(exc: InvalidInput) -> list[dict[str, str]]:
    return [{"field": field, "message": reason} for field, reason in exc.problems]


@router.post("/rules/validate", response_class=HTMLResponse, include_in_schema=False)
def rules_validate(
    request: Request, ws: WS, user: CurrentUser, rule_yaml: Annotated[str, Form(max_length=20_000)]
) -> Response:
    _staff(user)
    try:
        errors = ws.risk.validate_rule(_parse_rule(rule_yaml))
    except InvalidInput as exc:
        errors = _problems(exc)
    return render(request, "_rule_check.html", {"errors": errors, "checked": True}, user=user)


@router.post("/rules", response_class=HTMLResponse, include_in_schema=False)
def rules_save(
    request: Request,
    ws: WS,
    user: CurrentUser,
    rule_yaml: Annotated[str, Form(max_length=20_000)],
    edit_id: Annotated[str, Form(max_length=64)] = "",
) -> Response:
    require_role(user, *EDITORS, action="edit rules")
    errors: list[dict[str, str]] = []
    message = ""
    try:
        rule = _parse_rule(rule_yaml)
        _save(ws, user, rule, rule_id=edit_id or None)
        message = f"Rule {rule.get('id')} saved."
    except InvalidInput as exc:
        errors = _problems(exc)
    data = _rules_data(ws, user, None)
    data.update({"errors": errors, "checked": True, "message": message})
    if errors:
        data["rule_yaml"] = rule_yaml
        data["edit_id"] = edit_id or None
    return render(
        request, "rules.html", data, user=user, nav="rules", status_code=422 if errors else 200
    )
