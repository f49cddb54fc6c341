"""Currency conversion with the tariff data's weekly customs exchange rates.

The tariff engine applies the rate of the week (Sunday to Saturday) containing the date;
parcels use the same table and the same week rule, vectorised over the distinct
(currency, week) pairs of a manifest.

>>> import pandas as pd
>>> d = pd.Series(pd.to_datetime(["2026-10-01", "2026-10-01"]))
>>> r = krw_per_unit(pd.Series(["USD", "KRW"]), d)
>>> bool(r[0] > 1000), float(r[1])
(True, 1.0)
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from opencustoms.tariff.tables import load_tariff_data


def known_currencies() -> frozenset[str]:
    return frozenset(load_tariff_data().fx["currency"]) | {"KRW"}


def week_start(dates: pd.Series) -> pd.Series:
    """The Sunday starting the customs exchange-rate week of each date."""
    return dates - pd.to_timedelta((dates.dt.day_of_week + 1) % 7, unit="D")


def krw_per_unit(currency: pd.Series, dates: pd.Series) -> np.ndarray:
    """KRW per unit of ``currency`` in the week of each date (NaN when no rate is known)."""
    keys = pd.DataFrame(
        {"currency": currency.to_numpy(dtype=object), "week_start": week_start(dates).to_numpy()}
    )
    codes = keys.groupby(["currency", "week_start"], sort=False, dropna=False).ngroup()
    u = keys.drop_duplicates().reset_index(drop=True)
    fx = load_tariff_data().fx[["currency", "week_start", "krw_per_unit"]]
    u = u.merge(fx, on=["currency", "week_start"], how="left")
    rate = u["krw_per_unit"].to_numpy(dtype=float, copy=True)
    rate[(u["currency"] == "KRW").to_numpy()] = 1.0
    # drop_duplicates keeps first appearances in order, as ngroup(sort=False) numbers them
    return rate[codes.to_numpy()]


def to_usd(value: pd.Series, currency: pd.Series, dates: pd.Series) -> np.ndarray:
    """Value converted to USD through KRW (customs rates of the week)."""
    usd = krw_per_unit(pd.Series("USD", index=currency.index), dates)
    return value.to_numpy(dtype=float) * krw_per_unit(currency, dates) / usd
