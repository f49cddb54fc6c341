"""`opencustoms risk` commands. Machine-readable output: the last stdout line is JSON."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import typer

from opencustoms.cli.common import fail, new_app

app = new_app(
    help="Risk targeting: features, models, officer rules, explanations, lanes and feedback.",
)

DATA = typer.Option(..., "--data", help="Declaration file (CSV/Parquet/JSONL); repeatable.")
PROFILE = typer.Option("kcs", "--profile", help="Ingest profile of the files.")


def _load(data: list[Path], profile: str) -> Any:
    import pandas as pd

    from opencustoms.declarations.io import UnusableFileError, load_frame

    try:
        frames = [load_frame(p, profile) for p in data]
    except (UnusableFileError, ValueError) as exc:
        fail(str(exc))
    return pd.concat(frames, ignore_index=True)


def _store_call(fn: Callable[..., Any], **kwargs: Any) -> None:
    """Run a store-writing service function on the migrated database and print its result;
    a ``ValueError`` (unknown declaration, bad lane, ...) becomes a clean exit 2."""
    from opencustoms.db import get_engine, migrate

    engine = get_engine()
    migrate(engine)
    try:
        res = fn(engine=engine, **kwargs)
    except ValueError as exc:
        fail(str(exc))
    typer.echo(res.model_dump_json())


@app.command()
def train(
    data: list[Path] = DATA,
    profile: str = PROFILE,
    out: Path = typer.Option(..., "--out", help="Artefact directory to write."),
    seed: int = typer.Option(42, help="Random seed of the models."),
) -> None:
    """Train fraud, critical (and revenue, when labelled) models; write the artefact."""
    from opencustoms.risk.artefact import train as train_model
    from opencustoms.settings import get_settings

    frame = _load(data, profile)
    model = train_model(
        frame, seed=seed, n_threads=get_settings().n_threads, sources=[str(p) for p in data]
    )
    model.save(out, compile_native=True)
    meta = model.metadata
    typer.echo(
        f"trained {meta['version']} on {meta['rows']} rows "
        f"({meta['training_window']['start']}..{meta['training_window']['end']}) -> {out}"
    )
    typer.echo(
        json.dumps(
            {
                "version": meta["version"],
                "out": str(out),
                "rows": meta["rows"],
                "data_hash": meta["data_hash"],
            }
        )
    )


@app.command()
def evaluate(
    model: Path = typer.Option(..., "--model", help="Artefact directory."),
    data: list[Path] = DATA,
    profile: str = PROFILE,
    as_json: bool = typer.Option(False, "--json", help="Last line: the metrics as JSON."),
) -> None:
    """precision@k, recall@k, revenue@k (k = 1, 2, 5, 10 %) and AUC; fraud, critical and per
    office (model scores, every row ranked)."""
    from rich.console import Console

    from opencustoms.cli.tables import metrics_table
    from opencustoms.risk.artefact import ArtefactError, load
    from opencustoms.risk.evaluation import evaluate_frame

    try:
        m = load(model)
    except ArtefactError as exc:
        fail(str(exc))
    frame = _load(data, profile)
    if frame["fraud"].notna().sum() == 0:
        fail("the data has no fraud labels to evaluate against")
    result = evaluate_frame(frame, model=m)
    Console().print(metrics_table(result))
    if as_json:
        typer.echo(json.dumps(result))


@app.command()
def score(
    model: Path = typer.Option(..., "--model", help="Artefact directory."),
    data: Path = typer.Option(..., "--data", help="Declaration file to score."),
    profile: str = PROFILE,
    out: Path = typer.Option(..., "--out", help="Output Parquet file."),
    explain: str = typer.Option(
        "auto",
        help="Model factors for: all | selected (non-green) | none | auto (all up to "
        "50,000 rows, else selected); rules and data notes are always given",
    ),
) -> None:
    """Score a file: one output row per input row with score, lane and reasons."""
    from opencustoms.risk.artefact import ArtefactError, load
    from opencustoms.risk.batch import score_file

    try:
        m = load(model)
    except ArtefactError as exc:
        fail(str(exc))
    try:
        summary = score_file(data, profile=profile, out=out, model=m, explain_mode=explain)
    except ValueError as exc:
        fail(str(exc))
    typer.echo(f"scored {summary['scored']} rows ({summary['invalid']} invalid) -> {out}")
    typer.echo(json.dumps(summary))


@app.command()
def simulate(
    data: list[Path] = DATA,
    profile: str = PROFILE,
    start: str = typer.Option(..., "--start", help="First replayed day, YYYY-MM-DD."),
    budget: float = typer.Option(0.10, "--budget", help="Share of each week inspected."),
    strategy: list[str] = typer.Option(
        None, "--strategy", help="model | model+random | model+uncertainty (default: all)"
    ),
    weeks: int = typer.Option(None, "--weeks", help="Replay at most this many weeks."),
    seed: int = typer.Option(42, help="Random seed."),
    as_json: bool = typer.Option(False, "--json", help="Last line: the summary as JSON."),
) -> None:
    """Replay week by week: score, inspect within budget, reveal only inspected labels,
    retrain; compare strategies."""
    import datetime as dt

    from rich.console import Console

    from opencustoms.cli.tables import simulation_table
    from opencustoms.risk.simulate import STRATEGIES
    from opencustoms.risk.simulate import simulate as run
    from opencustoms.settings import get_settings

    try:
        dt.date.fromisoformat(start)
    except ValueError:
        fail(f"--start: {start!r} is not a YYYY-MM-DD date")
    frame = _load(data, profile)
    try:
        results = run(
            frame,
            start=start,
            budget=budget,
            strategies=tuple(strategy or STRATEGIES),
            seed=seed,
            n_threads=get_settings().n_threads,
            weeks=weeks,
        )
    except ValueError as exc:
        fail(str(exc))
    Console().print(simulation_table(results))
    if as_json:
        summary = {name: r.summary() for name, r in results.items()}
        weekly = {name: r.weeks for name, r in results.items()}
        typer.echo(
            json.dumps({"budget": budget, "start": start, "weekly": weekly, "strategies": summary})
        )


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
        declaration_id=declaration_id,
        item_no=item_no,
        lane=lane,
        reason=reason,
        user=user,
    )


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
    typer.echo(res.model_dump_json())


@app.command()
def retrain(
    out: Path = typer.Option(None, "--out", help="Artefact directory (default: settings)."),
) -> None:
    """Retrain from the store; labels only from recorded inspections."""
    from opencustoms.db import get_engine, migrate
    from opencustoms.risk.retrain import retrain as run

    engine = get_engine()
    migrate(engine)
    model = run(engine=engine, out=out)
    typer.echo(json.dumps({"version": model.version, **model.metadata.get("labels", {})}))


@app.command("check-rules")
def check_rules(
    directory: Path = typer.Option(None, "--dir", help="Rules directory (default: settings)."),
) -> None:
    """Validate the officer rules files; errors name file, rule id and field."""
    from opencustoms.risk.rules import RuleError, load_rules

    try:
        rs = load_rules(directory)
    except RuleError as exc:
        fail(str(exc))
    typer.echo(
        f"{len(rs.rules)} rules, {len(rs.watchlists)} watchlists in {len(rs.files)} files: valid"
    )
