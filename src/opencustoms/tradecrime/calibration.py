"""Calibrated scores: each typology's raw score mapped to a probability by isotonic
regression fitted on a tuning world's candidates and its labels, shipped as data
(``data/tradecrime/calibration.json``, with the seed, scale and date it was fitted on).

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
            out[g.index] = np.interp(raw, curve["x"], curve["y"])
    return out.clip(0, 1)


def fit(
    candidates: pd.DataFrame, labels: pd.DataFrame, *, seed: int, scale: float, note: str = ""
) -> dict[str, Any]:
    """Isotonic curves per typology: P(labelled | raw score) among the candidates."""
    from sklearn.isotonic import IsotonicRegression

    truth = set(zip(labels["subject_id"].astype(str), labels["typology"].astype(str), strict=True))
    curves = {}
    for typology, g in candidates.groupby("typology"):
        y = np.array([(str(s), str(typology)) in truth for s in g["subject_id"]], dtype=float)
        iso = IsotonicRegression(y_min=0, y_max=1, out_of_bounds="clip")
        iso.fit(g["raw"].to_numpy(dtype=float), y)
        curves[str(typology)] = {
            "x": [float(v) for v in iso.X_thresholds_],
            "y": [round(float(v), 4) for v in iso.y_thresholds_],
            "candidates": len(g),
            "positives": int(y.sum()),
        }
    return {
        "curves": curves,
        "provenance": {
            "fitted_on": f"opencustoms world generate --seed {seed} --scale {scale}",
            "method": "isotonic regression (scikit-learn) of label on raw score, per typology",
            "date": dt.date.today().isoformat(),
            "note": note,
        },
    }


def save(calibration: dict[str, Any], path: Path = CALIBRATION_FILE) -> None:
    path.write_text(json.dumps(calibration, indent=1, sort_keys=True) + "\n", encoding="utf-8")
