"""What an officer or a trader sees of a declaration: the detail (fields, current
assessment, inspection, price benchmark, tax) and the trader's status (no scores, no
reasons). Reads the declarations store and the risk engine's tables; writes nothing.
"""

from __future__ import annotations

import datetime as dt
import math
from functools import lru_cache
from pathlib import Path
from typing import Any

import pandas as pd
from pydantic import BaseModel, Field
from sqlalchemy import Engine, func, or_, select

from opencustoms.declarations.models import declarations
from opencustoms.declarations.reading import Section, read_item
from opencustoms.declarations.schema import LABEL_FIELDS
from opencustoms.risk import assessments
from opencustoms.risk.assessments import Assessment, Inspection
from opencustoms.risk.why import LaneWhy, lane_why
from opencustoms.tariff.service import calculate
from opencustoms.tariff.tables import load_tariff_data
from opencustoms.valuation.benchmarks import LOG_LO, BenchmarkState, log_prices, method_param
from opencustoms.valuation.service import default_benchmarks, default_state_path, score_frame

# Shown to traders instead of lanes: they learn whether goods are held, never why.
TRADER_STATUS = {
    None: "received",
    "green": "released",
    "blue": "released",
    "yellow": "document check",
    "red": "physical inspection",
}


class Benchmark(BaseModel):
    hs6: str
    origin: str | None
    n: int = Field(description="Declarations in the benchmark group used (0: none reached)")
    min_peers: int = Field(
        default=0, description="Fewest declarations a benchmark needs (valuation.min_group_size)"
    )
    median: float | None = Field(
        default=None, description="Benchmark unit price of the valuation engine (KRW per kg)"
    )
    value: float | None = Field(default=None, description="This item's KRW per kg")
    z: float | None = Field(
        default=None,
        description="The valuation engine's robust z-score (valuation.yaml), as in its reports",
    )
    level: str | None = Field(default=None, description="Benchmark level the z-score used")
    group: str | None = Field(default=None, description="The peers, in words")
    flag: str | None = Field(default=None, description="under / over / normal / no_benchmark")
    unit: str = Field(default="KRW/kg", description="Unit of the prices")
    prices: list[float] = Field(
        default_factory=list, description="Histogram bin centres of the group (KRW per kg)"
    )
    counts: list[int] = Field(default_factory=list, description="Declarations per bin")


class Tax(BaseModel):
    lines: list[dict[str, Any]] = Field(default_factory=list)
    total: float | None = None
    error: str | None = None


class Item(BaseModel):
    item_no: int
    declaration: dict[str, Any]
    sections: list[Section] = Field(
        default_factory=list, description="The declared data as an officer reads it"
    )
    assessment: Assessment | None
    why: LaneWhy | None = Field(default=None, description="What put the item in its lane")
    inspection: Inspection | None
    benchmark: Benchmark
    tax: Tax | None = None


class DeclarationDetail(BaseModel):
    declaration_id: str
    office_id: str
    items: list[Item]


class DeclarationStatus(BaseModel):
    declaration_id: str
    item_no: int
    declaration_date: dt.date
    office_id: str
    hs_code: str
    status: str = Field(examples=["released"])
    importer_id: str | None = Field(default=None, exclude=True)
    declarant_id: str | None = Field(default=None, exclude=True)


def _rows(engine: Engine, declaration_id: str) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        rows = (
            conn.execute(
                select(declarations)
                .where(declarations.c.declaration_id == declaration_id)
                .order_by(declarations.c.item_no)
            )
            .mappings()
            .all()
        )
    return [dict(r) for r in rows]


def benchmark(row: dict[str, Any]) -> Benchmark:
    """This item's price per kg against the valuation engine's benchmark: the finest group
    (HS6 x origin x year, HS6 x origin, HS6) with at least ``valuation.min_group_size``
    declarations, its histogram (for the chart) and the robust z-score."""
    hs6 = str(row["hs_code"])[:6]
    origin = row.get("origin_country")
    value = None
    if row.get("item_price_krw") and row.get("net_mass_kg"):
        value = float(row["item_price_krw"]) / float(row["net_mass_kg"])
    out = Benchmark(
        hs6=hs6, origin=origin, n=0, value=value, min_peers=int(method_param("min_group_size"))
    )
    frame = _one_row_frame(row)
    state = _stored_benchmarks()
    # The z an officer sees is the valuation engine's (same levels, MAD floor and threshold
    # from valuation.yaml), and the chart draws the very group it was computed on.
    scored = score_frame(frame=frame, benchmarks=state)
    out.flag = str(scored["valuation_flag"].iloc[0])
    z = scored["price_zscore"].iloc[0]
    if pd.isna(z):
        return out
    out.z = float(z)
    out.n = int(scored["benchmark_n"].iloc[0])
    out.median = float(scored["benchmark_unit_price"].iloc[0])
    out.level = str(scored["benchmark_level"].iloc[0])
    key = log_prices(frame).iloc[0]
    c = state.counts
    mask = (c["hs6"] == hs6) & (c["measure"] == key["measure"])
    if out.level != "hs6":
        mask &= c["origin"] == key["origin"]
    if out.level == "hs6_origin_period":
        mask &= c["period"] == key["period"]
    hist = c[mask].groupby("bin")["count"].sum()
    out.prices = [math.exp(LOG_LO + (b + 0.5) * state.bin_width) for b in hist.index]
    out.counts = [int(v) for v in hist.to_numpy()]
    origin_text = f" from {key['origin']}" if out.level != "hs6" else " from any origin"
    period = f" declared in {key['period']}" if out.level == "hs6_origin_period" else ""
    out.group = f"HS {hs6}{origin_text}{period}"
    out.unit = "KRW/kg" if key["measure"] == "kg" else "KRW per unit"
    return out


def _one_row_frame(row: dict[str, Any]) -> pd.DataFrame:
    columns = ("hs_code", "origin_country", "declaration_date", "item_price_krw", "net_mass_kg")
    return pd.DataFrame([{c: row.get(c) for c in columns}])


def _stored_benchmarks() -> BenchmarkState:
    path = default_state_path()
    return _benchmarks_at(path, path.stat().st_mtime_ns if path.is_file() else 0)


@lru_cache(maxsize=2)
def _benchmarks_at(path: Path, mtime_ns: int) -> BenchmarkState:
    # Keyed on the file's mtime: a `tariff benchmarks-update` is seen on the next request.
    return default_benchmarks()


def _fta_names() -> dict[str, str]:
    """FTA names by their KCS tax-type prefix (``FCN`` -> Korea-China FTA)."""
    return {a.kcs_prefix: a.name for a in load_tariff_data().agreements.values()}


def tax_for(row: dict[str, Any]) -> Tax | None:
    """The tariff engine's computation for this item, when it has the inputs."""
    if not row.get("item_price_krw") or not row.get("origin_country"):
        return None
    try:
        result = calculate(
            hs_code=row["hs_code"],
            origin=row["origin_country"],
            value=float(row["item_price_krw"]),
            currency="KRW",
            date=row["declaration_date"],
        )
    except (ValueError, LookupError) as exc:
        return Tax(error=f"Not computed: {exc}")
    return Tax(lines=[line.model_dump() for line in result.lines], total=result.total)


def declaration_detail(
    *, engine: Engine, declaration_id: str, with_tax: bool = True
) -> DeclarationDetail | None:
    rows = _rows(engine, declaration_id)
    if not rows:
        return None
    items = []
    for row in rows:
        fields = {
            k: (v.isoformat() if isinstance(v, dt.date) else v)
            for k, v in row.items()
            if k not in ("content_hash", "ingest_id", "ingested_at")
            and k not in LABEL_FIELDS
            and v is not None
        }
        current = assessments.latest_assessment(
            engine=engine, declaration_id=declaration_id, item_no=row["item_no"]
        )
        items.append(
            Item(
                item_no=row["item_no"],
                declaration=fields,
                sections=read_item(fields, extra_codes={"tax_type": _fta_names()}),
                assessment=assessments.assessment(
                    engine=engine, declaration_id=declaration_id, item_no=row["item_no"]
                ),
                why=None if current is None else lane_why(engine=engine, row=current),
                inspection=assessments.inspection(
                    engine=engine, declaration_id=declaration_id, item_no=row["item_no"]
                ),
                benchmark=benchmark(row),
                tax=tax_for(row) if with_tax else None,
            )
        )
    return DeclarationDetail(
        declaration_id=declaration_id, office_id=str(rows[0]["office_id"]), items=items
    )


def _status(engine: Engine, rows: list[dict[str, Any]]) -> list[DeclarationStatus]:
    lanes = assessments.lanes_for(
        engine=engine, keys=[(r["declaration_id"], r["item_no"]) for r in rows]
    )
    inspected = assessments.inspected_keys(
        engine=engine, keys=[(r["declaration_id"], r["item_no"]) for r in rows]
    )
    out = []
    for r in rows:
        key = (r["declaration_id"], r["item_no"])
        status = TRADER_STATUS.get(lanes.get(key), "received")
        if key in inspected:
            status = "inspection completed"
        out.append(
            DeclarationStatus(
                declaration_id=r["declaration_id"],
                item_no=r["item_no"],
                declaration_date=r["declaration_date"],
                office_id=r["office_id"],
                hs_code=r["hs_code"],
                status=status,
                importer_id=r.get("importer_id"),
                declarant_id=r.get("declarant_id"),
            )
        )
    return out


def statuses(*, engine: Engine, declaration_id: str) -> list[DeclarationStatus]:
    return _status(engine, _rows(engine, declaration_id))


def owned_by(items: list[DeclarationStatus], trader_id: str | None) -> bool:
    return bool(trader_id) and all(trader_id in (i.importer_id, i.declarant_id) for i in items)


def trader_statuses(
    *, engine: Engine, trader_id: str, limit: int, offset: int
) -> tuple[int, list[DeclarationStatus]]:
    c = declarations.c
    mine = or_(c.importer_id == trader_id, c.declarant_id == trader_id)
    with engine.connect() as conn:
        total = conn.execute(
            select(func.count()).select_from(declarations).where(mine)
        ).scalar_one()
        rows = (
            conn.execute(
                select(declarations)
                .where(mine)
                .order_by(c.declaration_date.desc(), c.declaration_id, c.item_no)
                .limit(limit)
                .offset(offset)
            )
            .mappings()
            .all()
        )
    return int(total), _status(engine, [dict(r) for r in rows])
