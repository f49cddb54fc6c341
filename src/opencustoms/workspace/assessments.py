"""The workspace's access to the risk engine's stored decisions: current assessments
with lane overrides applied, office queues, inspection results and the dashboard frame.
Reads only, from the risk engine's tables; officers' writes are in ``actions``.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

import pandas as pd
from pydantic import BaseModel
from sqlalchemy import Engine, func, select

if TYPE_CHECKING:
    from opencustoms.workspace.queries import Assessment, Inspection

Key = tuple[str, int]


class QueueFilter(BaseModel):
    lane: str = "selected"
    status: str = "all"
    min_score: float | None = None
    importer_id: str | None = None
    hs_prefix: str | None = None
    date_from: str | None = None
    date_to: str | None = None
    sort: str = "score"
    order: str = "desc"


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


def _latest(table: Any, keys: list[Key] | None = None, office: str | None = None) -> Any:
    """Subquery of the newest row id per (declaration_id, item_no)."""
    q = select(func.max(table.c.id).label("id")).group_by(table.c.declaration_id, table.c.item_no)
    if office is not None:
        q = q.where(table.c.office_id == office)
    if keys is not None:
        q = q.where(table.c.declaration_id.in_(sorted({k[0] for k in keys})))
    return q.subquery()


def _reason_texts(items: list[dict[str, Any]]) -> list[str]:
    from opencustoms.risk.scoring import reasons_text

    return reasons_text(items or [])


def assessment(*, engine: Engine, declaration_id: str, item_no: int) -> Assessment | None:
    from opencustoms.risk.models import risk_assessments as ra
    from opencustoms.workspace.queries import Assessment, RuleFired

    with engine.connect() as conn:
        row = (
            conn.execute(
                select(ra)
                .where(ra.c.declaration_id == declaration_id, ra.c.item_no == item_no)
                .order_by(ra.c.id.desc())
                .limit(1)
            )
            .mappings()
            .first()
        )
    if row is None:
        return None
    lane = lanes_for(engine=engine, keys=[(declaration_id, item_no)]).get(
        (declaration_id, item_no), row["lane"]
    )
    items = row["reasons"] or []
    fired = [
        RuleFired(
            id=str(it.get("rule_id")),
            reason=str(it.get("text", "")),
            instructions=it.get("instructions"),
        )
        for it in items
        if it.get("kind") == "rule"
    ]
    return Assessment(
        score=row["score"],
        model_score=row["model_score"],
        critical_score=row["critical_score"],
        lane=lane,
        exploration=row["exploration"],
        revenue_at_risk=row["revenue_at_risk"],
        reasons=_reason_texts([it for it in items if it.get("kind") != "rule"]),
        rules_fired=fired,
        model_version=row["model_version"],
        scored_at=str(row["scored_at"]) if row["scored_at"] else None,
        overridden=lane != row["lane"],
    )


def inspection(*, engine: Engine, declaration_id: str, item_no: int) -> Inspection | None:
    from opencustoms.risk.models import risk_inspections as ri
    from opencustoms.workspace.queries import Inspection

    with engine.connect() as conn:
        row = (
            conn.execute(
                select(ri)
                .where(ri.c.declaration_id == declaration_id, ri.c.item_no == item_no)
                .order_by(ri.c.id.desc())
                .limit(1)
            )
            .mappings()
            .first()
        )
    if row is None:
        return None
    return Inspection(
        fraud=int(row["fraud"]),
        critical=int(row["critical"]),
        additional_duty=row["additional_duty"],
        recorded_by=row["officer"],
        recorded_at=str(row["recorded_at"]) if row["recorded_at"] else None,
        note=row["note"],
    )


def lanes_for(*, engine: Engine, keys: list[Key]) -> dict[Key, str]:
    """Current lane per item: the latest supervisor override, else the latest assessment."""
    from opencustoms.risk.models import risk_assessments as ra
    from opencustoms.risk.models import risk_lane_overrides as ov

    if not keys:
        return {}
    wanted = set(keys)
    out: dict[Key, str] = {}
    with engine.connect() as conn:
        for table in (ra, ov):  # overrides second, so they win
            latest = _latest(table, keys)
            rows = conn.execute(
                select(table.c.declaration_id, table.c.item_no, table.c.lane).join(
                    latest, table.c.id == latest.c.id
                )
            ).all()
            for r in rows:
                if (r[0], r[1]) in wanted:
                    out[(r[0], r[1])] = r[2]
    return out


def inspected_keys(*, engine: Engine, keys: list[Key]) -> set[Key]:
    from opencustoms.risk.models import risk_inspections as ri

    if not keys:
        return set()
    with engine.connect() as conn:
        rows = conn.execute(
            select(ri.c.declaration_id, ri.c.item_no).where(
                ri.c.declaration_id.in_(sorted({k[0] for k in keys}))
            )
        ).all()
    return {(r[0], r[1]) for r in rows} & set(keys)


def office_of(*, engine: Engine, declaration_id: str, item_no: int) -> str | None:
    from opencustoms.declarations.models import declarations

    c = declarations.c
    with engine.connect() as conn:
        row = conn.execute(
            select(c.office_id).where(c.declaration_id == declaration_id, c.item_no == item_no)
        ).first()
    return None if row is None else str(row[0])


SELECTED = ("red", "yellow", "blue")


def _queue_select(office: str | None) -> Any:
    """Latest assessment per item joined with its declaration, current override and
    latest inspection."""
    from opencustoms.declarations.models import declarations as d
    from opencustoms.risk.models import risk_assessments as ra
    from opencustoms.risk.models import risk_inspections as ri
    from opencustoms.risk.models import risk_lane_overrides as ov

    la, lo, li = _latest(ra, office=office), _latest(ov), _latest(ri)
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
    return q, lane, ins, d, ra


def queue(
    *, engine: Engine, office: str, flt: QueueFilter, limit: int, offset: int
) -> tuple[int, list[QueueItem]]:
    q, lane, ins, d, ra = _queue_select(office)
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
            reasons=_reason_texts(r["reasons"] or [])[:3],
            rules_fired=list(r["rules_fired"] or []),
            overridden=r["override_lane"] is not None,
            inspected=r["inspection_id"] is not None,
            fraud_found=None if r["inspection_id"] is None else bool(r["fraud"]),
        )
        for r in rows
    ]
    return int(total), items


def dashboard_frame(*, engine: Engine, office: str | None) -> pd.DataFrame:
    q, _lane, _ins, _d, _ra = _queue_select(office)
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
