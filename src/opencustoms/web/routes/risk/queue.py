"""An office's queue of scored declarations and the dashboards of hit rate, revenue and
workload: one domain query each, served as API (JSON) and as pages (HTML or JSON)."""

from __future__ import annotations

import datetime as dt
import math
from typing import Annotated, Any, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import ValidationError

from opencustoms.errors import InvalidInput
from opencustoms.risk.dashboards import Dashboard, weekly
from opencustoms.risk.queue import QueueFilter, QueueItem, dashboard_frame
from opencustoms.risk.queue import queue as office_queue
from opencustoms.web.auth import WS, CurrentUser, Staff, check_office, known_office
from opencustoms.web.pagination import Page, PageParams, page_params
from opencustoms.web.render import render
from opencustoms.workspace import audit, users
from opencustoms.workspace.models import Role, User

router = APIRouter()


def _queue(
    ws: WS, user: User, office: str, flt: QueueFilter, params: PageParams
) -> Page[QueueItem]:
    """One page of an office's queue; who saw which declarations is audited (the queue
    shows scores and reasons too)."""
    known_office(ws, user, office)
    total, items = office_queue(
        engine=ws.engine, office=office, flt=flt, limit=params.page_size, offset=params.offset
    )
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
    return Page[QueueItem].of(items, total=total, params=params)


def _dashboard(ws: WS, user: User, office: str | None) -> Dashboard:
    if user.role not in (Role.ANALYST, Role.ADMIN):
        office = office or user.office
    if office is not None:
        check_office(user, office)
    return weekly(dashboard_frame(engine=ws.engine, office=office), office=office)


@router.get(
    "/api/offices/{office}/queue",
    tags=["risk"],
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
) -> Page[QueueItem]:
    for name, value in (("date_from", date_from), ("date_to", date_to)):
        if value is not None:
            try:
                dt.date.fromisoformat(value)
            except ValueError:
                raise InvalidInput(name, f"{value!r} is not a calendar date") from None
    flt = QueueFilter(
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
    return _queue(ws, user, office, flt, params)


@router.get(
    "/api/dashboard",
    tags=["dashboard"],
    summary="Hit rate, revenue and workload per office per week",
)
def dashboard(
    ws: WS, user: Staff, office: Annotated[str | None, Query(max_length=16)] = None
) -> Dashboard:
    return _dashboard(ws, user, office)


def _staff(user: User) -> None:
    if user.role == Role.TRADER:
        raise HTTPException(403, detail="traders have no access to risk pages")


def _number(field: str, text: str | None) -> float | None:
    if text in (None, ""):
        return None
    try:
        value = float(str(text))
    except ValueError:
        raise InvalidInput(field, f"{text!r} is not a number") from None
    if not math.isfinite(value):
        raise InvalidInput(field, "must be a finite number")
    return value


def _offices_for(ws: WS, user: User) -> list[Any]:
    return users.list_offices(engine=ws.engine) if user.role in (Role.ANALYST, Role.ADMIN) else []


@router.get("/queue", response_class=HTMLResponse, include_in_schema=False)
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
    page: Annotated[int, Query(ge=1, le=1_000_000)] = 1,
) -> Response:
    _staff(user)
    office = office or user.office
    filters = {
        "lane": lane or "selected",
        "status": status or "all",
        "min_score": _number("min_score", min_score),
        "importer_id": importer_id or None,
        "hs_prefix": hs_prefix or None,
        "sort": sort or "score",
        "order": order or "desc",
    }
    try:
        checked = QueueFilter.model_validate(filters)
    except ValidationError as exc:
        # errors() may hold exception objects (not JSON): name the fields in plain text
        raise InvalidInput(
            ".".join(str(p) for p in exc.errors()[0]["loc"]) or "query",
            exc.errors()[0]["msg"],
        ) from exc
    result = _queue(ws, user, office, checked, PageParams(page=max(page, 1), page_size=50))
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
        offices=_offices_for(ws, user),
        page_url=page_url,
    )


@router.get("/dashboard", response_class=HTMLResponse, include_in_schema=False)
def dashboard_page(
    request: Request, ws: WS, user: CurrentUser, office: str | None = None
) -> Response:
    _staff(user)
    result = _dashboard(ws, user, office or None)
    return render(
        request,
        "dashboard.html",
        result.model_dump(mode="json"),
        user=user,
        nav="dashboard",
        offices=_offices_for(ws, user),
    )
