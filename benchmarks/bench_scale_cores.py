"""Where the per-core loss of a 2-worker LocalCluster comes from: the machine or Dask.

Screens the same parcel partitions (the input of bench_scale_parcels.py) four ways and
prints rows per second per core (wall, cluster start included) and per busy core-second
(time inside the partitions) for each:

1. local engine, one process;
2. local engine, two processes at once on different halves (no Dask: what two busy
   processes get from this machine's two vCPUs);
3. Dask LocalCluster with one worker (Dask's own overhead on one core);
4. Dask LocalCluster with two workers.

    uv run python benchmarks/bench_scale_cores.py [--partitions 20] [--work var/bench-scale]

Run it on a machine with nothing else running; it prints the load average before each run.
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import time
from pathlib import Path

from _machine import machine_report
from _scale_bench import load
from opencustoms.scale.cluster import ClusterSpec
from opencustoms.scale.dataset import discover
from opencustoms.scale.engine import JobResult
from opencustoms.scale.parcels import screen_dataset


def _times(result: JobResult, rows: int, started: float) -> dict[str, float]:
    """Wall seconds (cluster start included), and the seconds and CPU seconds spent inside
    the partitions summed over workers (busy core-seconds: no start-up, no idle tail)."""
    return {
        "rows": rows,
        "seconds": time.perf_counter() - started,
        "busy_s": sum(p.seconds for p in result.partitions),
        "cpu_s": sum(p.cpu_seconds for p in result.partitions),
    }


def _local(data: Path, first: int, count: int, out: Path) -> dict[str, float]:
    parts = discover(data)[first : first + count]
    t = time.perf_counter()
    result = screen_dataset(data=parts, out=out, engine="local")
    return _times(result, sum(p.rows for p in parts), t)


def _dask(data: Path, count: int, out: Path, workers: int) -> dict[str, float]:
    parts = discover(data)[:count]
    spec = ClusterSpec(workers=workers, threads_per_worker=1, memory_limit="4GiB")
    t = time.perf_counter()
    result = screen_dataset(data=parts, out=out, engine="dask", cluster=spec)
    return _times(result, sum(p.rows for p in parts), t)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--partitions", type=int, default=20)
    ap.add_argument("--work", type=Path, default=Path("var/bench-scale"))
    ap.add_argument("--input", default="parcels-10000000-100")
    ap.add_argument("--child", nargs=2, type=int, help=argparse.SUPPRESS)
    args = ap.parse_args()
    data = args.work / args.input
    out = args.work / "out-cores"
    if args.child:  # one of the two concurrent local processes
        first, count = args.child
        print(json.dumps(_local(data, first, count, out / f"child-{first}")), flush=True)
        return
    shutil.rmtree(out, ignore_errors=True)
    n = args.partitions
    report: dict[str, dict[str, float]] = {}

    mode = (
        f"parcels screen, {n} partitions of {args.input}: local engine 1 process, "
        "2 local processes, Dask LocalCluster 1 and 2 workers x 1 thread"
    )
    with machine_report(mode=mode) as machine:
        print(f"1 local process, {n} partitions, load {load()}", flush=True)
        r = _local(data, 0, n, out / "local")
        report["local_1_process"] = {"rows_per_s_per_core": r["rows"] / r["seconds"], **r}

        print(f"2 local processes at once, {n // 2} partitions each, load {load()}", flush=True)
        cmd = [sys.executable, __file__, "--work", str(args.work), "--input", args.input]
        t = time.perf_counter()
        procs = [
            subprocess.Popen([*cmd, "--child", str(first), str(n // 2)], stdout=subprocess.PIPE)
            for first in (0, n // 2)
        ]
        children = [json.loads(p.communicate()[0].decode().strip().splitlines()[-1]) for p in procs]
        seconds = time.perf_counter() - t
        rows = sum(c["rows"] for c in children)
        report["local_2_processes"] = {
            "rows": rows,
            "seconds": seconds,
            "busy_s": sum(c["busy_s"] for c in children),
            "cpu_s": sum(c["cpu_s"] for c in children),
            "rows_per_s_per_core": rows / seconds / 2,
        }

        for workers in (1, 2):
            print(
                f"dask LocalCluster, {workers} worker(s), {n} partitions, load {load()}", flush=True
            )
            r = _dask(data, n, out / f"dask-{workers}", workers)
            report[f"dask_{workers}_workers"] = {
                "rows_per_s_per_core": r["rows"] / r["seconds"] / workers,
                **r,
            }
    base = report["local_1_process"]
    busy_base = base["rows"] / base["busy_s"]
    for name, r in report.items():
        r["vs_local_1_process"] = round(r["rows_per_s_per_core"] / base["rows_per_s_per_core"], 3)
        r["rows_per_s_per_core"] = round(r["rows_per_s_per_core"])
        # per busy core-second: the same ratio without the cluster's start and stop
        r["rows_per_busy_core_s"] = round(r["rows"] / r["busy_s"])
        r["busy_vs_local_1_process"] = round(r["rows"] / r["busy_s"] / busy_base, 3)
        r["rows_per_cpu_s"] = round(r["rows"] / r["cpu_s"])
        for key in ("seconds", "busy_s", "cpu_s"):
            r[key] = round(r[key], 1)
        print(name, json.dumps(r))
    print("machine", json.dumps(machine))
    shutil.rmtree(out, ignore_errors=True)


if __name__ == "__main__":
    main()
