"""Drift watch over the declaration store, for the dashboard and the API.

The model in force was trained on a window (``metadata.json`` ``training_window``); the
stored declarations of that window are the reference, the later ones are watched week by
week (``drift.drift_watch``). Stored rows with an inspection outcome count as inspected.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy.engine import Engine

from opencustoms.declarations.queries import query_frame
from opencustoms.errors import InvalidInput
from opencustoms.risk.drift import drift_watch


class DriftRow(BaseModel):
    week: str = Field(examples=["2021-01-04"], description="First day of the 7-day week")
    office: str = Field(description="Office code, or ALL for every office")
    rows: int
    psi: dict[str, float] = Field(description="PSI per watched feature and of the score")
    inspected: int
    found: int
    expected: float = Field(description="Sum of the model's probabilities of the inspected")
    hit_rate_z: float | None
    alert: str | None = Field(description="watch | retrain | review, or none")
    reasons: list[str]


class DriftReport(BaseModel):
    model_version: str
    reference: dict[str, str] = Field(description="Training window used as reference")
    weeks: list[DriftRow]
    alerts: list[DriftRow]


def _row(raw: dict[str, Any]) -> DriftRow:
    def num(v: Any) -> float | None:
        return None if v is None or v != v else float(v)  # NaN -> None (JSON-safe)

    psi = {k[4:]: float(v) for k, v in raw.items() if k.startswith("psi_") and v == v}
    return DriftRow(
        week=raw["week"],
        office=raw["office"],
        rows=raw["rows"],
        psi=psi,
        inspected=raw["inspected"],
        found=raw["found"],
        expected=float(raw["expected"]),
        hit_rate_z=num(raw["hit_rate_z"]),
        alert=raw["alert"],
        reasons=list(raw["reasons"]),
    )


def store_drift(
    *, engine: Engine, model: Any, office: str | None = None, weeks: int = 8
) -> DriftReport:
    """Drift of the last ``weeks`` weeks of stored declarations after the model's training
    window (``office``: that office's rows and the ALL row only)."""
    if weeks < 1:
        raise InvalidInput("weeks", f"must be at least 1, got {weeks}")
    window = model.metadata.get("training_window") or {}
    if not window.get("start") or not window.get("end"):
        raise InvalidInput("model", "the model artefact records no training window")
    end = dt.date.fromisoformat(window["end"])
    reference = query_frame(engine=engine, start=window["start"], end=end)
    current = query_frame(engine=engine, start=end + dt.timedelta(days=1))
    if len(current):
        last = current["declaration_date"].max()
        current = current.loc[current["declaration_date"] > last - dt.timedelta(days=7 * weeks)]
    rows: list[DriftRow] = []
    if len(reference) and len(current):
        result = drift_watch(model, reference, current)
        rows = [
            _row(r)
            for r in result["weeks"]
            if office in (None, r["office"]) or r["office"] == "ALL"
        ]
    return DriftReport(
        model_version=str(model.metadata.get("version", "unsaved")),
        reference={"start": window["start"], "end": window["end"]},
        weeks=rows,
        alerts=[r for r in rows if r.alert in ("retrain", "review")],
    )
