"""Rich renderings of tariff results (CLI and demo)."""

from __future__ import annotations

from rich.table import Table

from opencustoms.tariff.service import TaxComputation


def computation_table(result: TaxComputation) -> Table:
    title = (
        f"HS {result.hs_code} from {result.origin}, {result.value:,.2f} {result.currency} "
        f"on {result.date} -> customs value KRW {result.customs_value_krw:,.0f}"
    )
    table = Table(title=title, show_lines=False)
    for col in ("tax", "base", "rate", "amount KRW", "tier", "why / reference"):
        table.add_column(col, overflow="fold")
    for line in result.lines:
        table.add_row(
            line.tax,
            f"{line.base:,.0f}",
            f"{line.rate:g}{line.rate_unit}",
            f"{line.amount:,.0f}",
            line.tier,
            f"{line.explanation} [dim]({line.reference})[/dim]",
        )
    table.add_row("total", "", "", f"{result.total:,.0f}", "", "; ".join(result.notes))
    return table
