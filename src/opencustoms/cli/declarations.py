"""`opencustoms declarations` commands."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import typer

from opencustoms.cli.common import cli_audit, new_app, progress_bar
from opencustoms.cli.scale_options import ENGINE, SCHEDULER, run_partitioned, single_file

app = new_app(
    help="Import and export declarations: the data model, column profiles and ingestion.",
)


@app.command()
def ingest(
    file: Path = typer.Argument(..., help="CSV, Parquet or JSON Lines file of declaration items."),
    profile: str = typer.Option(
        "kcs", "--profile", "-p", help="Column-mapping profile (list: declarations profiles)."
    ),
    as_json: bool = typer.Option(
        False, "--json", help="End stdout with one JSON object of the counts."
    ),
    progress: bool | None = typer.Option(
        None, "--progress/--no-progress", help="Progress bar on stderr (default: on a terminal)."
    ),
    engine: str = ENGINE,
    scheduler: str | None = SCHEDULER,
) -> None:
    """Store every valid row once; quarantine the rest with reasons (field + problem).

    Exit 0 when the file was read (even with quarantined rows); 2 with a one-line error
    when the file itself is unusable, in which case nothing is written; 3 when another
    process is ingesting the same file. Rerunning an interrupted ingest resumes it. A
    partitioned Parquet directory is ingested file by file, each exactly once.
    """
    if not single_file(file, engine, scheduler):
        from opencustoms.scale.ingest import ingest_dataset

        run_partitioned(
            ingest_dataset, data=file, profile=profile, engine=engine, scheduler=scheduler
        )
        return
    from opencustoms.declarations.io import UnusableFileError
    from opencustoms.declarations.service import IngestBusyError, ingest_file

    show = sys.stderr.isatty() if progress is None else progress
    try:
        with progress_bar("ingest", enabled=show) as bar:
            result = ingest_file(path=file, profile=profile, progress=bar)
    except UnusableFileError as exc:
        typer.echo(f"error: {' '.join(str(exc).split())}", err=True)
        raise typer.Exit(2) from None
    except IngestBusyError as exc:
        typer.echo(f"error: {' '.join(str(exc).split())}", err=True)
        raise typer.Exit(3) from None
    cli_audit(
        "ingest",
        "ingest_run",
        str(result.ingest_id),
        detail={
            "file": str(file),
            **{k: getattr(result, k) for k in ("input", "stored", "quarantined", "duplicates")},
        },
    )
    # A watched party that files raises its alert now, as a web ingest does.
    from opencustoms.cases.watch import raise_watch_alerts
    from opencustoms.db import get_engine

    watch = raise_watch_alerts(engine=get_engine(), ingest_id=result.ingest_id)
    if as_json:
        counts = {k: getattr(result, k) for k in ("input", "stored", "quarantined", "duplicates")}
        typer.echo(json.dumps(counts))
        return
    typer.echo(
        f"{file}: input {result.input:,} = stored {result.stored:,} + quarantined "
        f"{result.quarantined:,} (conflicts {result.conflicts:,}) + duplicates "
        f"{result.duplicates:,}  [ingest {result.ingest_id}"
        f"{', resumed' if result.resumed else ''}, {result.seconds:.1f} s]"
    )
    if result.quarantined:
        typer.echo(f"see: opencustoms declarations quarantine --ingest-id {result.ingest_id}")
    if watch.new:
        typer.echo(f"watchlist: {watch.new} new alert(s) for watched parties (see /alerts)")


@app.command()
def summary(
    as_json: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
) -> None:
    """Rows by office and HS chapter, fraud rate by month, for the whole store."""
    from rich.console import Console

    from opencustoms.cli.tables import print_summary
    from opencustoms.db import get_engine, migrate
    from opencustoms.declarations.queries import summary as store_summary

    engine = get_engine()
    migrate(engine)
    result = store_summary(engine=engine)
    if as_json:
        typer.echo(result.model_dump_json())
    else:
        print_summary(result, console=Console())


@app.command()
def quarantine(
    ingest_id: int | None = typer.Option(None, help="Only rows of this ingest run."),
    limit: int = typer.Option(20, min=1, help="Rows to show."),
    offset: int = typer.Option(0, min=0, help="Rows to skip."),
    as_json: bool = typer.Option(False, "--json", help="One JSON object per line."),
) -> None:
    """List quarantined rows with the file, row number and each reason."""
    from opencustoms.db import get_engine, migrate
    from opencustoms.declarations.queries import list_quarantine

    engine = get_engine()
    migrate(engine)
    rows = list_quarantine(engine=engine, ingest_id=ingest_id, limit=limit, offset=offset)
    for row in rows:
        if as_json:
            typer.echo(row.model_dump_json())
            continue
        reasons = "; ".join(f"{r.field}: {r.problem}" for r in row.reasons)
        typer.echo(f"[{row.ingest_id}] {row.source}:{row.row_number}  {reasons}")
    if not rows and not as_json:
        typer.echo("no quarantined rows")


@app.command()
def profiles() -> None:
    """List the column-mapping profiles and how each maps source columns to fields."""
    from opencustoms.declarations.profiles import PROFILES

    for prof in PROFILES.values():
        typer.echo(f"{prof.name}: {prof.description}")
        for src, dst in prof.columns.items():
            if src != dst:
                typer.echo(f"    {src!r} -> {dst}")
        for name, value in prof.constants.items():
            typer.echo(f"    (constant) {name} = {value!r}")
