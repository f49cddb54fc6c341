"""The main job (`make demo`): run the whole pipeline on the bundled data.

Each domain contributes one step: a ``demo_step(console=...)`` function in
``cli/demo/<domain>.py`` (listed in ``STEPS``); the steps run in order and each prints its
own section. A step calls the domain's service functions and draws their results.
"""

from __future__ import annotations

import importlib
import sys

import typer
from rich.console import Console

STEPS = (
    "opencustoms.cli.demo.declarations",
    "opencustoms.cli.demo.risk",
    "opencustoms.cli.demo.tariff",
    "opencustoms.cli.demo.hs",
    "opencustoms.cli.demo.parcels",
    "opencustoms.cli.demo.tradecrime",
    "opencustoms.cli.demo.screening",
    "opencustoms.cli.demo.cases",
)


def demo(
    serve: bool = typer.Option(True, "--serve/--no-serve", help="Serve the UI at the end."),
) -> None:
    """Run the whole pipeline on the bundled KCS data and print its summaries."""
    # Piped output (make, CI logs) would otherwise be cut to 80 columns and the wide
    # evaluation tables become unreadable.
    console = Console(width=None if sys.stdout.isatty() else 150)
    for module_name in STEPS:
        importlib.import_module(module_name).demo_step(console=console)
    # Last: demo users per role, then the officer workspace until Ctrl-C.
    from opencustoms.cli.demo import workspace as workspace_demo

    workspace_demo.demo_step(console=console)
    if serve:
        workspace_demo.serve_ui(console=console)
