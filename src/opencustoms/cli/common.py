"""What every command group shares: its Typer app, and the one mapping of errors to exit
codes. A domain error (``opencustoms.errors``) raised by any command ends the process with
exit code 2 and a single ``error: <field>: <reason>`` line on stderr."""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, NoReturn

import typer
from typer._click.core import Context
from typer.core import TyperGroup

from opencustoms.errors import DomainError

EXIT_INPUT = 2


def fail(message: str) -> NoReturn:
    """Stop the command: ``error: <message>`` on stderr, exit code 2."""
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(EXIT_INPUT)


def database_outage(exc: BaseException) -> str | None:
    """The cause, when ``exc`` says the database cannot be reached (else None).

    >>> database_outage(ValueError("x")) is None
    True
    """
    sa_exc = sys.modules.get("sqlalchemy.exc")  # loaded if the error came from it
    if sa_exc is None or not isinstance(exc, sa_exc.DBAPIError):
        return None
    if not (
        isinstance(exc, sa_exc.OperationalError | sa_exc.InterfaceError)
        or exc.connection_invalidated
    ):
        return None
    cause = str(getattr(exc, "orig", None) or exc).strip().splitlines()
    return cause[0] if cause else type(exc).__name__


class DomainErrorGroup(TyperGroup):
    """A command group whose commands' domain errors become ``fail(str(error))``, and a
    lost database one ``error:`` line instead of a traceback (issue 18, finding 13)."""

    def invoke(self, ctx: Context) -> Any:
        try:
            return super().invoke(ctx)
        except DomainError as exc:
            fail(str(exc))
        except Exception as exc:
            cause = database_outage(exc)
            if cause is None:
                raise
            fail(
                f"database: unreachable ({cause}); work committed so far is kept and "
                "rerunning the same command resumes once the database is back"
            )


def new_app(**kwargs: Any) -> typer.Typer:
    """A command group (``typer.Typer``) with the domain-error mapping."""
    return typer.Typer(cls=DomainErrorGroup, no_args_is_help=True, **kwargs)


def cli_audit(
    action: str,
    object_type: str,
    object_id: str,
    *,
    detail: dict[str, Any] | None = None,
    office: str | None = None,
) -> None:
    """Audit a command-line action. The actor is the operating-system account that ran it
    (``cli:<account>``): names typed as options (``--officer``) are free text, kept in
    ``detail`` as claimed, never taken as the actor (issue 18, finding 9)."""
    import getpass

    from opencustoms.db import get_engine
    from opencustoms.workspace import audit

    try:
        account = getpass.getuser()
    except Exception:  # no passwd entry (containers): the numeric id still names it
        account = str(os.getuid())
    audit.append(
        engine=get_engine(),
        actor=f"cli:{account}"[:64],
        role="cli",
        action=action,
        object_type=object_type,
        object_id=object_id,
        office=office,
        detail=detail,
    )


@contextmanager
def progress_bar(
    label: str, *, enabled: bool = True
) -> Iterator[Callable[[int, int], None] | None]:
    """A rich progress bar on stderr, as the ``progress(done, total)`` callback that long
    domain functions take (None when disabled)."""
    if not enabled:
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    bar = Progress(
        label,
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        transient=True,
    )
    task = bar.add_task(label, total=None)

    def update(done: int, total: int) -> None:
        bar.update(task, completed=done, total=total)

    bar.start()
    try:
        yield update
    finally:
        bar.stop()
