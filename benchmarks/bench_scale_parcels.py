"""Screen 10,000,000 parcels from partitioned Parquet on the local engine and on a Dask
LocalCluster; print throughput per core and per worker and peak memory per worker.

Input: the parcels generator (``parcels.generator.generate``, planted typologies and hard
negatives), one day of manifests per partition (``date=YYYY-MM-DD/part-0.parquet``,
--rows / --days parcels each, seed = day number), generated once under --work.

    nice -n 10 uv run python benchmarks/bench_scale_parcels.py [--rows 10000000]
        [--days 100] [--workers 2] [--memory-limit 4GiB] [--local-partitions N]
"""

from __future__ import annotations

import argparse
import datetime as dt
import time
from pathlib import Path

import pyarrow as pa

from _scale_bench import load, run_both
from opencustoms.parcels.generator import generate
from opencustoms.scale.dataset import output_path, write_atomically
from opencustoms.scale.parcels import screen_dataset

FIRST_DAY = dt.date(2026, 8, 1)  # 100 days inside the exchange-rate table


def make_input(work: Path, rows: int, days: int) -> Path:
    root = work / f"parcels-{rows}-{days}"
    per_day = rows // days
    t = time.perf_counter()
    for d in range(days):
        day = FIRST_DAY + dt.timedelta(days=d)
        target = output_path(root, f"date={day:%Y-%m-%d}")
        if target.is_file():
            continue
        n = per_day + (rows - per_day * days if d == days - 1 else 0)
        manifest, _labels = generate(days=1, parcels_per_day=n, seed=d, start=day)
        write_atomically(pa.Table.from_pandas(manifest, preserve_index=False), target)
        if d % 10 == 0:
            print(f"  generated {d + 1}/{days} days, load {load()}", flush=True)
    print(f"input {root}: {rows:,} rows in {days} partitions ({time.perf_counter() - t:.0f} s)")
    return root


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=10_000_000)
    ap.add_argument("--days", type=int, default=100)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--memory-limit", default="4GiB")
    ap.add_argument("--local-partitions", type=int, default=None)
    ap.add_argument("--work", type=Path, default=Path("var/bench-scale"))
    args = ap.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    print(f"load before: {load()}")
    data = make_input(args.work, args.rows, args.days)
    run_both(
        "parcels-screen",
        screen_dataset,
        data,
        args.work / "parcels",
        workers=args.workers,
        memory_limit=args.memory_limit,
        local_partitions=args.local_partitions,
    )


if __name__ == "__main__":
    main()
