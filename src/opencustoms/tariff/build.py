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

from opencustoms.settings import PACKAGE_DATA_DIR

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


# Anchors of the synthetic rates: mid-quarter KRW per USD and year-average units of other
# currencies per USD, each row with its reference (data/tariff/exchange_rate_anchors.csv).
ANCHORS_FILE = PACKAGE_DATA_DIR / "tariff" / "exchange_rate_anchors.csv"
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
    anchors = pd.read_csv(ANCHORS_FILE, dtype={"currency": str}, parse_dates=["date"])
    krw = anchors[anchors["currency"] == "KRW"].sort_values("date")
    t = _days(weeks)
    usdkrw = np.interp(
        t, _days(pd.DatetimeIndex(krw["date"])), krw["units_per_usd"].to_numpy(float)
    )
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
    others = anchors[anchors["currency"] != "KRW"]
    for cur, per_usd in others.groupby("currency", sort=False):
        per_usd = per_usd.sort_values("date")
        cross = np.interp(
            t, _days(pd.DatetimeIndex(per_usd["date"])), per_usd["units_per_usd"].to_numpy(float)
        )
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
