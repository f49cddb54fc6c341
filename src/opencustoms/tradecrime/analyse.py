"""Run every detector on a world folder and produce the alert file's rows.

``analyse(folder)`` needs no database: it reads and validates the folder
(``world.read``), prepares KRW amounts, resolved counterparties and the entity graph, runs
the detectors, calibrates their scores and keeps candidates whose probability reaches
``alerts.min_score``.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from opencustoms.tradecrime import calibration, cycles, flows, hwanchigi, pricing
from opencustoms.tradecrime.params import param
from opencustoms.tradecrime.prepare import TradeData, prepare
from opencustoms.world.read import World, read_world

TYPOLOGIES = (
    "export_proceeds_unrepatriated",
    "import_overpayment",
    "over_invoicing",
    "under_invoicing",
    "circular_trade",
    "inflated_exports",
    "hwanchigi",
    "origin_rerouting",
)


@dataclass
class Analysis:
    alerts: pd.DataFrame  # the alert file's columns
    candidates: pd.DataFrame  # every candidate with raw and calibrated score
    world: World
    data: TradeData
    seconds: dict[str, float] = field(default_factory=dict)

    def counts(self) -> dict[str, int]:
        c = self.alerts["typology"].value_counts()
        return {t: int(c.get(t, 0)) for t in TYPOLOGIES}


def detect(data: TradeData, seconds: dict[str, float] | None = None) -> pd.DataFrame:
    """All candidates (raw scores) of every typology."""
    seconds = {} if seconds is None else seconds
    parts = []

    def run(name: str, fn: Callable[[], pd.DataFrame]) -> pd.DataFrame:
        t = time.perf_counter()
        out = fn()
        seconds[name] = round(time.perf_counter() - t, 2)
        parts.append(out)
        return out

    run("export_proceeds_unrepatriated", lambda: flows.unrepatriated(data))
    run("import_overpayment", lambda: flows.overpayment(data))
    run("inflated_exports", lambda: flows.inflated(data))
    t = time.perf_counter()
    items = pricing.price_levels(data)
    seconds["price_benchmarks"] = round(time.perf_counter() - t, 2)
    run("over_under_invoicing", lambda: pricing.invoicing(data, items))
    run("hwanchigi", lambda: hwanchigi.hwanchigi(data, items))
    run("circular_trade", lambda: cycles.circular(data))
    run("origin_rerouting", lambda: cycles.rerouting(data))
    frames = [p for p in parts if not p.empty]
    return pd.concat(frames, ignore_index=True) if frames else parts[0]


def to_alerts(candidates: pd.DataFrame, curves: dict[str, Any]) -> pd.DataFrame:
    scored = candidates.copy()
    scored["score"] = calibration.apply(scored, curves)
    keep = scored[scored["score"] >= float(param("alerts.min_score"))].copy()
    keep = keep.sort_values(["typology", "score", "amount_krw"], ascending=[True, False, False])
    keep["alert_id"] = "TC-" + keep["typology"] + "-" + keep["subject_id"].astype(str)
    keep["period_start"] = pd.to_datetime(keep["period_start"]).dt.date
    keep["period_end"] = pd.to_datetime(keep["period_end"]).dt.date
    return keep.reset_index(drop=True)


def analyse(
    folder: str | Path,
    *,
    curves: dict[str, Any] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Analysis:
    seconds: dict[str, float] = {}
    t = time.perf_counter()
    world = read_world(folder, progress=progress)
    seconds["read_validate"] = round(time.perf_counter() - t, 2)
    t = time.perf_counter()
    data = prepare(world)
    seconds["prepare"] = round(time.perf_counter() - t, 2)
    candidates = detect(data, seconds)
    curves = calibration.load()["curves"] if curves is None else curves
    candidates["score"] = calibration.apply(candidates, curves)
    alerts = to_alerts(candidates.drop(columns="score"), curves)
    return Analysis(alerts=alerts, candidates=candidates, world=world, data=data, seconds=seconds)
