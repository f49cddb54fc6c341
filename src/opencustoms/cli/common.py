"""What every command group shares: its Typer app, and the one mapping of errors to exit
codes. A domain error (``opencustoms.errors``) raised by any command ends the process with
exit code 2 and a single ``error: <field>: <reason>`` line on stderr."""

from __future__ import annotations

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


class DomainErrorGroup(TyperGroup):
    """A command group whose commands' domain errors become ``fail(str(error))``."""

    def invoke(self, ctx: Context) -> Any:
        try:
            return super().invoke(ctx)
        except DomainError as exc:
            fail(str(exc))


def new_app(**kwargs: Any) -> typer.Typer:
    """A command group (``typer.Typer``) with the domain-error mapping."""
    return typer.Typer(cls=DomainErrorGroup, no_args_is_help=True, **kwargs)


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
