"""Calibrated scores: each typology's raw score mapped to a probability by a logistic
curve (Platt scaling) fitted on a tuning world's candidates and its labels, shipped as data
(``data/tradecrime/calibration.json``, with the seed, scale and date it was fitted on).

Platt rather than isotonic: with a few dozen labelled candidates per typology an isotonic
step function jumps from 0 to 1 inside the gap between the classes it happened to see
and says 1.0 where it should say "very likely"; the two-parameter curve is smooth,
monotone and keeps probabilities short of certainty.

Fitting reads labels (that is its purpose); detectors never do. A typology without a
fitted curve gets no score above 0.5 from nowhere: its candidates keep the raw score
squashed by ``raw / (1 + raw)``, and the alert explains that the score is uncalibrated.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from opencustoms.alertfile import latest_labels
from opencustoms.settings import PACKAGE_DATA_DIR

CALIBRATION_FILE = PACKAGE_DATA_DIR / "tradecrime" / "calibration.json"


def load(path: Path = CALIBRATION_FILE) -> dict[str, Any]:
    if not path.is_file():
        return {"curves": {}, "provenance": {}}
    return dict(json.loads(path.read_text(encoding="utf-8")))


def apply(candidates: pd.DataFrame, curves: dict[str, Any]) -> pd.Series:
    """Probability per candidate from its typology's isotonic curve (step interpolation)."""
    out = pd.Series(np.nan, index=candidates.index, dtype=float)
    for typology, g in candidates.groupby("typology"):
        curve = curves.get(str(typology))
        raw = g["raw"].to_numpy(dtype=float)
        if curve is None:
            out[g.index] = np.clip(raw, 0, None) / (1 + np.clip(raw, 0, None))
        else:
            z = curve["a"] * (raw - curve["mu"]) / curve["sd"] + curve["b"]
            out[g.index] = 1 / (1 + np.exp(-z))
    return out.clip(0, 1)


def fit(
    candidates: pd.DataFrame,
    labels: pd.DataFrame | None,
    *,
    seed: int | None,
    scale: float | None,
    note: str = "",
    decisions: pd.DataFrame | None = None,
    fallback: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Logistic curves per typology: P(labelled | raw score) among the candidates.

    Targets: the world's ``labels`` (a generated tuning world) and/or officers' decisions
    (``decisions``: ``alertfile.LABEL_COLUMNS``, closed cases on trade-crime alerts,
    latest per subject and typology), which overrule the labels file for the candidates
    they judged. Without a labels file only judged candidates count, so the curve says how
    often the officers confirmed alerts of that score. A typology with no judged candidate
    keeps its curve of ``fallback`` (the calibration in force), marked ``kept``.
    """
    from sklearn.linear_model import LogisticRegression

    truth: set[tuple[str, str]] = set()
    if labels is not None:
        truth = set(
            zip(labels["subject_id"].astype(str), labels["typology"].astype(str), strict=True)
        )
    latest = latest_labels(decisions) if decisions is not None else None
    curves: dict[str, Any] = {}
    counts: dict[str, dict[str, int]] = {}
    for typology, g in candidates.groupby("typology"):
        subjects = g["subject_id"].astype(str)
        if labels is not None:
            y = np.array([(s, str(typology)) in truth for s in subjects], dtype="float64")
        else:
            y = np.full(len(g), np.nan)
        if latest is not None:
            y, counts[str(typology)] = _overrule(y, subjects, latest, str(typology))
        known = ~np.isnan(y)
        if not known.any():
            kept = (fallback or {}).get("curves", {}).get(str(typology))
            if kept is not None:
                curves[str(typology)] = {**kept, "kept": "no judged candidate: curve in force"}
            continue
        x, yk = g["raw"].to_numpy(dtype=float)[known], y[known].astype(int)
        mu, sd = float(x.mean()), float(x.std()) or 1.0
        if 0 < yk.sum() < len(yk):
            # C=10 on the standardised score: little shrinkage, finite when classes separate
            lr = LogisticRegression(C=10.0).fit(((x - mu) / sd).reshape(-1, 1), yk)
            a, b = float(lr.coef_[0, 0]), float(lr.intercept_[0])
        else:  # one class only: a flat curve at the smoothed rate
            a, b = 0.0, float(np.log((yk.sum() + 1) / (len(yk) - yk.sum() + 1)))
        curves[str(typology)] = {
            "a": round(a, 4), "b": round(b, 4), "mu": round(mu, 6), "sd": round(sd, 6),
            "candidates": len(yk), "positives": int(yk.sum()),
        }  # fmt: skip
        if str(typology) in counts:
            curves[str(typology)]["case_labels"] = counts[str(typology)]
    for typology, kept in (fallback or {}).get("curves", {}).items():
        curves.setdefault(typology, {**kept, "kept": "no candidate: curve in force"})
    if latest is not None:  # decisions on typologies with no candidate in this world
        for typology, mine in latest.groupby("typology"):
            if str(typology) not in counts:
                none = pd.Series([], dtype=str)
                counts[str(typology)] = _overrule(np.zeros(0), none, mine, str(typology))[1]
    parts = []
    if labels is not None:
        parts.append(f"opencustoms world generate --seed {seed} --scale {scale}")
    if decisions is not None:
        parts.append("decisions of closed cases on trade-crime alerts")
    return {
        "curves": curves,
        "provenance": {
            "fitted_on": " + ".join(parts),
            "method": "logistic regression (Platt scaling, scikit-learn, C=10 on the "
            "standardised raw score) of label on raw score among candidates, per typology",
            "date": dt.date.today().isoformat(),
            "note": note,
            **({"case_labels": counts} if decisions is not None else {}),
        },
    }


def _overrule(
    y: np.ndarray, subjects: pd.Series, latest: pd.DataFrame, typology: str
) -> tuple[np.ndarray, dict[str, int]]:
    """``y`` with the decisions on this typology's candidates applied, and their counts."""
    mine = latest[latest["typology"] == typology]
    decided = dict(zip(mine["subject_id"], mine["label"], strict=True))
    judged = {s: int(v) for s, v in decided.items() if not pd.isna(v)}
    out = y.copy()
    hit = subjects.isin(list(judged)).to_numpy()
    new = subjects[hit].map(judged).to_numpy(dtype="float64")
    before = out[hit]
    out[hit] = new
    seen = set(subjects[hit])
    return out, {
        "confirmed": sum(v == 1 for s, v in judged.items() if s in seen),
        "false_positive": sum(v == 0 for s, v in judged.items() if s in seen),
        "changed": int((~np.isnan(before) & (before != new)).sum()),
        "inconclusive": len(decided) - len(judged),
        "not_candidate": len(set(judged) - seen),
    }


def save(calibration: dict[str, Any], path: Path = CALIBRATION_FILE) -> None:
    path.write_text(json.dumps(calibration, indent=1, sort_keys=True) + "\n", encoding="utf-8")
