"""Dashboard figures: workload, hit rate and revenue found per office per ISO week.

* declarations and selected (``lanes.is_selected``: red, yellow or blue, the queue's
  definition) count in the week of the declaration;
* inspections, frauds found (hits) and additional duty found (revenue, KRW) count in the
  week the result was recorded: last week's work shows last week, whatever the
  declaration's date;
* hit rates carry their counts and a Wilson interval (``rates.hit_rate``): no percentage
  from a handful of inspections.

>>> import pandas as pd
>>> f = pd.DataFrame({"office_id": ["40", "40", "40"], "declaration_date":
...     pd.to_datetime(["2021-03-01", "2021-03-02", "2021-03-02"]), "lane": ["red", "green",
...     "blue"], "inspected": [True, False, True], "fraud": [1, 0, 0],
...     "additional_duty": [1000.0, 0.0, 0.0], "recorded_at": pd.to_datetime(
...     ["2021-03-09", None, "2021-03-10"], utc=True)})
>>> d = weekly(f)
>>> d.totals.selected, d.totals.hit_rate.hits, d.totals.hit_rate.inspected
(2, 1, 2)
>>> [(r.week, r.selected, r.inspected) for r in d.rows]
[('2021-W09', 2, 0), ('2021-W10', 0, 2)]
"""

from __future__ import annotations

from typing import Any

import pandas as pd
from pydantic import BaseModel, Field

from opencustoms.risk.lanes import SELECTED_LANES
from opencustoms.risk.rates import HitRate, hit_rate, reporting


class WeekRow(BaseModel):
    office: str
    office_name: str | None = Field(
        default=None, description="Register name; None: the code is not in the office register"
    )
    week: str = Field(examples=["2021-W09"])
    declarations: int = Field(description="Declared this week")
    selected: int = Field(description="Declared this week and selected (red, yellow, blue)")
    inspected: int = Field(description="Results recorded this week")
    hits: int = Field(description="Results recorded this week that found fraud")
    hit_rate: HitRate
    revenue: float = Field(description="Additional duty found in results recorded this week")


class Totals(BaseModel):
    declarations: int = 0
    selected: int = 0
    inspected: int = 0
    hits: int = 0
    hit_rate: HitRate = Field(default_factory=lambda: hit_rate(0, 0))
    revenue: float = 0.0


class Series(BaseModel):
    """Chart-ready series of the whole selection (one office or all), aligned with
    ``weeks``, and the per-office hit rates with their intervals."""

    weeks: list[str]
    selected: list[int]
    inspected: list[int]
    hits: list[int]
    revenue: list[float]
    hit_rate: list[float | None]
    hit_low: list[float | None]
    hit_high: list[float | None]
    office_labels: list[str]
    office_hit_rate: list[float | None]
    office_hit_low: list[float | None]
    office_hit_high: list[float | None]


class Dashboard(BaseModel):
    office: str | None
    office_name: str | None = None
    selected_lanes: list[str] = Field(default_factory=lambda: list(SELECTED_LANES))
    min_inspections_for_rate: int = Field(
        default_factory=lambda: reporting().min_inspections_for_rate
    )
    totals: Totals
    rows: list[WeekRow] = Field(description="Per office and ISO week")
    by_office: list[WeekRow] = Field(
        description="Per office over the whole period (week 'all'), busiest first"
    )
    series: Series


def _iso_week(dates: pd.Series) -> pd.Series:
    iso = pd.to_datetime(dates).dt.isocalendar()
    return iso["year"].astype(str) + "-W" + iso["week"].astype(int).map("{:02d}".format)


def _counts(frame: pd.DataFrame) -> pd.DataFrame:
    """Per (office_id, week): declarations and selected by declaration week; inspected,
    hits and revenue by the week the result was recorded."""
    f = frame
    declared = (
        f.assign(week=_iso_week(f["declaration_date"]), sel=f["lane"].isin(SELECTED_LANES))
        .groupby(["office_id", "week"])
        .agg(declarations=("lane", "size"), selected=("sel", "sum"))
    )
    done = f[f["inspected"].fillna(False).astype(bool)]
    if len(done):
        when = pd.to_datetime(done["recorded_at"], utc=True).dt.tz_convert(None)
        results = (
            done.assign(
                week=_iso_week(when),
                hit=done["fraud"].fillna(0).astype(float) > 0,
                rev=done["additional_duty"].fillna(0.0).astype(float),
            )
            .groupby(["office_id", "week"])
            .agg(inspected=("hit", "size"), hits=("hit", "sum"), revenue=("rev", "sum"))
        )
    else:
        empty = pd.MultiIndex.from_arrays([[], []], names=["office_id", "week"])
        results = pd.DataFrame(index=empty, columns=["inspected", "hits", "revenue"])
    g = declared.join(results, how="outer").fillna(0).reset_index()
    for col in ("declarations", "selected", "inspected", "hits"):
        g[col] = g[col].astype(int)
    g["revenue"] = g["revenue"].astype(float)
    return g.sort_values(["office_id", "week"])


def _row(code: str, week: str, r: Any, names: dict[str, str]) -> WeekRow:
    return WeekRow(
        office=code,
        office_name=names.get(code),
        week=week,
        declarations=int(r["declarations"]),
        selected=int(r["selected"]),
        inspected=int(r["inspected"]),
        hits=int(r["hits"]),
        hit_rate=hit_rate(int(r["hits"]), int(r["inspected"])),
        revenue=float(r["revenue"]),
    )


def _empty_series() -> Series:
    return Series(
        weeks=[],
        selected=[],
        inspected=[],
        hits=[],
        revenue=[],
        hit_rate=[],
        hit_low=[],
        hit_high=[],
        office_labels=[],
        office_hit_rate=[],
        office_hit_low=[],
        office_hit_high=[],
    )


def weekly(
    frame: pd.DataFrame, *, office: str | None = None, names: dict[str, str] | None = None
) -> Dashboard:
    """Aggregate a frame of current assessments (``queue.dashboard_frame`` columns);
    ``names`` maps office codes to register names."""
    names = names or {}
    if frame.empty:
        return Dashboard(
            office=office,
            office_name=names.get(office or ""),
            totals=Totals(),
            rows=[],
            by_office=[],
            series=_empty_series(),
        )
    g = _counts(frame)
    rows = [_row(str(r["office_id"]), str(r["week"]), r, names) for r in g.to_dict("records")]
    sums = g[["declarations", "selected", "inspected", "hits", "revenue"]].sum()
    totals = Totals(
        declarations=int(sums["declarations"]),
        selected=int(sums["selected"]),
        inspected=int(sums["inspected"]),
        hits=int(sums["hits"]),
        hit_rate=hit_rate(int(sums["hits"]), int(sums["inspected"])),
        revenue=float(sums["revenue"]),
    )
    per_office = g.groupby("office_id")[
        ["declarations", "selected", "inspected", "hits", "revenue"]
    ].sum()
    by_office = [
        _row(str(code), "all", r, names)
        for code, r in per_office.sort_values("declarations", ascending=False).iterrows()
    ]
    per_week = g.groupby("week")[["selected", "inspected", "hits", "revenue"]].sum()
    week_rates = [
        hit_rate(int(h), int(i))
        for h, i in zip(per_week["hits"], per_week["inspected"], strict=True)
    ]
    series = Series(
        weeks=[str(w) for w in per_week.index],
        selected=[int(v) for v in per_week["selected"]],
        inspected=[int(v) for v in per_week["inspected"]],
        hits=[int(v) for v in per_week["hits"]],
        revenue=[float(v) for v in per_week["revenue"]],
        hit_rate=[r.rate for r in week_rates],
        hit_low=[r.low for r in week_rates],
        hit_high=[r.high for r in week_rates],
        office_labels=[f"{r.office} {r.office_name or '(unknown code)'}" for r in by_office],
        office_hit_rate=[r.hit_rate.rate for r in by_office],
        office_hit_low=[r.hit_rate.low for r in by_office],
        office_hit_high=[r.hit_rate.high for r in by_office],
    )
    return Dashboard(
        office=office,
        office_name=names.get(office or ""),
        totals=totals,
        rows=rows,
        by_office=by_office,
        series=series,
    )
