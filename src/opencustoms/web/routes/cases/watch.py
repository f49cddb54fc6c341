"""The watchlist: parties (importer, declarant, seller) whose declarations raise an alert
when they file. Staff read the entries of their office and the national ones; supervisors
add and remove their office's, admins any (and national ones)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from opencustoms.cases.watch import KINDS, WatchIn, add_watch, list_watch, remove_watch
from opencustoms.web.auth import WS, Staff, Supervisor
from opencustoms.web.render import render
from opencustoms.web.routes.cases.common import Id, answer, read_body
from opencustoms.workspace import audit
from opencustoms.workspace.models import Role

router = APIRouter(tags=["watchlist"])


@router.get(
    "/watchlist",
    response_class=HTMLResponse,
    summary="Watched parties the caller may see (their office's and the national ones)",
)
def watchlist_page(
    request: Request,
    ws: WS,
    user: Staff,
    kind: Annotated[str | None, Query(max_length=16)] = None,
) -> Response:
    entries = list_watch(engine=ws.engine, actor=user, kind=kind or None)
    data = {
        "entries": [e.model_dump(mode="json") for e in entries],
        "kinds": list(KINDS),
        "can_edit": user.role in (Role.SUPERVISOR, Role.ADMIN),
        "national": user.role == Role.ADMIN,
    }
    return render(request, "cases/watchlist.html", data, user=user, nav="watchlist")


@router.post("/watchlist", status_code=201, summary="Watch a party (supervisors, admins)")
async def watch_add(request: Request, ws: WS, user: Supervisor) -> Response:
    body = await read_body(request, WatchIn)
    if user.role != Role.ADMIN and body.office is None:
        body = body.model_copy(update={"office": user.office})
    entry = add_watch(engine=ws.engine, actor=user, entry=body)
    audit.by_user(
        engine=ws.engine,
        user=user,
        action="watch_add",
        object_type="watch",
        object_id=str(entry.id),
        office=entry.office,
        detail=entry.model_dump(mode="json"),
    )
    return answer(request, entry, then="/watchlist", status_code=201)


@router.post("/watchlist/{watch_id}/remove", summary="Stop watching a party")
def watch_remove(request: Request, ws: WS, user: Supervisor, watch_id: Id) -> Response:
    entry = remove_watch(engine=ws.engine, actor=user, watch_id=watch_id)
    audit.by_user(
        engine=ws.engine,
        user=user,
        action="watch_remove",
        object_type="watch",
        object_id=str(entry.id),
        office=entry.office,
        detail={"kind": entry.kind, "party_id": entry.party_id},
    )
    return answer(request, entry, then="/watchlist")
