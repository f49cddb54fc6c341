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
    candidates: pd.DataFrame, labels: pd.DataFrame, *, seed: int, scale: float, note: str = ""
) -> dict[str, Any]:
    """Logistic curves per typology: P(labelled | raw score) among the candidates."""
    from sklearn.linear_model import LogisticRegression

    truth = set(zip(labels["subject_id"].astype(str), labels["typology"].astype(str), strict=True))
    curves = {}
    for typology, g in candidates.groupby("typology"):
        y = np.array([(str(s), str(typology)) in truth for s in g["subject_id"]], dtype=int)
        x = g["raw"].to_numpy(dtype=float)
        mu, sd = float(x.mean()), float(x.std()) or 1.0
        if 0 < y.sum() < len(y):
            # C=10 on the standardised score: little shrinkage, finite when classes separate
            lr = LogisticRegression(C=10.0).fit(((x - mu) / sd).reshape(-1, 1), y)
            a, b = float(lr.coef_[0, 0]), float(lr.intercept_[0])
        else:  # one class only: a flat curve at the smoothed rate
            a, b = 0.0, float(np.log((y.sum() + 1) / (len(y) - y.sum() + 1)))
        curves[str(typology)] = {
            "a": round(a, 4), "b": round(b, 4), "mu": round(mu, 6), "sd": round(sd, 6),
            "candidates": len(g), "positives": int(y.sum()),
        }  # fmt: skip
    return {
        "curves": curves,
        "provenance": {
            "fitted_on": f"opencustoms world generate --seed {seed} --scale {scale}",
            "method": "logistic regression (Platt scaling, scikit-learn, C=10 on the "
            "standardised raw score) of label on raw score among candidates, per typology",
            "date": dt.date.today().isoformat(),
            "note": note,
        },
    }


def save(calibration: dict[str, Any], path: Path = CALIBRATION_FILE) -> None:
    path.write_text(json.dumps(calibration, indent=1, sort_keys=True) + "\n", encoding="utf-8")
