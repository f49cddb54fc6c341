"""The plain baseline every scarce-label figure is compared with: LightGBM on raw columns.

No history, no engineered features: categories (office, import type, tax type, origin,
departure, HS2/HS4/HS6) and numbers (tax rate, mass, price) as LightGBM reads them,
trained on the labelled rows only. It is what a team would try first, so the engine must
beat it under the same label protocol.

>>> import pandas as pd
>>> f = pd.DataFrame({"hs_code": ["620342"] * 60 + ["851712"] * 60,
...     "office_id": "1", "import_type": "11", "tax_type": "A", "origin_country": "CN",
...     "departure_country": "CN", "tax_rate": 8.0, "net_mass_kg": 1.0,
...     "item_price_krw": 100.0, "fraud": [1] * 60 + [0] * 60})
>>> b = RawBaseline.fit(f, seed=0)
>>> s = b.predict(f)
>>> bool(s[:60].mean() > s[60:].mean())
True
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import lightgbm as lgb
import numpy as np
import pandas as pd

from opencustoms.risk.labels import PRIOR_CATEGORICAL, raw_matrix

BASELINE_CATEGORICAL = (*PRIOR_CATEGORICAL, "hs6")
# LightGBM defaults except a small-data category handling (min_data_per_group 100 would
# lump every HS6 code seen fewer than 100 times) and a slower learning rate.
BASELINE_PARAMS: dict[str, Any] = {
    "objective": "binary",
    "learning_rate": 0.05,
    "num_leaves": 15,
    "min_data_in_leaf": 20,
    "min_data_per_group": 10,
    "cat_smooth": 10,
    "verbose": -1,
}
BASELINE_ROUNDS = 300


@dataclass
class RawBaseline:
    booster: lgb.Booster
    categories: dict[str, list[str]]
    n_threads: int = 1

    @classmethod
    def fit(cls, frame: pd.DataFrame, *, seed: int = 0, n_threads: int = 1) -> RawBaseline:
        """Fit on the rows of ``frame`` that have a ``fraud`` label."""
        part = frame.loc[frame["fraud"].notna()]
        x = raw_matrix(part, columns=BASELINE_CATEGORICAL)
        categories = {c: x[c].cat.categories.tolist() for c in BASELINE_CATEGORICAL}
        params = {**BASELINE_PARAMS, "seed": seed, "num_threads": n_threads}
        y = part["fraud"].to_numpy(dtype="float64")
        booster = lgb.train(params, lgb.Dataset(x, y), num_boost_round=BASELINE_ROUNDS)
        return cls(booster, categories, n_threads)

    def predict(self, frame: pd.DataFrame) -> np.ndarray:
        x = raw_matrix(frame, self.categories, columns=BASELINE_CATEGORICAL)
        return np.asarray(self.booster.predict(x, num_threads=self.n_threads))
