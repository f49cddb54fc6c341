"""`opencustoms risk` commands: scoring files and the store, inspection results, lane
overrides and rule checks; the model's commands (train, evaluate, simulate, drift,
retrain) live in ``cli/risk_model.py`` and are merged into this group. Machine-readable
output: the last stdout line is JSON."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import typer

from opencustoms.cli.common import cli_audit, fail, new_app, progress_bar
from opencustoms.cli.risk_model import PROFILE
from opencustoms.cli.risk_model import app as model_app
from opencustoms.cli.scale_options import ENGINE, SCHEDULER, run_partitioned, single_file

app = new_app(
    help="Risk targeting: features, models, officer rules, explanations, lanes and feedback.",
)
app.add_typer(model_app)  # no name: its commands are `risk train`, `risk evaluate`, ...


def _store_call(fn: Callable[..., Any], *, action: str, **kwargs: Any) -> None:
    """Run a store-writing service function on the migrated database, audit it and print
    its result; a ``ValueError`` (unknown declaration, bad lane, ...) becomes a clean exit 2."""
    from opencustoms.db import get_engine, migrate

    engine = get_engine()
    migrate(engine)
    try:
        res = fn(engine=engine, **kwargs)
    except ValueError as exc:
        fail(str(exc))
    claimed = {k: v for k, v in kwargs.items() if k != "declaration_id"}
    cli_audit(
        action,
        "declaration",
        f"{kwargs['declaration_id']}/{kwargs.get('item_no', 1)}",
        detail={**claimed, "user_as_typed": claimed.pop("user", None)},
    )
    typer.echo(res.model_dump_json())


@app.command()
def score(
    model: Path = typer.Option(..., "--model", help="Artefact directory."),
    data: Path = typer.Option(
        ..., "--data", help="Declaration file, or a partitioned Parquet directory."
    ),
    profile: str = PROFILE,
    out: Path = typer.Option(..., "--out", help="Output Parquet file (directory for a dataset)."),
    explain: str = typer.Option(
        "auto",
        help="Model factors for: all | selected (non-green) | none | auto (all up to "
        "50,000 rows, else selected); rules and data notes are always given",
    ),
    engine: str = ENGINE,
    scheduler: str | None = SCHEDULER,
) -> None:
    """Score a file: one output row per input row with score, lane and reasons (read in
    record batches). A directory is scored partition by partition (resumable)."""
    if not single_file(data, engine, scheduler):
        from opencustoms.scale.risk import score_dataset

        run_partitioned(
            score_dataset,
            data=data,
            out=out,
            model=model,
            profile=profile,
            explain_mode=explain,
            engine=engine,
            scheduler=scheduler,
        )
        return
    from opencustoms.risk.artefact import ArtefactError, load
    from opencustoms.risk.stream import score_file

    try:
        m = load(model)
    except ArtefactError as exc:
        fail(str(exc))
    try:
        with progress_bar("scoring", enabled=sys.stderr.isatty()) as bar:
            summary = score_file(
                data, profile=profile, out=out, model=m, explain_mode=explain, progress=bar
            )
    except ValueError as exc:
        fail(str(exc))
    typer.echo(f"scored {summary['scored']} rows ({summary['invalid']} invalid) -> {out}")
    typer.echo(json.dumps(summary))


@app.command("score-store")
def score_store_cmd(
    start: str = typer.Option(None, help="From this declaration date (inclusive)."),
    end: str = typer.Option(None, help="To this declaration date (inclusive)."),
    office: str = typer.Option(None, help="Only this office."),
    model: Path = typer.Option(None, "--model", help="Artefact (default: settings)."),
) -> None:
    """Score stored declarations and persist assessments and lanes."""
    from opencustoms.db import get_engine, migrate
    from opencustoms.risk.service import load_model, score_store

    engine = get_engine()
    migrate(engine)
    res = score_store(
        engine=engine, model=load_model(model), start=start, end=end, office_id=office
    )
    cli_audit(
        "score_store",
        "store",
        office or "all",
        detail={"start": start, "end": end, **json.loads(res.model_dump_json())},
        office=office,
    )
    typer.echo(res.model_dump_json())


@app.command()
def inspect(
    declaration_id: str = typer.Argument(..., help="Declaration ID."),
    item_no: int = typer.Option(1, "--item", help="Item number."),
    fraud: bool = typer.Option(..., "--fraud/--no-fraud", help="Was fraud found?"),
    critical: bool = typer.Option(False, "--critical", help="Critical fraud."),
    additional_duty: float = typer.Option(0.0, "--additional-duty", help="KRW found due."),
    officer: str = typer.Option(..., "--officer", help="Examining officer."),
    note: str = typer.Option(None, "--note"),
) -> None:
    """Record an inspection result (the feedback retraining learns from)."""
    from opencustoms.risk.feedback import record_inspection

    _store_call(
        record_inspection,
        action="inspection",
        declaration_id=declaration_id,
        item_no=item_no,
        fraud=fraud,
        critical=critical,
        additional_duty=additional_duty,
        note=note,
        user=officer,
    )


@app.command("override-lane")
def override_lane_cmd(
    declaration_id: str = typer.Argument(...),
    lane: str = typer.Option(..., "--lane", help="green | yellow | red | blue"),
    reason: str = typer.Option(..., "--reason"),
    user: str = typer.Option(..., "--user"),
    item_no: int = typer.Option(1, "--item"),
) -> None:
    """Override a declaration's lane (kept with user, time and reason)."""
    from opencustoms.risk.feedback import override_lane

    _store_call(
        override_lane,
        action="lane_override",
        declaration_id=declaration_id,
        item_no=item_no,
        lane=lane,
        reason=reason,
        user=user,
    )


@app.command("check-rules")
def check_rules(
    directory: Path = typer.Option(None, "--dir", help="Rules directory (default: settings)."),
) -> None:
    """Validate the officer rules files; errors name file, rule id and field."""
    from opencustoms.risk.rules import RuleError, load_rules

    try:
        rs = load_rules(directory, strict=True)
    except RuleError as exc:
        fail(str(exc))
    typer.echo(
        f"{len(rs.rules)} rules, {len(rs.watchlists)} watchlists in {len(rs.files)} files: valid"
    )
