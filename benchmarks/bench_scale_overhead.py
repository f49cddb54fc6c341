"""Does a partition cost more CPU on a Dask worker than in the calling process?

The same partitions processed alternately in this process and on a 1-worker LocalCluster
(so both see the same machine load at nearly the same time); prints CPU seconds per
partition measured inside the partition function (``PartitionResult.cpu_seconds``).
``--trim`` sets the glibc ``MALLOC_TRIM_THRESHOLD_`` the Dask nanny gives its workers
(Dask's default 65536 returns freed memory to the system eagerly).

    nice -n 10 uv run python benchmarks/bench_scale_overhead.py --data DIR --job risk|parcels
        [--model DIR] [--rounds 2] [--trim 65536]
"""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

import dask
from distributed import Client, LocalCluster

from _machine import machine_report, snapshot
from opencustoms.scale.dataset import discover
from opencustoms.scale.engine import PartitionJob, execute


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", type=Path, required=True)
    ap.add_argument("--job", choices=["risk", "parcels"], required=True)
    ap.add_argument("--model", type=Path, default=Path("var/bench-scale/model"))
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--trim", default="65536")
    args = ap.parse_args()
    job: PartitionJob
    if args.job == "risk":
        from opencustoms.scale.risk import ScoreJob

        job = ScoreJob.from_settings(model=args.model, explain_mode="none")
    else:
        from opencustoms.scale.parcels import ScreenJob

        job = ScreenJob()
    mode = (
        f"{args.job} partition CPU, this process vs a 1-worker LocalCluster "
        f"(MALLOC_TRIM_THRESHOLD_={args.trim}), {args.rounds} rounds"
    )
    with machine_report(mode=mode) as machine:
        part = discover(args.data)[0]
        job.prepare()
        params = job.params()
        job.warm()
        execute(job, part, None, params)  # warm this process's caches too
        out: dict[str, list[float]] = {"local": [], "dask": []}
        trim = {"distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_": args.trim}
        with (
            dask.config.set(trim),
            LocalCluster(
                n_workers=1, threads_per_worker=1, processes=True, dashboard_address=":0"
            ) as lc,
            Client(lc) as client,
        ):
            client.run(job.warm)
            client.submit(execute, job, part, None, params, pure=False).result()
            for _ in range(args.rounds):
                out["local"].append(execute(job, part, None, params).cpu_seconds)
                r = client.submit(execute, job, part, None, params, pure=False).result()
                out["dask"].append(r.cpu_seconds)
            # printed before the cluster closes: a close timing out on a loaded machine
            # must not lose the measurement
            mean = {k: sum(v) / len(v) for k, v in out.items()}
            print(
                json.dumps(
                    {
                        "job": args.job,
                        "rows": part.rows,
                        "trim": args.trim,
                        "cpu_s": out,
                        "dask_over_local": round(mean["dask"] / mean["local"], 3),
                        "load": os.getloadavg(),
                        "machine": {**machine, "now": snapshot()},
                    }
                ),
                flush=True,
            )


if __name__ == "__main__":
    main()
