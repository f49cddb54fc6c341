"""Screen 1,000,000 parcels end to end: read the Parquet manifest, validate, identity keys,
the five typology detectors, calibrated scores, decisions, duty/VAT for taxed parcels
(tariff engine), reasons, write the decisions Parquet. Prints phase times, parcels/s,
CPU time and peak memory, once per Arrow thread-pool size (each in a fresh process).

    uv run python benchmarks/bench_parcels_screen.py [--days 30 --per-day 33334 --seed 11]
        [--threads 1 2]

The manifest is generated once (seed 11, never used for tuning) under var/parcels-bench/.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

from _machine import machine_report, snapshot

BENCH_DIR = Path("var/parcels-bench")


def ensure_manifest(days: int, per_day: int, seed: int) -> Path:
    path = BENCH_DIR / f"bench-{days}x{per_day}-s{seed}.parquet"
    if not path.is_file():
        from opencustoms.parcels.generator import generate, write_generated

        t = time.perf_counter()
        manifest, labels = generate(days=days, parcels_per_day=per_day, seed=seed)
        write_generated(manifest, labels, path, path.with_suffix(".labels.parquet"))
        print(f"generated {len(manifest):,} parcels in {time.perf_counter() - t:.1f} s")
    return path


def run_once(path: Path, threads: int) -> dict[str, float]:
    import pyarrow as pa

    pa.set_cpu_count(threads)
    pa.set_io_thread_count(threads)
    from opencustoms.parcels.manifest import read_manifest
    from opencustoms.parcels.screen import screen_frame, write_decisions

    cpu0, t0 = time.process_time(), time.perf_counter()
    raw = read_manifest(path)
    t1 = time.perf_counter()
    result = screen_frame(raw)
    t2 = time.perf_counter()
    out = BENCH_DIR / "decisions.parquet"
    write_decisions(result.decisions, out)
    t3 = time.perf_counter()
    return {
        "threads": threads,
        "parcels": result.input,
        "read_s": round(t1 - t0, 2),
        "screen_s": round(t2 - t1, 2),
        "write_s": round(t3 - t2, 2),
        "total_s": round(t3 - t0, 2),
        "cpu_s": round(time.process_time() - cpu0, 2),
        "parcels_per_s": round(result.input / (t3 - t0)),
        "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024),
        "load_1min": round(os.getloadavg()[0], 2),
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--days", type=int, default=30)
    ap.add_argument("--per-day", type=int, default=33_334)
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--child", type=int, default=0, help=argparse.SUPPRESS)
    ap.add_argument("--file", type=Path, default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps({**run_once(args.file, args.child), "machine": snapshot()}))
        return
    path = ensure_manifest(args.days, args.per_day, args.seed)
    mode = (
        f"parcels screen of one {args.days}-day manifest ({args.days * args.per_day:,} parcels), "
        f"local engine, 1 process per run, Arrow threads {args.threads}"
    )
    with machine_report(mode=mode):
        for threads in args.threads:
            cmd = [sys.executable, __file__, "--child", str(threads), "--file", str(path)]
            out = subprocess.run(cmd, capture_output=True, text=True, check=True)
            print(out.stdout.strip().splitlines()[-1])


if __name__ == "__main__":
    main()
