"""`opencustoms parcels` commands: generate, screen, calibrate, evaluate, ingest."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import typer

from opencustoms.cli.common import fail, new_app
from opencustoms.cli.scale_options import ENGINE, SCHEDULER, run_partitioned, single_file
from opencustoms.errors import DomainError

app = new_app(help="E-commerce parcels: list clearance manifests, screening and synthetic data.")


def _fail(exc: Exception) -> typer.Exit:
    typer.echo(f"error: {' '.join(str(exc).split())}", err=True)
    return typer.Exit(2)


@app.command()
def generate(
    days: int = typer.Option(30, "--days", help="Arrival days."),
    parcels_per_day: int = typer.Option(1000, "--parcels-per-day", help="Parcels per day."),
    seed: int = typer.Option(1, "--seed", help="Random seed."),
    out: Path = typer.Option(..., "--out", help="Manifest file (.csv or .parquet)."),
    labels: Path | None = typer.Option(
        None, "--labels", help="Labels file; default OUT with '.labels' before the extension."
    ),
) -> None:
    """Write a synthetic manifest with planted typologies and a separate labels file."""
    from opencustoms.parcels.generator import default_labels_path, generate, write_generated

    try:
        manifest, truth = generate(days=days, parcels_per_day=parcels_per_day, seed=seed)
    except DomainError as exc:
        raise _fail(exc) from None
    labels_path = labels or default_labels_path(out)
    write_generated(manifest, truth, out, labels_path)
    typer.echo(f"{out}: {len(manifest):,} parcels; labels: {labels_path}")


@app.command()
def screen(
    manifest: Path = typer.Argument(..., help="Manifest file (.csv or .parquet)."),
    out: Path = typer.Option(..., "--out", help="Decisions file (.csv or .parquet)."),
    as_json: bool = typer.Option(False, "--json", help="End stdout with one JSON summary."),
    alerts: Path | None = typer.Option(
        None, "--alerts", help="Also write flagged parcels as an alert file (cases import)."
    ),
    engine: str = ENGINE,
    scheduler: str | None = SCHEDULER,
) -> None:
    """Screen every parcel: decision, typologies, calibrated score, reasons, duty and VAT.

    Exit 0 when the file was read (quarantined rows are counted); 2 with one `error:` line
    when the file is unusable (e.g. a required column is missing: it is named). A
    partitioned Parquet directory (one day per partition) is screened partition by
    partition into a directory (one decisions file each, resumable).
    """
    if not single_file(manifest, engine, scheduler):
        if alerts is not None:
            fail("alerts: --alerts takes a single manifest file, not a dataset")
        from opencustoms.scale.parcels import screen_dataset

        try:
            run_partitioned(
                screen_dataset, data=manifest, out=out, engine=engine, scheduler=scheduler
            )
        except DomainError as exc:
            raise _fail(exc) from None
        return
    from opencustoms.parcels.screen import screen_file, write_decisions

    try:
        result = screen_file(manifest)
    except DomainError as exc:
        raise _fail(exc) from None
    write_decisions(result.decisions, out)
    if alerts is not None:
        from opencustoms.alertfile import write_alerts
        from opencustoms.parcels.alerts import alerts_frame

        d = result.decisions
        write_alerts(alerts_frame(d, d["arrival_date"]), alerts)
    summary = result.summary()
    if as_json:
        typer.echo(json.dumps(summary, ensure_ascii=False))
        return
    typer.echo(
        f"{manifest}: input {summary['input']:,} = screened {summary['screened']:,} + "
        f"quarantined {summary['quarantined']:,} + duplicates {summary['duplicates']:,} "
        f"[{summary['seconds']:.1f} s] -> {out}"
    )
    for name in ("decisions", "typologies"):
        typer.echo(f"{name}: " + ", ".join(f"{k} {v:,}" for k, v in summary[name].items()))


@app.command()
def calibrate(
    manifest: Path = typer.Argument(..., help="Manifest (generated: of a TUNING seed)."),
    labels: Path | None = typer.Argument(None, help="Its labels file (generated manifests)."),
    seed: int | None = typer.Option(None, "--seed", help="The generator seed (recorded)."),
    case_labels: bool = typer.Option(
        False,
        "--case-labels",
        help="Also fit on officers' decisions: closed cases on this detector's alerts "
        "(confirmed = positive, false positive = negative; they overrule the labels file).",
    ),
    case_source: str = typer.Option(
        "parcels", "--case-source", help="The source name the alerts were imported under."
    ),
    out: Path | None = typer.Option(
        None, "--out", help="Calibration file to write (default: the shipped data file)."
    ),
) -> None:
    """Fit the score calibration (data/parcels/calibration.yaml) on a tuning manifest and
    its labels, on closed cases' decisions (--case-labels), or both."""
    from opencustoms.parcels.evaluate import calibrate_files
    from opencustoms.parcels.scoring import CALIBRATION_FILE, load_calibration, save_calibration

    if labels is not None and seed is None:
        fail("seed: a labels file comes from a generated manifest; give its --seed")
    if labels is None and not case_labels:
        fail("labels: give the labels file, --case-labels or both")
    decisions, fallback = None, None
    source: dict[str, object] = {"file": manifest.name}
    if seed is not None:
        source["generator_seed"] = seed
    if case_labels:
        decisions = _case_labels(case_source)
        source["case_source"] = case_source
        try:
            fallback = load_calibration()
        except DomainError:
            fallback = None  # nothing in force: every typology must be fittable
    try:
        cal = calibrate_files(
            manifest, labels, source=source, case_labels=decisions, fallback=fallback
        )
    except DomainError as exc:
        raise _fail(exc) from None
    save_calibration(cal, out or CALIBRATION_FILE)
    for code, c in cal["typologies"].items():
        line = f"{code}: {c['positives']:,} positives of {c['rows']:,}"
        if "case_labels" in c:
            n = c["case_labels"]
            line += (
                f"; case labels: {n['confirmed']:,} confirmed, {n['false_positive']:,} false "
                f"positive ({n['changed']:,} changed the file's label), {n['inconclusive']:,} "
                f"inconclusive ignored, {n['not_in_manifest']:,} not in the manifest"
            )
        if "kept" in c:
            line += f" [{c['kept']}]"
        typer.echo(line)
    other = cal["source"].get("case_labels", {}).get("(other typologies)")
    if other:
        judged = other["confirmed"] + other["false_positive"]
        typer.echo(f"case labels of other typologies ignored: {judged:,}")
    typer.echo(f"-> {out or CALIBRATION_FILE}")


def _case_labels(source: str) -> Any:
    """Closed cases' labels of ``source`` from the case store (settings' database)."""
    from opencustoms.cases.feedback import labels_frame
    from opencustoms.db import get_engine, migrate

    engine = get_engine()
    migrate(engine)
    return labels_frame(engine=engine, source=source, closed_only=True)


@app.command()
def evaluate(
    manifest: Path = typer.Argument(..., help="Generated manifest (a seed never tuned on)."),
    labels: Path = typer.Argument(..., help="Its labels file."),
    as_json: bool = typer.Option(False, "--json", help="Print the JSON report only."),
) -> None:
    """Precision and recall per typology, model next to the fixed-threshold baseline."""
    from opencustoms.parcels.evaluate import evaluate_files

    try:
        report = evaluate_files(manifest, labels)
    except DomainError as exc:
        raise _fail(exc) from None
    if as_json:
        typer.echo(json.dumps(report))
        return
    from rich.console import Console
    from rich.table import Table

    table = Table(title=f"{manifest.name}: precision / recall per typology")
    for col in ("typology", "positives", "model P", "model R", "baseline P", "baseline R"):
        table.add_column(col, justify="left" if col == "typology" else "right")
    for code, row in report["typologies"].items():
        m, b = row["model"], row["baseline"]
        table.add_row(code, f"{m['positives']:,}", f"{m['precision']:.3f}", f"{m['recall']:.3f}",
                      f"{b['precision']:.3f}", f"{b['recall']:.3f}")  # fmt: skip
    Console().print(table)
    for tag, h in report["hard_negatives"].items():
        typer.echo(f"hard negative {tag}: {h['parcels']:,} parcels, flagged {h['flag_rate']:.2%}")


@app.command()
def ingest(
    manifest: Path = typer.Argument(..., help="Manifest file (.csv or .parquet)."),
    as_json: bool = typer.Option(False, "--json", help="End stdout with one JSON object."),
) -> None:
    """Store the manifest's parcels in the database, loss-free and resumable.

    Exit 0 when the file was read; 2 with one `error:` line when it is unusable (nothing is
    written); 3 when another process is ingesting the same file.
    """
    from opencustoms.errors import Conflict
    from opencustoms.parcels.intake import ingest_manifest

    try:
        s = ingest_manifest(path=manifest)
    except Conflict as exc:
        typer.echo(f"error: {' '.join(str(exc).split())}", err=True)
        raise typer.Exit(3) from None
    except DomainError as exc:
        raise _fail(exc) from None
    counts = {k: getattr(s, k) for k in ("input", "stored", "quarantined", "duplicates")}
    if as_json:
        typer.echo(json.dumps({**counts, "ingest_id": s.ingest_id, "seconds": s.seconds}))
        return
    typer.echo(
        f"{manifest}: input {s.input:,} = stored {s.stored:,} + quarantined {s.quarantined:,} "
        f"+ duplicates {s.duplicates:,} [run {s.ingest_id}{', resumed' if s.resumed else ''}, "
        f"{s.seconds:.1f} s]"
    )
