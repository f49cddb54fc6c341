"""Per-tree tables give LightGBM's own TreeSHAP contributions (pred_contrib)."""

from __future__ import annotations

import lightgbm as lgb
import numpy as np
import pandas as pd
import pytest

from opencustoms.risk.artefact import RiskModel
from opencustoms.risk.history import derive_columns
from opencustoms.risk.treeshap import Explainer


def test_tables_match_lightgbm_on_the_risk_model(
    model: RiskModel, kcs_2021q1: pd.DataFrame
) -> None:
    rows = derive_columns(kcs_2021q1.head(3000).drop(columns=["fraud", "critical_fraud"]))
    x = model.features(rows)
    x[::17, 0] = np.nan  # missing values take each split's default direction
    want = model.fraud.predict(x, pred_contrib=True)
    explainer = Explainer(model.fraud)
    got = explainer.contributions(x)
    assert got.shape == want.shape
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-9)
    # one row at a time (the single-score path): the batch's numbers bit for bit
    assert np.array_equal(np.array([explainer.row(r) for r in x[:500]]), got[:500])
    # contributions add up to the raw score, so the comparison is not trivially zero
    assert np.abs(got[:, :-1]).max() > 0.1
    np.testing.assert_allclose(got.sum(axis=1), model.fraud.predict(x, raw_score=True), atol=1e-9)


@pytest.mark.parametrize("zero_as_missing", [False, True])
def test_tables_match_lightgbm_on_every_kind_of_split(zero_as_missing: bool) -> None:
    """Numerical splits with NaN or zero as missing, categorical splits, inputs with NaN,
    zeros, negative and unseen categories; deep trees cut into several blocks."""
    rng = np.random.default_rng(3)
    n = 4000
    x = np.column_stack(
        [
            rng.normal(size=n),
            rng.integers(0, 12, n).astype(float),  # categorical
            np.where(rng.random(n) < 0.2, np.nan, rng.normal(size=n)),
            np.where(rng.random(n) < 0.3, 0.0, rng.exponential(size=n)),
            rng.integers(0, 3, n).astype(float),  # categorical, few values
        ]
    )
    y = ((x[:, 0] + (x[:, 1] % 3 == 0) + np.nan_to_num(x[:, 2]) * x[:, 3]) > 0.8).astype(float)
    params = {
        "objective": "binary",
        "num_leaves": 40,
        "min_data_in_leaf": 5,
        "verbose": -1,
        "zero_as_missing": zero_as_missing,
        "max_cat_to_onehot": 2,
        "seed": 1,
    }
    booster = lgb.train(params, lgb.Dataset(x, y, categorical_feature=[1, 4]), 30)
    test = x[:500].copy()
    test[:40, 1] = np.nan
    test[40:60, 1] = -1.0
    test[60:80, 1] = 25.0  # a category never seen in training
    test[80:100, 0] = np.nan
    test[100:120, 3] = 0.0
    test[120:140, 4] = np.nan
    want = booster.predict(test, pred_contrib=True)
    explainer = Explainer(booster)
    got = explainer.contributions(test)
    np.testing.assert_allclose(got, want, rtol=0, atol=1e-9)
    assert np.array_equal(np.array([explainer.row(r) for r in test]), got)
