"""Probe: why a Dask worker spent more CPU per parcel row than the local engine.

The same parcel partitions screened in-process and on a one-worker LocalCluster under
several configurations, each in a fresh Python process (the nanny writes its pre-spawn
environment into the parent's ``os.environ``, so configurations must not share one):

* ``local``: the local engine in this process;
* ``dask-nanny-default``: Dask's own worker set-up (``MALLOC_TRIM_THRESHOLD_=65536``,
  statistical profiler on), as the engine ran before;
* ``dask-trim-unset``: the variable unset, profiler still on;
* ``dask-engine``: the cluster as ``scale.cluster.connect`` starts it now (both off).

Prints, per configuration: wall seconds, summed busy and CPU seconds of the partitions,
rows per CPU second, and the worker process's system CPU seconds and minor page faults.

    uv run python benchmarks/probe_scale_worker.py [--partitions 6] [--work var/bench-scale]

Input: the partitions of bench_scale_parcels.py (generate them with it first).
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from _machine import machine_report
from opencustoms.scale import cluster
from opencustoms.scale.cluster import ClusterSpec
from opencustoms.scale.dataset import Partition, discover
from opencustoms.scale.engine import PartitionResult, execute
from opencustoms.scale.parcels import ScreenJob

# configuration name -> the cluster module's WORKER_CONFIG for it (None: local engine)
CONFIGS: dict[str, dict[str, object] | None] = {
    "local": None,
    "dask-nanny-default": {},
    "dask-trim-unset": {"distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": None},
    "dask-engine": dict(cluster.WORKER_CONFIG),
}


def _usage() -> dict[str, float]:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return {"user": r.ru_utime, "sys": r.ru_stime, "minflt": r.ru_minflt}


def _delta(a: dict[str, float], b: dict[str, float]) -> dict[str, float]:
    return {k: round(b[k] - a[k], 2) for k in a}


def _run(name: str, parts: list[Partition], out: Path) -> dict[str, Any]:
    job = ScreenJob()
    params = job.params()
    t = time.perf_counter()
    results: list[PartitionResult] = []
    worker_config = CONFIGS[name]
    if worker_config is None:
        before = _usage()
        results = [execute(job, p, out, params) for p in parts]
        usage = _delta(before, _usage())
    else:
        spec = ClusterSpec(workers=1, threads_per_worker=1, memory_limit="4GiB")
        cluster.WORKER_CONFIG = worker_config
        with cluster.connect(None, spec) as client:
            client.run(job.warm)
            before = next(iter(client.run(_usage).values()))
            for p in parts:  # one at a time, as a worker with one thread runs them
                results.append(client.submit(execute, job, p, out, params, pure=False).result())
            usage = _delta(before, next(iter(client.run(_usage).values())))
    rows = sum(r.rows for r in results)
    cpu = sum(r.cpu_seconds for r in results)
    return {
        "config": name,
        "rows": rows,
        "wall_s": round(time.perf_counter() - t, 1),
        "busy_s": round(sum(r.seconds for r in results), 1),
        "cpu_s": round(cpu, 1),
        "rows_per_cpu_s": round(rows / cpu),
        "process_sys_s": usage["sys"],
        "process_minor_faults": int(usage["minflt"]),
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--work", type=Path, default=Path("var/bench-scale"))
    ap.add_argument("--input", default="parcels-10000000-100")
    ap.add_argument("--partitions", type=int, default=6)
    ap.add_argument("--config", choices=sorted(CONFIGS), help=argparse.SUPPRESS)
    args = ap.parse_args()
    parts = discover(args.work / args.input)[: args.partitions]
    if args.config:  # one configuration, in its own process
        out = args.work / f"out-probe-{args.config}"
        shutil.rmtree(out, ignore_errors=True)
        print(json.dumps(_run(args.config, parts, out)), flush=True)
        shutil.rmtree(out, ignore_errors=True)
        return
    mode = f"parcel screen, {args.partitions} partitions, 1 process / 1-worker LocalCluster"
    with machine_report(mode=mode):
        for name in CONFIGS:
            cmd = [sys.executable, __file__, "--work", str(args.work), "--input", args.input]
            cmd += ["--partitions", str(args.partitions), "--config", name]
            done = subprocess.run(cmd, check=True, capture_output=True, text=True)
            print(done.stdout.strip().splitlines()[-1], flush=True)


if __name__ == "__main__":
    main()
