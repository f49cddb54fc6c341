"""The declaration page's price z-score is the valuation engine's, not a second formula,
and its chart draws the very group the z-score was computed on."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from opencustoms.declarations.io import load_frame
from opencustoms.risk.detail import benchmark
from opencustoms.settings import BUNDLED_DATA_DIR
from opencustoms.valuation.service import default_benchmarks, score_frame


@pytest.fixture(scope="module")
def kcs_rows() -> pd.DataFrame:
    return load_frame(BUNDLED_DATA_DIR / "kcs" / "df_syn_valid_eng.csv").head(200)


def test_detail_z_is_the_valuation_z(kcs_rows: pd.DataFrame) -> None:
    state = default_benchmarks()
    expected = score_frame(frame=kcs_rows, benchmarks=state)
    checked = 0
    for i, row in kcs_rows.iterrows():
        record = {k: (None if pd.isna(v) else v) for k, v in row.to_dict().items()}
        got = benchmark(record)
        want = expected.loc[i, "price_zscore"]
        if pd.isna(want):
            assert got.z is None and got.flag == "no_benchmark" and got.n == 0
            assert got.counts == []  # the page says "too few comparable declarations"
            continue
        assert got.z is not None and math.isclose(got.z, float(want), rel_tol=1e-9)
        assert got.flag == expected.loc[i, "valuation_flag"]
        assert got.level == expected.loc[i, "benchmark_level"]
        # The chart's histogram is the benchmark group: as many peers as the engine counted,
        # at least the method's minimum, its median within the peers' range.
        assert sum(got.counts) == got.n == int(expected.loc[i, "benchmark_n"])
        assert got.n >= got.min_peers == 8
        assert min(got.prices) * 0.999 <= got.median <= max(got.prices) * 1.001
        assert got.unit == "KRW/kg" and got.group and got.group.startswith(f"HS {got.hs6}")
        checked += 1
    assert checked > 100  # most bundled rows have a benchmark
