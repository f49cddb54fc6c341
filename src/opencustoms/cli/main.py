"""The ``opencustoms`` command line: one command group per domain.

Domain CLIs import their heavy dependencies inside the commands, so ``--help`` stays fast.
"""

from __future__ import annotations

import typer

from opencustoms.cli.cases import app as cases_app
from opencustoms.declarations.cli import app as declarations_app
from opencustoms.demo import demo
from opencustoms.hs.cli import app as hs_app
from opencustoms.cli.parcels import app as parcels_app
from opencustoms.risk.cli import app as risk_app
from opencustoms.cli.screening import app as screening_app
from opencustoms.tariff.cli import app as tariff_app
from opencustoms.cli.tradecrime import app as tradecrime_app
from opencustoms.cli.world import app as world_app
from opencustoms.workspace.cli import audit_app, serve, users_app

app = typer.Typer(
    name="opencustoms",
    help="OpenCustoms: risk targeting, tax accuracy and trade analytics for customs.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(declarations_app, name="declarations")
app.add_typer(risk_app, name="risk")
app.add_typer(tariff_app, name="tariff")
app.add_typer(hs_app, name="hs")
app.add_typer(world_app, name="world")
app.add_typer(tradecrime_app, name="tradecrime")
app.add_typer(parcels_app, name="parcels")
app.add_typer(users_app, name="users")
app.add_typer(audit_app, name="audit")
app.add_typer(screening_app, name="screening")
app.add_typer(cases_app, name="cases")
app.command("serve")(serve)
app.command("demo")(demo)


def main() -> None:
    app()
