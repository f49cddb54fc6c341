"""`opencustoms world` commands: generate a synthetic trade world, validate a world folder."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from opencustoms.cli.common import fail, new_app

# domain errors (opencustoms.errors) end a command with exit 2 and one `error:` line
app = new_app(help="Synthetic trade worlds: generate and validate a world folder.")


@app.command()
def generate(
    out: Path = typer.Option(..., "--out", help="Folder to write the world to."),
    seed: int = typer.Option(..., "--seed", help="Random seed (a seed gives one world)."),
    scale: float = typer.Option(1.0, "--scale", help="1.0 = about 300k declaration items."),
    screening: bool = typer.Option(
        True,
        "--screening/--no-screening",
        help="Add the screening extension: sanctions, parties, strategic goods and exports.",
    ),
    as_json: bool = typer.Option(False, "--json", help="End stdout with a JSON object of counts."),
) -> None:
    """Write companies, persons, links, declarations, fx_settlements, wallets, va_transfers,
    labels.csv and hard_negatives.csv (docs/world-format.md)."""
    import time

    from rich.progress import Progress

    from opencustoms.errors import DomainError
    from opencustoms.screening.synth_exports import extend_world
    from opencustoms.world.generate import generate as build

    started = time.perf_counter()
    try:
        with Progress(transient=True) as bar:
            task = bar.add_task("generate", total=None)
            world = build(
                seed=seed,
                scale=scale,
                extensions=(extend_world,) if screening else (),
                progress=lambda i, n: bar.update(task, completed=i, total=n),
            )
            counts = world.write(out)
    except (DomainError, ValueError) as exc:
        fail(" ".join(str(exc).split()))
    seconds = round(time.perf_counter() - started, 1)
    if as_json:
        typer.echo(json.dumps({"counts": counts, "seconds": seconds}))
        return
    for name, n in counts.items():
        typer.echo(f"{out / (name + '.csv')}: {n:,} rows")
    typer.echo(f"seed {seed}, scale {scale}: {seconds} s")


@app.command()
def validate(
    folder: Path = typer.Argument(..., help="World folder (docs/world-format.md)."),
    quarantine: Path | None = typer.Option(
        None, "--quarantine", help="Write quarantined rows here."
    ),
    as_json: bool = typer.Option(False, "--json", help="End stdout with a JSON object of counts."),
) -> None:
    """Read and check every file: input = kept + quarantined + duplicates, per file."""
    from opencustoms.errors import DomainError
    from opencustoms.world.read import read_world

    try:
        world = read_world(folder)
    except DomainError as exc:
        fail(" ".join(str(exc).split()))
    summary = world.summary()
    if quarantine is not None and len(world.quarantine):
        world.quarantine.to_csv(quarantine, index=False)
    if as_json:
        typer.echo(json.dumps(summary))
        return
    for name, c in summary.items():
        typer.echo(
            f"{name}: input {c['input']:,} = kept {c['kept']:,} + quarantined "
            f"{c['quarantined']:,} + duplicates {c['duplicates']:,}"
        )
