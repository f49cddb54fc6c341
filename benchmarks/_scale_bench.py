"""Shared part of the scale-out benchmarks: run one job on the local engine and on a Dask
LocalCluster over the same partitioned input, in the same run, and print throughput per
core, per worker and peak memory per worker.

Throughput per core: local = rows / wall seconds (one process, one core); Dask = rows /
wall seconds / (workers x threads). On a shared machine the wall clock also counts other
people's work, so the per-worker *busy* throughput (rows / seconds spent inside its
partitions) and rows per CPU second are printed too.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq

from _machine import machine_report
from opencustoms.scale.cluster import ClusterSpec
from opencustoms.scale.dataset import Partition, discover
from opencustoms.scale.engine import JobResult

Runner = Callable[..., JobResult]


def load() -> str:
    return " / ".join(f"{x:.2f}" for x in os.getloadavg())


def progress_printer(label: str) -> Callable[[int, int], None]:
    state = {"t": 0.0}

    def show(done: int, total: int) -> None:
        now = time.perf_counter()
        if now - state["t"] > 15 or done == total:
            state["t"] = now
            print(f"  {label}: {done:,}/{total:,} rows  load {load()}", flush=True)

    return show


def summarise(result: JobResult, cores: int) -> dict[str, Any]:
    workers = result.per_worker()
    # Peak RSS is a high-water mark, so its smallest value over a worker's partitions is
    # the peak after its first one: equal first and last peaks = memory does not grow.
    for w in workers:
        peaks = [p.peak_rss for p in result.partitions if p.pid == w["pid"] and not p.skipped]
        w["peak_rss_after_first_partition_mib"] = round(min(peaks) / 2**20, 1)
    cpu = sum(w["cpu_seconds"] for w in workers)
    rows = result.processed_rows
    return {
        "engine": result.engine,
        "workers": result.workers,
        "cores": cores,
        "rows": rows,
        "partitions": len(result.partitions),
        "seconds": round(result.seconds, 1),
        "rows_per_s": round(rows / result.seconds),
        "rows_per_s_per_core": round(rows / result.seconds / cores),
        "rows_per_cpu_s": round(rows / cpu) if cpu else None,
        "per_worker": workers,
        "max_peak_rss_mib": max(w["peak_rss_mib"] for w in workers),
    }


def same_rows(a: Path, b: Path, parts: list[Partition], sample: int = 5) -> bool:
    """Row-by-row equality of a few partitions' outputs (spread over the dataset)."""
    step = max(1, len(parts) // sample)
    for part in parts[::step]:
        x = pq.read_table(a / part.key / "part-0.parquet").to_pandas()
        y = pq.read_table(b / part.key / "part-0.parquet").to_pandas()
        if not x.equals(y):
            return False
    return True


def run_both(
    name: str,
    run: Runner,
    data: Path,
    work: Path,
    *,
    workers: int,
    memory_limit: str,
    local_partitions: int | None,
) -> dict[str, Any]:
    """Local engine on the first ``local_partitions`` partitions (all by default), then
    the Dask engine on all of them; outputs are compared on a sample of partitions."""
    parts = discover(data)
    local_parts = parts[:local_partitions] if local_partitions else parts
    report: dict[str, Any] = {
        "job": name,
        "input_rows": sum(p.rows for p in parts),
        "partitions": len(parts),
        "load_before": load(),
        "cpus": os.cpu_count(),
    }
    for sub in ("out-local", "out-dask"):
        shutil.rmtree(work / sub, ignore_errors=True)
    mode = (
        f"{name}: local engine (1 process, {len(local_parts)} partitions), then Dask "
        f"LocalCluster ({workers} worker processes x 1 thread, {memory_limit} each, "
        f"{len(parts)} partitions of {report['input_rows']:,} rows)"
    )
    with machine_report(mode=mode) as machine:
        print(f"{name}: local engine, {len(local_parts)} partitions, load {load()}", flush=True)
        local = run(
            data=local_parts,
            out=work / "out-local",
            engine="local",
            progress=progress_printer("local"),
        )
        report["local"] = summarise(local, cores=1)
        print(json.dumps(report["local"]), flush=True)
        spec = ClusterSpec(workers=workers, threads_per_worker=1, memory_limit=memory_limit)
        print(f"{name}: dask LocalCluster {workers} workers, load {load()}", flush=True)
        dask = run(
            data=parts,
            out=work / "out-dask",
            engine="dask",
            cluster=spec,
            progress=progress_printer("dask"),
        )
        report["dask"] = summarise(dask, cores=workers)
        report["dask"]["memory_limit"] = memory_limit
        print(json.dumps(report["dask"]), flush=True)
    report["machine"] = machine
    report["load_after"] = load()
    report["identical_sample"] = same_rows(work / "out-local", work / "out-dask", local_parts)
    lp, dp = report["local"]["rows_per_s_per_core"], report["dask"]["rows_per_s_per_core"]
    report["dask_per_core_vs_local"] = round(dp / lp, 3)
    lc, dc = report["local"]["rows_per_cpu_s"], report["dask"]["rows_per_cpu_s"]
    report["dask_per_cpu_s_vs_local"] = round(dc / lc, 3) if lc and dc else None
    (work / f"result-{name}.json").write_text(json.dumps(report, indent=2))
    print(json.dumps({k: v for k, v in report.items() if k not in ("local", "dask")}))
    return report
