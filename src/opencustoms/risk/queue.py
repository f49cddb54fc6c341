"""Office queues and the dashboard frame: current assessments joined with their
declaration, current lane and latest inspection (``assessments`` defines "current")."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

import pandas as pd
from pydantic import BaseModel, Field
from sqlalchemy import Engine, func, select

from opencustoms.declarations.models import declarations as d
from opencustoms.risk.assessments import current_ids, latest_ids
from opencustoms.risk.explain import reasons_text
from opencustoms.risk.models import risk_assessments as ra
from opencustoms.risk.models import risk_inspections as ri
from opencustoms.risk.models import risk_lane_overrides as ov


class QueueFilter(BaseModel):
    """Which current assessments a queue shows and in what order ("selected" = red,
    yellow and blue)."""

    lane: Literal["selected", "red", "yellow", "blue", "green", "all"] = "selected"
    status: Literal["open", "inspected", "all"] = "all"
    min_score: float | None = Field(default=None, ge=0, le=1)
    importer_id: str | None = Field(default=None, max_length=64)
    hs_prefix: str | None = Field(default=None, pattern=r"^\d{1,10}$")
    date_from: str | None = Field(default=None, pattern=r"^\d{4}-\d{2}-\d{2}$")
    date_to: str | None = Field(default=None, pattern=r"^\d{4}-\d{2}-\d{2}$")
    sort: Literal["score", "date", "revenue_at_risk", "price"] = "score"
    order: Literal["asc", "desc"] = "desc"


class QueueItem(BaseModel):
    declaration_id: str
    item_no: int
    declaration_date: str
    office_id: str
    importer_id: str | None
    hs_code: str
    origin_country: str | None
    item_price_krw: float | None
    score: float
    lane: str
    exploration: bool
    revenue_at_risk: float | None
    reasons: list[str]
    rules_fired: list[str]
    overridden: bool
    inspected: bool
    fraud_found: bool | None


SELECTED = ("red", "yellow", "blue")


def _queue_select(office: str | None) -> Any:
    """Latest assessment per item joined with its declaration, current override and
    latest inspection."""
    la, lo, li = current_ids(office=office), latest_ids(ov), latest_ids(ri)
    ovr = ov.alias("ovr")
    ins = ri.alias("ins")
    lane = func.coalesce(ovr.c.lane, ra.c.lane)
    q = (
        select(
            ra.c.declaration_id,
            ra.c.item_no,
            ra.c.declaration_date,
            ra.c.office_id,
            ra.c.score,
            ra.c.exploration,
            ra.c.revenue_at_risk,
            ra.c.reasons,
            ra.c.rules_fired,
            lane.label("lane"),
            ovr.c.lane.label("override_lane"),
            ins.c.fraud.label("fraud"),
            ins.c.id.label("inspection_id"),
            ins.c.additional_duty.label("additional_duty"),
            d.c.importer_id,
            d.c.hs_code,
            d.c.origin_country,
            d.c.item_price_krw,
        )
        .join(la, ra.c.id == la.c.id)
        .join(d, (d.c.declaration_id == ra.c.declaration_id) & (d.c.item_no == ra.c.item_no))
        .outerjoin(
            lo.join(ovr, ovr.c.id == lo.c.id),
            (ovr.c.declaration_id == ra.c.declaration_id) & (ovr.c.item_no == ra.c.item_no),
        )
        .outerjoin(
            li.join(ins, ins.c.id == li.c.id),
            (ins.c.declaration_id == ra.c.declaration_id) & (ins.c.item_no == ra.c.item_no),
        )
    )
    return q, lane, ins


def queue(
    *, engine: Engine, office: str, flt: QueueFilter, limit: int, offset: int
) -> tuple[int, list[QueueItem]]:
    q, lane, ins = _queue_select(office)
    if flt.lane == "selected":
        q = q.where(lane.in_(SELECTED))
    elif flt.lane != "all":
        q = q.where(lane == flt.lane)
    if flt.status == "open":
        q = q.where(ins.c.id.is_(None))
    elif flt.status == "inspected":
        q = q.where(ins.c.id.is_not(None))
    if flt.min_score is not None:
        q = q.where(ra.c.score >= flt.min_score)
    if flt.importer_id:
        q = q.where(d.c.importer_id == flt.importer_id)
    if flt.hs_prefix:
        q = q.where(d.c.hs_code.like(f"{flt.hs_prefix}%"))
    if flt.date_from:
        q = q.where(ra.c.declaration_date >= dt.date.fromisoformat(flt.date_from))
    if flt.date_to:
        q = q.where(ra.c.declaration_date <= dt.date.fromisoformat(flt.date_to))
    column = {
        "score": ra.c.score,
        "date": ra.c.declaration_date,
        "revenue_at_risk": ra.c.revenue_at_risk,
        "price": d.c.item_price_krw,
    }[flt.sort]
    ordering = column.desc() if flt.order == "desc" else column.asc()
    tie = ra.c.declaration_id.desc() if flt.order == "desc" else ra.c.declaration_id.asc()
    with engine.connect() as conn:
        total = conn.execute(select(func.count()).select_from(q.subquery())).scalar_one()
        rows = (
            conn.execute(
                q.order_by(ordering.nulls_last() if flt.order == "desc" else ordering, tie)
                .limit(limit)
                .offset(offset)
            )
            .mappings()
            .all()
        )
    items = [
        QueueItem(
            declaration_id=r["declaration_id"],
            item_no=r["item_no"],
            declaration_date=str(r["declaration_date"]),
            office_id=r["office_id"],
            importer_id=r["importer_id"],
            hs_code=r["hs_code"],
            origin_country=r["origin_country"],
            item_price_krw=r["item_price_krw"],
            score=r["score"],
            lane=r["lane"],
            exploration=bool(r["exploration"]),
            revenue_at_risk=r["revenue_at_risk"],
            reasons=reasons_text(r["reasons"] or [])[:3],
            rules_fired=list(r["rules_fired"] or []),
            overridden=r["override_lane"] is not None,
            inspected=r["inspection_id"] is not None,
            fraud_found=None if r["inspection_id"] is None else bool(r["fraud"]),
        )
        for r in rows
    ]
    return int(total), items


def dashboard_frame(*, engine: Engine, office: str | None) -> pd.DataFrame:
    q, _lane, _ins = _queue_select(office)
    with engine.connect() as conn:
        rows = conn.execute(q).mappings().all()
    cols = ["office_id", "declaration_date", "lane", "inspected", "fraud", "additional_duty"]
    if not rows:
        return pd.DataFrame(columns=cols)
    return pd.DataFrame(
        {
            "office_id": [r["office_id"] for r in rows],
            "declaration_date": pd.to_datetime([r["declaration_date"] for r in rows]),
            "lane": [r["lane"] for r in rows],
            "inspected": [r["inspection_id"] is not None for r in rows],
            "fraud": [
                float(bool(r["fraud"])) if r["inspection_id"] is not None else 0.0 for r in rows
            ],
            "additional_duty": [float(r["additional_duty"] or 0.0) for r in rows],
        }
    )
