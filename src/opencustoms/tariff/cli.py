"""`opencustoms tariff` commands."""

from __future__ import annotations

import typer

app = typer.Typer(
    help="Tariff and tax engine: dated rates, duty and tax calculation, US tariff exposure.",
    no_args_is_help=True,
)
