"""End-to-end trade-crime analysis on a large synthetic world (not a timed test).

    uv run python benchmarks/bench_tradecrime_analyse.py --scale 3.4 --seed 7 [--world DIR]

Generates the world (unless --world names an existing folder), then times
``opencustoms tradecrime analyse`` in-process: read + validate every file, prepare (KRW,
entity resolution, graph), every detector, calibration, writing the alert file. Prints
rows, seconds per stage, rows/s, peak memory (RSS) and the load average.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import tempfile
import time
from pathlib import Path

from _machine import machine_report
from opencustoms.alertfile import write_alerts
from opencustoms.tradecrime.analyse import analyse
from opencustoms.world.generate import generate


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--scale", type=float, default=3.4)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--world", type=Path, default=None)
    args = ap.parse_args()
    mode = f"trade-crime analyse end to end, world seed {args.seed}, scale {args.scale}, 1 process"
    with machine_report(mode=mode):
        folder = args.world or Path(tempfile.mkdtemp()) / "world"
        if not (folder / "declarations.csv").is_file():
            t = time.perf_counter()
            counts = generate(seed=args.seed, scale=args.scale).write(folder)
            print(f"generated {folder} in {time.perf_counter() - t:.1f} s: {json.dumps(counts)}")
        load_before = os.getloadavg()
        cpu0 = resource.getrusage(resource.RUSAGE_SELF)
        t = time.perf_counter()
        result = analyse(folder)
        write_alerts(result.alerts, folder.parent / "alerts.parquet")
        seconds = time.perf_counter() - t
        rows = {n: r.input for n, r in result.world.results.items()}
        usage = resource.getrusage(resource.RUSAGE_SELF)
        cpu = usage.ru_utime - cpu0.ru_utime + usage.ru_stime - cpu0.ru_stime
        peak = usage.ru_maxrss / 1024
        print(f"rows: {json.dumps(rows)}")
        print(f"stages (s): {json.dumps(result.seconds)}")
        print(f"alerts: {json.dumps(result.counts())}")
        total = sum(rows.values())
        print(
            f"analyse end to end: {seconds:.1f} s wall, {cpu:.1f} s CPU, "
            f"{total / seconds:,.0f} rows/s, "
            f"peak RSS {peak:,.0f} MiB, load average before {load_before[0]:.1f} "
            f"after {os.getloadavg()[0]:.1f}"
        )


if __name__ == "__main__":
    main()
