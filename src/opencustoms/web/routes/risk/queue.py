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

from opencustoms.errors import InvalidInputs
from opencustoms.risk.dashboards import Dashboard, weekly
from opencustoms.risk.lanes import SELECTED_LANES, DayCutoff
from opencustoms.risk.queue import QueueFilter, QueueItem, dashboard_frame
from opencustoms.risk.queue import queue as office_queue
from opencustoms.web.auth import WS, CurrentUser, Staff, check_office, known_office
from opencustoms.web.pagination import Page, PageParams, page_params
from opencustoms.web.render import render
from opencustoms.web.routes.risk import overview
from opencustoms.workspace import audit, users
from opencustoms.workspace.models import Office, Role, User

router = APIRouter()


def _queue(
    ws: WS, user: User, office: str, flt: QueueFilter, params: PageParams
) -> tuple[Page[QueueItem], list[DayCutoff]]:
    """One page of an office's queue and the lane cut-offs of its days; who saw which
    declarations is audited (the queue shows scores and reasons too)."""
    known_office(ws, user, office)
    total, items, cutoffs = office_queue(
        engine=ws.engine,
        office=office,
        flt=flt,
        limit=params.page_size,
        offset=params.offset,
        plan=ws.risk.plan(),
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
    return Page[QueueItem].of(items, total=total, params=params), cutoffs


def office_names(register: dict[str, Office]) -> dict[str, str]:
    """Code -> "English name (Korean name)" of the office register."""
    return {
        code: f"{o.name} ({o.name_ko})" if o.name_ko else o.name for code, o in register.items()
    }


def _dashboard(ws: WS, user: User, office: str | None) -> Dashboard:
    if user.role not in (Role.ANALYST, Role.ADMIN):
        office = office or user.office
    if office is not None:
        check_office(user, office)
    names = office_names(users.office_register(ws.settings.offices_file))
    return weekly(dashboard_frame(engine=ws.engine, office=office), office=office, names=names)


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
    declaration: Annotated[
        str | None,
        Query(max_length=64, pattern=r"^[A-Za-z0-9._-]+$", description="Number or its start"),
    ] = None,
    min_score: Annotated[float | None, Query(ge=0, le=1)] = None,
    importer_id: Annotated[str | None, Query(max_length=64)] = None,
    hs_prefix: Annotated[str | None, Query(pattern=r"^\d{1,10}$")] = None,
    # typed dates: a bad date is reported with every other bad parameter at once
    date_from: Annotated[dt.date | None, Query(description="YYYY-MM-DD")] = None,
    date_to: Annotated[dt.date | None, Query(description="YYYY-MM-DD")] = None,
    assigned: Annotated[
        Literal["me"] | None, Query(description="me: only the items assigned to me")
    ] = None,
    sort: Literal["score", "date", "revenue_at_risk", "price"] = "score",
    order: Literal["asc", "desc"] = "desc",
) -> Page[QueueItem]:
    flt = QueueFilter(
        lane=lane,
        status=status,
        declaration=declaration,
        min_score=min_score,
        importer_id=importer_id,
        hs_prefix=hs_prefix,
        date_from=date_from.isoformat() if date_from else None,
        date_to=date_to.isoformat() if date_to else None,
        assigned_to=user.username if assigned == "me" else None,
        sort=sort,
        order=order,
    )
    return _queue(ws, user, office, flt, params)[0]


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


def _number(field: str, text: str | None, problems: list[tuple[str, str]]) -> float | None:
    if text in (None, ""):
        return None
    try:
        value = float(str(text))
    except ValueError:
        problems.append((field, f"{text!r} is not a number"))
        return None
    if not math.isfinite(value):
        problems.append((field, "must be a finite number"))
        return None
    return value


# Rows per queue page: 25 by default - an officer works the queue from the top, and a
# page's first view costs the browser a layout of every row (issue 19, item 8: 50 rows
# took ~60 ms more to lay out than 25 in a fresh Chromium); 50 and 100 on request.
QUEUE_PAGE_SIZES = (25, 50, 100)


def _per_page(text: str | None, problems: list[tuple[str, str]]) -> int:
    if text in (None, ""):
        return QUEUE_PAGE_SIZES[0]
    sizes = ", ".join(str(n) for n in QUEUE_PAGE_SIZES)
    if not str(text).isdigit() or int(str(text)) not in QUEUE_PAGE_SIZES:
        problems.append(("per_page", f"{text!r} is not a page size: {sizes}"))
        return QUEUE_PAGE_SIZES[0]
    return int(str(text))


def _page_number(text: str | None, problems: list[tuple[str, str]]) -> int:
    if text in (None, ""):
        return 1
    if not str(text).isdigit() or not 1 <= int(str(text)) <= 1_000_000:
        problems.append(("page", f"{text!r} is not a page number (1 to 1,000,000)"))
        return 1
    return int(str(text))


def _offices_for(ws: WS, user: User) -> list[Any]:
    if user.role not in (Role.ANALYST, Role.ADMIN):
        return []
    register = users.office_register(ws.settings.offices_file)
    return [register.get(o.code, o) for o in users.list_offices(engine=ws.engine)]


def queue_filters(
    args: dict[str, str | None], *, me: str
) -> tuple[QueueFilter, list[tuple[str, str]]]:
    """The queue page's query string checked as a whole: every problem, not the first
    (``assigned=me``: only the items assigned to the user ``me``)."""
    problems: list[tuple[str, str]] = []
    assigned = args.get("assigned") or None
    if assigned not in (None, "me"):
        problems.append(("assigned", f"{assigned!r} is not a filter: use 'me' or leave it out"))
    filters = {
        "lane": args.get("lane") or "selected",
        "status": args.get("status") or "open",
        "declaration": (args.get("declaration") or "").strip() or None,
        "min_score": _number("min_score", args.get("min_score"), problems),
        "importer_id": args.get("importer_id") or None,
        "hs_prefix": args.get("hs_prefix") or None,
        "assigned_to": me if assigned == "me" else None,
        "sort": args.get("sort") or "score",
        "order": args.get("order") or "desc",
    }
    try:
        return QueueFilter.model_validate(filters), problems
    except ValidationError as exc:
        # errors() may hold exception objects (not JSON): name the fields in plain text
        problems += [
            (".".join(str(p) for p in e["loc"]) or "query", e["msg"]) for e in exc.errors()
        ]
        return QueueFilter(), problems


@router.get("/queue", response_class=HTMLResponse, include_in_schema=False)
def queue_page(
    request: Request,
    ws: WS,
    user: CurrentUser,
    office: Annotated[str | None, Query(max_length=16)] = None,
    lane: str | None = None,
    status: str | None = None,
    declaration: str | None = None,
    min_score: str | None = None,
    importer_id: str | None = None,
    hs_prefix: str | None = None,
    assigned: str | None = None,
    sort: str | None = None,
    order: str | None = None,
    page: str | None = None,
    per_page: str | None = None,
) -> Response:
    _staff(user)
    office = office or user.office
    raw = {
        "lane": lane,
        "status": status,
        "declaration": declaration,
        "min_score": min_score,
        "importer_id": importer_id,
        "hs_prefix": hs_prefix,
        "assigned": assigned,
        "sort": sort,
        "order": order,
    }
    checked, problems = queue_filters(raw, me=user.username)
    number = _page_number(page, problems)
    size = _per_page(per_page, problems)
    if problems:
        raise InvalidInputs(problems)
    result, cutoffs = _queue(ws, user, office, checked, PageParams(page=number, page_size=size))
    register = users.office_register(ws.settings.offices_file)
    # The page's links carry "assigned=me", never a username (a shared link stays "mine").
    filters = {
        **checked.model_dump(exclude={"assigned_to"}),
        "assigned": "me" if checked.assigned_to is not None else None,
        "per_page": size,
    }

    def page_url(n: int | None = None, **change: str) -> str:
        args = {**filters, "office": office, "page": n or result.page, **change}
        return "/queue?" + urlencode({k: v for k, v in args.items() if v is not None})

    return render(
        request,
        "queue.html",
        {
            "office": office,
            "office_name": office_names(register).get(office),
            "filters": filters,
            "page": result,
            "day_cutoffs": [c.model_dump() for c in cutoffs],
            "min_score": ws.risk.plan().min_score,
            "selected_lanes": list(SELECTED_LANES),
            "page_sizes": QUEUE_PAGE_SIZES,
        },
        user=user,
        nav="assigned" if checked.assigned_to is not None else "queue",
        offices=_offices_for(ws, user),
        page_url=page_url,
    )


@router.get("/dashboard", response_class=HTMLResponse, include_in_schema=False)
def dashboard_page(
    request: Request,
    ws: WS,
    user: CurrentUser,
    office: Annotated[str | None, Query(max_length=16)] = None,
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


# The national overview is the dashboard's headquarters view: served with it.
router.include_router(overview.router)
