"""`opencustoms tradecrime` commands: analyse a world folder into alerts, evaluate them
against a generated world's labels (with the plain baseline side by side), calibrate."""

from __future__ import annotations

import json
import time
from pathlib import Path

import typer

from opencustoms.cli.common import fail, new_app

app = new_app(help="Trade-crime analytics: illegal FX, TBML, hwanchigi, circular trade, rerouting.")


@app.command()
def analyse(
    world_dir: Path = typer.Argument(..., help="World folder (docs/world-format.md)."),
    out: Path = typer.Option(..., "--out", help="Alert file to write (.csv or .parquet)."),
    as_json: bool = typer.Option(False, "--json", help="End stdout with a JSON object."),
) -> None:
    """Run every detector; write one row per alert. Rows that fail validation go to
    OUT's sibling ``<stem>.quarantine.csv`` with their reasons (nothing is dropped)."""
    from opencustoms.alertfile import write_alerts
    from opencustoms.errors import DomainError
    from opencustoms.tradecrime.analyse import analyse as run

    started = time.perf_counter()
    try:
        result = run(world_dir)
        write_alerts(result.alerts, out)
    except DomainError as exc:
        fail(" ".join(str(exc).split()))
    quarantined = result.world.quarantine
    q_path = out.with_name(f"{out.stem}.quarantine.csv")
    if len(quarantined):
        quarantined.to_csv(q_path, index=False)
    seconds = round(time.perf_counter() - started, 1)
    counts = result.counts()
    if not as_json:
        _table(result.alerts)
        typer.echo(f"{len(result.alerts):,} alerts -> {out} ({seconds} s)")
        if len(quarantined):
            typer.echo(f"{len(quarantined):,} rows quarantined -> {q_path}")
        return
    typer.echo(
        json.dumps(
            {
                "counts": counts,
                "alerts": len(result.alerts),
                "quarantined": len(quarantined),
                "seconds": seconds,
            }
        )
    )


def _table(alerts: object) -> None:
    import pandas as pd
    from rich.console import Console
    from rich.table import Table

    from opencustoms.tradecrime.analyse import TYPOLOGIES

    assert isinstance(alerts, pd.DataFrame)
    table = Table(title="Trade-crime alerts")
    for col in ("typology", "alerts", "KRW at stake", "mean score"):
        table.add_column(col, justify="left" if col == "typology" else "right")
    for t in TYPOLOGIES:
        g = alerts[alerts["typology"] == t]
        mean = f"{g['score'].mean():.2f}" if len(g) else "-"
        table.add_row(t, f"{len(g):,}", f"{g['amount_krw'].sum():,.0f}", mean)
    Console().print(table)


@app.command()
def evaluate(
    world_dir: Path = typer.Argument(..., help="A generated world folder (with labels.csv)."),
    as_json: bool = typer.Option(False, "--json", help="End stdout with a JSON object."),
) -> None:
    """Precision, recall, precision at N and hard negatives flagged per typology, for the
    detectors and the fixed-threshold baseline in the same run."""
    import pandas as pd

    from opencustoms.errors import DomainError
    from opencustoms.tradecrime.analyse import TYPOLOGIES
    from opencustoms.tradecrime.analyse import analyse as run
    from opencustoms.tradecrime.baseline import baseline
    from opencustoms.tradecrime.evaluate import evaluate as score
    from opencustoms.tradecrime.evaluate import load_truth

    started = time.perf_counter()
    try:
        result = run(world_dir)
        labels, negatives = load_truth(world_dir)
    except (DomainError, FileNotFoundError) as exc:
        fail(" ".join(str(exc).split()))
    ours = score(result.alerts, labels, negatives, typologies=TYPOLOGIES)
    base = score(baseline(result.data), labels, negatives, typologies=TYPOLOGIES)
    seconds = round(time.perf_counter() - started, 1)
    both = ours.merge(base, on="typology", suffixes=("", "_baseline"))
    if as_json:
        typer.echo(
            json.dumps(
                {
                    "detectors": ours.to_dict("records"),
                    "baseline": base.to_dict("records"),
                    "seconds": seconds,
                }
            )
        )
        return
    with pd.option_context("display.width", 200, "display.max_columns", 30):
        cols = [
            "typology",
            "labelled",
            "alerts",
            "precision",
            "recall",
            "p_at_n",
            "hard_negatives",
            "hard_negatives_flagged",
            "alerts_baseline",
            "precision_baseline",
            "recall_baseline",
            "hard_negatives_flagged_baseline",
        ]
        typer.echo(both[cols].to_string(index=False))
    typer.echo(f"({seconds} s)")


@app.command()
def calibrate(
    world_dir: Path = typer.Argument(..., help="The tuning world (generated, with labels)."),
    seed: int | None = typer.Option(None, "--seed", help="The seed the world was made with."),
    scale: float | None = typer.Option(None, "--scale", help="Its scale."),
    case_labels: bool = typer.Option(
        False,
        "--case-labels",
        help="Also fit on officers' decisions: closed cases on trade-crime alerts (confirmed "
        "= positive, false positive = negative; they overrule the world's labels.csv).",
    ),
    case_source: str = typer.Option(
        "tradecrime", "--case-source", help="The source name the alerts were imported under."
    ),
    out: Path | None = typer.Option(
        None, "--out", help="Calibration file to write (default: the shipped data file)."
    ),
) -> None:
    """Fit the logistic score curves on a tuning world's labels, on closed cases'
    decisions (--case-labels), or both, and ship them as data."""
    from opencustoms.errors import DomainError
    from opencustoms.tradecrime import calibration
    from opencustoms.tradecrime.analyse import analyse as run
    from opencustoms.tradecrime.evaluate import load_truth

    has_labels = (world_dir / "labels.csv").is_file()
    if not has_labels and not case_labels:
        fail(f"labels: {world_dir} has no labels.csv; give --case-labels to fit on decisions")
    if has_labels and (seed is None or scale is None):
        fail("seed: a world with labels.csv is generated; give its --seed and --scale")
    decisions = None
    if case_labels:
        from opencustoms.cases.feedback import labels_frame
        from opencustoms.db import get_engine, migrate

        engine = get_engine()
        migrate(engine)
        decisions = labels_frame(engine=engine, source=case_source, closed_only=True)
    try:
        result = run(world_dir, curves={})
        labels = load_truth(world_dir)[0] if has_labels else None
    except (DomainError, FileNotFoundError) as exc:
        fail(" ".join(str(exc).split()))
    fitted = calibration.fit(
        result.candidates,
        labels,
        seed=seed,
        scale=scale,
        decisions=decisions,
        fallback=calibration.load() if case_labels else None,
    )
    target = out or calibration.CALIBRATION_FILE
    calibration.save(fitted, target)
    for t, c in fitted["curves"].items():
        line = f"{t}: {c['candidates']} candidates, {c['positives']} labelled"
        if "case_labels" in c:
            n = c["case_labels"]
            line += (
                f"; case labels: {n['confirmed']} confirmed, {n['false_positive']} false "
                f"positive ({n['changed']} changed the world's label), {n['inconclusive']} "
                f"inconclusive ignored, {n['not_candidate']} not among the candidates"
            )
        if "kept" in c:
            line += f" [{c['kept']}]"
        typer.echo(line)
    for t, n in fitted["provenance"].get("case_labels", {}).items():
        if t not in fitted["curves"]:
            typer.echo(f"{t}: no candidates; case labels: {n['not_candidate']} not used")
    typer.echo(f"-> {target}")
