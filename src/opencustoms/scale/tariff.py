"""Duty and taxes per partition: `tariff calc-file` over a partitioned Parquet dataset.

Every line is computed on its own (dated rates, FX of its date), so any partitioning
gives the same taxes; the per-partition function is the tariff domain's vectorised
``service.batch``. Output rows are the input columns followed by the computed ones, as
`tariff calc-file` writes them.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import pandas as pd
import pyarrow as pa

from opencustoms.errors import InvalidInput
from opencustoms.scale.cluster import ClusterSpec
from opencustoms.scale.dataset import Partition, read_partition, write_atomically
from opencustoms.scale.engine import JobResult, PartitionJob, Progress, run_job
from opencustoms.scale.records import digest_files
from opencustoms.settings import PACKAGE_DATA_DIR
from opencustoms.tariff.service import batch

TARIFF_DATA = PACKAGE_DATA_DIR / "tariff"


def calc_lines(frame: pd.DataFrame) -> pd.DataFrame:
    """Input columns plus the computed taxes, one row per input row (calc-file's output).

    >>> out = calc_lines(pd.DataFrame({"hs_code": ["420221"], "origin": ["IT"],
    ...     "value": [3_000_000.0], "currency": ["KRW"], "date": ["2024-06-01"]}))
    >>> bool(out["total_krw"].iloc[0] > 0), out["error"].iloc[0] is None
    (True, True)
    """
    try:
        result = batch(frame)
    except ValueError as exc:
        field, _, reason = str(exc).partition(": ")
        raise InvalidInput(field, reason or str(exc)) from exc
    return pd.concat(
        [
            frame.reset_index(drop=True),
            result.drop(columns=["origin", "currency"]).reset_index(drop=True),
        ],
        axis=1,
    )


@dataclass(frozen=True)
class CalcJob(PartitionJob):
    """Compute duty and taxes for every line of a partition."""

    kind: ClassVar[str] = "tariff-calc"

    def params(self) -> dict[str, Any]:
        # The rates and parameters are package data: other data, other taxes.
        return {"tariff_data": digest_files(sorted(TARIFF_DATA.glob("*.*")))}

    def process(self, part: Partition, target: Path | None) -> dict[str, Any]:
        merged = calc_lines(read_partition(part).to_pandas())
        if target is not None:
            write_atomically(pa.Table.from_pandas(merged, preserve_index=False), target)
        return {
            "rows_out": len(merged),
            "errors": int(merged["error"].notna().sum()),
            "total_krw": float(merged["total_krw"].sum()),
        }


def calc_dataset(
    *,
    data: str | Path | list[Partition],
    out: str | Path,
    engine: str = "local",
    scheduler: str | None = None,
    cluster: ClusterSpec | None = None,
    progress: Progress | None = None,
) -> JobResult:
    """`tariff calc-file` over a partitioned dataset into ``out``; rerunning resumes."""
    return run_job(
        CalcJob(),
        data,
        out=out,
        engine=engine,
        scheduler=scheduler,
        cluster=cluster,
        progress=progress,
    )
