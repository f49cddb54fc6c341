"""Latency of scoring one declaration through the Python API (``service.score_one``).

Trains on the bundled 2020 data (or loads ``--model``), warms up, then scores 2021 Q1
declarations one at a time and prints p50/p95/p99/max.

    uv run python benchmarks/bench_risk_single.py [--n 2000] [--model DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import time

import numpy as np

from opencustoms.declarations.io import load_frame
from opencustoms.declarations.schema import Declaration
from opencustoms.risk.artefact import load
from opencustoms.risk.service import current_rules, score_one
from opencustoms.risk.training import train
from opencustoms.settings import BUNDLED_DATA_DIR, get_settings


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--model", default=None)
    parser.add_argument("--freeze", action="store_true", help="gc.freeze() after warm-up")
    args = parser.parse_args()
    kcs = BUNDLED_DATA_DIR / "kcs"
    if args.model:
        model = load(args.model)
    else:
        model = train(load_frame(kcs / "df_syn_train_eng.csv"), n_threads=get_settings().n_threads)
    q1 = load_frame(kcs / "df_syn_valid_eng.csv").drop(
        columns=["fraud", "critical_fraud", "additional_duty"]
    )
    records = [
        Declaration.model_validate({k: v for k, v in r.items() if v is not None and v == v})
        for r in q1.head(args.n)
        .astype(object)
        .where(q1.head(args.n).notna(), None)
        .to_dict("records")
    ]
    rules = current_rules()
    for d in records[:200]:  # warm-up
        score_one(d, model=model, rules=rules)
    if args.freeze:
        import gc

        gc.freeze()
    times, cpu = [], []
    load_before = os.getloadavg()[0]
    for d in records:
        t0, c0 = time.perf_counter(), time.thread_time()
        score_one(d, model=model, rules=rules)
        times.append((time.perf_counter() - t0) * 1000)
        cpu.append((time.thread_time() - c0) * 1000)
    ms = np.array(times)
    cpu_ms = np.array(cpu)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    out = {
        "n": len(ms),
        "p50_ms": float(np.percentile(ms, 50)),
        "p95_ms": float(np.percentile(ms, 95)),
        "p99_ms": float(np.percentile(ms, 99)),
        "max_ms": float(ms.max()),
        "per_s": float(1000 / ms.mean()),
        "peak_rss_mb": peak,
        "cpu_p50_ms": float(np.percentile(cpu_ms, 50)),
        "cpu_p99_ms": float(np.percentile(cpu_ms, 99)),
        "load_avg_1min": load_before,
        "cores": os.cpu_count(),
    }
    print(
        f"score_one: p50 {out['p50_ms']:.2f} ms, p95 {out['p95_ms']:.2f} ms, "
        f"p99 {out['p99_ms']:.2f} ms, max {out['max_ms']:.2f} ms over {len(ms)} calls "
        f"({out['per_s']:.0f}/s); peak RSS {peak:.0f} MB"
    )
    print(
        f"CPU time of the calling thread: p50 {out['cpu_p50_ms']:.2f} ms, p99 "
        f"{out['cpu_p99_ms']:.2f} ms (wall-clock tails include waiting for a core: load "
        f"average {load_before:.1f} on {os.cpu_count()} cores)"
    )
    print(json.dumps(out))


if __name__ == "__main__":
    main()
