"""The ``--engine`` and ``--scheduler`` options of the batch commands and the one way they
run a partitioned dataset (``opencustoms.scale``): a progress bar, then one summary line
(the last stdout line is JSON). Domain errors are mapped by ``cli.common``: exit 2 and one
``error: field: reason`` line.

A command given a *directory* runs it as a partitioned Parquet dataset (one output file
per input partition, resumable) on the chosen engine; given a file it keeps its
single-file path, which runs locally only.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import typer

from opencustoms.cli.common import fail, progress_bar

ENGINE = typer.Option(
    "local",
    "--engine",
    help="local: the partitions one after the other in this process; dask: on the Dask "
    "scheduler at --scheduler / OPENCUSTOMS_DASK_SCHEDULER, else a LocalCluster sized to "
    "this machine. Needs a partitioned Parquet directory.",
)
SCHEDULER = typer.Option(
    None,
    "--scheduler",
    help="Dask scheduler address (tcp://host:8786); default OPENCUSTOMS_DASK_SCHEDULER.",
)


def single_file(path: Path, engine: str, scheduler: str | None) -> bool:
    """True when ``path`` is a file for the command's own single-file path; stops with an
    error when a file was given with Dask options, which need a partitioned dataset."""
    if path.is_dir():
        return False
    if engine != "local" or scheduler:
        fail(
            f"engine: --engine {engine} needs a partitioned Parquet directory "
            f"(one sub-directory per day), not the file {path}"
        )
    return True


def run_partitioned(job: Callable[..., Any], *, as_json: bool = True, **kwargs: Any) -> None:
    """Run an ``opencustoms.scale`` dataset function with a progress bar on stderr and
    print its summary: one human line, and the JSON summary as the last line."""
    with progress_bar(str(kwargs.get("engine", "local")), enabled=sys.stderr.isatty()) as bar:
        result = job(progress=bar, **kwargs)
    summary = result.to_dict()
    for name in ("stored", "quarantined", "duplicates", "scored", "invalid", "errors"):
        if any(name in p.counts for p in result.partitions):
            summary[name] = result.total(name)
    typer.echo(
        f"{summary['rows']:,} rows in {summary['partitions']} partitions "
        f"({summary['skipped']} already done) on {summary['engine']} "
        f"[{summary['seconds']:.1f} s]"
    )
    if as_json:
        typer.echo(json.dumps(summary))
