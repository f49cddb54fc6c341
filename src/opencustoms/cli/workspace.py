"""`opencustoms serve`, `opencustoms users` and `opencustoms audit` commands.

Passwords never travel as command-line arguments (issue 18, finding 12): they are
prompted for, or read from a file or standard input."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import typer

from opencustoms.cli.common import cli_audit, fail, new_app

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from opencustoms.workspace.users import Change

APP_FACTORY = "opencustoms.web.app:serve_app"
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
    loop: str = typer.Option(
        "auto", help="Event loop: auto (uvloop when installed), uvloop or asyncio."
    ),
    http: str = typer.Option(
        "auto", help="HTTP parser: auto (httptools when installed), httptools or h11."
    ),
) -> None:
    """Serve the HTTP API and the officer web UI."""
    import uvicorn

    if loop not in ("auto", "uvloop", "asyncio"):
        fail(f"loop: {loop!r} is not one of auto, uvloop, asyncio")
    if http not in ("auto", "httptools", "h11"):
        fail(f"http: {http!r} is not one of auto, httptools, h11")
    if workers > 1:
        _engine()  # migrate once, before the workers race to do it
    # The app by its import string: the command line never imports the web face.
    uvicorn.run(
        APP_FACTORY,
        factory=True,
        host=host,
        port=port,
        workers=workers,
        loop=loop,
        http=http,
        log_level="warning",
        access_log=False,
    )


def _new_password(password_file: Path | None, password_stdin: bool, *, username: str) -> str:
    """The new password from a file, standard input or a hidden prompt typed twice -
    never from the command line, where other users see it in the process list and the
    shell keeps it in its history. The policy is checked where it is stored (UserCreate,
    users.reset_password), with every other field's errors."""
    if password_file is not None and password_stdin:
        fail("password: give --password-file or --password-stdin, not both")
    if password_file is not None:
        try:
            text = password_file.read_text(encoding="utf-8")
        except OSError as exc:
            fail(f"password_file: cannot read {password_file}: {exc.strerror}")
        password = text.rstrip("\r\n")
    elif password_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = typer.prompt(
            f"New password for {username}", hide_input=True, confirmation_prompt=True
        )
    return str(password)


PASSWORD_FILE = typer.Option(
    None,
    "--password-file",
    help="Read the password from this file's first line (mode 0600 recommended).",
    dir_okay=False,
)
PASSWORD_STDIN = typer.Option(
    False, "--password-stdin", help="Read the password from the first line of standard input."
)


@users_app.command("create")
def users_create(
    username: str = typer.Option(..., help="Login name."),
    role: str = typer.Option(..., help="officer, supervisor, analyst, admin or trader."),
    office: str = typer.Option(..., help="Office code (see `opencustoms users offices`)."),
    trader_id: str = typer.Option(None, help="For traders: their importer/declarant id."),
    password_file: Path = PASSWORD_FILE,
    password_stdin: bool = PASSWORD_STDIN,
) -> None:
    """Create a user (e.g. the first admin). The password is prompted for (hidden, twice)
    unless --password-file or --password-stdin is given; it needs 12+ characters and
    must not be a common password."""
    from pydantic import ValidationError

    from opencustoms.workspace.models import UserCreate
    from opencustoms.workspace.users import create_user

    password = _new_password(password_file, password_stdin, username=username)
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
    cli_audit(
        "user_create",
        "user",
        user.username,
        office=user.office,
        detail={"role": user.role.value},
    )
    typer.echo(
        f"created user {user.username} (id {user.id}, {user.role.value}, office {user.office})"
    )


def _changed(action: str, change: Change) -> None:
    """Audit an administrative change (actor: the OS account) and say what it ended."""
    after = change.user
    cli_audit(
        action,
        "user",
        after.username,
        office=after.office,
        detail=change.audit_detail(),
    )
    state = "disabled" if after.disabled_at is not None else "enabled"
    typer.echo(
        f"{after.username}: {after.role.value}, office {after.office}, {state}; ended "
        f"{change.sessions_ended} session(s) and {change.tokens_ended} token(s)"
    )


@users_app.command("disable")
def users_disable(username: str = typer.Argument(..., help="Login name.")) -> None:
    """Disable a user: login refused; their sessions and API tokens end at once."""
    from opencustoms.workspace.users import disable_user

    _changed("user_disable", disable_user(engine=_engine(), username=username))


@users_app.command("enable")
def users_enable(username: str = typer.Argument(..., help="Login name.")) -> None:
    """Enable a disabled user again (they sign in anew)."""
    from opencustoms.workspace.users import enable_user

    _changed("user_enable", enable_user(engine=_engine(), username=username))


@users_app.command("set-role")
def users_set_role(
    username: str = typer.Argument(..., help="Login name."),
    role: str = typer.Argument(..., help="officer, supervisor, analyst, admin or trader."),
    office: str = typer.Option(None, help="Move the user to this office too."),
    trader_id: str = typer.Option(None, help="For traders: their importer/declarant id."),
) -> None:
    """Change a user's role; their sessions and API tokens end at once, so no request
    runs with the old rights."""
    from opencustoms.workspace.models import Role
    from opencustoms.workspace.users import set_role

    try:
        new_role = Role(role)
    except ValueError:
        fail(f"role: one of {', '.join(r.value for r in Role)}, not {role!r}")
    change = set_role(
        engine=_engine(), username=username, role=new_role, office=office, trader_id=trader_id
    )
    _changed("user_role", change)


@users_app.command("reset-password")
def users_reset_password(
    username: str = typer.Argument(..., help="Login name."),
    password_file: Path = PASSWORD_FILE,
    password_stdin: bool = PASSWORD_STDIN,
) -> None:
    """Set a new password (prompted for, or from a file or stdin); the user's sessions
    and API tokens end at once."""
    from opencustoms.workspace.users import reset_password

    password = _new_password(password_file, password_stdin, username=username)
    _changed(
        "user_password_reset",
        reset_password(engine=_engine(), username=username, password=password),
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
