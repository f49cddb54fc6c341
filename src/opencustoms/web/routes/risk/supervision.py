"""The supervisor console of one office (supervisors of that office, admins): backlog of
selected items by age, assigning items to named officers, the office's daily capacity
per lane, and the review of lane overrides. An officer's "assigned to me" is a filter of
the queue (``/queue?assigned=me``); ``/assigned`` redirects there.

Each route answers HTML or JSON; the POST routes take a JSON body (API clients) or the
console's form (then redirect back). Every change is audited.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from opencustoms.errors import Forbidden, InvalidInput
from opencustoms.risk import supervision
from opencustoms.risk.live import CapacityOut
from opencustoms.web.auth import WS, Staff, Supervisor, known_office
from opencustoms.web.render import render
from opencustoms.web.routes.cases.common import Id, answer, read_body
from opencustoms.web.routes.risk.rules import CapacityIn, set_office_capacity
from opencustoms.workspace import audit
from opencustoms.workspace.models import Role, User

router = APIRouter(tags=["supervision"])
Office = Annotated[str | None, Query(max_length=16)]


class AssignIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    items: list[str] = Field(
        min_length=1,
        max_length=supervision.MAX_ITEMS,
        description="Items as 'declaration_id/item_no'",
    )
    officer: str | None = Field(default=None, max_length=128, description="Empty: unassign")

    def keys(self) -> list[tuple[str, int]]:
        out = []
        for i, text in enumerate(self.items):
            decl, _, item = str(text).rpartition("/")
            if not decl or not item.isdigit() or not 1 <= int(item) <= 9999:
                raise InvalidInput(f"items.{i}", f"{text!r} is not 'declaration_id/item_no'")
            out.append((decl, int(item)))
        return out


class AssignOut(BaseModel):
    office: str
    officer: str | None
    assigned: int


class ReviewIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    decision: Literal["accepted", "reopened"]
    note: str | None = Field(default=None, max_length=500)


def _office(ws: WS, user: User, office: str | None) -> str:
    """The office a supervisor runs (their own; admins any): 404 for an office the user
    may not read, 403 for one they may read but not supervise."""
    office = office or user.office
    known_office(ws, user, office)
    if user.role != Role.ADMIN and not (user.role == Role.SUPERVISOR and office == user.office):
        raise Forbidden(f"only the supervisors of office {office} run its console")
    return office


@router.get(
    "/supervision",
    response_class=HTMLResponse,
    summary="Supervisor console: backlog by age, assignments, capacity, override review",
)
def console(
    request: Request,
    ws: WS,
    user: Supervisor,
    office: Office = None,
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
    on: Annotated[dt.date | None, Query(description="Count ages to this day")] = None,
) -> Response:
    code = _office(ws, user, office)
    day = on or dt.date.today()
    size = 50
    total, items = supervision.open_items(
        engine=ws.engine, office=code, on=day, limit=size, offset=(page - 1) * size
    )
    data: dict[str, Any] = {
        "office": code,
        "backlog": supervision.backlog(engine=ws.engine, office=code, on=day).model_dump(
            mode="json"
        ),
        "capacity": ws.risk.capacity(code).model_dump(mode="json"),
        "officers": supervision.office_officers(engine=ws.engine, office=code),
        "open_items": [i.model_dump(mode="json") for i in items],
        "open_total": total,
        "page": page,
        "pages": max(1, (total + size - 1) // size),
        "overrides": [
            o.model_dump(mode="json")
            for o in supervision.pending_overrides(engine=ws.engine, office=code)
        ],
    }
    return render(request, "risk/supervision.html", data, user=user, nav="supervision")


@router.post(
    "/supervision/{office}/assignments",
    summary="Assign selected items to an officer of the office (or unassign)",
)
async def assign(request: Request, ws: WS, user: Supervisor, office: str) -> Response:
    code = _office(ws, user, office)
    body = await read_body(request, AssignIn, lists=("items",))
    keys = body.keys()
    officer = body.officer or None
    n = supervision.assign(
        engine=ws.engine, office=code, keys=keys, officer=officer, by=user.username
    )
    audit.by_user(
        engine=ws.engine,
        user=user,
        action="assign_items",
        object_type="office",
        object_id=code,
        office=code,
        detail={"officer": officer, "items": [f"{d}/{i}" for d, i in keys]},
    )
    result = AssignOut(office=code, officer=officer, assigned=n)
    return answer(request, result, then=f"/supervision?office={code}")


@router.post(
    "/supervision/{office}/capacity",
    summary="Set the office's daily capacity per lane (red, yellow, blue)",
)
async def capacity(request: Request, ws: WS, user: Supervisor, office: str) -> Response:
    code = _office(ws, user, office)
    body = await read_body(request, CapacityIn)
    result: CapacityOut = set_office_capacity(ws, user, code, body)
    return answer(request, result, then=f"/supervision?office={code}")


@router.post(
    "/supervision/{office}/overrides/{override_id}",
    summary="Accept a lane override, or reopen it (the item returns to its previous lane)",
)
async def review(
    request: Request, ws: WS, user: Supervisor, office: str, override_id: Id
) -> Response:
    code = _office(ws, user, office)
    body = await read_body(request, ReviewIn)
    result = supervision.review_override(
        engine=ws.engine,
        office=code,
        override_id=override_id,
        decision=body.decision,
        note=body.note,
        reviewer=user.username,
    )
    audit.by_user(
        engine=ws.engine,
        user=user,
        action=f"override_{body.decision}",
        object_type="lane_override",
        object_id=str(override_id),
        office=code,
        detail=result.model_dump(mode="json"),
    )
    return answer(request, result, then=f"/supervision?office={code}")


@router.get(
    "/assigned",
    response_class=RedirectResponse,
    status_code=308,
    summary="Moved: 'assigned to me' is the queue's filter /queue?assigned=me",
)
def assigned_to_me(request: Request, user: Staff) -> Response:
    """Old links and bookmarks land on the queue with the filter on (their other query
    parameters kept); the queue checks the office as for any other filter."""
    params = [(k, v) for k, v in request.query_params.multi_items() if k != "assigned"]
    return RedirectResponse(f"/queue?{urlencode([*params, ('assigned', 'me')])}", status_code=308)
