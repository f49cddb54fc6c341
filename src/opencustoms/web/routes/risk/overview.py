"""The national overview for headquarters (analysts and administrators, who read every
office): per customs office volume, selection, hit rate, revenue found and backlog, on
one page (HTML, or JSON with ``?format=json``).

Officers and supervisors read one office; they get 403 here, not a filtered version:
national totals and the ranking of offices would tell them about other offices."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from opencustoms.risk.overview import national
from opencustoms.risk.queue import dashboard_frame
from opencustoms.web.auth import WS, CurrentUser, require_role
from opencustoms.web.render import render
from opencustoms.workspace import audit, users
from opencustoms.workspace.models import CROSS_OFFICE_ROLES

router = APIRouter()


@router.get("/overview", response_class=HTMLResponse, include_in_schema=False)
def overview_page(request: Request, ws: WS, user: CurrentUser) -> Response:
    require_role(user, *sorted(CROSS_OFFICE_ROLES), action="see the national overview")
    result = national(
        dashboard_frame(engine=ws.engine, office=None),
        register=users.office_register(ws.settings.offices_file),
    )
    audit.by_user(
        engine=ws.engine,
        user=user,
        action="view_overview",
        object_type="office",
        object_id="all",
        office=user.office,
        detail={"offices": len(result.offices)},
    )
    return render(
        request, "overview.html", result.model_dump(mode="json"), user=user, nav="overview"
    )
