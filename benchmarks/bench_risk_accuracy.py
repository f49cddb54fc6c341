"""Acceptance figures of the risk model: train on bundled 2020, evaluate on 2021 Q1.

Mean over 3 seeds of fraud precision@1/2/5/10 %, recall, revenue@k and AUC, and the same
for critical fraud. Nothing from 2021 Q2 or later is used (the bundled data ends in Q1).

    uv run python benchmarks/bench_risk_accuracy.py [--seeds 3]
"""

from __future__ import annotations

import argparse
import json
import time

import numpy as np

from _machine import machine_report
from opencustoms.declarations.io import load_frame
from opencustoms.risk.evaluation import evaluate_frame
from opencustoms.risk.training import train
from opencustoms.settings import BUNDLED_DATA_DIR, get_settings

KEYS = (
    "precision@1",
    "precision@2",
    "precision@5",
    "precision@10",
    "recall@5",
    "recall@10",
    "revenue@5",
    "revenue@10",
    "auc",
)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", type=int, default=3)
    args = parser.parse_args()
    mode = (
        f"risk train + evaluate on the bundled KCS data, {args.seeds} seeds, "
        f"LightGBM {get_settings().n_threads} thread(s)"
    )
    with machine_report(mode=mode) as machine:
        tr = load_frame(BUNDLED_DATA_DIR / "kcs" / "df_syn_train_eng.csv", "kcs")
        va = load_frame(BUNDLED_DATA_DIR / "kcs" / "df_syn_valid_eng.csv", "kcs")
        runs: dict[str, list[dict[str, float]]] = {"fraud": [], "critical": []}
        for seed in range(args.seeds):
            t0 = time.perf_counter()
            model = train(tr, seed=seed, n_threads=get_settings().n_threads)
            res = evaluate_frame(va, model=model)
            for target in runs:
                runs[target].append(res[target])
            f = res["fraud"]
            print(
                f"seed {seed}: P@1 {f['precision@1']:.3f} P@5 {f['precision@5']:.3f} "
                f"P@10 {f['precision@10']:.3f} AUC {f['auc']:.4f} ({time.perf_counter() - t0:.1f}s)"
            )
        summary = {
            t: {k: float(np.mean([r[k] for r in rs])) for k in KEYS} for t, rs in runs.items()
        }
        for target, m in summary.items():
            print(target, " ".join(f"{k}={v:.4f}" for k, v in m.items()))
    print(json.dumps({"seeds": args.seeds, **summary, "machine": machine}))


if __name__ == "__main__":
    main()
