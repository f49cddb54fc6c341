"""The declaration page's price z-score is the valuation engine's, not a second formula."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from opencustoms.db import make_engine, migrate
from opencustoms.declarations.io import load_frame
from opencustoms.risk.detail import benchmark
from opencustoms.settings import BUNDLED_DATA_DIR
from opencustoms.valuation.service import default_benchmarks, score_frame


@pytest.fixture(scope="module")
def kcs_rows() -> pd.DataFrame:
    return load_frame(BUNDLED_DATA_DIR / "kcs" / "df_syn_valid_eng.csv").head(200)


def test_detail_z_is_the_valuation_z(tmp_path, kcs_rows: pd.DataFrame) -> None:
    url = f"sqlite:///{tmp_path / 'd.sqlite'}"
    migrate(url)
    engine = make_engine(url)
    state = default_benchmarks()
    expected = score_frame(frame=kcs_rows, benchmarks=state)
    checked = 0
    for i, row in kcs_rows.iterrows():
        record = {k: (None if pd.isna(v) else v) for k, v in row.to_dict().items()}
        got = benchmark(engine, record)
        want = expected.loc[i, "price_zscore"]
        if pd.isna(want):
            assert got.z is None and got.flag == "no_benchmark"
            continue
        assert got.z is not None and math.isclose(got.z, float(want), rel_tol=1e-9)
        assert got.flag == expected.loc[i, "valuation_flag"]
        assert got.level == expected.loc[i, "benchmark_level"]
        checked += 1
    assert checked > 100  # most bundled rows have a benchmark
