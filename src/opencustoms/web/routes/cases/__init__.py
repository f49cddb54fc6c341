"""Alerts and cases: the triage queue, cases, the network view, the precision dashboard.

Routes follow the paths of issue 14 (``POST /cases``, ``GET /cases/{id}``, ``POST
/cases/{id}/decision``, ``GET /alerts``); each answers HTML or JSON (``render``), and the
POST routes take a JSON body (API) or the page's form.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import HTMLResponse, Response

from opencustoms.cases.feedback import PrecisionRow, precision, precision_totals
from opencustoms.web.auth import WS, Staff
from opencustoms.web.render import render
from opencustoms.web.routes.cases import alerts, cases, watch

router = APIRouter()
router.include_router(alerts.router)


@router.get(
    "/precision",
    response_class=HTMLResponse,
    tags=["cases"],
    summary="Each detector's precision from decided cases, per office and month",
)
def precision_page(
    request: Request,
    ws: WS,
    user: Staff,
    source: Annotated[str | None, Query(max_length=32)] = None,
    office: Annotated[str | None, Query(max_length=16)] = None,
) -> Response:
    rows = precision(engine=ws.engine, actor=user, source=source or None, office=office or None)
    totals = list(precision_totals(rows).values())
    months = sorted({r.month for r in rows})
    series = {t.source: [_month_precision(rows, t.source, m) for m in months] for t in totals}
    data = {"totals": totals, "rows": rows, "filters": {"source": source, "office": office}}
    return render(
        request, "cases/precision.html", data, user=user, nav="precision",
        months=months, series=series,
    )  # fmt: skip


def _month_precision(rows: list[PrecisionRow], source: str, month: str) -> float | None:
    """A detector's precision in one month over the offices shown (for the chart)."""
    total = precision_totals([r for r in rows if r.source == source and r.month == month])
    return total[source].precision if source in total else None


router.include_router(cases.router)
router.include_router(watch.router)
