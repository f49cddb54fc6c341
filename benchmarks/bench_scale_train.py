"""Should `risk train` run on Dask? Measure where training time goes and what
``lightgbm.dask`` does with it on a 2-worker LocalCluster, against single-node LightGBM
fitting the same features with the same parameters, in the same run.

Phases of ``risk.training.train`` on N rows: the leakage-free features (every row sees only
earlier days: a sequential pass over the whole time-ordered frame, single node by nature)
and the boosting fit of the fraud model (150 trees). Only the fit can be distributed.

    nice -n 10 uv run python benchmarks/bench_scale_train.py [--rows 500000] [--workers 2]
"""

from __future__ import annotations

import argparse
import json
import os
import time

import lightgbm as lgb
import numpy as np

from _machine import machine_report
from opencustoms.declarations.io import coerce_types, to_canonical
from opencustoms.declarations.profiles import get_profile
from opencustoms.declarations.synth import kcs_like
from opencustoms.risk.features import CATEGORICAL_FEATURES, FEATURES, build_features, fit_vocab
from opencustoms.risk.history import derive_columns, prior_stats
from opencustoms.risk.training import PARAMS, ROUNDS


def load() -> str:
    return " / ".join(f"{x:.2f}" for x in os.getloadavg())


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=500_000)
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    mode = (
        f"risk train on {args.rows:,} kcs_like rows: features 1 process, fit LightGBM "
        f"1 thread vs lightgbm.dask on a LocalCluster of {args.workers} workers x 1 thread"
    )
    with machine_report(mode=mode) as machine:
        out: dict[str, object] = {"rows": args.rows, "load_before": load()}
        frame = coerce_types(to_canonical(kcs_like(args.rows, seed=7), get_profile("kcs")))
        t = time.perf_counter()
        frame = derive_columns(frame).sort_values("declaration_date", kind="stable")
        frame = frame.reset_index(drop=True)
        labelled = frame["fraud"].notna().to_numpy()
        x = build_features(frame, prior_stats(frame), fit_vocab(frame))[labelled]
        y = frame.loc[labelled, "fraud"].to_numpy(dtype="float64")
        out["features_s"] = round(time.perf_counter() - t, 1)
        print(json.dumps(out), flush=True)
        params = {**PARAMS, "seed": 1, "num_threads": 1}
        cats = [FEATURES.index(c) for c in CATEGORICAL_FEATURES]

        t = time.perf_counter()
        ds = lgb.Dataset(x, y, feature_name=list(FEATURES), categorical_feature=cats)
        single = lgb.train(params, ds, num_boost_round=ROUNDS["fraud"])
        out["fit_single_node_1_thread_s"] = round(time.perf_counter() - t, 1)
        print(json.dumps(out), flush=True)

        import dask.array as da
        from distributed import Client, LocalCluster
        from lightgbm.dask import DaskLGBMClassifier

        with (
            LocalCluster(
                n_workers=args.workers, threads_per_worker=1, processes=True, dashboard_address=":0"
            ) as lc,
            Client(lc) as client,
        ):
            chunk = -(-len(x) // args.workers)
            dx = da.from_array(x, chunks=(chunk, x.shape[1])).persist()
            dy = da.from_array(y, chunks=(chunk,)).persist()
            client.wait_for_workers(args.workers)
            t = time.perf_counter()
            model = DaskLGBMClassifier(
                client=client,
                n_estimators=ROUNDS["fraud"],
                **{k: v for k, v in params.items() if k != "objective"},
            )
            model.fit(dx, dy, categorical_feature=cats)
            out["fit_lightgbm_dask_s"] = round(time.perf_counter() - t, 1)
            out["dask_workers"] = args.workers
            p_dask = model.to_local().predict_proba(x[:20000])[:, 1]
        p_single = single.predict(x[:20000])
        out["max_abs_score_diff_dask_vs_single"] = float(np.max(np.abs(p_dask - p_single)))
        out["load_after"] = load()
    out["machine"] = machine
    print(json.dumps(out), flush=True)


if __name__ == "__main__":
    main()
