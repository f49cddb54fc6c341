"""`opencustoms serve`, `opencustoms users` and `opencustoms audit` commands."""

from __future__ import annotations

import typer

users_app = typer.Typer(help="Users, roles and offices.", no_args_is_help=True)
audit_app = typer.Typer(help="The tamper-evident audit trail.", no_args_is_help=True)


def serve(
    host: str = typer.Option("127.0.0.1", help="Interface to listen on."),
    port: int = typer.Option(8000, help="TCP port."),
) -> None:
    """Serve the HTTP API and the officer web UI."""
    raise typer.Exit(code=1)
