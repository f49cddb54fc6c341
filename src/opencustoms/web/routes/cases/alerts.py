"""The triage queue of every detector's alerts: ``GET /alerts`` (page or JSON), one
alert, and the triage moves (take up, dismiss)."""

from __future__ import annotations

from typing import Annotated, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from opencustoms.cases.models import ALERT_STATES
from opencustoms.cases.queue import dismiss, get_alert, list_alerts, triage
from opencustoms.web.auth import WS, Staff
from opencustoms.web.pagination import Page, PageParams, page_params
from opencustoms.web.render import render
from opencustoms.web.routes.cases.common import Id, answer, body_doc, read_body

router = APIRouter(tags=["cases"])


class Dismissal(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str = Field(min_length=1, max_length=2000, examples=["known exporter, audited 2025"])


@router.get(
    "/alerts",
    response_class=HTMLResponse,
    summary="The triage queue: alerts of every detector the user may see (HTML or JSON)",
)
def alerts_page(
    request: Request,
    ws: WS,
    user: Staff,
    params: Annotated[PageParams, Depends(page_params)],
    typology: Annotated[str | None, Query(max_length=64)] = None,
    office: Annotated[str | None, Query(max_length=16)] = None,
    state: Annotated[Literal["new", "triage", "case", "dismissed"] | None, Query()] = None,
    source: Annotated[str | None, Query(max_length=32)] = None,
    sla: Annotated[Literal["open", "breached"] | None, Query()] = None,
    sort: Annotated[Literal["score", "amount", "due", "created"], Query()] = "score",
) -> Response:
    total, items = list_alerts(
        engine=ws.engine,
        actor=user,
        typology=typology or None,
        office=office or None,
        state=state,
        source=source or None,
        sla=sla,
        sort=sort,
        limit=params.page_size,
        offset=params.offset,
    )
    filters = {
        "typology": typology, "office": office, "state": state, "source": source,
        "sla": sla, "sort": sort,
    }  # fmt: skip
    data = {"page": Page.of(items, total=total, params=params), "filters": filters}
    query = urlencode({k: v for k, v in filters.items() if v})
    return render(
        request, "cases/alerts.html", data, user=user, nav="alerts", states=ALERT_STATES,
        query=query,
    )  # fmt: skip


@router.get(
    "/alerts/{alert_id}", response_class=HTMLResponse, summary="One alert with its evidence"
)
def alert_page(request: Request, ws: WS, user: Staff, alert_id: Id) -> Response:
    alert, evidence = get_alert(engine=ws.engine, actor=user, alert_id=alert_id)
    data = {"alert": alert, "evidence": evidence}
    return render(request, "cases/alert.html", data, user=user, nav="alerts")


@router.post("/alerts/{alert_id}/triage", summary="Take an alert up for triage")
def triage_alert(request: Request, ws: WS, user: Staff, alert_id: Id) -> Response:
    res = triage(engine=ws.engine, actor=user, alert_id=alert_id)
    return answer(request, res, then=f"/alerts/{alert_id}")


@router.post(
    "/alerts/{alert_id}/dismiss",
    summary="Dismiss an alert without a case (reason required)",
    openapi_extra=body_doc(Dismissal),
)
async def dismiss_alert(request: Request, ws: WS, user: Staff, alert_id: Id) -> Response:
    body = await read_body(request, Dismissal)
    res = await run_in_threadpool(
        dismiss, engine=ws.engine, actor=user, alert_id=alert_id, reason=body.reason
    )
    return answer(request, res, then="/alerts")
