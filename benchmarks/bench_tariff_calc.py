"""Benchmark: duty and taxes for 1,000,000 declaration lines (vectorised batch) and the
latency of one scalar `calculate` call.

Usage: uv run python benchmarks/bench_tariff_calc.py [N_ROWS]
Target (issue 4): 1,000,000 lines in <= 10 s.
"""

from __future__ import annotations

import contextlib
import resource
import statistics
import sys
import time

import numpy as np
import pandas as pd
import psutil

from _machine import machine_report
from opencustoms.tariff.service import batch, calculate
from opencustoms.tariff.tables import load_tariff_data


def make_lines(n: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    data = load_tariff_data()
    hs6 = data.rates["hs6"].drop_duplicates().to_numpy()
    hs6 = np.concatenate([hs6, ["420221", "711319", "910211", "220300", "220890"]])
    dates = pd.date_range("2020-01-01", "2025-12-31", freq="D").strftime("%Y-%m-%d")
    return pd.DataFrame(
        {
            "hs_code": rng.choice(hs6, n),
            "origin": rng.choice(["CN", "US", "JP", "DE", "VN", "IT", "KR", "GB", "AU"], n),
            "value": rng.lognormal(12, 2, n).round(2),
            "currency": rng.choice(["KRW", "USD", "EUR", "CNY", "JPY"], n),
            "date": rng.choice(dates.to_numpy(), n),
            "quantity": rng.choice([np.nan, 1.0, 2.0, 100.0], n),
            "fta": rng.choice(
                np.array([None, "KORUS", "KOREU", "KCFTA", "KVFTA"], dtype=object),
                n,
                p=[0.6, 0.1, 0.1, 0.15, 0.05],
            ),
            "proof_of_origin": rng.random(n) < 0.7,
            "personal_use": rng.random(n) < 0.05,
            "list_clearance": rng.random(n) < 0.5,
        }
    )


def main(n: int) -> None:
    mode = f"tariff calculation, batch of {n:,} lines + 50 scalar calls, 1 process"
    with machine_report(mode=mode):
        load_tariff_data()
        frame = make_lines(n)
        rss0 = psutil.Process().memory_info().rss
        t0, c0 = time.perf_counter(), time.process_time()
        out = batch(frame)
        elapsed, cpu = time.perf_counter() - t0, time.process_time() - c0
        rss1 = psutil.Process().memory_info().rss
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        ok = int(out["error"].isna().sum())
        print(
            f"batch: {n:,} lines in {elapsed:.2f} s = {n / elapsed:,.0f} lines/s; "
            f"{ok:,} computed, {n - ok:,} rejected with a field error; "
            f"total KRW {out['total_krw'].sum():,.0f}"
        )
        # CPU time shows the cost on an idle machine when other jobs share the cores.
        print(
            f"cpu time {cpu:.2f} s; load average {psutil.getloadavg()[0]:.1f} on "
            f"{psutil.cpu_count()} cores"
        )
        print(
            f"memory: RSS +{(rss1 - rss0) / 2**20:,.0f} MiB during batch; peak RSS {peak:,.0f} MiB"
        )
        lat = []
        c1 = time.process_time()
        for row in frame.head(50).to_dict(orient="records"):
            kwargs = {
                k: (None if isinstance(v, float) and np.isnan(v) else v) for k, v in row.items()
            }
            t = time.perf_counter()
            with contextlib.suppress(ValueError):
                calculate(**kwargs)
            lat.append((time.perf_counter() - t) * 1000)
        cpu_ms = (time.process_time() - c1) * 1000 / len(lat)
        print(
            f"scalar calculate: median {statistics.median(lat):.1f} ms, "
            f"p95 {sorted(lat)[int(len(lat) * 0.95) - 1]:.1f} ms over {len(lat)} calls "
            f"({cpu_ms:.0f} ms cpu per call)"
        )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)
