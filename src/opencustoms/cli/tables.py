"""Console renderings (rich tables) of the domains' results, shared by the commands and the
demo. Domains return data; only the command line draws it."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd
import yaml
from rich.columns import Columns
from rich.console import Console
from rich.table import Table

from opencustoms.declarations.models import StoreSummary
from opencustoms.risk.metrics import KS
from opencustoms.risk.simulate import StrategyResult
from opencustoms.settings import PACKAGE_DATA_DIR
from opencustoms.tariff.service import TaxComputation
from opencustoms.valuation.report import LiftRow


@lru_cache(maxsize=1)
def office_names() -> dict[str, str]:
    """Office code -> name, from the package's office register."""
    data = yaml.safe_load((PACKAGE_DATA_DIR / "offices.yaml").read_text())
    return {str(o["code"]): str(o["name"]) for o in data.get("offices", [])}


def print_summary(result: StoreSummary, *, console: Console, top: int = 10) -> None:
    console.print(
        f"[bold]Declaration store[/]: {result.total:,} items stored, "
        f"{result.quarantined:,} rows in quarantine"
    )
    offices = Table("office", "", "items", "share", title=f"Items by customs office (top {top})")
    names = office_names()
    for c in result.by_office[:top]:
        share = f"{c.rows / max(result.total, 1):.1%}"
        offices.add_row(c.key, names.get(c.key, "-"), f"{c.rows:,}", share)
    chapters = Table("HS chapter", "items", "share", title=f"Items by HS chapter (top {top})")
    for c in result.by_chapter[:top]:
        chapters.add_row(c.key, f"{c.rows:,}", f"{c.rows / max(result.total, 1):.1%}")
    months = Table("month", "items", "fraud rate", title="Fraud rate by month")
    for m in result.fraud_by_month:
        rate = "-" if m.fraud_rate is None else f"{m.fraud_rate:.1%}"
        months.add_row(m.month, f"{m.rows:,}", rate)
    console.print(Columns([offices, chapters]), months)


def _fmt(v: float) -> str:
    return "-" if v is None or (isinstance(v, float) and np.isnan(v)) else f"{v:.3f}"


def metrics_table(result: dict[str, Any]) -> Table:
    table = Table(title=f"Risk model evaluation ({result['rows']} rows)")
    table.add_column("target / office")
    table.add_column("rows", justify="right")
    for k in KS:
        table.add_column(f"P@{k}%", justify="right")
    for k in KS:
        table.add_column(f"R@{k}%", justify="right")
    table.add_column("Rev@5%", justify="right")
    table.add_column("Rev@10%", justify="right")
    table.add_column("AUC", justify="right")

    def row(name: str, rows: int, m: dict[str, float]) -> None:
        table.add_row(
            name,
            str(rows),
            *[_fmt(m[f"precision@{k}"]) for k in KS],
            *[_fmt(m[f"recall@{k}"]) for k in KS],
            _fmt(m["revenue@5"]),
            _fmt(m["revenue@10"]),
            _fmt(m["auc"]),
        )

    row("fraud", result["rows"], result["fraud"])
    row("critical", result["rows"], result["critical"])
    for office, m in result["by_office"].items():
        row(f"  office {office}", m["rows"], m)
    return table


def simulation_table(results: dict[str, StrategyResult]) -> Table:
    table = Table(title="Weekly replay: mean of weekly figures per strategy")
    for col in (
        "strategy",
        "weeks",
        "inspected",
        "frauds found",
        "precision",
        "recall",
        "revenue caught",
    ):
        table.add_column(col, justify="left" if col == "strategy" else "right")
    for name, res in results.items():
        s = res.summary()
        table.add_row(
            name,
            str(s["weeks"]),
            str(s["inspected"]),
            str(s["frauds_found"]),
            f"{s['precision']:.3f}",
            f"{s['recall']:.3f}",
            f"{s['revenue']:.3f}",
        )
    return table


def computation_table(result: TaxComputation) -> Table:
    """Itemised lines; the legal references are numbered in the caption."""
    title = (
        f"HS {result.hs_code} from {result.origin}, {result.value:,.2f} {result.currency} "
        f"on {result.date} -> customs value KRW {result.customs_value_krw:,.0f}"
    )
    table = Table(title=title, caption_justify="left")
    for col in ("tax", "base", "rate", "amount KRW", "tier", "why", "ref"):
        table.add_column(col, overflow="fold")
    refs: list[str] = []
    for line in result.lines:
        if line.reference not in refs:
            refs.append(line.reference)
        table.add_row(
            line.tax,
            f"{line.base:,.0f}",
            f"{line.rate:g}{line.rate_unit}",
            f"{line.amount:,.0f}",
            line.tier,
            line.explanation,
            f"[{refs.index(line.reference) + 1}]",
        )
    table.add_row("total", "", "", f"{result.total:,.0f}", "", "; ".join(result.notes), "")
    refs.append(f"exchange rate {result.exchange_rate:g}: {result.exchange_rate_reference}")
    table.caption = "\n".join(f"[{i + 1}] {r}" for i, r in enumerate(refs))
    return table


def exposure_tables(
    lines: pd.DataFrame, exporters: pd.DataFrame, *, top: int, date_from: str, date_to: str
) -> list[Table]:
    """A ranking table, then one line-by-line table for the top exporters."""
    ranking = Table(title=f"Exporters by added US duty cost, {date_from} -> {date_to}")
    for col in ("rank", "exporter", "lines", "value USD", "added cost USD", "share of value"):
        ranking.add_column(col, justify="right" if col != "exporter" else "left")
    for r in exporters.head(top).itertuples():
        ranking.add_row(
            str(r.rank),
            str(r.exporter),
            str(r.lines),
            f"{r.value_usd:,.0f}",
            f"{r.added_cost_usd:,.0f}",
            f"{r.added_cost_share_of_value:.1%}",
        )
    detail = Table(title="Line by line (top exporters)")
    for col in ("exporter", "HS", "old rate", "new rate", "value USD", "added cost USD", "why"):
        detail.add_column(col, overflow="fold")
    keep = set(exporters.head(min(top, 3))["exporter"])
    sub = lines[lines["exporter"].isin(keep)].sort_values(
        ["exporter", "added_cost_usd"], ascending=[True, False]
    )
    for r in sub.itertuples():
        detail.add_row(
            str(r.exporter),
            str(r.hs_code),
            f"{r.old_rate:g}%",
            f"{r.new_rate:g}%",
            f"{r.value_usd:,.0f}",
            f"{r.added_cost_usd:,.0f}",
            f"{str(r.old_measures) or 'none'} -> {str(r.new_measures) or 'none'}; "
            f"base {r.base_basis!s}",
        )
    return [ranking, detail]


def lift_table(rows: list[LiftRow]) -> Table:
    table = Table(title="Valuation flags vs Fraud label (KCS synthetic data)")
    for col in ("setting", "ranking", "top / share", "n", "fraud rate", "base", "lift ± se"):
        table.add_column(col)
    for r in rows:
        table.add_row(
            r.setting,
            r.ranking,
            f"{r.top_share:.1%}",
            str(r.n_top),
            f"{r.fraud_rate_top:.3f}",
            f"{r.base_rate:.3f}",
            f"{r.lift:.2f} ± {r.lift_se:.2f}",
        )
    return table
