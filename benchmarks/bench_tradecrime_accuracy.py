"""Accuracy of the trade-crime detectors on a world they were never tuned on, with the
fixed-threshold baseline side by side, as Markdown tables.

    uv run python benchmarks/bench_tradecrime_accuracy.py --seed 2 --scale 1.1 [--world DIR]

The calibration curves shipped in ``data/tradecrime/calibration.json`` were fitted on seed 1
(see its provenance); report on any other seed.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import pandas as pd

from _machine import machine_report
from opencustoms.tradecrime.analyse import TYPOLOGIES, analyse
from opencustoms.tradecrime.baseline import baseline
from opencustoms.tradecrime.calibration import load
from opencustoms.tradecrime.evaluate import evaluate, load_truth
from opencustoms.world.generate import generate


def _markdown(frame: pd.DataFrame) -> str:
    cols = list(frame.columns)
    lines = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    for row in frame.itertuples(index=False):
        lines.append("| " + " | ".join(str(v) for v in row) + " |")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seed", type=int, default=2)
    ap.add_argument("--scale", type=float, default=1.1)
    ap.add_argument("--world", type=Path, default=None)
    args = ap.parse_args()
    fitted_on = load()["provenance"].get("fitted_on", "")
    if f"--seed {args.seed} " in fitted_on + " ":
        raise SystemExit(f"seed {args.seed} is the tuning seed ({fitted_on}): report on another")
    mode = (
        f"trade-crime detectors vs baseline rules, world seed {args.seed}, scale "
        f"{args.scale}, 1 process"
    )
    with machine_report(mode=mode):
        folder = args.world or Path(tempfile.mkdtemp()) / "world"
        if not (folder / "labels.csv").is_file():
            generate(seed=args.seed, scale=args.scale).write(folder)
        t = time.perf_counter()
        result = analyse(folder)
        seconds = time.perf_counter() - t
        labels, negatives = load_truth(folder)
        ours = evaluate(result.alerts, labels, negatives, typologies=TYPOLOGIES)
        base = evaluate(baseline(result.data), labels, negatives, typologies=TYPOLOGIES)
        rows = {n: r.input for n, r in result.world.results.items()}
        print(f"world {folder}: {rows}; analysed in {seconds:.1f} s; calibration {fitted_on}")
        print("\nDetectors:\n" + _markdown(ours))
        print("\nBaseline (one fixed-threshold rule per typology):\n" + _markdown(base))
        flagged = set(zip(result.alerts["subject_id"], result.alerts["typology"], strict=True))
        pairs = zip(negatives["subject_id"], negatives["typology"], strict=True)
        negatives = negatives.assign(flagged=[p in flagged for p in pairs])
        kinds = (
            negatives.groupby(["typology", "kind"])["flagged"].agg(["size", "sum"]).reset_index()
        )
        print("\nHard negatives by kind (flagged by the detectors):\n" + _markdown(kinds))


if __name__ == "__main__":
    main()
