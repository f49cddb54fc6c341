"""`opencustoms risk` commands of the model's life: train, evaluate, simulate, drift and
retrain (merged into the `risk` group by ``cli/risk.py``). Machine-readable output: the
last stdout line is JSON."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer

from opencustoms.cli.common import cli_audit, fail, new_app

app = new_app(help="Risk model: training, evaluation, replay, drift and retraining.")

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
    from opencustoms.risk.labels import PROTOCOL_COLUMNS, apply_label_share
    from opencustoms.risk.training import train as train_model
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
