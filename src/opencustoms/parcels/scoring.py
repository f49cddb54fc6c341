"""Calibrated typology scores: a logistic calibration of each typology's features.

The coefficients live in ``data/parcels/calibration.yaml``, fitted by :func:`fit` on a
generated manifest of a *tuning* seed (``opencustoms parcels calibrate``) and never on the
seed the accuracy is reported on. A score is then a probability that the parcel belongs to
the typology, comparable to the decision threshold of ``screening.yaml``.
"""

from __future__ import annotations

import datetime as dt
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import yaml

from opencustoms.errors import InvalidInput, Unavailable
from opencustoms.parcels.features import FEATURES
from opencustoms.parcels.reference import DATA_DIR

CALIBRATION_FILE = DATA_DIR / "calibration.yaml"


@lru_cache(maxsize=2)
def load_calibration(path: Path = CALIBRATION_FILE) -> dict[str, Any]:
    if not path.is_file():
        raise Unavailable(f"{path}: no score calibration; run `opencustoms parcels calibrate`")
    with path.open(encoding="utf-8") as fh:
        cal = dict(yaml.safe_load(fh))
    for code, names in FEATURES.items():
        got = cal.get("typologies", {}).get(code, {}).get("features")
        if got != names:
            raise Unavailable(f"{path}: calibration of {code} has features {got}, expected {names}")
    return cal


def probability(code: str, features: pd.DataFrame, cal: dict[str, Any] | None = None) -> np.ndarray:
    """Calibrated probability of typology ``code`` for every row of ``features``."""
    c = (cal or load_calibration())["typologies"][code]
    x = features[FEATURES[code]].to_numpy(dtype=float)
    logit = x @ np.asarray(c["coef"], dtype=float) + float(c["intercept"])
    return 1.0 / (1.0 + np.exp(-np.clip(logit, -40, 40)))


def targets_from_codes(labels: pd.Series) -> dict[str, np.ndarray]:
    """Per typology, 1.0 where the ``;``-separated codes of a parcel name it, else 0.0."""
    codes = labels.fillna("").str.split(";")
    return {
        code: codes.map(lambda c, code=code: code in c).to_numpy(dtype="float64")
        for code in FEATURES
    }


def fit(
    features: dict[str, pd.DataFrame],
    targets: dict[str, np.ndarray],
    *,
    source: dict[str, Any],
    fallback: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Logistic calibration per typology (features -> P(label)) on the rows whose target
    is known (1.0 / 0.0; NaN = nobody knows: a parcel no officer decided when only case
    labels are given). A typology without one known positive and one known negative keeps
    its entry of ``fallback`` (the calibration in force), marked ``kept``."""
    from sklearn.linear_model import LogisticRegression

    out: dict[str, Any] = {
        "fitted": dt.date.today().isoformat(),
        "reference": "OpenCustoms parcels method v1: logistic calibration fitted on a "
        "generated tuning manifest (see source); never fitted on the evaluation seed",
        "source": source,
        "typologies": {},
    }
    for code, names in FEATURES.items():
        y_all = np.asarray(targets[code], dtype="float64")
        known = ~np.isnan(y_all)
        y = y_all[known].astype(bool)
        if y.all() or not y.any():
            kept = (fallback or {}).get("typologies", {}).get(code)
            if kept is None:
                raise InvalidInput(
                    "labels", f"{code}: needs at least one positive and one negative parcel"
                )
            out["typologies"][code] = {
                **kept,
                "kept": f"{int(y.sum())} positives of {len(y)} known parcels: "
                "the calibration in force is kept",
            }
            continue
        x = features[code][names].to_numpy(dtype=float)[known]
        model = LogisticRegression(C=10.0, max_iter=2000)
        model.fit(x, y)
        out["typologies"][code] = {
            "features": names,
            "coef": [round(float(v), 6) for v in model.coef_[0]],
            "intercept": round(float(model.intercept_[0]), 6),
            "positives": int(y.sum()),
            "rows": len(y),
        }
    return out


def save_calibration(cal: dict[str, Any], path: Path = CALIBRATION_FILE) -> None:
    with path.open("w", encoding="utf-8") as fh:
        fh.write(
            "# Score calibration of the parcel typologies "
            "(written by `opencustoms parcels calibrate`).\n"
        )
        yaml.safe_dump(cal, fh, sort_keys=False, allow_unicode=True)
    load_calibration.cache_clear()
