"""The ``opencustoms`` command line: one command group per domain (``cli/<domain>.py``).

Command modules import their heavy dependencies inside the commands, so ``--help`` stays
fast. Domain errors end a command with exit code 2 and one ``error:`` line
(``cli/common.py``).
"""

from __future__ import annotations

from opencustoms.cli.cases import app as cases_app
from opencustoms.cli.common import new_app
from opencustoms.cli.declarations import app as declarations_app
from opencustoms.cli.demo import demo
from opencustoms.cli.hs import app as hs_app
from opencustoms.cli.parcels import app as parcels_app
from opencustoms.cli.risk import app as risk_app
from opencustoms.cli.screening import app as screening_app
from opencustoms.cli.tariff import app as tariff_app
from opencustoms.cli.tradecrime import app as tradecrime_app
from opencustoms.cli.workspace import audit_app, serve, users_app
from opencustoms.cli.world import app as world_app

app = new_app(
    name="opencustoms",
    help="OpenCustoms: risk targeting, tax accuracy and trade analytics for customs.",
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
