"""`opencustoms screening` commands: parties, exports, the review queue and synthetic data."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from sqlalchemy import Engine

from opencustoms.cli.common import new_app
from opencustoms.errors import DomainError

app = new_app(
    help="Sanctions and strategic-goods screening: parties against lists, dual-use exports "
    "to diversion hubs, the officers' review queue."
)


def _fail(exc: Exception) -> typer.Exit:
    typer.echo(f"error: {' '.join(str(exc).split())}", err=True)
    return typer.Exit(2)


def _engine() -> Engine:
    from opencustoms.db import ensure_migrated, get_engine

    engine = get_engine()
    ensure_migrated(engine)
    return engine


@app.command()
def parties(
    list_path: Path = typer.Option(
        ..., "--list", help="Sanctions list (CSV, Parquet, FtM JSON lines)."
    ),
    parties_path: Path = typer.Option(..., "--parties", help="Parties file (CSV or Parquet)."),
    out: Path = typer.Option(..., "--out", help="Matches file (.csv or .parquet)."),
    threshold: float | None = typer.Option(None, "--threshold", help="Review threshold (0-1)."),
    as_json: bool = typer.Option(False, "--json", help="End stdout with one JSON summary."),
) -> None:
    """One row per candidate match above the review threshold: party_id, entity_id, score,
    matched_name, explanation (then algorithm and list provenance)."""
    from opencustoms.screening.service import screen_files, write_table

    try:
        result = screen_files(list_path, parties_path, threshold=threshold)
        write_table(result.matches, out)
    except DomainError as exc:
        raise _fail(exc) from None
    if len(result.quarantine):
        rejects = out.with_name(out.stem + ".quarantine.csv")
        result.quarantine.to_csv(rejects, index=False)
        result.summary["quarantine_file"] = str(rejects)
    s = result.summary
    if as_json:
        typer.echo(json.dumps(s, ensure_ascii=False))
        return
    typer.echo(
        f"{s['list']['source']} (version {s['list']['version']}, {s['list']['entities']:,} "
        f"entities, {s['list']['quarantined']:,} rows quarantined); {s['parties']:,} parties "
        f"({s['parties_quarantined']:,} quarantined) -> {s['matches']:,} matches for "
        f"{s['parties_matched']:,} parties at >= {s['threshold']:.2f} "
        f"[{s['seconds']:.1f} s] -> {out}"
    )


@app.command()
def exports(
    world_dir: Path = typer.Argument(..., help="Trade-world folder (declarations.csv ...)."),
    out: Path = typer.Option(..., "--out", help="Alerts file (.csv or .parquet)."),
    as_json: bool = typer.Option(False, "--json", help="End stdout with one JSON summary."),
) -> None:
    """Alerts: strategic_to_risky_destination and sanctioned_counterparty."""
    from opencustoms.alertfile import write_alerts
    from opencustoms.screening.service import screen_world

    try:
        alerts, summary = screen_world(world_dir)
        write_alerts(alerts, out)
    except DomainError as exc:
        raise _fail(exc) from None
    if as_json:
        typer.echo(json.dumps(summary, ensure_ascii=False))
        return
    kinds = ", ".join(f"{k} {v:,}" for k, v in summary["by_typology"].items()) or "none"
    typer.echo(
        f"{world_dir}: {summary['declarations']:,} declaration lines "
        f"({summary['declarations_quarantined']:,} quarantined) -> {summary['alerts']:,} alerts "
        f"({kinds}) [{summary['seconds']:.1f} s] -> {out}"
    )


@app.command("import-list")
def import_list(
    path: Path = typer.Argument(..., help="Sanctions list to store (CSV, Parquet, FtM JSONL)."),
    version: str = typer.Option("", "--version", help="Version label (default: content hash)."),
) -> None:
    """Store a list version (same content twice = one version) for the review queue."""
    from opencustoms.screening.lists import read_sanctions
    from opencustoms.screening.review import import_list as store

    try:
        loaded = read_sanctions(path, version=version)
        version_id = store(engine=_engine(), loaded=loaded)
    except DomainError as exc:
        raise _fail(exc) from None
    typer.echo(
        f"list version {version_id}: {loaded.version.source} {loaded.version.version}, "
        f"{len(loaded.entities):,} entities, {len(loaded.quarantine):,} rows quarantined"
    )


@app.command()
def enqueue(
    parties_path: Path = typer.Argument(..., help="Parties file to screen into the queue."),
    list_version: int | None = typer.Option(None, "--list-version", help="Default: newest."),
    threshold: float | None = typer.Option(None, "--threshold", help="Review threshold (0-1)."),
) -> None:
    """Screen parties against a stored list; matches wait for an officer (or reuse a
    remembered decision for the same party and entity)."""
    from opencustoms.screening.lists import read_parties
    from opencustoms.screening.review import screen_into_queue
    from opencustoms.screening.service import review_threshold

    try:
        found, rejected = read_parties(parties_path)
        counts = screen_into_queue(
            engine=_engine(),
            parties=found,
            threshold=review_threshold() if threshold is None else threshold,
            list_version_id=list_version,
        )
    except DomainError as exc:
        raise _fail(exc) from None
    typer.echo(
        f"{len(found):,} parties ({len(rejected):,} quarantined): {counts['matches']:,} matches, "
        f"{counts['pending']:,} to review, {counts['remembered']:,} decided before"
    )


@app.command()
def queue(
    status: str = typer.Option("pending", "--status", help="pending, true_match, false_positive"),
    limit: int = typer.Option(20, "--limit", min=1, max=1000),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """The review queue, highest score first."""
    from opencustoms.screening.review import queue as list_queue

    try:
        rows = list_queue(engine=_engine(), status=status, limit=limit)
    except DomainError as exc:
        raise _fail(exc) from None
    if as_json:
        typer.echo(json.dumps(rows, default=str, ensure_ascii=False))
        return
    for r in rows:
        typer.echo(
            f"#{r['id']} {r['score']:.2f} {r['party_name']} -> "
            f"{r['entity_id']} ({r['matched_name']})"
        )


@app.command()
def decide(
    match_id: int = typer.Argument(...),
    decision: str = typer.Option(..., "--decision", help="true_match or false_positive"),
    user: str = typer.Option(..., "--user", help="The deciding officer."),
    note: str = typer.Option("", "--note"),
) -> None:
    """Record an officer's decision (stored with user and time, audited, remembered)."""
    from opencustoms.screening.review import decide as record
    from opencustoms.workspace.audit import append

    engine = _engine()
    try:
        result = record(engine=engine, match_id=match_id, decision=decision, user=user, note=note)
    except DomainError as exc:
        raise _fail(exc) from None
    append(
        engine=engine,
        actor=user,
        role="officer",
        action=f"screening.{decision}",
        object_type="screening_match",
        object_id=str(match_id),
        detail={"decision_id": result["decision_id"], "note": note, "via": "cli"},
    )
    typer.echo(json.dumps(result))


@app.command()
def generate(
    out: Path = typer.Argument(
        ..., help="Folder for sanctions.csv, parties.csv, screening_truth.csv."
    ),
    seed: int = typer.Option(1, "--seed"),
    entities: int = typer.Option(1500, "--entities", min=10),
    per_style: int = typer.Option(220, "--per-style", min=1),
    hard_per_kind: int = typer.Option(120, "--hard-per-kind", min=0),
    background: int = typer.Option(2000, "--background", min=0),
) -> None:
    """A synthetic evaluation set: list, parties (variants in every style, hard negatives,
    background) and the truth no matcher reads."""
    from opencustoms.screening.frames import write_set
    from opencustoms.screening.synth import screening_set

    data = screening_set(
        seed=seed,
        n_entities=entities,
        per_style=per_style,
        hard_per_kind=hard_per_kind,
        background=background,
    )
    counts = write_set(data, out)
    typer.echo(", ".join(f"{k} {v:,}" for k, v in counts.items()) + f" -> {out}")
