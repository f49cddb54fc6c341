"""Score 1,000,000 declarations end to end: read Parquet, check, features, models, rules,
lanes, reasons, write results. Also: training on 1,000,000 rows (``--train``).

The input is made from the bundled KCS data: rows resampled with replacement, new keys,
and a fifth of importers and sellers replaced by new ones (so history lookups miss as
they do in production). Each scoring run is a fresh process (its peak RSS is the
scoring's own, not the input generation's); prints the machine, the explain mode, phase
times, rows/s and peak memory, per thread setting.

    uv run python benchmarks/bench_risk_score.py [--rows 1000000] [--threads 1 2]
        [--explain auto|selected|all|none] [--input parquet|jsonl] [--train]

``--input jsonl`` writes the same rows as JSON Lines (canonical field names, numbers as
JSON numbers), read in chunks (``declarations.jsonl``) instead of Parquet record batches.

Documented cases (benchmarks/RESULTS-risk.md): ``--rows 1000000 --explain auto`` (what
``risk score`` does by default: a batch that large explains its non-green rows),
``--rows 1000000 --explain none`` and ``--rows 100000 --explain all``.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow.compute as pc
import pyarrow.parquet as pq

from _machine import machine_report, peak_rss_mib
from opencustoms.declarations.io import load_frame
from opencustoms.risk.artefact import load
from opencustoms.risk.stream import score_file
from opencustoms.risk.training import train
from opencustoms.settings import BUNDLED_DATA_DIR, get_settings


def synthetic(source: pd.DataFrame, rows: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    out = source.iloc[rng.integers(0, len(source), rows)].reset_index(drop=True)
    out["declaration_id"] = pd.array([f"B{i:09d}" for i in range(rows)], dtype="string")
    for col in ("importer_id", "seller_id"):
        new = rng.random(rows) < 0.2
        fresh = pd.array(
            [f"N{v:07d}" for v in rng.integers(0, rows // 10, new.sum())], dtype="string"
        )
        out.loc[new, col] = fresh
    return out


def bench_score(
    model_dir: Path, source: Path, out: Path, threads: int, explain: str
) -> dict[str, float]:
    """One scoring run exactly as ``risk score`` runs it (``stream.score_file``: record
    batches, two passes), timed by pass."""
    t_all = t = time.perf_counter()
    model = load(model_dir, n_threads=threads)
    phases: dict[str, float] = {"load": time.perf_counter() - t}
    summary = score_file(
        source, profile="canonical", out=out, model=model, explain_mode=explain, timings=phases
    )
    phases["total"] = time.perf_counter() - t_all
    phases["rows_per_s"] = summary["rows"] / phases["total"]
    phases["peak_rss_mb"] = peak_rss_mib()  # before the count below reads the output again
    explained = 0
    for batch in pq.ParquetFile(out).iter_batches(columns=["reasons_json"]):
        explained += pc.sum(pc.match_substring(batch.column(0), '"kind": "model"')).as_py() or 0
    phases["explained_rows"] = float(explained)
    phases["batch_rows"] = float(get_settings().risk_batch_rows)
    return phases


def _child(args: tuple[Any, ...], queue: Any) -> None:
    queue.put(bench_score(*args))


def in_fresh_process(*args: Any) -> dict[str, float]:
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=_child, args=(args, queue))
    proc.start()
    result: dict[str, float] = queue.get()
    proc.join()
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--explain", default="auto", choices=["auto", "selected", "all", "none"])
    parser.add_argument("--input", default="parquet", choices=["parquet", "jsonl"])
    parser.add_argument("--train", action="store_true", help="also time training on --rows")
    args = parser.parse_args()
    kcs = BUNDLED_DATA_DIR / "kcs"
    past = load_frame(kcs / "df_syn_train_eng.csv")
    q1 = load_frame(kcs / "df_syn_valid_eng.csv")
    results: dict[str, object] = {"rows": args.rows, "explain": args.explain, "input": args.input}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        model_dir = work / "model"
        t = time.perf_counter()
        train(past, n_threads=1).save(model_dir, compile_native=True)
        print(f"trained and compiled the model in {time.perf_counter() - t:.1f}s")
        rows = synthetic(q1.drop(columns=["fraud", "critical_fraud"]), args.rows)
        source = work / f"in.{args.input}"
        if args.input == "jsonl":
            rows["declaration_date"] = rows["declaration_date"].dt.strftime("%Y-%m-%d")
            rows.to_json(
                source, orient="records", lines=True, double_precision=15, date_format="iso"
            )
        else:
            rows.to_parquet(source)
        del rows
        print(f"input: {args.rows:,} rows, {source.stat().st_size / 1e6:.0f} MB {args.input}")
        for threads in args.threads:
            mode = (
                f"risk score, {args.rows:,} rows from {args.input}, --explain {args.explain}, "
                f"{threads} thread(s)"
            )
            with machine_report(mode=mode) as facts:
                ph = in_fresh_process(
                    model_dir, source, work / f"out{threads}.parquet", threads, args.explain
                )
            timed = ("load", "first_pass", "lanes", "second_pass", "total")
            print(
                f"score, --explain {args.explain}, {threads} thread(s): "
                + ", ".join(f"{k} {ph[k]:.2f}s" for k in timed)
                + f"; {ph['rows_per_s']:,.0f} rows/s; {ph['explained_rows']:,.0f} rows with "
                f"model factors; peak RSS of the scoring process {ph['peak_rss_mb']:,.0f} MB "
                f"(batches of {ph['batch_rows']:,.0f} rows)"
            )
            results[f"score_threads_{threads}"] = ph | {"machine": facts}
        if args.train:
            big = synthetic(past, args.rows, seed=1)
            for threads in args.threads:
                t = time.perf_counter()
                model = train(big, n_threads=threads, seed=0)
                secs = time.perf_counter() - t
                auc = model.metadata["metrics"]["train_in_sample_fraud"]["auc"]
                print(
                    f"train on {len(big):,} rows, {threads} thread(s): {secs:.1f}s "
                    f"({len(big) / secs:,.0f} rows/s); peak RSS {peak_rss_mib():.0f} MB; "
                    f"in-sample AUC {auc:.3f}"
                )
                results[f"train_threads_{threads}_s"] = secs
    results["peak_rss_mb_bench_process"] = peak_rss_mib()
    print(json.dumps(results, default=str))


if __name__ == "__main__":
    main()
