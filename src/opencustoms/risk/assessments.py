"""The read model of the risk engine's decisions: the current assessment of a declaration
item, its current lane (supervisor overrides applied) and its latest inspection result.

"Current" has one definition, here: the assessment row with the highest id per
(declaration_id, item_no), i.e. the latest scoring (rows are only ever appended, in
scoring order); its lane is replaced by the latest lane override, if any. Every reader
(queues, dashboards, the declaration page, trader status, lane overrides) goes through
``current_ids`` / ``IS_CURRENT`` / ``lanes_for``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import ColumnElement, Engine, Select, Subquery, desc, func, select

from opencustoms.declarations.models import declarations
from opencustoms.risk.explain import reasons_text
from opencustoms.risk.models import risk_assessments, risk_inspections, risk_lane_overrides

Key = tuple[str, int]


class RuleFired(BaseModel):
    id: str
    reason: str
    instructions: str | None = None


class Assessment(BaseModel):
    score: float = Field(examples=[0.91])
    model_score: float | None = None
    critical_score: float | None = None
    lane: str = Field(examples=["red"])
    exploration: bool = False
    revenue_at_risk: float | None = None
    reasons: list[str] = Field(description="Plain-language reasons, most important first")
    rules_fired: list[RuleFired]
    model_version: str | None = None
    scored_at: str | None = None
    overridden: bool = False


class Inspection(BaseModel):
    fraud: int
    critical: int = 0
    additional_duty: float = 0.0
    recorded_by: str | None = None
    recorded_at: str | None = None
    note: str | None = None


def latest_ids(
    table: Any, *, declaration_ids: list[str] | None = None, office: str | None = None
) -> Subquery:
    """Subquery of the newest row id per (declaration_id, item_no) of an append-only risk
    table (assessments, overrides, inspections): the current row of each item."""
    q = select(func.max(table.c.id).label("id")).group_by(table.c.declaration_id, table.c.item_no)
    if office is not None:
        q = q.where(table.c.office_id == office)
    if declaration_ids is not None:
        q = q.where(table.c.declaration_id.in_(sorted(set(declaration_ids))))
    return q.subquery()


def current_ids(*, office: str | None = None) -> Subquery:
    """The ids of the current assessments (optionally of one office)."""
    return latest_ids(risk_assessments, office=office)


def _no_newer_scoring() -> ColumnElement[bool]:
    newer = risk_assessments.alias("newer")
    # EXISTS of the id, not of "*": answered from the key index, no table row read.
    return ~(
        select(newer.c.id)
        .where(
            newer.c.declaration_id == risk_assessments.c.declaration_id,
            newer.c.item_no == risk_assessments.c.item_no,
            newer.c.id > risk_assessments.c.id,
        )
        .exists()
    )


# True for a current assessment: its item has no newer scoring. The same rows as
# ``current_ids``, as a condition instead of a subquery: one probe of the (declaration_id,
# item_no) index per row read, where joining ``current_ids`` groups every row of the
# office in a temporary B-tree and then reads each current row again by id (the office
# queue: 3,000 items, about three times slower). Built once: building the alias and its
# subquery per statement cost more than running its probes.
IS_CURRENT = _no_newer_scoring()


def _latest_row(table: Any, declaration_id: str, item_no: int) -> Select[Any]:
    return (
        select(table)
        .where(table.c.declaration_id == declaration_id, table.c.item_no == item_no)
        .order_by(desc(table.c.id))
        .limit(1)
    )


def _first(engine: Engine, stmt: Any) -> dict[str, Any] | None:
    with engine.connect() as conn:
        row = conn.execute(stmt).mappings().first()
    return None if row is None else dict(row)


def latest_assessment(
    *, engine: Engine, declaration_id: str, item_no: int = 1
) -> dict[str, Any] | None:
    """The current assessment row of an item with its current lane, plus ``overridden``
    and ``scored_lane`` (the lane the engine gave)."""
    row = _first(engine, _latest_row(risk_assessments, declaration_id, item_no))
    if row is None:
        return None
    override = _first(engine, _latest_row(risk_lane_overrides, declaration_id, item_no))
    row["overridden"] = override is not None
    row["scored_lane"] = row["lane"]
    if override is not None:
        row["lane"] = override["lane"]
    return row


def query_assessments(
    *,
    engine: Engine,
    office_id: str | None = None,
    lane: str | None = None,
    start: dt.date | str | None = None,
    end: dt.date | str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[dict[str, Any]]:
    """Current assessment rows, highest score first, as scored (``lane`` filters the
    scored lane; overrides are applied by ``latest_assessment`` and ``lanes_for``)."""
    a = risk_assessments.c
    latest = current_ids(office=office_id)
    stmt: Select[Any] = select(risk_assessments).join(latest, latest.c.id == a.id)
    if lane is not None:
        stmt = stmt.where(a.lane == lane)
    if start is not None:
        stmt = stmt.where(a.declaration_date >= dt.date.fromisoformat(str(start)))
    if end is not None:
        stmt = stmt.where(a.declaration_date <= dt.date.fromisoformat(str(end)))
    stmt = stmt.order_by(desc(a.score), a.id).limit(limit).offset(offset)
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(stmt).mappings()]


def assessment(*, engine: Engine, declaration_id: str, item_no: int) -> Assessment | None:
    """The current assessment of an item as officers read it (reasons as text)."""
    row = latest_assessment(engine=engine, declaration_id=declaration_id, item_no=item_no)
    if row is None:
        return None
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
        lane=row["lane"],
        exploration=row["exploration"],
        revenue_at_risk=row["revenue_at_risk"],
        reasons=reasons_text([it for it in items if it.get("kind") != "rule"]),
        rules_fired=fired,
        model_version=row["model_version"],
        scored_at=str(row["scored_at"]) if row["scored_at"] else None,
        overridden=row["overridden"],
    )


def inspection(*, engine: Engine, declaration_id: str, item_no: int) -> Inspection | None:
    """The latest recorded inspection result of an item."""
    row = _first(engine, _latest_row(risk_inspections, declaration_id, item_no))
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
    """Current lane per item: the latest supervisor override, else the current assessment."""
    if not keys:
        return {}
    wanted = set(keys)
    ids = [k[0] for k in keys]
    out: dict[Key, str] = {}
    with engine.connect() as conn:
        for table in (risk_assessments, risk_lane_overrides):  # overrides second: they win
            latest = latest_ids(table, declaration_ids=ids)
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
    """The items among ``keys`` with at least one recorded inspection result."""
    ri = risk_inspections
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
    """The office of a stored declaration item, or None when it is not stored."""
    c = declarations.c
    with engine.connect() as conn:
        row = conn.execute(
            select(c.office_id).where(c.declaration_id == declaration_id, c.item_no == item_no)
        ).first()
    return None if row is None else str(row[0])
