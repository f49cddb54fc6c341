"""`opencustoms hs` commands."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from opencustoms.cli.common import fail, new_app

app = new_app(
    help="HS classification: goods description to ranked HS codes; misclassification flags.",
)


@app.command()
def suggest(
    text: str = typer.Argument(..., help="Goods description (English or Korean)."),
    top: int = typer.Option(5, "--top", min=1, max=100, help="Number of candidates."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
) -> None:
    """Ranked HS6 candidates for a goods description."""
    from rich.console import Console
    from rich.markup import escape
    from rich.table import Table

    from opencustoms.hs.service import suggest as run
    from opencustoms.hs.text import QueryError

    try:
        candidates = run(text=text, top=top)
    except (QueryError, ValueError) as exc:
        fail(str(exc))
        return
    if as_json:
        typer.echo(json.dumps([c.model_dump() for c in candidates], ensure_ascii=False))
        return
    table = Table(title=escape(f"HS suggestions for {text[:60]!r}"))
    for col in (
        "#",
        "HS6",
        "heading",
        "conf.",
        "description",
        "matched",
        "source",
        "textile facts",
    ):
        table.add_column(col, overflow="fold")
    for i, c in enumerate(candidates, 1):
        table.add_row(
            str(i),
            f"{c.hs6[:4]}.{c.hs6[4:]}",
            c.heading,
            f"{c.confidence:.2f}",
            escape(c.description),
            escape(c.matched[:90]),
            c.source,
            escape("; ".join(c.facets)),
        )
    Console().print(table)


@app.command()
def evaluate(
    file: Path = typer.Argument(..., exists=True, dir_okay=False, help="ATLAS .jsonl or CSV."),
    as_json: bool = typer.Option(False, "--json", help="Print only the JSON summary."),
    limit: int = typer.Option(0, "--limit", min=0, help="Evaluate only the first N cases."),
) -> None:
    """Top-1/top-5 accuracy at HS2/HS4/HS6; the last stdout line is the JSON summary."""
    from opencustoms.hs.evaluate import EvalFileError, read_cases
    from opencustoms.hs.evaluate import evaluate as run
    from opencustoms.hs.service import get_classifier, ranked_codes

    try:
        cases = read_cases(file)
    except (EvalFileError, UnicodeDecodeError) as exc:
        fail(f"{file}: {exc}")
        return
    if limit:
        cases = cases[:limit]
    get_classifier()
    ranked_codes("warm-up query")  # first call pays one-off allocations; not a measurement

    def rank(text: str) -> list[str]:
        try:
            return ranked_codes(text, depth=20)
        except ValueError:
            return []  # unusable input counts as a miss, it does not stop the run

    result = run(cases, rank)
    if not as_json:
        for level in ("hs2", "hs4", "hs6"):
            r = result[level]
            typer.echo(f"{level}: top1 {r['top1']:.3f}  top5 {r['top5']:.3f}")  # type: ignore[index]
        typer.echo(f"{result['n']} cases, {result['ms_per_query']} ms/query")
    typer.echo(json.dumps(result))


@app.command()
def flag(
    description: str = typer.Argument(..., help="Goods description."),
    declared_hs: str = typer.Argument(..., help="Declared HS code (6-10 digits)."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Is the declared HS code plausible for the description?"""
    from opencustoms.hs.flags import misclassification_flag
    from opencustoms.hs.text import QueryError

    try:
        result = misclassification_flag(description=description, declared_hs=declared_hs)
    except (QueryError, ValueError) as exc:
        fail(str(exc))
        return
    if as_json:
        typer.echo(result.model_dump_json())
        return
    mark = "FLAG" if result.flagged else "ok"
    typer.echo(f"{mark}: {result.reason}")
    typer.echo(f"suggested {result.suggested_hs6}: {result.suggested_description}")
    diff = "unknown" if result.rate_difference is None else f"{result.rate_difference:+.2f} pp"
    typer.echo(f"duty-rate difference (suggested - declared): {diff} [{result.rate_note}]")


@app.command()
def prior(
    out: Path | None = typer.Option(
        None, "--out", help="CSV to write (default: VAR_DIR/hs/trade_prior.csv)."
    ),
) -> None:
    """Count declaration items per HS6 in the declaration store: the classifier's
    trade-frequency prior (use it with OPENCUSTOMS_HS_PRIOR_FILE)."""
    from sqlalchemy import func, select

    from opencustoms.db import ensure_migrated, get_engine
    from opencustoms.declarations.models import declarations
    from opencustoms.hs.knowledge import load_knowledge
    from opencustoms.hs.prior import carry_to_hs2022, write_prior
    from opencustoms.settings import get_settings

    settings = get_settings()
    engine = get_engine()
    ensure_migrated(engine)
    code = declarations.c.hs_code
    # Counted by the database: a national store holds tens of millions of items.
    with engine.connect() as conn:
        per_code = {
            str(c): int(n) for c, n in conn.execute(select(code, func.count()).group_by(code))
        }
    items = sum(per_code.values())
    if not items:
        fail("declarations: the store holds no declarations to count")
        return
    counts = carry_to_hs2022(per_code, load_knowledge())
    target = out or settings.var_dir / "hs" / "trade_prior.csv"
    write_prior(counts, source=f"declaration store, {items} items", path=target)
    typer.echo(f"{target}: {len(counts)} subheadings from {items} declaration items")
    typer.echo(f"use it: OPENCUSTOMS_HS_PRIOR_FILE={target}")


@app.command()
def index() -> None:
    """Build the HS index store under VAR_DIR/hs/index, or check that it is current: every
    later process memory-maps it instead of building the index (`make demo` runs this)."""
    import time

    from opencustoms.hs.index_store import inputs_digest, load_index, store_root

    digest = inputs_digest()
    target = store_root() / digest[:24]
    present = (target / "manifest.json").exists()
    started = time.perf_counter()
    load_index(digest=digest)
    how = "present, loaded" if present else "built and written"
    typer.echo(f"{target}: {how} in {time.perf_counter() - started:.1f}s")
