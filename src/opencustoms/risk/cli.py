"""`opencustoms risk` commands."""

from __future__ import annotations

import typer

app = typer.Typer(help="Risk targeting: features, models, officer rules, explanations, lanes and feedback.", no_args_is_help=True)
