"""Risk targeting when few declarations are inspected (issue 17): measured figures.

Static: train on 2020 after a label protocol (share F of the labels kept, policy random or
model, label seed s), evaluate on all labelled rows of 2021 Q1; the engine and a plain
LightGBM on raw columns (``risk.baseline``) under the same protocol, side by side, plus a
label-information ceiling: an oracle that knows the true 2020 fraud rate of every HS6 x
origin cell in which the protocol kept at least one label (global rate elsewhere), and
the same over the declaration line (HS6, origin, mass, price; ``line_ceiling``).
Replay: 2021 Q1 week by week from the protocol's 2020, 10% weekly budget, every strategy
including ``frozen`` (never retrained), with the drift watch of every week.

Means over label seeds 0..n-1 (the model seed equals the label seed).

    nice -n 10 uv run python benchmarks/bench_risk_scarce.py --part static
    nice -n 10 uv run python benchmarks/bench_risk_scarce.py --part replay --shares 0.1
    # or one process per seed, then merged:
    ... --part replay --shares 0.1 --seed-list 0 --out var/replay-0.json   (1, 2 likewise)
    uv run python benchmarks/bench_risk_scarce.py --merge var/replay-*.json
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from _machine import machine_report
from opencustoms.declarations.io import load_frame
from opencustoms.risk.baseline import RawBaseline
from opencustoms.risk.evaluation import evaluate_frame
from opencustoms.risk.labels import LabelProtocol, apply_label_share
from opencustoms.risk.metrics import at_k
from opencustoms.risk.simulate import STRATEGIES, simulate
from opencustoms.risk.training import train
from opencustoms.settings import BUNDLED_DATA_DIR, get_settings

LINE = ["hs6", "origin_country", "net_mass_kg", "item_price_krw"]
KEYS = ("precision@1", "precision@2", "precision@5", "precision@10", "recall@10", "auc")
CELL = ["hs6", "origin_country"]


def ceiling(
    masked: pd.DataFrame, full: pd.DataFrame, test: pd.DataFrame, *, line: bool = False
) -> dict[str, float]:
    """The oracle above: what perfect knowledge of the labelled cells' rates would give.
    ``line``: the true 2020 rate of the row's declaration line (HS6, origin, mass, price)
    where the protocol kept a label of that line, the cell oracle's score elsewhere."""
    hs = lambda f: f.assign(hs6=f["hs_code"].astype("string").str.slice(0, 6))  # noqa: E731
    full, masked, test = hs(full), hs(masked), hs(test)
    y_full = full["fraud"].astype("float64")
    glob = float(y_full.mean())
    score = np.full(len(test), glob)
    for keys in (CELL, LINE) if line else (CELL,):
        rate = full.assign(y=y_full).groupby(keys)["y"].mean().rename("rate")
        kept = masked.loc[masked["fraud"].notna()].groupby(keys).size().rename("kept")
        m = test.join(rate, on=keys).join(kept, on=keys)
        known = (m["kept"].fillna(0) > 0).to_numpy()
        score = np.where(known, m["rate"].fillna(glob).to_numpy(), score)
    jitter = np.random.default_rng(0).random(len(score)) * 1e-9  # ties broken at random
    return at_k(test["fraud"].to_numpy(dtype="float64"), score + jitter)


def static(train_df: pd.DataFrame, valid: pd.DataFrame, args: argparse.Namespace) -> list[dict]:
    rows = []
    threads = get_settings().n_threads
    for policy in args.policies:
        for share in args.shares:
            if policy == "model" and share >= 1:
                continue
            runs: dict[str, list[dict[str, float]]] = {
                "engine": [],
                "raw": [],
                "ceiling": [],
                "line_ceiling": [],
            }
            t0 = time.perf_counter()
            for seed in range(args.seeds):
                protocol = LabelProtocol(share=share, seed=seed, policy=policy)
                masked = apply_label_share(train_df, protocol)
                model = train(masked, seed=seed, n_threads=threads, with_critical=False)
                runs["engine"].append(evaluate_frame(valid, model=model)["fraud"])
                base = RawBaseline.fit(masked, seed=seed, n_threads=threads)
                runs["raw"].append(at_k(valid["fraud"].to_numpy(float), base.predict(valid)))
                runs["ceiling"].append(ceiling(masked, train_df, valid))
                runs["line_ceiling"].append(ceiling(masked, train_df, valid, line=True))
            for method, rs in runs.items():
                row: dict[str, Any] = {
                    "label_share": share,
                    "label_policy": policy,
                    "seeds": args.seeds,
                    "method": method,
                }
                row.update({k: float(np.mean([r[k] for r in rs])) for k in KEYS})
                row["p10_sd"] = float(np.std([r["precision@10"] for r in rs]))
                rows.append(row)
                print(json.dumps(row), flush=True)
            print(f"  ({time.perf_counter() - t0:.0f}s)", flush=True)
    return rows


def replay_runs(frame: pd.DataFrame, args: argparse.Namespace) -> list[dict[str, Any]]:
    """One replay per (share, seed); each run as plain JSON-able weeks and drift rows."""
    runs = []
    for share in args.shares:
        for seed in args.seed_list or range(args.seeds):
            t0 = time.perf_counter()
            res = simulate(
                frame,
                start="2021-01-01",
                budget=0.10,
                strategies=tuple(args.strategies),
                seed=seed,
                n_threads=get_settings().n_threads,
                labels=LabelProtocol(share=share, seed=seed, policy=args.policies[0]),
                weeks=args.weeks,
            )
            summary = {n: round(r.summary()["precision"], 3) for n, r in res.items()}
            print(f"share {share} seed {seed}: {summary} ({time.perf_counter() - t0:.0f}s)")
            runs.append(
                {
                    "label_share": share,
                    "label_policy": args.policies[0],
                    "seed": seed,
                    "results": {n: {"weeks": r.weeks, "drift": r.drift} for n, r in res.items()},
                }
            )
    return runs


def replay_table(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Means over seeds per share and strategy, weekly precision and feedback gain."""
    out: dict[str, Any] = {}
    for share in sorted({r["label_share"] for r in runs}):
        mine = [r for r in runs if r["label_share"] == share]
        table = {}
        for name in mine[0]["results"]:
            weeks = pd.DataFrame([w for r in mine for w in r["results"][name]["weeks"]])
            per_seed = [pd.DataFrame(r["results"][name]["weeks"]) for r in mine]
            weekly = weeks.groupby("week")[["precision", "feedback_gain"]].mean()
            alerts = [int(d["alert"].isin(["retrain", "review"]).sum()) for d in per_seed]
            table[name] = {
                "seeds": sorted(r["seed"] for r in mine),
                "mean_weekly_precision": float(np.mean([d["precision"].mean() for d in per_seed])),
                "recall": float(np.mean([d["recall"].mean() for d in per_seed])),
                "revenue_proxy": float(np.mean([d["revenue"].mean() for d in per_seed])),
                "mean_feedback_gain": float(weeks["feedback_gain"].mean()),
                "weekly_precision": weekly["precision"].round(3).tolist(),
                "weekly_feedback_gain": weekly["feedback_gain"].round(3).tolist(),
                "weeks_with_alert": float(np.mean(alerts)),
            }
            print(f"share {share}", name, json.dumps(table[name]), flush=True)
        first = mine[0]["results"].get("model") or next(iter(mine[0]["results"].values()))
        drift = pd.DataFrame(first["drift"])
        alerts_df = drift.loc[drift["alert"].isin(["retrain", "review"])]
        print(
            f"drift watch (seed {mine[0]['seed']}): {len(drift)} office-weeks, "
            f"{len(alerts_df)} alerts"
        )
        overall = drift.loc[drift["office"] == "ALL"]
        cols = ["week", "psi_score", "psi_log_unit_value", "inspected", "found", "expected"]
        print(overall[[*cols, "hit_rate_z", "alert"]].round(3).to_string(index=False))
        if len(alerts_df):
            print(alerts_df[["week", "office", "alert", "reasons"]].head(12).to_string(index=False))
        out[str(share)] = table
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--part", choices=("static", "replay", "all"), default="all")
    parser.add_argument("--shares", nargs="*", type=float, default=[0.1, 0.3, 1.0])
    parser.add_argument("--policies", nargs="*", default=["random", "model"])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--weeks", type=int, default=None)
    parser.add_argument("--strategies", nargs="*", default=list(STRATEGIES))
    parser.add_argument("--seed-list", nargs="*", type=int, default=None)
    parser.add_argument("--out", help="replay: also write the runs (JSON) to this file")
    parser.add_argument("--merge", nargs="*", help="replay: aggregate runs written by --out")
    args = parser.parse_args()
    if args.merge:
        runs = [r for f in args.merge for r in json.loads(Path(f).read_text())]
        print(json.dumps({"replay": replay_table(runs)}))
        return
    mode = (
        f"risk with scarce labels, part {args.part}, label shares {args.shares}, "
        f"policies {args.policies}, {args.seeds} seeds, 1 process"
    )
    with machine_report(mode=mode) as machine:
        print(f"load average at start: {os.getloadavg()}")
        tr = load_frame(BUNDLED_DATA_DIR / "kcs" / "df_syn_train_eng.csv", "kcs")
        va = load_frame(BUNDLED_DATA_DIR / "kcs" / "df_syn_valid_eng.csv", "kcs")
        result: dict[str, Any] = {}
        if args.part in ("static", "all"):
            result["static"] = static(tr, va, args)
            print(pd.DataFrame(result["static"]).to_string(index=False, float_format="%.3f"))
        if args.part in ("replay", "all"):
            runs = replay_runs(pd.concat([tr, va], ignore_index=True), args)
            if args.out:
                with open(args.out, "w") as fh:
                    json.dump(runs, fh, default=float)
            result["replay"] = replay_table(runs)
        print(f"load average at end: {os.getloadavg()}")
    print(json.dumps({**result, "machine": machine}))


if __name__ == "__main__":
    main()
