"""`opencustoms serve`, `opencustoms users` and `opencustoms audit` commands."""

from __future__ import annotations

from typing import TYPE_CHECKING

import typer

from opencustoms.cli.common import fail, new_app

if TYPE_CHECKING:
    from sqlalchemy import Engine

APP_FACTORY = "opencustoms.web.app:create_app"
users_app = new_app(help="Users, roles and offices.")
audit_app = new_app(help="The tamper-evident audit trail.")


def _engine() -> Engine:
    from opencustoms.db import get_engine
    from opencustoms.settings import get_settings
    from opencustoms.workspace.users import prepare_database

    settings = get_settings()
    engine = get_engine(settings.resolved_database_url)
    prepare_database(engine, offices_file=settings.offices_file)
    return engine


def serve(
    host: str = typer.Option("127.0.0.1", help="Interface to listen on."),
    port: int = typer.Option(8000, help="TCP port."),
    workers: int = typer.Option(1, min=1, help="Worker processes."),
) -> None:
    """Serve the HTTP API and the officer web UI."""
    import uvicorn

    if workers > 1:
        _engine()  # migrate once, before the workers race to do it
    # The app by its import string: the command line never imports the web face.
    uvicorn.run(
        APP_FACTORY,
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="warning",
        access_log=False,
    )


@users_app.command("create")
def users_create(
    username: str = typer.Option(..., help="Login name."),
    password: str = typer.Option(..., help="Password (at least 8 characters)."),
    role: str = typer.Option(..., help="officer, supervisor, analyst, admin or trader."),
    office: str = typer.Option(..., help="Office code (see `opencustoms users offices`)."),
    trader_id: str = typer.Option(None, help="For traders: their importer/declarant id."),
) -> None:
    """Create a user (e.g. the first admin)."""
    from pydantic import ValidationError

    from opencustoms.workspace import audit
    from opencustoms.workspace.models import UserCreate
    from opencustoms.workspace.users import create_user

    try:
        data = UserCreate(
            username=username,
            password=password,
            role=role,
            office=office,
            trader_id=trader_id,
        )
        engine = _engine()
        user = create_user(engine=engine, data=data)
    except ValidationError as exc:
        # One line per invalid field, so every mistake is fixed in one go.
        for err in exc.errors()[1:]:
            typer.echo(f"error: {'.'.join(map(str, err['loc']))}: {err['msg']}", err=True)
        err = exc.errors()[0]
        fail(f"{'.'.join(map(str, err['loc']))}: {err['msg']}")
    audit.append(
        engine=engine,
        actor="cli",
        role="admin",
        action="user_create",
        object_type="user",
        object_id=user.username,
        office=user.office,
        detail={"role": user.role.value},
    )
    typer.echo(
        f"created user {user.username} (id {user.id}, {user.role.value}, office {user.office})"
    )


@users_app.command("list")
def users_list() -> None:
    """List users."""
    from opencustoms.workspace.users import list_users

    for u in list_users(engine=_engine()):
        typer.echo(f"{u.id}\t{u.username}\t{u.role.value}\t{u.office}\t{u.trader_id or ''}")


@users_app.command("offices")
def users_offices() -> None:
    """List the office register (customs offices and support centres)."""
    from opencustoms.workspace.users import list_offices

    for o in list_offices(engine=_engine()):
        typer.echo(f"{o.code}\t{o.kind}\t{o.name}")


@audit_app.command("verify")
def audit_verify() -> None:
    """Check the hash chain; exit 1 and name each edited or deleted entry."""
    from opencustoms.workspace.audit import verify

    result = verify(engine=_engine())
    anchored = (
        f", matches the checkpoint at entry {result.checkpoint}"
        if result.checkpoint
        else ", no checkpoint yet (run `opencustoms audit checkpoint`)"
    )
    if result.ok:
        typer.echo(f"audit chain intact: {result.entries} entries{anchored}")
        return
    for problem in result.problems:
        typer.echo(f"BROKEN: {problem}")
    typer.echo(f"audit chain broken: {len(result.problems)} problem(s) in {result.entries} entries")
    raise typer.Exit(code=1)


@audit_app.command("checkpoint")
def audit_checkpoint() -> None:
    """Write a checkpoint of the chain head to the checkpoint file (outside the database);
    run it from cron, e.g. hourly, in addition to the automatic ones."""
    from opencustoms.workspace.audit import checkpoint

    cp = checkpoint(engine=_engine())
    typer.echo(f"checkpoint at entry {cp['seq']} ({cp['mac'].split(':', 1)[0]})")


@audit_app.command("list")
def audit_list(limit: int = typer.Option(20, min=1)) -> None:
    """Show the newest audit entries."""
    from opencustoms.workspace.audit import list_entries

    _, entries = list_entries(engine=_engine(), limit=limit)
    for e in entries:
        typer.echo(f"{e.seq}\t{e.ts}\t{e.actor}\t{e.action}\t{e.object_type}:{e.object_id}")
