"""Trade-crime alert faces (analysts and administrators only, every view audited): the
alert list by typology, office and score, and one alert with its evidence tables, the
declared-vs-settled timeline per month (plotly) and the subgraph (cytoscape.js).

Alerts are those of the latest analysis run (``make demo`` writes
``var/tradecrime/demo-alerts.parquet`` and its world folder ``var/tradecrime/demo-world``).
``GET`` pages answer HTML or JSON (``render``).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response
from starlette.concurrency import run_in_threadpool

from opencustoms.errors import NotFound
from opencustoms.tradecrime.review import AlertBook
from opencustoms.web.auth import WS, require
from opencustoms.web.render import render
from opencustoms.workspace import audit
from opencustoms.workspace.models import Role, User

router = APIRouter(tags=["tradecrime"])
Analyst = Annotated[User, Depends(require(Role.ANALYST, Role.ADMIN))]


def _paths(var_dir: Path) -> tuple[Path, Path]:
    base = var_dir / "tradecrime"
    return base / "demo-alerts.parquet", base / "demo-world"


@lru_cache(maxsize=2)
def _book(alerts_file: Path, world_dir: Path, stamp: float) -> AlertBook:
    del stamp  # part of the cache key: a new analysis run invalidates the cached book
    return AlertBook.load(alerts_file=alerts_file, world_dir=world_dir)


def _load(var_dir: Path) -> AlertBook | None:
    alerts_file, world_dir = _paths(var_dir)
    if not alerts_file.is_file() or not world_dir.is_dir():
        return None
    return _book(alerts_file, world_dir, alerts_file.stat().st_mtime)


@router.get(
    "/tradecrime/alerts",
    response_class=HTMLResponse,
    summary="Trade-crime alerts, highest score first, by typology, office and score (HTML or "
    "JSON; analysts and admins)",
)
async def alerts_page(
    request: Request,
    ws: WS,
    user: Analyst,
    typology: Annotated[str | None, Query(max_length=64)] = None,
    office: Annotated[str | None, Query(max_length=16)] = None,
    min_score: Annotated[float, Query(ge=0, le=1)] = 0.0,
) -> Response:
    book = await run_in_threadpool(_load, ws.settings.var_dir)
    rows: list[dict[str, Any]] = []
    if book is not None:
        rows = book.find(
            role=user.role.value,
            typology=typology or None,
            office=office or None,
            min_score=min_score,
            limit=500,
        )
    audit.by_user(
        engine=ws.engine,
        user=user,
        action="tradecrime.alerts.view",
        object_type="tradecrime_alerts",
        object_id=typology or "*",
        detail={"office": office, "min_score": min_score, "shown": len(rows)},
    )
    data = {
        "alerts": rows,
        "typology": typology or "",
        "office": office or "",
        "min_score": min_score,
        "available": book is not None,
    }
    return render(request, "tradecrime/alerts.html", data, user=user, nav="tradecrime")


@router.get(
    "/tradecrime/alerts/{alert_id}",
    response_class=HTMLResponse,
    summary="One trade-crime alert: evidence tables, monthly declared vs settled, subgraph "
    "(HTML or JSON; analysts and admins)",
)
async def alert_page(request: Request, ws: WS, user: Analyst, alert_id: str) -> Response:
    book = await run_in_threadpool(_load, ws.settings.var_dir)
    if book is None:
        raise NotFound(f"alert {alert_id!r}")
    detail = book.detail(role=user.role.value, alert_id=alert_id)
    audit.by_user(
        engine=ws.engine,
        user=user,
        action="tradecrime.alert.view",
        object_type="tradecrime_alert",
        object_id=alert_id,
        office=detail["alert"].get("office"),
    )
    kinds = {
        n: (
            "person"
            if n.startswith("P")
            else "wallet"
            if n.startswith("W")
            else "company"
            if n.startswith("KC")
            else "foreign_counterparty"
        )
        for n in detail["graph"]["nodes"]
    }
    elements = [{"data": {"id": n, "label": n, "kind": k}} for n, k in kinds.items()] + [
        {"data": {"id": f"{a}-{b}-{r}", "source": a, "target": b, "label": r}}
        for a, b, r in detail["graph"]["edges"]
    ]
    return render(
        request,
        "tradecrime/alert.html",
        {**detail, "elements": elements},
        user=user,
        nav="tradecrime",
    )
