"""Valuation anomalies: robust z-score of the declared unit price against its benchmark,
an under/over-valuation flag and the revenue at risk (duty and taxes the gap would carry,
computed by the tariff engine's vectorised path).

The risk engine calls :func:`revenue_at_risk_frame` on scored declarations.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from opencustoms.declarations.io import load_frame
from opencustoms.settings import BUNDLED_DATA_DIR, get_settings
from opencustoms.tariff.engine import compute_frame
from opencustoms.tariff.tables import load_tariff_data
from opencustoms.valuation.benchmarks import (
    ALL,
    KEYS,
    BenchmarkState,
    log_prices,
    method_param,
)

LEVELS = ("hs6_origin_period", "hs6_origin", "hs6")
MAD_TO_SIGMA = 1.4826  # MAD of a normal distribution times this = its standard deviation


def default_state_path() -> Path:
    return get_settings().var_dir / "valuation" / "benchmarks.parquet"


def default_benchmarks() -> BenchmarkState:
    """The stored benchmark state (``var/valuation/benchmarks.parquet``); when none is
    stored yet, one is built from the bundled KCS 2020 declarations and saved."""
    path = default_state_path()
    if path.is_file():
        return BenchmarkState.load(path)
    state = build_benchmarks(load_frame(BUNDLED_DATA_DIR / "kcs" / "df_syn_train_eng.csv"))
    state.save(path)
    return state


def build_benchmarks(frame: pd.DataFrame, state: BenchmarkState | None = None) -> BenchmarkState:
    """Add declarations (canonical columns) to a benchmark state (new if ``state`` is None)."""
    return (state or BenchmarkState.empty()).update(frame)


def score_frame(*, frame: pd.DataFrame, benchmarks: BenchmarkState) -> pd.DataFrame:
    """Per row of ``frame``: price measure, benchmark level used, robust z-score and flag.

    The finest benchmark level with at least ``valuation.min_group_size`` declarations is
    used (HS6 x origin x year, then HS6 x origin, then HS6). Rows with no usable price or
    no benchmark get NaN z and flag ``no_benchmark``.
    """
    min_n = method_param("min_group_size")
    floor = method_param("mad_floor")
    threshold = method_param("z_threshold")
    lp = log_prices(frame)
    # One measure per row: per kg when known, else per unit.
    lp = lp.sort_values(["row", "measure"]).drop_duplicates("row").set_index("row")
    out = pd.DataFrame(index=frame.index)
    out["price_measure"] = lp["measure"].reindex(frame.index)
    cols = ["n", "median", "mad", "median_price"]
    found = pd.DataFrame(index=lp.index, columns=[*cols, "level"], dtype="object")
    for level in LEVELS:
        st = benchmarks.stats(level)
        st = st[st["n"] >= min_n]
        keys = lp[KEYS].copy()
        if level != "hs6_origin_period":
            keys["period"] = ALL
        if level == "hs6":
            keys["origin"] = ALL
        m = keys.reset_index().merge(st, on=KEYS, how="left").set_index("row")
        todo = found["n"].isna() & m["n"].notna()
        found.loc[todo, cols] = m.loc[todo, cols]
        found.loc[todo, "level"] = level
    sigma = np.maximum(MAD_TO_SIGMA * found["mad"].astype(float), floor)
    z: pd.Series = (lp["log_price"] - found["median"].astype(float)) / sigma
    out["benchmark_level"] = found["level"].reindex(frame.index)
    out["benchmark_n"] = found["n"].astype(float).reindex(frame.index)
    out["benchmark_unit_price"] = found["median_price"].astype(float).reindex(frame.index)
    out["price_zscore"] = z.reindex(frame.index)
    flag = np.where(
        out["price_zscore"] <= -threshold,
        "under",
        np.where(out["price_zscore"] >= threshold, "over", "normal"),
    )
    out["valuation_flag"] = np.where(out["price_zscore"].isna(), "no_benchmark", flag)
    return out


def _tariff_input(frame: pd.DataFrame, value: pd.Series) -> pd.DataFrame:
    data = load_tariff_data()
    tier = frame.get("tax_type", pd.Series(None, index=frame.index)).astype("string")
    prefix = tier.str.upper().str.extract(r"^(F[A-Z]{2})", expand=False)
    fta = prefix.map(lambda p: data.resolve_agreement(p) if isinstance(p, str) else None)
    return pd.DataFrame(
        {
            "hs_code": frame["hs_code"].astype("string").str[:6],
            "origin": frame["origin_country"],
            "value": value,
            "currency": "KRW",
            "date": frame["declaration_date"],
            "fta": fta.astype("object"),
            # An FTA rate in the declaration means origin was accepted at clearance.
            "proof_of_origin": fta.notna(),
        },
        index=frame.index,
    )


def revenue_at_risk_frame(
    *, frame: pd.DataFrame, benchmarks: BenchmarkState | Path
) -> pd.DataFrame:
    """Valuation features and revenue at risk for declarations in canonical columns
    (``hs_code, origin_country, declaration_date, item_price_krw, net_mass_kg`` and
    optionally ``quantity, tax_type``).

    Returns a frame on ``frame.index`` with ``price_zscore`` (robust z of log unit price),
    ``valuation_flag`` (under/over/normal/no_benchmark), ``benchmark_unit_price`` (KRW per
    kg or unit), ``revenue_at_risk_krw`` and the diagnostic ``price_measure,
    benchmark_level, benchmark_n, tariff_error``. Revenue at risk is the duty and taxes
    (duty, excise, VAT) due on the benchmark value minus those due on the declared value,
    for rows flagged ``under``; 0 for other rows; NaN where the tariff engine rejected the
    row (see ``tariff_error``).
    """
    state = BenchmarkState.load(benchmarks) if isinstance(benchmarks, Path) else benchmarks
    out = score_frame(frame=frame, benchmarks=state)
    out["revenue_at_risk_krw"] = 0.0
    out["tariff_error"] = None
    under = out["valuation_flag"] == "under"
    if under.any():
        sub = frame.loc[under]
        denom = np.where(
            out.loc[under, "price_measure"] == "kg",
            pd.to_numeric(sub["net_mass_kg"], errors="coerce"),
            pd.to_numeric(sub.get("quantity", np.nan), errors="coerce"),
        )
        bench_value = out.loc[under, "benchmark_unit_price"] * denom
        declared = pd.to_numeric(sub["item_price_krw"], errors="coerce")
        both = pd.concat(
            [_tariff_input(sub, declared), _tariff_input(sub, bench_value)], ignore_index=True
        )
        taxes = compute_frame(both)
        k = len(sub)
        due_declared = taxes["total_krw"].to_numpy()[:k]
        due_bench = taxes["total_krw"].to_numpy()[k:]
        out.loc[under, "revenue_at_risk_krw"] = np.clip(due_bench - due_declared, 0, None)
        out.loc[under, "tariff_error"] = taxes["error"].to_numpy()[:k]
    return out
