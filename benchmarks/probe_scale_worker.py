"""Probe: the same 6 parcel partitions screened by the local engine and by a one-worker
LocalCluster under Dask configurations that could explain the worker's extra CPU per row
(statistical profiler off; glibc MALLOC_TRIM_THRESHOLD_ that the nanny sets, unset).

    uv run python benchmarks/probe_scale_worker.py [--work var/bench-scale]

Prints wall seconds, and summed busy / CPU seconds of the partitions, per configuration.
Input: the partitions of bench_scale_parcels.py (generate them with it first).
"""

from __future__ import annotations

import argparse
import shutil
import time
from pathlib import Path
from typing import Any

import dask

from opencustoms.scale.cluster import ClusterSpec
from opencustoms.scale.dataset import discover
from opencustoms.scale.parcels import screen_dataset

NO_PROFILE = {"distributed.worker.profile.enabled": False}
NO_TRIM = {"distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None}
CONFIGS: list[tuple[str, str, dict[str, Any]]] = [
    ("local", "local", {}),
    ("dask default", "dask", {}),
    ("dask, profiler off", "dask", NO_PROFILE),
    ("dask, malloc trim unset", "dask", NO_TRIM),
    ("dask, both", "dask", {**NO_PROFILE, **NO_TRIM}),
    ("local again", "local", {}),
]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--work", type=Path, default=Path("var/bench-scale"))
    ap.add_argument("--partitions", type=int, default=6)
    args = ap.parse_args()
    parts = discover(args.work / "parcels-10000000-100")[: args.partitions]
    rows = sum(p.rows for p in parts)
    out = args.work / "out-probe"
    for name, engine, cfg in CONFIGS:
        shutil.rmtree(out, ignore_errors=True)
        kw: dict[str, Any] = {}
        if engine == "dask":
            kw["cluster"] = ClusterSpec(workers=1, threads_per_worker=1, memory_limit="4GiB")
        with dask.config.set(cfg):
            t = time.perf_counter()
            r = screen_dataset(data=parts, out=out, engine=engine, **kw)
            wall = time.perf_counter() - t
        busy = sum(p.seconds for p in r.partitions)
        cpu = sum(p.cpu_seconds for p in r.partitions)
        print(f"{name}: {rows:,} rows, wall {wall:.1f} s, busy {busy:.1f} s, cpu {cpu:.1f} s")
    shutil.rmtree(out, ignore_errors=True)


if __name__ == "__main__":
    main()
