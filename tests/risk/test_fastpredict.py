"""LightGBM's single-row C call gives ``Booster.predict``'s numbers bit for bit."""

from __future__ import annotations

import lightgbm as lgb
import numpy as np
import pandas as pd
import pytest

from opencustoms.risk.artefact import RiskModel
from opencustoms.risk.fastpredict import single_row_predictor
from opencustoms.risk.history import derive_columns


def test_single_row_predictions_equal_booster_predict(
    model: RiskModel, kcs_2021q1: pd.DataFrame
) -> None:
    rows = derive_columns(kcs_2021q1.head(1000).drop(columns=["fraud", "critical_fraud"]))
    x = model.features(rows)
    x[::13, 3] = np.nan
    for booster in (model.fraud, model.critical):
        one = single_row_predictor(booster)
        assert one is not None
        want = booster.predict(x, num_threads=1)
        got = np.array([one(r) for r in x])
        assert np.array_equal(got, want)
        assert want.std() > 0  # not a constant model


def test_the_model_predicts_one_row_through_it(model: RiskModel, kcs_2021q1: pd.DataFrame) -> None:
    rows = derive_columns(kcs_2021q1.head(50).drop(columns=["fraud", "critical_fraud"]))
    x = model.features(rows)
    batch = model.raw_predict("fraud", x)
    assert [model.raw_predict("fraud", x[i : i + 1])[0] for i in range(50)] == batch.tolist()
    assert model._single["fraud"] is not None  # the C call served, not the fallback


def test_a_row_of_the_wrong_width_is_refused() -> None:
    rng = np.random.default_rng(0)
    x = rng.normal(size=(200, 3))
    booster = lgb.train({"objective": "regression", "verbose": -1}, lgb.Dataset(x, x[:, 0] * 2), 5)
    one = single_row_predictor(booster)
    assert one is not None
    assert one(x[7]) == booster.predict(x[7:8])[0]
    with pytest.raises(ValueError, match="expected 3 features"):
        one(np.zeros(4))
