"""Builders of the generated rate tables (run by hand; their output is committed).

- :func:`derive_kcs_rates`: modal duty rate per HS6 x rate tier observed in the KCS
  declarations (Tax Type ``A`` basic, ``C`` WTO concession, ``F<XX>n`` FTA with partner XX).
- :func:`synthetic_exchange_rates`: weekly customs exchange rates. They are SYNTHETIC
  (interpolated between approximate quarterly anchors recalled from public market data, with
  a small deterministic wobble) and say so in every row's reference; replace the CSV with the
  official KCS weekly rates (UNI-PASS "과세환율") for production use.

Run ``uv run python scripts/build_tariff_data.py`` to regenerate both CSVs.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd

RATES_VALID_FROM = "2020-01-01"
RATES_VALID_TO = "2026-12-31"


def tier_of(tax_type: pd.Series) -> pd.Series:
    """Collapse KCS tax types to the tiers the engine uses: A, C and FTA prefixes (FCN...)."""
    code = tax_type.fillna("").str.strip().str.upper()
    tier = pd.Series(pd.NA, index=code.index, dtype="string")
    tier[code == "A"] = "A"
    tier[code == "C"] = "C"
    fta = code.str.match(r"^F[A-Z]{2}\d*$")
    tier[fta] = code[fta].str[:3]
    return tier


def derive_kcs_rates(paths: Iterable[Path]) -> pd.DataFrame:
    """Modal ``Tax Rate`` per HS6 x tier over the given KCS CSV files."""
    frames = [
        pd.read_csv(p, dtype=str, usecols=["Date", "HS6 Code", "Tax Type", "Tax Rate"])
        for p in paths
    ]
    raw = pd.concat(frames, ignore_index=True)
    raw["tier"] = tier_of(raw["Tax Type"])
    raw["rate"] = pd.to_numeric(raw["Tax Rate"], errors="coerce")
    raw["hs6"] = raw["HS6 Code"].str.strip().str.zfill(6)
    raw = raw.dropna(subset=["tier", "rate"])
    counts = raw.groupby(["hs6", "tier", "rate"]).size().rename("n_rate").reset_index()
    totals = counts.groupby(["hs6", "tier"])["n_rate"].transform("sum")
    counts["n"] = totals
    # Mode; ties go to the lower rate so a derived rate never overstates the duty.
    counts = counts.sort_values(
        ["hs6", "tier", "n_rate", "rate"], ascending=[True, True, False, True]
    )
    mode = counts.drop_duplicates(["hs6", "tier"]).copy()
    mode["share"] = (mode["n_rate"] / mode["n"]).round(3)
    first, last = raw["Date"].min(), raw["Date"].max()
    mode["valid_from"] = RATES_VALID_FROM
    mode["valid_to"] = RATES_VALID_TO
    mode["reference"] = [
        f"derived from KCS synthetic declarations {first}..{last} (data/kcs): modal Tax Rate "
        f"of {n} declarations with this HS6 and tier ({share:.0%} at this rate); "
        "carried forward to 2026-12-31"
        for n, share in zip(mode["n"], mode["share"], strict=True)
    ]
    cols = ["hs6", "tier", "rate", "n", "share", "valid_from", "valid_to", "reference"]
    return mode[cols].reset_index(drop=True)


# Approximate quarter-end market rates (units of currency per USD; KRW per USD), recalled
# from public market data; only their order of magnitude and trend are meant to be right.
_ANCHOR_DATES = [f"{y}-{m:02d}-15" for y in range(2020, 2027) for m in (2, 5, 8, 11)]
_USDKRW = [
    1190,
    1225,
    1185,
    1110,
    1120,
    1125,
    1160,
    1185,
    1200,
    1250,
    1310,
    1410,
    1300,
    1300,
    1320,
    1320,
    1330,
    1370,
    1340,
    1400,
    1450,
    1420,
    1390,
    1460,
    1460,
    1460,
    1460,
    1460,
]
_PER_USD_ANNUAL = {  # year-average units per USD, 2020..2026
    "EUR": [0.877, 0.847, 0.952, 0.926, 0.926, 0.885, 0.862],
    "JPY": [107.0, 110.0, 131.0, 140.0, 151.0, 149.0, 150.0],
    "CNY": [6.90, 6.45, 6.73, 7.08, 7.19, 7.18, 7.10],
    "GBP": [0.781, 0.725, 0.806, 0.806, 0.781, 0.758, 0.752],
    "AUD": [1.449, 1.333, 1.449, 1.515, 1.515, 1.563, 1.538],
    "CAD": [1.34, 1.25, 1.30, 1.35, 1.37, 1.40, 1.38],
    "CHF": [0.94, 0.91, 0.95, 0.90, 0.88, 0.83, 0.80],
    "HKD": [7.76, 7.77, 7.83, 7.83, 7.80, 7.79, 7.78],
    "SGD": [1.38, 1.34, 1.38, 1.34, 1.34, 1.32, 1.30],
    "TWD": [29.6, 28.0, 29.8, 31.2, 32.1, 31.5, 31.0],
    "THB": [31.3, 32.0, 35.0, 34.8, 35.3, 33.5, 33.0],
    "VND": [23200, 23000, 23300, 23700, 24900, 25800, 26200],
    "INR": [74.0, 74.0, 78.0, 82.0, 83.5, 86.0, 88.0],
    "NZD": [1.538, 1.408, 1.587, 1.639, 1.639, 1.724, 1.724],
}
EXCHANGE_REFERENCE = (
    "SYNTHETIC weekly customs exchange rate: interpolated between approximate quarterly "
    "market anchors (not the official KCS 과세환율); replace with UNI-PASS weekly rates"
)


def _days(index: pd.DatetimeIndex) -> np.ndarray:
    # Day numbers, independent of the datetime unit pandas picked (ns or us).
    return index.to_numpy().astype("datetime64[D]").astype(float)


def synthetic_exchange_rates(
    start: dt.date = dt.date(2019, 12, 29), end: dt.date = dt.date(2026, 12, 31)
) -> pd.DataFrame:
    """Weekly (Sunday..Saturday) KRW per unit of currency, as in KCS practice."""
    weeks = pd.date_range(start, end, freq="W-SUN")
    anchor_t = _days(pd.to_datetime(_ANCHOR_DATES))
    t = _days(weeks)
    usdkrw = np.interp(t, anchor_t, np.asarray(_USDKRW, float))
    rng = np.random.default_rng(20200101)
    rows = [
        pd.DataFrame(
            {
                "week_start": weeks,
                "currency": "USD",
                "krw_per_unit": usdkrw * (1 + rng.normal(0, 0.004, len(t))),
            }
        )
    ]
    year_mid = _days(pd.to_datetime([f"{y}-07-01" for y in range(2020, 2027)]))
    for cur, per_usd in _PER_USD_ANNUAL.items():
        cross = np.interp(t, year_mid, np.asarray(per_usd, float))
        wobble = 1 + rng.normal(0, 0.004, len(t))
        rows.append(
            pd.DataFrame(
                {"week_start": weeks, "currency": cur, "krw_per_unit": usdkrw / cross * wobble}
            )
        )
    out = pd.concat(rows, ignore_index=True)
    out["krw_per_unit"] = out["krw_per_unit"].round(4)
    out["week_end"] = (out["week_start"] + pd.Timedelta(days=6)).dt.date.astype(str)
    out["week_start"] = out["week_start"].dt.date.astype(str)
    out["reference"] = EXCHANGE_REFERENCE
    cols = ["week_start", "week_end", "currency", "krw_per_unit", "reference"]
    return out[cols].sort_values(["currency", "week_start"]).reset_index(drop=True)
