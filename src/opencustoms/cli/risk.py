"""`opencustoms risk` commands. Machine-readable output: the last stdout line is JSON."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import typer

from opencustoms.cli.common import cli_audit, fail, new_app
from opencustoms.cli.scale_options import ENGINE, SCHEDULER, run_partitioned, single_file

app = new_app(
    help="Risk targeting: features, models, officer rules, explanations, lanes and feedback.",
)

DATA = typer.Option(..., "--data", help="Declaration file (CSV/Parquet/JSONL); repeatable.")
PROFILE = typer.Option("kcs", "--profile", help="Ingest profile of the files.")
LABEL_SHARE = typer.Option(
    None,
    "--label-share",
    help="Scarce-label premise: only this share (0-1] of the labelled past keeps its labels "
    "(the rest counts as uninspected). Default: every label kept.",
)
LABEL_SEED = typer.Option(0, "--label-seed", help="Seed of the label protocol.")
LABEL_POLICY = typer.Option(
    "random",
    "--label-policy",
    help="random (a uniform share) | model (top scores of a prior selection system plus a "
    "flagged 10% random audit)",
)


def _protocol(share: float | None, seed: int, policy: str) -> Any:
    """The label protocol of the flags (None: fully labelled); bad values exit 2."""
    from opencustoms.risk.labels import LabelProtocol

    if share is None:
        if policy != "random":
            fail("label_policy: needs --label-share")
        return None
    return LabelProtocol(share=share, seed=seed, policy=policy)


def _load(data: list[Path], profile: str) -> Any:
    import pandas as pd

    from opencustoms.declarations.io import UnusableFileError, load_frame

    try:
        frames = [load_frame(p, profile) for p in data]
    except (UnusableFileError, ValueError) as exc:
        fail(str(exc))
    return pd.concat(frames, ignore_index=True)


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


def _audit_train(model: Any, out: Path) -> None:
    from opencustoms.db import get_engine, migrate

    migrate(get_engine())
    cli_audit(
        "model_train",
        "model",
        str(model.version),
        detail={"out": str(out), "rows": model.metadata.get("rows")},
    )


@app.command()
def train(
    data: list[Path] = DATA,
    profile: str = PROFILE,
    out: Path = typer.Option(..., "--out", help="Artefact directory to write."),
    seed: int = typer.Option(42, help="Random seed of the models."),
    label_share: float = LABEL_SHARE,
    label_seed: int = LABEL_SEED,
    label_policy: str = LABEL_POLICY,
) -> None:
    """Train fraud, critical (and revenue, when labelled) models; write the artefact."""
    from opencustoms.risk.artefact import train as train_model
    from opencustoms.risk.labels import PROTOCOL_COLUMNS, apply_label_share
    from opencustoms.settings import get_settings

    protocol = _protocol(label_share, label_seed, label_policy)
    frame = _load(data, profile)
    if protocol is not None:
        frame = apply_label_share(frame, protocol).drop(columns=list(PROTOCOL_COLUMNS))
    model = train_model(
        frame, seed=seed, n_threads=get_settings().n_threads, sources=[str(p) for p in data]
    )
    if protocol is not None:
        model.metadata["label_protocol"] = protocol.as_dict()
    model.save(out, compile_native=True)
    _audit_train(model, out)
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
                **({"protocol": protocol.as_dict()} if protocol is not None else {}),
            }
        )
    )


@app.command()
def evaluate(
    model: Path = typer.Option(..., "--model", help="Artefact directory."),
    data: list[Path] = DATA,
    profile: str = PROFILE,
    as_json: bool = typer.Option(False, "--json", help="Last line: the metrics as JSON."),
    label_share: float = LABEL_SHARE,
    label_seed: int = LABEL_SEED,
    label_policy: str = LABEL_POLICY,
) -> None:
    """precision@k, recall@k, revenue@k (k = 1, 2, 5, 10 %) and AUC; fraud, critical and per
    office (model scores, every row ranked). With --label-share only the protocol's kept
    labels of the data are evaluated against (what an administration could measure)."""
    from rich.console import Console

    from opencustoms.cli.tables import metrics_table
    from opencustoms.risk.artefact import ArtefactError, load
    from opencustoms.risk.evaluation import evaluate_frame

    try:
        m = load(model)
    except ArtefactError as exc:
        fail(str(exc))
    protocol = _protocol(label_share, label_seed, label_policy)
    frame = _load(data, profile)
    if protocol is not None:
        from opencustoms.risk.labels import PROTOCOL_COLUMNS, apply_label_share

        frame = apply_label_share(frame, protocol).drop(columns=list(PROTOCOL_COLUMNS))
    if frame["fraud"].notna().sum() == 0:
        fail("the data has no fraud labels to evaluate against")
    result = evaluate_frame(frame, model=m)
    Console().print(metrics_table(result))
    if as_json:
        if protocol is not None:  # without the flags the output stays exactly as before
            result["protocol"] = protocol.as_dict()
        typer.echo(json.dumps(result))


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
    """Score a file: one output row per input row with score, lane and reasons. A
    directory is scored partition by partition (one output file each, resumable)."""
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
        None,
        "--strategy",
        help="model | model+random | model+uncertainty | model+thompson | frozen (default: all)",
    ),
    weeks: int = typer.Option(None, "--weeks", help="Replay at most this many weeks."),
    seed: int = typer.Option(42, help="Random seed."),
    as_json: bool = typer.Option(False, "--json", help="Last line: the summary as JSON."),
    label_share: float = LABEL_SHARE,
    label_seed: int = LABEL_SEED,
    label_policy: str = LABEL_POLICY,
) -> None:
    """Replay week by week: score, inspect within budget, reveal only inspected labels,
    retrain; compare strategies (frozen: never retrained) with the weekly drift watch."""
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
    protocol = _protocol(label_share, label_seed, label_policy)
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
            labels=protocol,
        )
    except ValueError as exc:
        fail(str(exc))
    Console().print(simulation_table(results))
    if as_json:
        from opencustoms.risk.labels import LabelProtocol

        summary = {name: r.summary() for name, r in results.items()}
        weekly = {name: r.weeks for name, r in results.items()}
        drift = {name: r.drift for name, r in results.items()}
        n_weeks = max((len(r.weeks) for r in results.values()), default=0)
        used = (protocol or LabelProtocol()).as_dict()
        out = {
            "budget": budget,
            "start": start,
            "weeks": n_weeks,
            "protocol": {**used, "budget": budget, "start": start, "seed": seed},
            "weekly": weekly,
            "strategies": summary,
            "drift": drift,
        }
        typer.echo(json.dumps(out, default=float))


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
def retrain(
    out: Path = typer.Option(None, "--out", help="Artefact directory (default: settings)."),
    case_labels: bool = typer.Option(
        True,
        "--case-labels/--no-case-labels",
        help="Also learn from closed cases on declarations raised by the risk detector "
        "(confirmed = fraud, false positive = not); an inspection result of the same item wins.",
    ),
    labels_before: str = typer.Option(
        None,
        "--labels-before",
        help="Keep the stored source labels of items dated before this day (default: the "
        "day after the current model's training window).",
    ),
) -> None:
    """Retrain from the store: labels from recorded inspections and closed cases."""
    import datetime as dt

    from opencustoms.cases.risk_labels import risk_decisions
    from opencustoms.db import get_engine, migrate
    from opencustoms.risk.retrain import retrain as run

    engine = get_engine()
    migrate(engine)
    if labels_before is not None:
        try:
            dt.date.fromisoformat(labels_before)
        except ValueError:
            fail(f"labels_before: {labels_before!r} is not a YYYY-MM-DD date")
    decisions = risk_decisions(engine=engine) if case_labels else None
    model = run(engine=engine, out=out, labels_before=labels_before, decisions=decisions)
    labels = dict(model.metadata.get("labels", {}))
    cases = labels.pop("case_decisions", None)
    if cases is not None:
        n_cases = len({p["case_id"] for p in cases["provenance"] if p["used"] == "taken"})
        typer.echo(
            f"case labels: {cases['taken']:,} items from {n_cases:,} closed cases "
            f"({cases['positive']:,} fraud, {cases['negative']:,} not); "
            f"{cases['superseded_by_inspection']:,} items kept their inspection result, "
            f"{cases['ignored_inconclusive']:,} inconclusive ignored, "
            f"{cases['no_stored_item']:,} without a stored item"
        )
        labels["case_decisions"] = {k: v for k, v in cases.items() if k != "provenance"}
    cli_audit(
        "model_retrain",
        "model",
        model.version,
        detail={"out": str(out or ""), "case_labels": bool(case_labels)},
    )
    typer.echo(json.dumps({"version": model.version, **labels}))


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


@app.command()
def drift(
    model: Path = typer.Option(..., "--model", help="Artefact directory."),
    reference: list[Path] = typer.Option(
        ..., "--reference", help="The model's training-window data; repeatable."
    ),
    data: list[Path] = DATA,
    profile: str = PROFILE,
    as_json: bool = typer.Option(False, "--json", help="Last line: weeks and alerts as JSON."),
) -> None:
    """Drift watch per office and week: PSI of the main features and of the score against
    the training window, inspection hit rate against the model's expectation (labelled
    rows count as inspected), and alerts when retraining or a rule review is due."""
    from rich.console import Console
    from rich.table import Table

    from opencustoms.risk.artefact import ArtefactError, load
    from opencustoms.risk.drift import drift_watch

    try:
        m = load(model)
    except ArtefactError as exc:
        fail(str(exc))
    result = drift_watch(m, _load(reference, profile), _load(data, profile))
    table = Table(title=f"Drift watch ({len(result['alerts'])} alerts)")
    for col in ("week", "office", "rows", "PSI score", "inspected", "found", "expected", "alert"):
        table.add_column(col, justify="left" if col in ("week", "office", "alert") else "right")
    for r in result["weeks"]:
        if r["office"] == "ALL" or r["alert"] in ("retrain", "review"):
            table.add_row(
                r["week"],
                r["office"],
                str(r["rows"]),
                f"{r['psi_score']:.3f}",
                str(r["inspected"]),
                str(r["found"]),
                f"{r['expected']:.1f}",
                r["alert"] or "",
            )
    Console().print(table)
    if as_json:
        typer.echo(json.dumps(result, default=float))
