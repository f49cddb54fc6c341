"""Valuation benchmarks: incremental == full, robust stats, flags and revenue at risk."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from opencustoms.declarations.io import load_frame
from opencustoms.settings import BUNDLED_DATA_DIR
from opencustoms.tariff.service import calculate
from opencustoms.valuation.benchmarks import BenchmarkState
from opencustoms.valuation.service import build_benchmarks, revenue_at_risk_frame


def _synthetic(n: int = 400, seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    kg = rng.uniform(10, 1000, n).round(1)
    unit_price = np.exp(rng.normal(np.log(5000), 0.1, n))  # KRW per kg around 5,000
    return pd.DataFrame(
        {
            "hs_code": "690722",
            "origin_country": rng.choice(["CN", "VN"], n),
            "declaration_date": pd.to_datetime("2020-03-01")
            + pd.to_timedelta(rng.integers(0, 300, n), unit="D"),
            "item_price_krw": (unit_price * kg).round(0),
            "net_mass_kg": kg,
            "tax_type": "A",
            "fraud": 0,
        }
    )


def test_incremental_update_equals_full_recompute() -> None:
    frame = load_frame(BUNDLED_DATA_DIR / "kcs" / "df_syn_valid_eng.csv", "kcs")
    shuffled = frame.sample(frac=1.0, random_state=0)
    parts = [shuffled.iloc[i::4] for i in range(4)]
    inc = BenchmarkState.empty()
    for part in parts:
        inc = inc.update(part)
    full = BenchmarkState.empty().update(frame)
    pd.testing.assert_frame_equal(inc.counts, full.counts)
    for level in ("hs6_origin_period", "hs6_origin", "hs6"):
        pd.testing.assert_frame_equal(inc.stats(level), full.stats(level))
    # Two independently built states merge to the same thing.
    merged = (
        BenchmarkState.empty()
        .update(parts[0])
        .merge(BenchmarkState.empty().update(pd.concat(parts[1:])))
    )
    pd.testing.assert_frame_equal(merged.counts, full.counts)


def test_stats_kept_per_state_and_an_updated_state_has_its_own() -> None:
    # The declaration page scores one item against the whole state: the stats are computed
    # once per state and level, and new declarations (a new state) are never served stale.
    frame = _synthetic(200)
    state = BenchmarkState.empty().update(frame)
    first = state.stats("hs6")
    assert state.stats("hs6") is first
    updated = state.update(frame.assign(item_price_krw=frame["item_price_krw"] / 4))
    after = updated.stats("hs6")
    assert int(after.loc[0, "n"]) == 2 * int(first.loc[0, "n"]) == 400
    assert after.loc[0, "median_price"] < first.loc[0, "median_price"]
    assert state.stats("hs6") is first and int(first.loc[0, "n"]) == 200
    with pytest.raises(ValueError, match="level"):
        state.stats("hs4")


def test_histogram_stats_match_exact_robust_stats() -> None:
    frame = _synthetic(2000)
    st = BenchmarkState.empty().update(frame).stats("hs6")
    kg = st[st["measure"] == "kg"].iloc[0]
    x = np.log(frame["item_price_krw"] / frame["net_mass_kg"])
    width = 0.02
    assert kg["n"] == 2000
    assert kg["median"] == pytest.approx(np.median(x), abs=width)
    assert kg["mad"] == pytest.approx(np.median(np.abs(x - np.median(x))), abs=width)
    assert kg["q05"] == pytest.approx(np.quantile(x, 0.05), abs=width)
    assert kg["q95"] == pytest.approx(np.quantile(x, 0.95), abs=width)


def test_state_round_trips_through_parquet(tmp_path: Path) -> None:
    state = BenchmarkState.empty().update(_synthetic())
    state.save(tmp_path / "b.parquet")
    again = BenchmarkState.load(tmp_path / "b.parquet")
    pd.testing.assert_frame_equal(state.counts, again.counts)


def test_undervalued_row_is_flagged_with_revenue_at_risk() -> None:
    history = _synthetic()
    state = build_benchmarks(history)
    new = pd.DataFrame(
        {
            "hs_code": ["690722", "690722", "999999"],
            "origin_country": ["CN", "CN", "CN"],
            "declaration_date": pd.to_datetime(["2021-01-10"] * 3),
            "item_price_krw": [500_000.0, 5_000_000.0, 1000.0],  # 500/kg (10x under), 5,000/kg
            "net_mass_kg": [1000.0, 1000.0, 1.0],
            "tax_type": ["A", "A", "A"],
        },
        index=[10, 11, 12],
    )
    out = revenue_at_risk_frame(frame=new, benchmarks=state)
    assert list(out.index) == [10, 11, 12]
    assert {"price_zscore", "valuation_flag", "benchmark_unit_price", "revenue_at_risk_krw"} <= set(
        out.columns
    )
    assert out.at[10, "valuation_flag"] == "under" and out.at[10, "price_zscore"] < -10
    assert out.at[11, "valuation_flag"] == "normal"
    assert out.at[12, "valuation_flag"] == "no_benchmark"
    assert out.at[11, "revenue_at_risk_krw"] == 0
    # Revenue at risk = taxes on the benchmark value minus taxes on the declared value.
    bench_value = out.at[10, "benchmark_unit_price"] * 1000.0
    expect = (
        calculate(
            hs_code="690722", origin="CN", value=bench_value, currency="KRW", date="2021-01-10"
        ).total
        - calculate(
            hs_code="690722", origin="CN", value=500_000, currency="KRW", date="2021-01-10"
        ).total
    )
    assert out.at[10, "revenue_at_risk_krw"] == pytest.approx(expect)
    assert expect > 0.15 * (bench_value - 500_000)  # 8% duty + 10% VAT on the gap


def test_lift_helper() -> None:
    from opencustoms.valuation.report import lift_at

    score = pd.Series([5.0, 4.0, 3.0, 2.0, np.nan, 1.0, 0.0, -1.0, -2.0, -3.0])
    label = pd.Series([1, 1, 0, 0, 1, 0, 0, 0, 0, 0])
    assert lift_at(score, label, 0.2) == (2, 1.0)
    assert lift_at(score, label, 0.4) == (4, 0.5)


def test_default_benchmarks_built_once_and_reloaded() -> None:
    from opencustoms.valuation.service import default_benchmarks, default_state_path

    assert not default_state_path().exists()
    first = default_benchmarks()
    assert default_state_path().is_file() and first.n_declarations > 30_000
    again = default_benchmarks()
    pd.testing.assert_frame_equal(first.counts, again.counts)


def test_price_per_unit_when_only_quantity_is_known() -> None:
    rng = np.random.default_rng(5)
    n = 60
    history = pd.DataFrame(
        {
            "hs_code": "851713",
            "origin_country": "CN",
            "declaration_date": pd.to_datetime(["2020-05-01"] * n),
            "item_price_krw": np.exp(rng.normal(np.log(300_000), 0.05, n)) * 10,
            "net_mass_kg": np.nan,
            "quantity": 10.0,
        }
    )
    state = build_benchmarks(history)
    st = state.stats("hs6")
    assert list(st["measure"]) == ["unit"]
    assert st.loc[0, "median_price"] == pytest.approx(300_000, rel=0.03)
    new = history.head(2).assign(item_price_krw=[3_000_000.0, 300_000.0])
    out = revenue_at_risk_frame(frame=new, benchmarks=state)
    assert list(out["price_measure"]) == ["unit", "unit"]
    assert list(out["valuation_flag"]) == ["normal", "under"]
    assert out["revenue_at_risk_krw"].iloc[1] > 0
