"""Synthetic KCS-like declarations for benchmarks and tests.

Each column is resampled from the bundled KCS data (so offices, HS codes, countries, tax
types, masses and prices follow the real marginal distributions); declaration IDs are
fresh and unique and dates spread over 2020-01 .. 2021-06. Columns are drawn
independently, which is fine for load tests but not for training models.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd

from opencustoms.declarations.io import read_raw
from opencustoms.settings import BUNDLED_DATA_DIR

KCS_SAMPLE = BUNDLED_DATA_DIR / "kcs" / "df_syn_train_eng.csv"


@lru_cache(maxsize=1)
def _pool() -> pd.DataFrame:
    return read_raw(KCS_SAMPLE).to_pandas()


def kcs_like(n: int, *, seed: int = 0, id_offset: int = 0) -> pd.DataFrame:
    """``n`` rows with the KCS CSV columns, all values as text (like the CSV).

    >>> df = kcs_like(3, seed=1)
    >>> list(df.columns[:2]), len(df), df["Declaration ID"].is_unique
    (['Declaration ID', 'Date'], 3, True)
    """
    rng = np.random.default_rng(seed)
    pool = _pool()
    out = {}
    for name in pool.columns:
        values = pool[name].to_numpy(dtype=object)
        out[name] = values[rng.integers(0, len(values), size=n)]
    ids = rng.permutation(n) + 10_000_000 + id_offset
    out["Declaration ID"] = np.char.mod("%010d", ids).astype(object)
    days = rng.integers(0, 547, size=n)
    dates = np.datetime64("2020-01-01") + days.astype("timedelta64[D]")
    out["Date"] = np.datetime_as_string(np.sort(dates), unit="D").astype(object)
    return pd.DataFrame(out, columns=list(pool.columns))
