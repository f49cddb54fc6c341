"""KRW conversion of trade amounts with the weekly customs exchange rates of the tariff
data (``data/tariff/exchange_rates.csv``; see its README for their provenance).

>>> import pandas as pd
>>> krw = to_krw(pd.Series([100.0, 5.0]), pd.Series(["KRW", "USD"]),
...              pd.to_datetime(pd.Series(["2024-03-01", "2024-03-01"])))
>>> float(krw.iloc[0]), 5000 < float(krw.iloc[1]) < 8000
(100.0, True)
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd

from opencustoms.settings import PACKAGE_DATA_DIR


@lru_cache(maxsize=1)
def weekly_rates() -> pd.DataFrame:
    """week_start (datetime), currency, krw_per_unit; KRW itself is added at 1."""
    rates = pd.read_csv(
        PACKAGE_DATA_DIR / "tariff" / "exchange_rates.csv",
        usecols=["week_start", "currency", "krw_per_unit"],
    )
    rates["week_start"] = pd.to_datetime(rates["week_start"]).astype("datetime64[ns]")
    return rates.sort_values("week_start", ignore_index=True)


@lru_cache(maxsize=64)
def mean_rate(currency: str) -> float:
    """Average KRW per unit over the whole table (1 for KRW)."""
    if currency == "KRW":
        return 1.0
    r = weekly_rates()
    return float(r.loc[r["currency"] == currency, "krw_per_unit"].mean())


def known_currencies() -> frozenset[str]:
    return frozenset(weekly_rates()["currency"].unique()) | {"KRW"}


def to_krw(amount: pd.Series, currency: pd.Series, date: pd.Series) -> pd.Series:
    """``amount`` in KRW at the week's rate; NaN for a currency without rates."""
    frame = pd.DataFrame(
        {
            "pos": np.arange(len(amount)),
            "amount": amount.to_numpy(dtype=float),
            "currency": currency.astype(str).to_numpy(),
            "date": pd.to_datetime(date).to_numpy().astype("datetime64[ns]"),
        }
    ).sort_values("date")
    rates = weekly_rates()
    merged = pd.merge_asof(
        frame,
        rates,
        left_on="date",
        right_on="week_start",
        by="currency",
        direction="backward",
    )
    # before the first week of the table: its first rate
    first = rates.groupby("currency")["krw_per_unit"].first()
    rate = merged["krw_per_unit"].fillna(merged["currency"].map(first))
    rate = rate.where(merged["currency"] != "KRW", 1.0)
    out = np.full(len(amount), np.nan)
    out[merged["pos"].to_numpy()] = (merged["amount"] * rate).to_numpy()
    return pd.Series(out, index=amount.index)
