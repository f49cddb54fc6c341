"""Dashboard figures: hit rate, revenue found and workload per office per ISO week.

Hit rate = frauds found / inspections recorded; revenue = additional duty found (KRW);
workload = declarations selected (red or yellow) and inspections recorded.

>>> import pandas as pd
>>> f = pd.DataFrame({"office_id": ["40", "40", "40"], "declaration_date":
...     pd.to_datetime(["2021-03-01", "2021-03-02", "2021-03-02"]), "lane": ["red", "green",
...     "yellow"], "inspected": [True, False, True], "fraud": [1, 0, 0],
...     "additional_duty": [1000.0, 0.0, 0.0]})
>>> d = weekly(f)
>>> d.totals.hits, d.totals.inspected, d.totals.hit_rate, d.rows[0].week
(1, 2, 0.5, '2021-W09')
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from pydantic import BaseModel, Field

SELECTED_LANES = ("red", "yellow")


class WeekRow(BaseModel):
    office: str
    week: str = Field(examples=["2021-W09"])
    declarations: int
    selected: int
    inspected: int
    hits: int
    hit_rate: float | None
    revenue: float


class Totals(BaseModel):
    declarations: int = 0
    selected: int = 0
    inspected: int = 0
    hits: int = 0
    hit_rate: float | None = None
    revenue: float = 0.0


class Series(BaseModel):
    """Chart-ready series: one list per office aligned with ``weeks``."""

    weeks: list[str]
    offices: list[str]
    hit_rate: dict[str, list[float | None]]
    revenue: dict[str, list[float]]
    selected_total: list[int]
    inspected_total: list[int]


class Dashboard(BaseModel):
    office: str | None
    totals: Totals
    rows: list[WeekRow] = Field(description="Per office and ISO week")
    by_office: list[WeekRow] = Field(
        description="Per office over the whole period (week 'all'), busiest first"
    )
    series: Series


def _iso_week(dates: pd.Series) -> pd.Series:
    iso = pd.to_datetime(dates).dt.isocalendar()
    return iso["year"].astype(str) + "-W" + iso["week"].astype(int).map("{:02d}".format)


def weekly(frame: pd.DataFrame, *, office: str | None = None, top_offices: int = 8) -> Dashboard:
    """Aggregate a frame of scored declarations (columns office_id, declaration_date,
    lane, inspected, fraud, additional_duty)."""
    if frame.empty:
        empty = Series(
            weeks=[], offices=[], hit_rate={}, revenue={}, selected_total=[], inspected_total=[]
        )
        return Dashboard(office=office, totals=Totals(), rows=[], by_office=[], series=empty)
    f = frame.copy()
    f["week"] = _iso_week(f["declaration_date"])
    f["selected"] = f["lane"].isin(SELECTED_LANES)
    f["inspected"] = f["inspected"].fillna(False).astype(bool)
    f["hit"] = f["inspected"] & (f["fraud"].fillna(0).astype(float) > 0)
    f["revenue"] = f["additional_duty"].fillna(0.0).astype(float).where(f["inspected"], 0.0)
    g = (
        f.groupby(["office_id", "week"], sort=True)
        .agg(
            declarations=("lane", "size"),
            selected=("selected", "sum"),
            inspected=("inspected", "sum"),
            hits=("hit", "sum"),
            revenue=("revenue", "sum"),
        )
        .reset_index()
    )
    records: list[dict[Any, Any]] = g.to_dict("records")
    rows = [
        WeekRow(
            office=str(r["office_id"]),
            week=str(r["week"]),
            declarations=int(r["declarations"]),
            selected=int(r["selected"]),
            inspected=int(r["inspected"]),
            hits=int(r["hits"]),
            hit_rate=(float(r["hits"]) / float(r["inspected"])) if r["inspected"] else None,
            revenue=float(r["revenue"]),
        )
        for r in records
    ]
    inspected, hits = int(f["inspected"].sum()), int(f["hit"].sum())
    totals = Totals(
        declarations=len(f),
        selected=int(f["selected"].sum()),
        inspected=inspected,
        hits=hits,
        hit_rate=hits / inspected if inspected else None,
        revenue=float(f["revenue"].sum()),
    )
    weeks = sorted(g["week"].unique().tolist())
    busiest = (
        g.groupby("office_id")["declarations"]
        .sum()
        .sort_values(ascending=False)
        .index[:top_offices]
        .tolist()
    )
    hit_rate: dict[str, list[float | None]] = {}
    revenue: dict[str, list[float]] = {}
    for code in busiest:
        sub = g[g["office_id"] == code].set_index("week").reindex(weeks)
        hit_rate[str(code)] = [
            (float(h) / float(i)) if i and i == i else None
            for h, i in zip(sub["hits"], sub["inspected"], strict=True)
        ]
        revenue[str(code)] = [float(v) if v == v else 0.0 for v in sub["revenue"]]
    per_week = g.groupby("week")[["selected", "inspected"]].sum().reindex(weeks)
    series = Series(
        weeks=weeks,
        offices=[str(c) for c in busiest],
        hit_rate=hit_rate,
        revenue=revenue,
        selected_total=[int(v) for v in per_week["selected"]],
        inspected_total=[int(v) for v in per_week["inspected"]],
    )
    per_office = g.groupby("office_id")[
        ["declarations", "selected", "inspected", "hits", "revenue"]
    ].sum()
    by_office = [
        WeekRow(
            office=str(code),
            week="all",
            declarations=int(r["declarations"]),
            selected=int(r["selected"]),
            inspected=int(r["inspected"]),
            hits=int(r["hits"]),
            hit_rate=float(r["hits"]) / float(r["inspected"]) if r["inspected"] else None,
            revenue=float(r["revenue"]),
        )
        for code, r in per_office.sort_values("declarations", ascending=False).iterrows()
    ]
    return Dashboard(office=office, totals=totals, rows=rows, by_office=by_office, series=series)
