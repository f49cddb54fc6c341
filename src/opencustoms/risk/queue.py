"""Office queues and the dashboard frame: current assessments joined with their
declaration, current lane and latest inspection (``assessments`` defines "current",
``lanes.SELECTED_LANES`` defines "selected").

Each queue item says which step of the lane assignment put it in its lane
(``lanes.lane_cause``), and a queue page carries the red/yellow cut-offs of the days it
shows (``cutoffs.day_cutoffs``, the pool's, as the Decision card shows them), because
lanes are assigned per capacity pool and day: a yellow item can rank above a red one of
another day."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

import pandas as pd
from pydantic import BaseModel, Field
from sqlalchemy import Engine, bindparam, func, select

from opencustoms.declarations.models import declarations as d
from opencustoms.risk.assessments import IS_CURRENT
from opencustoms.risk.cutoffs import day_cutoffs
from opencustoms.risk.explain import reasons_text
from opencustoms.risk.lanes import (
    SELECTED_LANES,
    CapacityPlan,
    DayCutoff,
    forced_lane,
    lane_cause,
    load_capacity,
)
from opencustoms.risk.models import risk_assessments as ra
from opencustoms.risk.models import risk_assignments as rs
from opencustoms.risk.models import risk_inspections as ri
from opencustoms.risk.models import risk_lane_overrides as ov


class QueueFilter(BaseModel):
    """Which current assessments a queue shows and in what order ("selected" = red,
    yellow and blue; open = not inspected yet, the default: what an officer works on)."""

    lane: Literal["selected", "red", "yellow", "blue", "green", "all"] = "selected"
    status: Literal["open", "inspected", "all"] = "open"
    declaration: str | None = Field(
        default=None,
        max_length=64,
        pattern=r"^[A-Za-z0-9._-]+$",
        description="Declaration number, or its beginning",
    )
    min_score: float | None = Field(default=None, ge=0, le=1)
    importer_id: str | None = Field(default=None, max_length=64)
    hs_prefix: str | None = Field(default=None, pattern=r"^\d{1,10}$")
    date_from: str | None = Field(default=None, pattern=r"^\d{4}-\d{2}-\d{2}$")
    date_to: str | None = Field(default=None, pattern=r"^\d{4}-\d{2}-\d{2}$")
    assigned_to: str | None = Field(
        default=None, max_length=128, description="Only the items assigned to this user"
    )
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
    scored_lane: str = Field(description="The lane the engine gave, before any override")
    cause: str = Field(description="Which step of the lane assignment placed the item")
    exploration: bool
    revenue_at_risk: float | None
    reasons: list[str]
    rules_fired: list[str]
    overridden: bool
    inspected: bool
    fraud_found: bool | None


def _newest(table: Any) -> Any:
    """The id of an item's newest row of ``table``, as a correlated subquery (one walk of
    the table's (declaration_id, item_no) index per item)."""
    t = table.alias()
    return (
        select(func.max(t.c.id))
        .where(t.c.declaration_id == ra.c.declaration_id, t.c.item_no == ra.c.item_no)
        .correlate(ra)
        .scalar_subquery()
    )


def _of_item(table: Any) -> tuple[Any, Any]:
    """An alias of ``table`` and the condition "about the assessment's item"."""
    t = table.alias()
    return t, (t.c.declaration_id == ra.c.declaration_id) & (t.c.item_no == ra.c.item_no)


def _newest_value(table: Any, column: str) -> Any:
    """``column`` of the item's newest row of ``table`` (NULL when it has none)."""
    t, of_item = _of_item(table)
    return select(t.c[column]).where(of_item).order_by(t.c.id.desc()).limit(1).scalar_subquery()


def _rows_select() -> Any:
    """Assessment rows joined with their declaration, current override and latest
    inspection (which assessments: the caller's condition)."""
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
            ra.c.lane.label("scored_lane"),
            ovr.c.lane.label("override_lane"),
            ins.c.fraud.label("fraud"),
            ins.c.id.label("inspection_id"),
            ins.c.additional_duty.label("additional_duty"),
            ins.c.recorded_at.label("recorded_at"),
            d.c.importer_id,
            d.c.hs_code,
            d.c.origin_country,
            d.c.item_price_krw,
        )
        .select_from(ra)
        .join(d, (d.c.declaration_id == ra.c.declaration_id) & (d.c.item_no == ra.c.item_no))
        .outerjoin(ovr, ovr.c.id == _newest(ov))
        .outerjoin(ins, ins.c.id == _newest(ri))
    )
    return q, lane, ins


# Built once: building the aliases and correlated subqueries of these statements took
# longer than running them (about 5 ms of a 17 ms queue call).
_page_rows = (
    _rows_select()[0]
    .add_columns(ra.c.id.label("_id"))
    .where(ra.c.id.in_(bindparam("ids", expanding=True)))
)
_lane = func.coalesce(_newest_value(ov, "lane"), ra.c.lane)
_ins, _of_ins = _of_item(ri)
# EXISTS of a key column, not of "*": SQLite then answers from the key index alone
# instead of reading each row it finds (a declaration row is wide).
_inspected = select(_ins.c.item_no).where(_of_ins).exists()
_assigned_to = _newest_value(rs, "officer")  # NULL officer: unassigned again
_of_declaration = (d.c.declaration_id == ra.c.declaration_id) & (d.c.item_no == ra.c.item_no)
_stored = select(d.c.item_no).where(_of_declaration).exists()


def _matching(office: str, flt: QueueFilter) -> Any:
    """The ids of the office's current assessments that ``flt`` keeps, ordered as the
    queue shows them, with the count of all of them beside each id (one pass).

    Every assessment column read here is in the (office_id, declaration_date,
    declaration_id, item_no, lane, score, revenue_at_risk) index (migration 0016), so
    the office's rows are read from the index alone. The conditions come cheapest and
    most selective first, because SQLite tests them in the order written: the lane (one
    probe of the small overrides index) drops most items before the "current" and
    "declaration stored" probes (2 ms instead of 9 ms for office 40's open selected
    items)."""
    q = select(ra.c.id, func.count().over().label("total")).where(ra.c.office_id == office)
    if flt.declaration:
        q = q.where(ra.c.declaration_id.like(f"{flt.declaration}%"))
    if flt.min_score is not None:
        q = q.where(ra.c.score >= flt.min_score)
    if flt.date_from:
        q = q.where(ra.c.declaration_date >= dt.date.fromisoformat(flt.date_from))
    if flt.date_to:
        q = q.where(ra.c.declaration_date <= dt.date.fromisoformat(flt.date_to))
    if flt.lane == "selected":
        q = q.where(_lane.in_(SELECTED_LANES))
    elif flt.lane != "all":
        q = q.where(_lane == flt.lane)
    if flt.status == "open":
        q = q.where(~_inspected)
    elif flt.status == "inspected":
        q = q.where(_inspected)
    if flt.assigned_to is not None:
        q = q.where(_assigned_to == flt.assigned_to)
    q = q.where(IS_CURRENT)
    if flt.importer_id or flt.hs_prefix or flt.sort == "price":
        q = q.join(d, _of_declaration)
        if flt.importer_id:
            q = q.where(d.c.importer_id == flt.importer_id)
        if flt.hs_prefix:
            q = q.where(d.c.hs_code.like(f"{flt.hs_prefix}%"))
    else:
        # Only items whose declaration is stored, as the page's row join requires.
        q = q.where(_stored)
    column = {
        "score": ra.c.score,
        "date": ra.c.declaration_date,
        "revenue_at_risk": ra.c.revenue_at_risk,
        "price": d.c.item_price_krw,
    }[flt.sort]
    ordering = column.desc().nulls_last() if flt.order == "desc" else column.asc()
    tie = ra.c.declaration_id.desc() if flt.order == "desc" else ra.c.declaration_id.asc()
    return q.order_by(ordering, tie)


def queue(
    *,
    engine: Engine,
    office: str,
    flt: QueueFilter,
    limit: int,
    offset: int,
    plan: CapacityPlan | None = None,
) -> tuple[int, list[QueueItem], list[DayCutoff]]:
    """One page of an office's queue: the count over all pages, the items, and the
    red/yellow cut-offs of the days on the page (``plan``: capacity now in force)."""
    matching = _matching(office, flt)
    # The page's ids first, then their rows by id: sorting only keys keeps the reasons
    # JSON of every matching item out of the database's sorter.
    with engine.connect() as conn:
        keys = conn.execute(matching.limit(limit).offset(offset)).all()
        if keys:
            total = keys[0].total
        else:  # past the last page (or none): the count alone
            counted = matching.order_by(None).with_only_columns(ra.c.id).subquery()
            total = conn.execute(select(func.count()).select_from(counted)).scalar_one()
        ids = [k.id for k in keys]
        by_id = {}
        if ids:
            found = conn.execute(_page_rows, {"ids": ids})
            by_id = {r["_id"]: r for r in found.mappings()}
    rows = [by_id[i] for i in ids]
    plan = plan if plan is not None else load_capacity()
    # The pool's cut-offs, as the lane engine filled the slots; of the other offices of
    # the pool the page shows these aggregates only (docs/lanes.md).
    cutoffs = day_cutoffs(
        engine=engine,
        offices=plan.pool_offices(office),
        visible=[office],
        days=[r["declaration_date"] for r in rows],
        plan=plan,
    )
    by_day = {c.day: c for c in cutoffs}
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
            scored_lane=r["scored_lane"],
            cause=lane_cause(
                lane=r["lane"],
                scored_lane=r["scored_lane"],
                score=r["score"],
                overridden=r["override_lane"] is not None,
                exploration=bool(r["exploration"]),
                forced=forced_lane(r["reasons"] or []),
                cutoff=by_day.get(str(r["declaration_date"])),
                min_score=plan.min_score,
            ),
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
    return int(total), items, cutoffs


FRAME_COLUMNS = [
    "office_id",
    "declaration_date",
    "lane",
    "inspected",
    "fraud",
    "additional_duty",
    "recorded_at",
]


def dashboard_frame(*, engine: Engine, office: str | None) -> pd.DataFrame:
    """One row per current assessment: office, declaration date, current lane and the
    latest inspection (``recorded_at`` is when the result was recorded, NaT if none)."""
    q, lane, ins = _rows_select()
    q = q.where(IS_CURRENT)
    if office is not None:
        q = q.where(ra.c.office_id == office)
    q = q.with_only_columns(
        ra.c.office_id,
        ra.c.declaration_date,
        lane.label("lane"),
        ins.c.id.label("inspection_id"),
        ins.c.fraud.label("fraud"),
        ins.c.additional_duty.label("additional_duty"),
        ins.c.recorded_at.label("recorded_at"),
    )
    with engine.connect() as conn:
        rows = conn.execute(q).all()
    if not rows:
        return pd.DataFrame(columns=FRAME_COLUMNS)
    office_id, day, lanes, ins_id, fraud, duty, recorded = zip(*rows, strict=True)
    inspected = [i is not None for i in ins_id]
    return pd.DataFrame(
        {
            "office_id": [str(o) for o in office_id],
            "declaration_date": pd.to_datetime(list(day)),
            "lane": list(lanes),
            "inspected": inspected,
            "fraud": [float(bool(f)) if i else 0.0 for f, i in zip(fraud, inspected, strict=True)],
            "additional_duty": [float(v or 0.0) for v in duty],
            # naive on SQLite, aware on PostgreSQL: both read as UTC
            "recorded_at": pd.Series(
                [pd.NaT if r is None else pd.Timestamp(r) for r in recorded], dtype=object
            ).pipe(pd.to_datetime, utc=True),
        }
    )
