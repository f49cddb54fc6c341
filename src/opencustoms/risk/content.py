"""The content model: what a declaration itself says, blended in when labels are scarce.

The history rates (past fraud rate of the HS6 x origin cell, the importer...) carry the
engine when every past declaration is labelled. With a tenth of them labelled, a training
row's own history saw a tenth of the labels its test-time twin will see, so the model
learns to trust rates it will read with more evidence later; a model over the
label-free columns only (product, countries, unit value, price, mass, tax, office...)
learns cell effects directly from every labelled row instead. Their blend, on the logit
scale, beats both below about half the labels; the weight of the history model grows
with the labelled share (chosen on a January-September / October-December 2020 split
by ``benchmarks/tune_risk_scarce.py``; 2021 never used). Fully labelled, the weight is 1
and no content model is trained: the history model alone scores.

Second, below about half of the labels, the blended probability is treated as a prior
and updated with the kept labels of the row's declaration line (HS6, origin, net mass,
item price: ``cell_posterior`` with ``key="line"``, a Beta-binomial mean with ``k``
pseudo-observations at the model's probability). Lines are nearly pure in this data
(98% of the 2020 lines with several rows), so one kept label of the line says more than
the model can learn from training rows whose own history saw a tenth of the labels. The
same update over the HS6 x origin cell (``POSTERIOR_K``; 2026-11-26 default at F <= 0.15)
was measured again with the line features and is off: the line update supersedes it.

>>> blend_weight(0.1), blend_weight(0.3), blend_weight(1.0)
(0.5, 0.75, 1.0)
>>> posterior_k(0.1), line_posterior_k(0.1), line_posterior_k(0.3), line_posterior_k(1.0)
(None, 0.25, 0.25, None)
>>> round(float(blend(np.array([0.9]), np.array([0.5]), 0.5)[0]), 3)
0.75
"""

from __future__ import annotations

from typing import Any

import lightgbm as lgb
import numpy as np

from opencustoms.risk.features import CATEGORICAL_FEATURES, FEATURES

# Columns that need no label: everything except the history rates/counts (``key__...``).
CONTENT_FEATURES: tuple[str, ...] = tuple(
    f for f in FEATURES if "__" not in f or f.startswith("cat__")
)
CONTENT_INDEX = np.array([FEATURES.index(f) for f in CONTENT_FEATURES])
CONTENT_CATEGORICAL = tuple(f for f in CONTENT_FEATURES if f in CATEGORICAL_FEATURES)
# Small-data category handling: LightGBM's default min_data_per_group (100) would lump
# every HS6 code with fewer than 100 labelled rows.
CONTENT_PARAMS: dict[str, Any] = {
    "objective": "binary",
    "learning_rate": 0.05,
    "num_leaves": 15,
    "min_data_in_leaf": 20,
    "min_data_per_group": 10,
    "cat_smooth": 10,
    "feature_fraction": 0.8,
    "verbose": -1,
}
CONTENT_ROUNDS = 300
# (largest labelled share, weight of the history model); the first row whose share is at
# least the training data's labelled share applies.
BLEND_WEIGHTS: tuple[tuple[float, float], ...] = ((0.15, 0.5), (0.45, 0.75), (1.0, 1.0))
# (largest labelled share, pseudo-count k of the cell posterior); None: no update. Off
# since the line posterior (tune_risk_scarce.py round 3: F=0.1 P@10 0.546 / AUC 0.711
# without, 0.544 / 0.707 with k=1); kept for reproduction (``cell_posterior``).
POSTERIOR_K: tuple[tuple[float, float | None], ...] = ((1.0, None),)
POSTERIOR_KEY = "hs6_origin"
# Then the same update over the declaration line (HS6, origin, mass, price; see
# ``history.KEYS``), the cell posterior as its prior: (largest labelled share, k).
# k=0.25 at F <= 0.45 (F=0.1: P@10 0.546 vs 0.480 without; F=0.3: 0.886 vs 0.885);
# fully labelled the line features already carry it (P@10 0.999 either way).
LINE_POSTERIOR_K: tuple[tuple[float, float | None], ...] = ((0.45, 0.25), (1.0, None))
LINE_KEY = "line"


def _lookup(table: tuple[tuple[float, float | None], ...], share: float) -> float | None:
    for upto, k in table:
        if share <= upto + 1e-9:
            return k
    return None


def posterior_k(labelled_share: float) -> float | None:
    """Pseudo-count of the cell posterior for this labelled share (None: not applied)."""
    return _lookup(POSTERIOR_K, labelled_share)


def line_posterior_k(labelled_share: float) -> float | None:
    """Pseudo-count of the line posterior for this labelled share (None: not applied)."""
    return _lookup(LINE_POSTERIOR_K, labelled_share)


def cell_posterior(
    p: np.ndarray, x: np.ndarray, global_rate: float, k: float, *, key: str = POSTERIOR_KEY
) -> np.ndarray:
    """``(frauds + k p) / (inspections + k)`` over the row's HS6 x origin cell (or another
    history ``key``), with the counts recovered from the feature matrix (its smoothed rate
    and inspections).

    >>> import numpy as np
    >>> from opencustoms.risk.features import FEATURES, SMOOTHING
    >>> x = np.zeros((1, len(FEATURES)))
    >>> x[0, FEATURES.index("hs6_origin__n")] = 2.0  # two inspections, both frauds
    >>> x[0, FEATURES.index("hs6_origin__rate")] = (2 + SMOOTHING * 0.2) / (2 + SMOOTHING)
    >>> round(float(cell_posterior(np.array([0.4]), x, 0.2, 1.0)[0]), 3)
    0.8
    """
    from opencustoms.risk.features import SMOOTHING

    n = x[:, FEATURES.index(f"{key}__n")]
    rate = x[:, FEATURES.index(f"{key}__rate")]
    frauds = np.clip(rate * (n + SMOOTHING) - SMOOTHING * global_rate, 0.0, n)
    return (frauds + k * p) / (n + k)


def blend_weight(labelled_share: float) -> float:
    """Weight of the history model for a training set with this share of labelled rows."""
    for upto, weight in BLEND_WEIGHTS:
        if labelled_share <= upto + 1e-9:
            return weight
    return 1.0


def fit_content(
    x: np.ndarray,
    y: np.ndarray,
    *,
    seed: int,
    n_threads: int,
    weight: np.ndarray | None = None,
) -> lgb.Booster:
    """Fit the content model on the label-free columns of the engine's feature matrix."""
    ds = lgb.Dataset(
        x[:, CONTENT_INDEX],
        y,
        weight=weight,
        feature_name=list(CONTENT_FEATURES),
        categorical_feature=list(CONTENT_CATEGORICAL),
    )
    params = {**CONTENT_PARAMS, "seed": seed, "num_threads": n_threads}
    return lgb.train(params, ds, num_boost_round=CONTENT_ROUNDS)


def content_predict(booster: lgb.Booster, x: np.ndarray, n_threads: int) -> np.ndarray:
    return np.asarray(booster.predict(x[:, CONTENT_INDEX], num_threads=n_threads))


def blend(history_p: np.ndarray, content_p: np.ndarray, weight: float) -> np.ndarray:
    """Logit-scale blend: ``weight`` x history model + (1 - weight) x content model."""
    eps = 1e-6
    h = np.clip(history_p, eps, 1 - eps)
    c = np.clip(content_p, eps, 1 - eps)
    z = weight * np.log(h / (1 - h)) + (1 - weight) * np.log(c / (1 - c))
    return 1.0 / (1.0 + np.exp(-z))
