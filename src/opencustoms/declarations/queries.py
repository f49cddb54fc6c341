"""Read access to the declaration store: one item, a canonical frame, the summary."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
from sqlalchemy import Engine, and_, case, func, select

from opencustoms.db import month_of
from opencustoms.declarations.models import (
    Count,
    MonthRate,
    QuarantinedRow,
    StoreSummary,
    declarations,
    quarantine,
)
from opencustoms.declarations.schema import FIELD_NAMES, Declaration, python_type


def get_declaration(*, engine: Engine, declaration_id: str, item_no: int = 1) -> Declaration | None:
    """The stored item with this key, or None."""
    d = declarations.c
    stmt = select(*[d[n] for n in FIELD_NAMES]).where(
        and_(d.declaration_id == declaration_id, d.item_no == item_no)
    )
    with engine.connect() as conn:
        row = conn.execute(stmt).mappings().first()
    return None if row is None else Declaration.model_validate(dict(row))


def _as_date(value: dt.date | str | None) -> dt.date | None:
    if value is None or isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(value)


def query_frame(
    *,
    engine: Engine,
    start: dt.date | str | None = None,
    end: dt.date | str | None = None,
    office_id: str | None = None,
) -> pd.DataFrame:
    """Stored items as a frame with the canonical columns and the dtypes of
    ``io.load_frame`` (strings, float64, Int64, datetime64), ordered by date and key.
    ``start``/``end`` are inclusive declaration dates."""
    d = declarations.c
    stmt = select(*[d[n] for n in FIELD_NAMES])
    if (lo := _as_date(start)) is not None:
        stmt = stmt.where(d.declaration_date >= lo)
    if (hi := _as_date(end)) is not None:
        stmt = stmt.where(d.declaration_date <= hi)
    if office_id is not None:
        stmt = stmt.where(d.office_id == office_id)
    stmt = stmt.order_by(d.declaration_date, d.declaration_id, d.item_no)
    with engine.connect() as conn:
        result = conn.execute(stmt)
        frame = pd.DataFrame(result.fetchall(), columns=list(FIELD_NAMES))
    return _typed(frame)


def _typed(frame: pd.DataFrame) -> pd.DataFrame:
    out: dict[str, Any] = {}
    for name in FIELD_NAMES:
        kind = python_type(name)
        col = frame[name]
        if kind is float:
            out[name] = pd.to_numeric(col).astype("float64")
        elif kind is int:
            out[name] = pd.array(col.tolist(), dtype="Int64")
        elif kind is dt.date:
            out[name] = pd.to_datetime(col).astype("datetime64[ns]")
        else:
            out[name] = col.astype("string")
    return pd.DataFrame(out, columns=list(FIELD_NAMES))


def summary(*, engine: Engine, top: int = 100) -> StoreSummary:
    """Row counts by office and HS chapter, and the fraud rate by month."""
    d = declarations.c
    chapter = func.substr(d.hs_code, 1, 2)
    month = month_of(engine, d.declaration_date)
    fraud = func.sum(case((d.fraud == 1, 1), else_=0))
    labelled = func.count(d.fraud)
    with engine.connect() as conn:
        total = conn.execute(select(func.count()).select_from(declarations)).scalar_one()
        held = conn.execute(select(func.count()).select_from(quarantine)).scalar_one()
        offices = conn.execute(
            select(d.office_id, func.count())
            .group_by(d.office_id)
            .order_by(func.count().desc(), d.office_id)
            .limit(top)
        ).all()
        chapters = conn.execute(
            select(chapter, func.count())
            .group_by(chapter)
            .order_by(func.count().desc(), chapter)
            .limit(top)
        ).all()
        months = conn.execute(
            select(month, func.count(), fraud, labelled).group_by(month).order_by(month)
        ).all()
    return StoreSummary(
        total=total,
        quarantined=held,
        by_office=[Count(key=str(k), rows=n) for k, n in offices],
        by_chapter=[Count(key=str(k), rows=n) for k, n in chapters],
        fraud_by_month=[
            MonthRate(month=str(m), rows=n, fraud_rate=(int(f) / lab) if lab else None)
            for m, n, f, lab in months
        ],
    )


def list_quarantine(
    *, engine: Engine, ingest_id: int | None = None, limit: int = 50, offset: int = 0
) -> list[QuarantinedRow]:
    """Quarantined rows (oldest first) with their reasons."""
    q = quarantine.c
    stmt = select(quarantine).order_by(q.id).limit(limit).offset(offset)
    if ingest_id is not None:
        stmt = stmt.where(q.ingest_id == ingest_id)
    with engine.connect() as conn:
        rows = conn.execute(stmt).mappings().all()
    return [QuarantinedRow.model_validate(dict(r)) for r in rows]


def quarantine_for(*, engine: Engine, ingest_id: int, limit: int) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(quarantine.c.row_number, quarantine.c.reasons)
            .where(quarantine.c.ingest_id == ingest_id)
            .order_by(quarantine.c.row_number)
            .limit(limit)
        ).all()
    return [{"row_number": r.row_number, "reasons": r.reasons} for r in rows]
