"""Benchmark: update the unit-price benchmarks with 1,000,000 declaration rows, recompute
the robust statistics, and score + compute revenue at risk for 100,000 rows.

Usage: uv run python benchmarks/bench_valuation_update.py [N_ROWS]
Target (issue 4): benchmark update with 1,000,000 rows in <= 10 s.
"""

from __future__ import annotations

import resource
import sys
import time

import numpy as np
import pandas as pd
import psutil

from _machine import machine_report
from opencustoms.declarations.io import load_frame
from opencustoms.settings import BUNDLED_DATA_DIR
from opencustoms.valuation.benchmarks import BenchmarkState
from opencustoms.valuation.service import revenue_at_risk_frame


def make_rows(n: int, seed: int = 1) -> pd.DataFrame:
    """Rows resampled from the KCS data with jittered prices and dates (2021-2022)."""
    kcs = load_frame(BUNDLED_DATA_DIR / "kcs" / "df_syn_train_eng.csv", "kcs")
    rng = np.random.default_rng(seed)
    pick = rng.integers(0, len(kcs), n)
    base = kcs.iloc[pick].reset_index(drop=True)
    return pd.DataFrame(
        {
            "hs_code": base["hs_code"],
            "origin_country": base["origin_country"],
            "declaration_date": pd.Timestamp("2021-01-01")
            + pd.to_timedelta(rng.integers(0, 700, n), unit="D"),
            "item_price_krw": base["item_price_krw"] * rng.lognormal(0, 0.3, n),
            "net_mass_kg": base["net_mass_kg"],
            "tax_type": base["tax_type"],
        }
    )


def timed(label: str, fn):  # type: ignore[no-untyped-def]
    t0, c0 = time.perf_counter(), time.process_time()
    out = fn()
    print(f"{label}: {time.perf_counter() - t0:.2f} s wall, {time.process_time() - c0:.2f} s cpu")
    return out


def main(n: int) -> None:
    mode = f"valuation benchmarks update with {n:,} rows, stats and 100,000-row scoring, 1 process"
    with machine_report(mode=mode):
        kcs = load_frame(BUNDLED_DATA_DIR / "kcs" / "df_syn_train_eng.csv", "kcs")
        state = BenchmarkState.empty().update(kcs)
        rows = make_rows(n)
        print(f"load average {psutil.getloadavg()[0]:.1f} on {psutil.cpu_count()} cores")
        new = timed(f"update with {n:,} rows", lambda: state.update(rows))
        print(
            f"  state: {len(state.counts):,} -> {len(new.counts):,} histogram cells, "
            f"{new.n_declarations:,} priced declarations"
        )
        stats = timed("robust stats, finest level", lambda: new.stats())
        print(f"  {len(stats):,} HS6 x origin x year groups")
        sample = rows.head(100_000)
        scored = timed(
            "z-scores + revenue at risk, 100,000 rows",
            lambda: revenue_at_risk_frame(frame=sample, benchmarks=new),
        )
        print(
            f"  flags: {scored['valuation_flag'].value_counts().to_dict()}; revenue at risk "
            f"KRW {scored['revenue_at_risk_krw'].sum():,.0f}"
        )
        print(f"peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MiB")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)
