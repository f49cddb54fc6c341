"""Parcel screening per partition: `parcels screen` over a partitioned Parquet dataset.

A partition is one day's manifests (``date=2026-10-01/``), screened by the parcels
domain's own ``screen_frame``: split shipments, PCCC misuse, resale and price statistics
are computed *within* the partition, exactly as screening that day's file on its own with
`parcels screen`. Partition by the arrival day (or by a longer window when a typology
must see more days together): the result of a partition never depends on another.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import pandas as pd
import pyarrow as pa

from opencustoms.parcels.manifest import check_columns
from opencustoms.parcels.screen import OUTPUT_COLUMNS, screen_frame
from opencustoms.scale.cluster import ClusterSpec
from opencustoms.scale.dataset import Partition, read_partition, write_atomically
from opencustoms.scale.engine import JobResult, PartitionJob, Progress, run_job
from opencustoms.scale.records import digest_files
from opencustoms.settings import PACKAGE_DATA_DIR

PARCELS_DATA = PACKAGE_DATA_DIR / "parcels"


def read_manifest_partition(part: Partition) -> pd.DataFrame:
    """A partition's manifest rows with every column as text, as ``read_manifest`` reads
    one file."""
    table = read_partition(part)
    table = table.cast(pa.schema([(f.name, pa.string()) for f in table.schema]))
    check_columns(table.column_names)
    return table.to_pandas(types_mapper=pd.ArrowDtype)


@dataclass(frozen=True)
class ScreenJob(PartitionJob):
    """Screen every parcel of a partition: decision, typologies, score, reasons, taxes."""

    kind: ClassVar[str] = "parcels-screen"

    def params(self) -> dict[str, Any]:
        # thresholds, calibration and reference lists are package data; tariff rates too
        files = sorted(PARCELS_DATA.rglob("*.*")) + sorted(
            (PACKAGE_DATA_DIR / "tariff").glob("*.*")
        )
        return {"reference": digest_files(files)}

    def process(self, part: Partition, target: Path | None) -> dict[str, Any]:
        result = screen_frame(read_manifest_partition(part))
        decisions = result.decisions[list(OUTPUT_COLUMNS)]
        if target is not None:
            write_atomically(pa.Table.from_pandas(decisions, preserve_index=False), target)
        summary = result.summary()
        return {
            "rows_out": len(decisions),
            "input": summary["input"],
            "screened": summary["screened"],
            "quarantined": summary["quarantined"],
            "duplicates": summary["duplicates"],
            "decisions": summary["decisions"],
        }


def screen_dataset(
    *,
    data: str | Path | list[Partition],
    out: str | Path,
    engine: str = "local",
    scheduler: str | None = None,
    cluster: ClusterSpec | None = None,
    progress: Progress | None = None,
) -> JobResult:
    """`parcels screen` over every partition of ``data`` into ``out``; rerunning resumes."""
    return run_job(
        ScreenJob(),
        data,
        out=out,
        engine=engine,
        scheduler=scheduler,
        cluster=cluster,
        progress=progress,
    )
