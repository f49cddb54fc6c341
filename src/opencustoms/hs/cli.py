"""`opencustoms hs` commands."""

from __future__ import annotations

import typer

app = typer.Typer(help="HS classification: goods description to ranked HS codes; misclassification flags.", no_args_is_help=True)
