"""Partitioned Parquet datasets: one partition per directory (``date=2021-01-04/``) or
per file, read partition by partition and written one file per partition, atomically.

A partition is the unit of work, of retry and of exactly-once: a job never holds more
than one partition per worker thread in memory, and a partition's output appears under
its final name only once it is complete (write to a hidden temporary file, then rename).
Names starting with ``.`` or ``_`` are ignored when a dataset is discovered, as pyarrow
and Dask do, so temporary files and the ``_runs`` records never look like data.

>>> import tempfile, pandas as pd
>>> root = Path(tempfile.mkdtemp())
>>> frame = pd.DataFrame({"day": ["2021-01-02", "2021-01-01", "2021-01-02"], "v": [1, 2, 3]})
>>> [p.name for p in write_by_day(frame, root, column="day", name="day")]
['part-0.parquet', 'part-0.parquet']
>>> parts = discover(root)
>>> [(p.key, p.rows) for p in parts]
[('day=2021-01-01', 1), ('day=2021-01-02', 2)]
>>> read_partition(parts[1]).column("v").to_pylist()
[1, 3]
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from opencustoms.errors import InvalidInput

PART_FILE = "part-0.parquet"


def _hidden(name: str) -> bool:
    return name.startswith((".", "_"))


@dataclass(frozen=True)
class Partition:
    """One unit of work: the Parquet files of one partition directory (or one file).

    ``key`` is the path relative to the dataset root (``date=2021-01-04``, or a file name
    without ``.parquet`` for a flat dataset); outputs and run records are named after it.
    """

    key: str
    files: tuple[Path, ...]
    rows: int
    bytes: int

    def identity(self) -> list[list[object]]:
        """Names and sizes of the input files: a run record is valid only for these."""
        return [[f.name, f.stat().st_size] for f in self.files]


def discover(root: str | Path) -> list[Partition]:
    """The partitions of a dataset, sorted by key; row counts come from Parquet footers.

    A directory holding ``.parquet`` files is one partition (hive layout, any depth); a
    ``.parquet`` file directly under ``root`` is a partition of its own.
    """
    root = Path(root)
    if not root.is_dir():
        raise InvalidInput("data", f"{root} is not a directory of Parquet partitions")
    found: list[Partition] = []
    for directory, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not _hidden(d))
        here = Path(directory)
        parquet = sorted(here / f for f in files if f.endswith(".parquet") and not _hidden(f))
        if not parquet:
            continue
        if here == root:
            found += [_partition(f.stem, (f,)) for f in parquet]
        else:
            found.append(_partition(here.relative_to(root).as_posix(), tuple(parquet)))
    if not found:
        raise InvalidInput("data", f"{root} holds no .parquet files")
    return sorted(found, key=lambda p: p.key)


def _partition(key: str, files: tuple[Path, ...]) -> Partition:
    rows = 0
    for f in files:
        try:
            rows += pq.ParquetFile(f).metadata.num_rows
        except (pa.ArrowException, OSError) as exc:
            raise InvalidInput("data", f"{f}: not a readable Parquet file ({exc})") from None
    return Partition(key, files, rows, sum(f.stat().st_size for f in files))


def read_partition(part: Partition, columns: list[str] | None = None) -> pa.Table:
    """All rows of one partition (its files concatenated in name order)."""
    tables = [pq.read_table(f, columns=columns) for f in part.files]
    return tables[0] if len(tables) == 1 else pa.concat_tables(tables, promote_options="default")


def output_path(out_root: Path, key: str) -> Path:
    """Where a partition's output lives: ``<out>/<key>/part-0.parquet``."""
    return out_root / key / PART_FILE


def write_atomically(table: pa.Table, target: Path) -> None:
    """Write ``table`` to ``target`` so readers see the whole file or nothing: a hidden
    temporary file in the same directory, fsynced, then renamed over the target."""
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.parent / f".{target.name}.{uuid.uuid4().hex}.tmp"
    try:
        pq.write_table(table, tmp)
        with open(tmp, "rb") as fh:
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def remove_leftovers(out_root: Path) -> int:
    """Delete temporary files left by attempts that were killed mid-write; call only when
    no attempt of the job is running. Returns how many were removed."""
    removed = 0
    for tmp in Path(out_root).rglob(".*.tmp"):
        tmp.unlink(missing_ok=True)
        removed += 1
    return removed


def write_by_day(
    frame: pd.DataFrame, root: str | Path, *, column: str, name: str = "date"
) -> list[Path]:
    """Write ``frame`` as a dataset partitioned by the day in ``column``, one file per
    day at ``<root>/<name>=YYYY-MM-DD/part-0.parquet``; rows keep their order."""
    root = Path(root)
    days = pd.to_datetime(frame[column]).dt.strftime("%Y-%m-%d")
    if days.isna().any():
        raise InvalidInput(column, "every row needs a date to be partitioned by day")
    written = []
    for day, rows in frame.groupby(days.to_numpy(), sort=True):
        target = output_path(root, f"{name}={day}")
        write_atomically(pa.Table.from_pandas(rows, preserve_index=False), target)
        written.append(target)
    return written


def iter_tables(parts: list[Partition], columns: list[str] | None = None) -> Iterator[pa.Table]:
    """Partition tables one at a time (for readers that must not hold a whole dataset)."""
    for part in parts:
        yield read_partition(part, columns)
