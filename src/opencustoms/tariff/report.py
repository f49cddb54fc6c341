"""Rich renderings of tariff results (CLI and demo)."""

from __future__ import annotations

import pandas as pd
from rich.table import Table

from opencustoms.tariff.service import TaxComputation


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
