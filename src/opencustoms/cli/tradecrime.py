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
    seed: int = typer.Option(..., "--seed", help="The seed the tuning world was made with."),
    scale: float = typer.Option(..., "--scale", help="Its scale."),
) -> None:
    """Fit the isotonic score curves on a tuning world and ship them as data."""
    from opencustoms.errors import DomainError
    from opencustoms.tradecrime import calibration
    from opencustoms.tradecrime.analyse import analyse as run
    from opencustoms.tradecrime.evaluate import load_truth

    try:
        result = run(world_dir, curves={})
        labels, _ = load_truth(world_dir)
    except (DomainError, FileNotFoundError) as exc:
        fail(" ".join(str(exc).split()))
    fitted = calibration.fit(result.candidates, labels, seed=seed, scale=scale)
    calibration.save(fitted)
    for t, c in fitted["curves"].items():
        typer.echo(f"{t}: {c['candidates']} candidates, {c['positives']} labelled")
    typer.echo(f"-> {calibration.CALIBRATION_FILE}")
