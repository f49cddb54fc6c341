"""`opencustoms declarations` commands."""

from __future__ import annotations

import typer

app = typer.Typer(help="Import and export declarations: the data model, column profiles and ingestion.", no_args_is_help=True)
