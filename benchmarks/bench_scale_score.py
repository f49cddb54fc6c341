"""Score 10,000,000 declarations from partitioned Parquet on the local engine and on a
Dask LocalCluster; print throughput per core and per worker and peak memory per worker.

Input: ``declarations.synth.kcs_like`` rows (KCS columns resampled from the bundled data),
one partition per day (``date=YYYY-MM-DD/part-0.parquet``, --rows / --days rows each),
generated once under --work and reused. The model is trained on the bundled 2020 KCS
data and compiled to native code once (lleaves), so every worker loads the cached code.

    nice -n 10 uv run python benchmarks/bench_scale_score.py [--rows 10000000] [--days 100]
        [--workers 2] [--memory-limit 4GiB] [--local-partitions N] [--work var/bench-scale]
        [--explain none|selected]
"""

from __future__ import annotations

import argparse
import datetime as dt
import time
from pathlib import Path

import pyarrow as pa

from _scale_bench import load, run_both
from opencustoms.declarations.io import load_frame
from opencustoms.declarations.synth import kcs_like
from opencustoms.risk.training import train
from opencustoms.scale.dataset import output_path, write_atomically
from opencustoms.scale.risk import score_dataset
from opencustoms.settings import BUNDLED_DATA_DIR

FIRST_DAY = dt.date(2021, 1, 1)


def make_model(work: Path) -> Path:
    out = work / "model"
    if not (out / "metadata.json").is_file():
        frame = load_frame(BUNDLED_DATA_DIR / "kcs" / "df_syn_train_eng.csv", "kcs")
        train(frame, seed=1, n_threads=1, sources=["KCS 2020"]).save(out, compile_native=True)
    return out


def make_input(work: Path, rows: int, days: int) -> Path:
    root = work / f"declarations-{rows}-{days}"
    per_day = rows // days
    t = time.perf_counter()
    for d in range(days):
        day = FIRST_DAY + dt.timedelta(days=d)
        target = output_path(root, f"date={day:%Y-%m-%d}")
        if target.is_file():
            continue
        n = per_day + (rows - per_day * days if d == days - 1 else 0)
        frame = kcs_like(n, seed=d, id_offset=d * per_day)
        frame["Date"] = f"{day:%Y-%m-%d}"
        write_atomically(pa.Table.from_pandas(frame, preserve_index=False), target)
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
    # "none": scores, lanes, rule reasons and lane notes; "selected" also words the model
    # factors and data notes of every non-green row (per-row Python in the risk domain,
    # the same on both engines; measured separately in RESULTS-scale.md)
    ap.add_argument("--explain", default="none", choices=["none", "selected", "auto"])
    args = ap.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    print(f"load before: {load()}")
    model = make_model(args.work)
    data = make_input(args.work, args.rows, args.days)

    def run(**kw: object) -> object:
        return score_dataset(model=model, explain_mode=args.explain, **kw)  # type: ignore[arg-type]

    run_both(
        "risk-score",
        run,  # type: ignore[arg-type]
        data,
        args.work / "risk",
        workers=args.workers,
        memory_limit=args.memory_limit,
        local_partitions=args.local_partitions,
    )


if __name__ == "__main__":
    main()
