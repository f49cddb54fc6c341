"""Parcel service functions over the store: screen what was ingested, the officer queue,
parcel detail with linked parcels, inspection results (labels) and PCCC usage history.

Faces (CLI, web) call these; authorisation (which office, whose PCCC) is the caller's
job and is passed in as plain arguments (``office``, ``pccc``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
from sqlalchemy import Engine, and_, delete, func, insert, select

from opencustoms.db import ensure_migrated, get_engine
from opencustoms.errors import InvalidInput, NotFound
from opencustoms.parcels.manifest import COLUMNS
from opencustoms.parcels.models import parcel_decisions, parcel_inspections, parcels
from opencustoms.parcels.screen import SEVERITY, TYPOLOGIES, ScreenResult, screen_frame

OUTCOMES = ("confirmed", "cleared")


def screen_stored(
    *, engine: Engine | None = None, date_from: dt.date, date_to: dt.date
) -> ScreenResult:
    """Screen every stored parcel arriving in [date_from, date_to] together (so same-day
    parcels from different manifests meet) and store the decisions, replacing older ones."""
    engine = engine or get_engine()
    ensure_migrated(engine)
    cols = [parcels.c[c] for c in COLUMNS if c in parcels.c]
    with engine.connect() as conn:
        rows = conn.execute(
            select(*cols).where(parcels.c.arrival_date.between(date_from, date_to))
        ).all()
    frame = pd.DataFrame(rows, columns=[c.name for c in cols])
    frame["arrival_date"] = frame["arrival_date"].astype(str)
    text = frame.astype("string[pyarrow]").mask(frame.isna())
    result = screen_frame(text)
    store_decisions(engine=engine, result=result, tag=date_from.isoformat())
    return result


def store_decisions(*, engine: Engine, result: ScreenResult, tag: str) -> int:
    """Replace the stored decisions of the screened parcels; returns rows written."""
    d = result.decisions
    group = d["group"].map(lambda g: None if pd.isna(g) else f"{tag}:{int(g)}")
    cols = ["parcel_id", "decision", "typologies", "score", "reasons", "duty_krw", "vat_krw"]
    out = d[[*cols, "office_code"]].astype(object)
    out = out.where(out.notna(), None)
    out["group_key"] = group.to_numpy()
    out["score"] = out["score"].astype(float)
    records: list[dict[str, Any]] = out.to_dict("records")  # type: ignore[assignment]
    ids = [r["parcel_id"] for r in records]
    with engine.begin() as conn:
        for i in range(0, len(ids), 5000):
            conn.execute(
                delete(parcel_decisions).where(parcel_decisions.c.parcel_id.in_(ids[i : i + 5000]))
            )
        for i in range(0, len(records), 5000):
            conn.execute(insert(parcel_decisions), records[i : i + 5000])
    return len(records)


def _check_choice(field: str, value: str | None, allowed: tuple[str, ...]) -> None:
    if value is not None and value not in allowed:
        raise InvalidInput(field, f"must be one of {', '.join(allowed)}")


def queue(
    *,
    engine: Engine | None = None,
    office: str | None,
    decision: str | None = None,
    typology: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> list[dict[str, Any]]:
    """Screened parcels of one office (None = all offices), most severe and highest score
    first, optionally filtered by decision and typology."""
    _check_choice("decision", decision, tuple(SEVERITY))
    _check_choice("typology", typology, TYPOLOGIES)
    engine = engine or get_engine()
    ensure_migrated(engine)
    d, p = parcel_decisions.c, parcels.c
    cond = []
    if office is not None:
        cond.append(d.office_code == office)
    if decision is not None:
        cond.append(d.decision == decision)
    if typology is not None:
        cond.append(d.typologies.contains(typology))
    stmt = (
        select(
            d.parcel_id,
            d.decision,
            d.typologies,
            d.score,
            d.office_code,
            d.duty_krw,
            d.vat_krw,
            p.arrival_date,
            p.recipient_pccc,
            p.description,
            p.declared_value,
            p.currency,
        )
        .join(parcels, parcels.c.parcel_id == d.parcel_id)
        .where(and_(*cond))
        .order_by(d.score.desc(), d.parcel_id)
        .limit(max(1, min(limit, 1000)))
        .offset(max(0, offset))
    )
    with engine.connect() as conn:
        return [dict(r) for r in conn.execute(stmt).mappings()]


def parcel_detail(*, engine: Engine | None = None, parcel_id: str) -> dict[str, Any]:
    """The parcel, its decision and reasons, the parcels of its split group, the other
    names and parcels under its PCCC, and its recorded inspections."""
    engine = engine or get_engine()
    ensure_migrated(engine)
    with engine.connect() as conn:
        row = (
            conn.execute(select(parcels).where(parcels.c.parcel_id == parcel_id)).mappings().first()
        )
        if row is None:
            raise NotFound(f"parcel {parcel_id}")
        dec = (
            conn.execute(select(parcel_decisions).where(parcel_decisions.c.parcel_id == parcel_id))
            .mappings()
            .first()
        )
        group: list[dict[str, Any]] = []
        if dec is not None and dec["group_key"]:
            group = [
                dict(r)
                for r in conn.execute(
                    select(
                        parcels.c.parcel_id,
                        parcels.c.recipient_pccc,
                        parcels.c.recipient_name,
                        parcels.c.declared_value,
                        parcels.c.currency,
                        parcels.c.description,
                    )
                    .join(parcel_decisions, parcel_decisions.c.parcel_id == parcels.c.parcel_id)
                    .where(parcel_decisions.c.group_key == dec["group_key"])
                    .order_by(parcels.c.parcel_id)
                ).mappings()
            ]
        names = [
            {"recipient_name": r[0], "parcels": int(r[1])}
            for r in conn.execute(
                select(parcels.c.recipient_name, func.count())
                .where(parcels.c.recipient_pccc == row["recipient_pccc"])
                .group_by(parcels.c.recipient_name)
                .order_by(func.count().desc())
            )
        ]
        inspections = [
            dict(r)
            for r in conn.execute(
                select(parcel_inspections)
                .where(parcel_inspections.c.parcel_id == parcel_id)
                .order_by(parcel_inspections.c.id)
            ).mappings()
        ]
    return {
        "parcel": dict(row),
        "decision": dict(dec) if dec is not None else None,
        "split_group": group,
        "names_on_pccc": names,
        "inspections": inspections,
    }


def record_inspection(
    *,
    engine: Engine | None = None,
    parcel_id: str,
    outcome: str,
    typologies: list[str],
    officer: str,
    note: str | None = None,
) -> int:
    """Store an inspection result (a label for later learning); returns its id."""
    _check_choice("outcome", outcome, OUTCOMES)
    for code in typologies:
        _check_choice("typologies", code, TYPOLOGIES)
    if outcome == "confirmed" and not typologies:
        raise InvalidInput("typologies", "name at least one confirmed typology")
    if not officer:
        raise InvalidInput("officer", "missing")
    engine = engine or get_engine()
    ensure_migrated(engine)
    with engine.begin() as conn:
        found = conn.execute(
            select(parcels.c.parcel_id).where(parcels.c.parcel_id == parcel_id)
        ).first()
        if found is None:
            raise NotFound(f"parcel {parcel_id}")
        new = conn.execute(
            insert(parcel_inspections)
            .values(
                parcel_id=parcel_id,
                outcome=outcome,
                typologies=";".join(sorted(typologies)),
                note=note,
                officer=officer,
            )
            .returning(parcel_inspections.c.id)
        )
        return int(new.scalar_one())


def inspection_labels(*, engine: Engine | None = None) -> pd.DataFrame:
    """Latest inspection per parcel as a labels frame (``parcel_id, typologies``): the same
    shape as the generator's labels, for recalibration."""
    engine = engine or get_engine()
    ensure_migrated(engine)
    i = parcel_inspections.c
    with engine.connect() as conn:
        rows = conn.execute(select(i.parcel_id, i.outcome, i.typologies).order_by(i.id)).all()
    frame = pd.DataFrame(rows, columns=["parcel_id", "outcome", "typologies"])
    frame = frame.drop_duplicates("parcel_id", keep="last")
    frame.loc[frame["outcome"] == "cleared", "typologies"] = ""
    return frame[["parcel_id", "typologies"]].reset_index(drop=True)


def pccc_history(*, engine: Engine | None = None, pccc: str) -> list[dict[str, Any]]:
    """Every stored parcel cleared under a PCCC, newest first (to spot identity theft)."""
    engine = engine or get_engine()
    ensure_migrated(engine)
    p, d = parcels.c, parcel_decisions.c
    with engine.connect() as conn:
        rows = conn.execute(
            select(
                p.parcel_id,
                p.arrival_date,
                p.recipient_name,
                p.recipient_address,
                p.platform,
                p.description,
                p.declared_value,
                p.currency,
                d.decision,
            )
            .select_from(parcels.outerjoin(parcel_decisions, d.parcel_id == p.parcel_id))
            .where(p.recipient_pccc == pccc.strip().upper())
            .order_by(p.arrival_date.desc(), p.parcel_id)
        ).mappings()
        return [dict(r) for r in rows]
