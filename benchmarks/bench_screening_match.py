"""Party-matching quality: name-evidence-v1 vs a plain rapidfuzz token-sort baseline.

Both are tuned on one synthetic seed and reported on another (never tuned on), in the
same run. ``--fit`` refits the matcher's logistic weights on the tuning seed and writes
``src/opencustoms/data/screening/matcher_v1.yaml`` (with the review threshold chosen on the
tuning seed: the highest threshold keeping recall >= 0.97 there). Without ``--fit`` the
weights in that file are evaluated as they are.

    uv run python benchmarks/bench_screening_match.py --tune-seed 1 --test-seed 2 --fit

Writes the precision-recall curves of both methods to ``benchmarks/screening_pr_curve.svg``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import time
from collections import Counter
from itertools import pairwise
from pathlib import Path

import numpy as np
import yaml
from rapidfuzz import fuzz, utils
from rapidfuzz.process import cdist
from sklearn.linear_model import LogisticRegression

from _machine import machine_report
from opencustoms.screening.index import BlockingIndex
from opencustoms.screening.matcher import FEATURE_NAMES, NameMatcherV1, load_weights
from opencustoms.screening.normalize import DATA_DIR, name_form
from opencustoms.screening.synth import ScreeningSet, screening_set

OUT_SVG = Path(__file__).with_name("screening_pr_curve.svg")
WEIGHTS = DATA_DIR / "matcher_v1.yaml"


def candidate_features(data: ScreeningSet) -> tuple[np.ndarray, list[tuple[str, str]], float]:
    """Feature rows of every blocked candidate pair (what the matcher would score)."""
    index = BlockingIndex(data.entities)
    matcher = NameMatcherV1()
    rows, keys = [], []
    start = time.perf_counter()
    for party in data.parties:
        for i, forms in index.candidates(name_form(party.name)).items():
            entity = index.entities[i]
            values = matcher.features(matcher.evidence(party, entity, forms))
            rows.append([values[k] for k in FEATURE_NAMES])
            keys.append((party.party_id, entity.entity_id))
    return np.asarray(rows), keys, time.perf_counter() - start


def baseline_scores(data: ScreeningSet) -> dict[tuple[str, str], float]:
    """Plain rapidfuzz token_sort_ratio of the raw names, all pairs, best name per entity."""
    names, owners = [], []
    for entity in data.entities:
        for text in entity.names:
            names.append(text)
            owners.append(entity.entity_id)
    scores: dict[tuple[str, str], float] = {}
    owner_arr = np.asarray(owners)
    for start in range(0, len(data.parties), 500):
        chunk = data.parties[start : start + 500]
        matrix = cdist(
            [p.name for p in chunk],
            names,
            scorer=fuzz.token_sort_ratio,
            processor=utils.default_process,
            workers=1,
        )
        for row, party in zip(matrix, chunk, strict=True):
            for j in np.flatnonzero(row >= 50):  # below 50 never helps any threshold
                key = (party.party_id, str(owner_arr[j]))
                scores[key] = max(scores.get(key, 0.0), float(row[j]) / 100)
    return scores


def truth_pairs(data: ScreeningSet) -> set[tuple[str, str]]:
    return {(r.party_id, r.entity_id) for r in data.truth.itertuples() if r.entity_id}


def curve(
    scores: dict[tuple[str, str], float], truth: set[tuple[str, str]]
) -> list[tuple[float, float, float]]:
    """(threshold, precision, recall) at every distinct score."""
    items = sorted(scores.items(), key=lambda kv: -kv[1])
    out, tp, fp = [], 0, 0
    for n, (key, score) in enumerate(items):
        tp += key in truth
        fp += key not in truth
        if n + 1 == len(items) or items[n + 1][1] != score:
            out.append((score, tp / (tp + fp), tp / len(truth)))
    return out


def at(points: list[tuple[float, float, float]], threshold: float) -> tuple[float, float]:
    best = (1.0, 0.0)
    for t, p, r in points:
        if t >= threshold:
            best = (p, r)
    return best


def best_f1(points: list[tuple[float, float, float]]) -> tuple[float, float, float, float]:
    return max(((2 * p * r / (p + r) if p + r else 0.0), t, p, r) for t, p, r in points)


def threshold_for_recall(points: list[tuple[float, float, float]], recall: float) -> float:
    """The highest threshold whose recall reaches ``recall`` (fewest reviews for it)."""
    return max((t for t, _, r in points if r >= recall), default=0.0)


def svg(curves: dict[str, list[tuple[float, float, float]]], path: Path) -> None:
    width, height, pad = 520, 420, 50
    colours = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd"]
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        'font-family="sans-serif" font-size="12">',
        f'<rect width="{width}" height="{height}" fill="white"/>',
    ]
    x0, y0, w, h = pad, height - pad, width - 2 * pad, height - 2 * pad
    for k in range(11):
        v = k / 10
        parts.append(
            f'<line x1="{x0 + v * w}" y1="{y0}" x2="{x0 + v * w}" y2="{y0 - h}" stroke="#eee"/>'
        )
        parts.append(
            f'<line x1="{x0}" y1="{y0 - v * h}" x2="{x0 + w}" y2="{y0 - v * h}" stroke="#eee"/>'
        )
        parts.append(f'<text x="{x0 + v * w - 8}" y="{y0 + 16}">{v:.1f}</text>')
        parts.append(f'<text x="{x0 - 30}" y="{y0 - v * h + 4}">{v:.1f}</text>')
    parts.append(f'<text x="{x0 + w / 2 - 20}" y="{height - 10}">recall</text>')
    parts.append(
        f'<text x="8" y="{pad - 20}">precision (test seed; curves tuned on another seed)</text>'
    )
    for n, (label, points) in enumerate(curves.items()):
        path_d = " ".join(f"{x0 + r * w:.1f},{y0 - p * h:.1f}" for _, p, r in points)
        parts.append(
            f'<polyline points="{path_d}" fill="none" stroke="{colours[n]}" stroke-width="2"/>'
        )
        parts.append(
            f'<text x="{x0 + 10}" y="{y0 - h + 20 + 16 * n}" fill="{colours[n]}">{label}</text>'
        )
    parts.append("</svg>")
    path.write_text("\n".join(parts), encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tune-seed", type=int, default=1)
    parser.add_argument("--test-seed", type=int, default=2)
    parser.add_argument("--fit", action="store_true", help="refit and write matcher_v1.yaml")
    args = parser.parse_args()
    mode = (
        f"party matcher accuracy (name-evidence-v1 vs rapidfuzz), tune seed "
        f"{args.tune_seed}, test seed {args.test_seed}, 1 thread"
    )
    with machine_report(mode=mode):
        print(f"load before: {os.getloadavg()[0]:.2f}")
        tune = screening_set(seed=args.tune_seed)
        test = screening_set(seed=args.test_seed)
        for label, data in (("tune", tune), ("test", test)):
            kinds = Counter(k.split(":")[0] if k == "background" else k for k in data.truth["kind"])
            print(
                f"{label} seed: {len(data.entities)} entities, {len(data.parties)} parties, "
                f"{sum(v for k, v in kinds.items() if k.startswith('variant'))} true variants "
                f"({min(v for k, v in kinds.items() if k.startswith('variant'))} min per style), "
                f"{sum(v for k, v in kinds.items() if k.startswith('hard'))} hard negatives, "
                f"{kinds['background']} background"
            )
        x_tune, keys_tune, _ = candidate_features(tune)
        truth_tune = truth_pairs(tune)
        if args.fit:
            y = np.asarray([k in truth_tune for k in keys_tune])
            model = LogisticRegression(C=10.0, max_iter=5000).fit(x_tune, y)
            bias, weights = (
                float(model.intercept_[0]),
                dict(zip(FEATURE_NAMES, map(float, model.coef_[0]), strict=True)),
            )
        else:
            bias, weights = load_weights()
        matcher = NameMatcherV1(bias, weights)
        ours_tune = curve(
            {
                k: matcher.score(dict(zip(FEATURE_NAMES, row, strict=True)))
                for k, row in zip(keys_tune, x_tune, strict=True)
            },
            truth_tune,
        )
        review = threshold_for_recall(ours_tune, 0.97)
        base_tune = curve(baseline_scores(tune), truth_tune)
        base_threshold = best_f1(base_tune)[1]
        if args.fit:
            WEIGHTS.write_text(
                "# Weights of the party matcher name-evidence-v1 (opencustoms.screening.matcher).\n"
                "# score = 1 / (1 + exp(-(bias + sum(weight * feature)))). Written by\n"
                "# benchmarks/bench_screening_match.py --fit; do not edit by hand.\n"
                + yaml.safe_dump(
                    {
                        "algorithm": NameMatcherV1.NAME,
                        "fitted": dt.date.today().isoformat(),
                        "reference": "logistic regression (C=10) on synthetic seed "
                        f"{args.tune_seed}: "
                        f"{len(keys_tune)} blocked candidate pairs, {len(truth_tune)} true",
                        "review_threshold": round(review, 3),
                        "review_threshold_reference": "highest threshold with recall >= 0.97 "
                        "on the tuning seed",
                        "bias": round(bias, 4),
                        "weights": {k: round(v, 4) for k, v in weights.items()},
                    },
                    sort_keys=False,
                    allow_unicode=True,
                ),
                encoding="utf-8",
            )
            print(f"wrote {WEIGHTS}")
        x_test, keys_test, seconds = candidate_features(test)
        truth_test = truth_pairs(test)
        ours_scores = {
            k: matcher.score(dict(zip(FEATURE_NAMES, row, strict=True)))
            for k, row in zip(keys_test, x_test, strict=True)
        }
        ours = curve(ours_scores, truth_test)
        base = curve(baseline_scores(test), truth_test)
        print(
            f"\ntest seed {args.test_seed}: {len(keys_test)} blocked candidate pairs "
            f"in {seconds:.1f} s"
        )
        print(
            f"| method | threshold (tuned on seed {args.tune_seed}) | precision | recall "
            "| best F1 (threshold, P, R) |"
        )
        print("|---|---|---|---|---|")
        for label, points, threshold in (
            ("name-evidence-v1", ours, review),
            ("rapidfuzz token_sort_ratio", base, base_threshold),
        ):
            p, r = at(points, threshold)
            f1, t, bp, br = best_f1(points)
            print(
                f"| {label} | {threshold:.3f} | {p:.3f} | {r:.3f} "
                f"| {f1:.3f} ({t:.2f}, {bp:.3f}, {br:.3f}) |"
            )
        svg({"name-evidence-v1": ours, "rapidfuzz token_sort_ratio": base}, OUT_SVG)
        print(f"\nPR curves: {OUT_SVG}")
        kind = dict(zip(test.truth["party_id"], test.truth["kind"], strict=True))
        base_scores = baseline_scores(test)
        print("\n| style | n | recall v1 | recall baseline |\n|---|---|---|---|")
        for style in sorted({k for k in kind.values() if k.startswith("variant")}):
            pairs = [pe for pe in truth_test if kind[pe[0]] == style]
            ours_r = np.mean([ours_scores.get(pe, 0) >= review for pe in pairs])
            base_r = np.mean([base_scores.get(pe, 0) >= base_threshold for pe in pairs])
            print(f"| {style.split(':')[1]} | {len(pairs)} | {ours_r:.3f} | {base_r:.3f} |")
        print("\n| negatives | parties | flagged v1 | flagged baseline |\n|---|---|---|---|")
        for group in sorted({k for k in kind.values() if not k.startswith("variant")}):
            parties = {p for p, k in kind.items() if k == group}
            ours_f = len({p for (p, _), s in ours_scores.items() if p in parties and s >= review})
            base_f = len(
                {p for (p, _), s in base_scores.items() if p in parties and s >= base_threshold}
            )
            print(f"| {group} | {len(parties)} | {ours_f} | {base_f} |")
        print(
            "\nreliability on the test seed (is the score a probability?)\n"
            "| score band | pairs | share true |\n|---|---|---|"
        )
        bands = np.linspace(0, 1, 6)
        for lo, hi in pairwise(bands):
            inside = [
                k in truth_test
                for k, s in ours_scores.items()
                if lo <= s < hi or (hi == 1 and s == 1)
            ]
            if inside:
                print(f"| {lo:.1f}-{hi:.1f} | {len(inside)} | {np.mean(inside):.3f} |")
        print(f"load after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
