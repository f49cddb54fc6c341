"""Drift watch of the model in force: per office and week, population stability of the
main features and of the score against the training window, inspection hit rate against
the model's expectation, and the alerts that call for retraining or a rule review."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, Response

from opencustoms.risk.drift_store import DriftReport, store_drift
from opencustoms.web.auth import WS, CurrentUser, Staff, check_office
from opencustoms.web.render import render
from opencustoms.workspace.models import Role, User

router = APIRouter()


def _drift(ws: WS, user: User, office: str | None, weeks: int) -> DriftReport:
    if user.role not in (Role.ANALYST, Role.ADMIN):
        office = office or user.office
    if office is not None:
        check_office(user, office)
    return store_drift(engine=ws.engine, model=ws.risk.model(), office=office, weeks=weeks)


@router.get(
    "/api/risk/drift",
    tags=["dashboard"],
    summary="Drift watch: PSI of features and score, hit rate vs expectation, alerts",
)
def drift(
    ws: WS,
    user: Staff,
    office: Annotated[str | None, Query(max_length=16)] = None,
    weeks: Annotated[int, Query(ge=1, le=26)] = 8,
) -> DriftReport:
    return _drift(ws, user, office, weeks)


@router.get("/drift", response_class=HTMLResponse, include_in_schema=False)
def drift_page(
    request: Request, ws: WS, user: CurrentUser, office: str | None = None, weeks: int = 8
) -> Response:
    if user.role == Role.TRADER:
        raise HTTPException(403, detail="traders have no access to risk pages")
    report = _drift(ws, user, office or None, max(1, min(weeks, 26)))
    return render(
        request,
        "risk/drift.html",
        {**report.model_dump(mode="json"), "model": _model_card(ws)},
        user=user,
        nav="drift",
        office=office,
    )


def _model_card(ws: WS) -> dict[str, Any]:
    """What the monitoring page shows of the model in force: version, when and on what it
    was trained, and its evaluation figures (numbers only, one level deep)."""
    meta = ws.risk.model_metrics()
    figures = {
        k: v
        for k, v in (meta.get("metrics") or {}).items()
        if isinstance(v, int | float) and not isinstance(v, bool)
    }
    return {
        "version": meta.get("version"),
        "created_at": meta.get("created_at"),
        "training_window": meta.get("training_window"),
        "rows": meta.get("rows"),
        "metrics": figures,
    }
