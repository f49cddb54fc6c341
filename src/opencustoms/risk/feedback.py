"""Officer feedback: inspection results, lane overrides and selection-aware hit rates.
(Reading current assessments: ``assessments``; retraining on them: ``retrain``.)
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
from sqlalchemy import Engine, and_, insert, inspect, select

from opencustoms.declarations.queries import get_declaration
from opencustoms.errors import InvalidInput
from opencustoms.risk.assessments import current_ids, latest_assessment
from opencustoms.risk.models import (
    InspectionResult,
    LaneOverride,
    risk_assessments,
    risk_inspections,
    risk_lane_overrides,
)
from opencustoms.risk.rules import LANES


def has_table(engine: Engine, name: str) -> bool:
    return inspect(engine).has_table(name)


def _check_declaration(engine: Engine, declaration_id: str, item_no: int) -> None:
    if not has_table(engine, "declarations"):
        return
    if get_declaration(engine=engine, declaration_id=declaration_id, item_no=item_no) is None:
        raise InvalidInput(
            "declaration_id", f"no stored declaration {declaration_id} item {item_no}"
        )


def record_inspection(
    *,
    engine: Engine,
    declaration_id: str,
    item_no: int = 1,
    fraud: bool,
    critical: bool = False,
    additional_duty: float = 0.0,
    note: str | None = None,
    user: str,
) -> InspectionResult:
    """Store an inspection result. ``critical`` implies ``fraud``; duty is KRW >= 0."""
    if critical and not fraud:
        raise InvalidInput("critical", "a critical fraud must also be a fraud (fraud=True)")
    if additional_duty is None or not np.isfinite(additional_duty) or additional_duty < 0:
        raise InvalidInput("additional_duty", "must be a finite amount >= 0")
    if additional_duty > 0 and not fraud:
        raise InvalidInput("additional_duty", "only a fraud finding can carry additional duty")
    if not user or not user.strip():
        raise InvalidInput("user", "the recording officer is required")
    _check_declaration(engine, declaration_id, item_no)
    values = {
        "declaration_id": declaration_id,
        "item_no": item_no,
        "fraud": bool(fraud),
        "critical": bool(critical),
        "additional_duty": float(additional_duty),
        "officer": user.strip(),
        "note": note,
        "recorded_at": dt.datetime.now(dt.UTC),
    }
    with engine.begin() as conn:
        new_id = conn.execute(insert(risk_inspections).values(**values)).inserted_primary_key
    return InspectionResult(id=int(new_id[0]), **values)  # type: ignore[index]


def override_lane(
    *,
    engine: Engine,
    declaration_id: str,
    item_no: int = 1,
    lane: str,
    reason: str,
    user: str,
) -> LaneOverride:
    """Change an item's lane; who, when, why and the previous lane are kept."""
    if lane not in LANES:
        raise InvalidInput("lane", f"must be one of {', '.join(LANES)}, got {lane!r}")
    if not reason or len(reason.strip()) < 5:
        raise InvalidInput("reason", "give at least 5 characters saying why")
    if not user or not user.strip():
        raise InvalidInput("user", "the supervisor is required")
    _check_declaration(engine, declaration_id, item_no)
    current = latest_assessment(engine=engine, declaration_id=declaration_id, item_no=item_no)
    values = {
        "declaration_id": declaration_id,
        "item_no": item_no,
        "previous_lane": current["lane"] if current else None,
        "lane": lane,
        "reason": reason.strip(),
        "user": user.strip(),
        "created_at": dt.datetime.now(dt.UTC),
    }
    with engine.begin() as conn:
        new_id = conn.execute(insert(risk_lane_overrides).values(**values)).inserted_primary_key
    return LaneOverride(id=int(new_id[0]), **values)  # type: ignore[index]


def inspection_labels(*, engine: Engine) -> pd.DataFrame:
    """Latest recorded result per item: declaration_id, item_no, fraud, critical_fraud,
    additional_duty (KCS coding: critical_fraud 2 = critical, 1 = fraud, 0 = none)."""
    i = risk_inspections.c
    with engine.connect() as conn:
        rows = conn.execute(select(risk_inspections).order_by(i.recorded_at, i.id)).mappings()
        df = pd.DataFrame([dict(r) for r in rows])
    if df.empty:
        return pd.DataFrame(
            columns=["declaration_id", "item_no", "fraud", "critical_fraud", "additional_duty"]
        )
    df = df.drop_duplicates(["declaration_id", "item_no"], keep="last")
    return pd.DataFrame(
        {
            "declaration_id": df["declaration_id"].astype("string"),
            "item_no": df["item_no"].astype("Int64"),
            "fraud": df["fraud"].astype(int).astype("Int64"),
            "critical_fraud": np.where(df["critical"], 2, df["fraud"].astype(int)),
            "additional_duty": df["additional_duty"].astype(float),
        }
    )


def inspection_summary(
    *, engine: Engine, office_id: str | None = None
) -> dict[str, dict[str, float | int]]:
    """Hit rates of recorded inspections, split by how the item was selected: ``model``
    (the model's own picks), ``exploration`` (picks outside the model's choice; under the
    random strategy their fraud rate estimates the rate among released items, free of
    selection bias), ``rules`` (an officer rule fired) and ``other`` (green/blue lanes,
    unscored items)."""
    a, i = risk_assessments.c, risk_inspections.c
    latest = current_ids()
    stmt = (
        select(a.exploration, a.rules_fired, a.lane, i.fraud, i.critical, i.additional_duty)
        .select_from(risk_inspections)
        .join(
            risk_assessments,
            and_(a.declaration_id == i.declaration_id, a.item_no == i.item_no),
            isouter=True,
        )
        .where((a.id.is_(None)) | a.id.in_(select(latest.c.id)))
    )
    if office_id is not None:
        stmt = stmt.where(a.office_id == office_id)
    out: dict[str, dict[str, float | int]] = {}
    with engine.connect() as conn:
        for row in conn.execute(stmt):
            if row.exploration:
                group = "exploration"
            elif row.rules_fired:
                group = "rules"
            elif row.lane in ("red", "yellow"):
                group = "model"
            else:
                group = "other"
            g = out.setdefault(
                group, {"inspected": 0, "frauds": 0, "critical": 0, "additional_duty": 0.0}
            )
            g["inspected"] += 1
            g["frauds"] += int(bool(row.fraud))
            g["critical"] += int(bool(row.critical))
            g["additional_duty"] += float(row.additional_duty or 0.0)
    for g in out.values():
        g["hit_rate"] = g["frauds"] / g["inspected"]
    return out
