"""Risk pages of the officer UI: queue, declaration, inspection form, lane override,
dashboard and rules editor (each also as JSON; see ``ui.render``)."""

from __future__ import annotations

from typing import Annotated, Any, cast

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from opencustoms.workspace import risk_store, users
from opencustoms.workspace.auth import WS, CurrentUser
from opencustoms.workspace.models import Role, User
from opencustoms.workspace.ui import render

router = APIRouter(include_in_schema=False)


def _staff(user: User) -> None:

    if user.role == Role.TRADER:
        raise HTTPException(403, detail="traders have no access to risk pages")


@router.get("/queue", response_class=HTMLResponse)
def queue_page(
    request: Request,
    ws: WS,
    user: CurrentUser,
    office: str | None = None,
    lane: str = "selected",
    status: str = "all",
    min_score: str | None = None,
    importer_id: str | None = None,
    hs_prefix: str | None = None,
    sort: str = "score",
    order: str = "desc",
    page: int = 1,
) -> Response:
    from urllib.parse import urlencode

    from pydantic import ValidationError

    from opencustoms.risk.views import queue
    from opencustoms.workspace.pagination import PageParams

    _staff(user)
    office = office or user.office
    filters = {
        "lane": lane or "selected",
        "status": status or "all",
        "min_score": float(min_score) if min_score not in (None, "") else None,
        "importer_id": importer_id or None,
        "hs_prefix": hs_prefix or None,
        "sort": sort or "score",
        "order": order or "desc",
    }
    try:
        params = PageParams(page=max(page, 1), page_size=50)
        result = queue(ws, user, office, params, **filters)  # type: ignore[arg-type]
    except ValidationError as exc:
        from fastapi import HTTPException

        raise HTTPException(422, detail=exc.errors()) from exc
    offices = (
        users.list_offices(engine=ws.engine) if user.role in (Role.ANALYST, Role.ADMIN) else []
    )
    name = next((o.name for o in users.list_offices(engine=ws.engine) if o.code == office), "")

    def page_url(n: int) -> str:
        args = {k: v for k, v in {**filters, "office": office, "page": n}.items() if v is not None}
        return "/queue?" + urlencode(args)

    return render(
        request,
        "queue.html",
        {"office": office, "office_name": name, "filters": filters, "page": result},
        user=user,
        nav="queue",
        offices=offices,
        page_url=page_url,
    )


def _detail_data(ws: WS, user: User, declaration_id: str) -> dict[str, Any]:
    from opencustoms.declarations.views import declaration_detail

    detail = declaration_detail(ws, user, declaration_id)
    data = detail.model_dump(mode="json")
    for item in data["items"]:
        item["fields"] = sorted(item["declaration"].items())
    return data


def _can(user: User, office: str, *roles: Role) -> bool:
    return user.role == Role.ADMIN or (user.role in roles and user.office == office)


@router.get("/declarations/{declaration_id}", response_class=HTMLResponse)
def declaration_page(request: Request, ws: WS, user: CurrentUser, declaration_id: str) -> Response:
    _staff(user)
    data = _detail_data(ws, user, declaration_id)
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


@router.post("/declarations/{declaration_id}/inspection", response_class=HTMLResponse)
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
    from pydantic import ValidationError

    from opencustoms.risk.views import InspectionIn, record_inspection

    _staff(user)
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
    except ValidationError as exc:
        errors = [{"loc": list(e["loc"]), "msg": e["msg"]} for e in exc.errors()]
    if not errors:
        if user.role not in (Role.OFFICER, Role.SUPERVISOR, Role.ADMIN):
            raise HTTPException(403, detail="your role may not record inspection results")
        try:
            record_inspection(ws, user, declaration_id, body)
            message = "Inspection result recorded."
        except HTTPException as exc:
            if exc.status_code != 422:
                raise
            errors = cast(list[dict[str, Any]], exc.detail)
    data = _detail_data(ws, user, declaration_id)
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
            "message": message or "Please fix the form." if errors else message,
        },
        user=user,
        can_inspect=True,
        status_code=422 if errors else 200,
    )


@router.post("/declarations/{declaration_id}/lane", response_class=HTMLResponse)
def lane_form(
    request: Request,
    ws: WS,
    user: CurrentUser,
    declaration_id: str,
    lane: Annotated[str, Form(max_length=16)],
    reason: Annotated[str, Form(max_length=500)],
    item_no: Annotated[str, Form(max_length=8)] = "1",
) -> Response:
    from pydantic import ValidationError

    from opencustoms.risk.views import LaneOverrideIn, override_lane

    if user.role not in (Role.SUPERVISOR, Role.ADMIN):
        raise HTTPException(403, detail="only supervisors override lanes")
    try:
        body = LaneOverrideIn.model_validate({"item_no": item_no, "lane": lane, "reason": reason})
    except ValidationError as exc:
        msg = "; ".join(f"{e['loc'][-1]}: {e['msg']}" for e in exc.errors())
        return HTMLResponse(
            f'<p class="flash bad" role="alert">{_escape(msg)}</p>', status_code=422
        )
    result = override_lane(ws, user, declaration_id, body)
    if not request.headers.get("hx-request"):
        return RedirectResponse(f"/declarations/{declaration_id}", status_code=303)
    return HTMLResponse(
        f'<p class="flash" role="status">Lane set to '
        f'<span class="lane lane-{_escape(result.lane)}">'
        f"{_escape(result.lane)}</span>. Reload to see it everywhere.</p>"
    )


def _escape(text: str) -> str:
    from markupsafe import escape

    return str(escape(text))


@router.get("/dashboard", response_class=HTMLResponse)
def dashboard_page(
    request: Request, ws: WS, user: CurrentUser, office: str | None = None
) -> Response:
    from opencustoms.risk.views import dashboard

    _staff(user)
    result = dashboard(ws, user, office or None)
    offices = (
        users.list_offices(engine=ws.engine) if user.role in (Role.ANALYST, Role.ADMIN) else []
    )
    return render(
        request,
        "dashboard.html",
        result.model_dump(mode="json"),
        user=user,
        nav="dashboard",
        offices=offices,
    )


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
    import datetime as dt

    import yaml

    from opencustoms.risk.views import list_rules

    listed = list_rules(ws, user)
    can_edit = user.role in (Role.SUPERVISOR, Role.ADMIN)
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
        "can_edit": can_edit,
        "edit_id": edit_id,
        "rule_yaml": rule_yaml,
    }


@router.get("/rules", response_class=HTMLResponse)
def rules_page(request: Request, ws: WS, user: CurrentUser, edit: str | None = None) -> Response:
    _staff(user)
    return render(request, "rules.html", _rules_data(ws, user, edit), user=user, nav="rules")


def _parse_rule(rule_yaml: str) -> tuple[dict[str, Any] | None, list[dict[str, str]]]:
    import yaml

    try:
        rule = yaml.safe_load(rule_yaml)
    except yaml.YAMLError as exc:
        return None, [{"field": "rule", "message": f"not valid YAML: {exc}"}]
    if not isinstance(rule, dict):
        return None, [{"field": "rule", "message": "a rule must be a mapping of fields"}]
    return rule, []


@router.post("/rules/validate", response_class=HTMLResponse)
def rules_validate(
    request: Request, ws: WS, user: CurrentUser, rule_yaml: Annotated[str, Form(max_length=20_000)]
) -> Response:
    _staff(user)
    rule, errors = _parse_rule(rule_yaml)
    if rule is not None:
        errors = risk_store.validate_rule(ws=ws, rule=rule)
    return render(request, "_rule_check.html", {"errors": errors, "checked": True}, user=user)


@router.post("/rules", response_class=HTMLResponse)
def rules_save(
    request: Request,
    ws: WS,
    user: CurrentUser,
    rule_yaml: Annotated[str, Form(max_length=20_000)],
    edit_id: Annotated[str, Form(max_length=64)] = "",
) -> Response:

    from opencustoms.risk.views import _save_rule

    if user.role not in (Role.SUPERVISOR, Role.ADMIN):
        raise HTTPException(403, detail="only supervisors and admins edit rules")
    rule, errors = _parse_rule(rule_yaml)
    message = ""
    if rule is not None:
        try:
            _save_rule(ws, user, rule, rule_id=edit_id or None)
            message = f"Rule {rule.get('id')} saved."
        except HTTPException as exc:
            if exc.status_code != 422:
                raise
            errors = [
                {"field": ".".join(str(p) for p in e["loc"][1:]), "message": e["msg"]}
                for e in cast(list[dict[str, Any]], exc.detail)
            ]
    data = _rules_data(ws, user, None)
    data.update({"errors": errors, "checked": True, "message": message})
    if errors:
        data["rule_yaml"] = rule_yaml
        data["edit_id"] = edit_id or None
    return render(
        request, "rules.html", data, user=user, nav="rules", status_code=422 if errors else 200
    )
