"""Shared fixtures of the scale-out tests: a small model, small partitioned inputs and
one Dask LocalCluster of 2 worker processes for the whole session (starting one costs
seconds; the jobs connect to it by address, as they would to a real scheduler)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from opencustoms.declarations.io import load_frame, read_raw
from opencustoms.risk.training import train
from opencustoms.scale.dataset import write_by_day
from opencustoms.settings import BUNDLED_DATA_DIR

KCS_TRAIN = BUNDLED_DATA_DIR / "kcs" / "df_syn_train_eng.csv"
KCS_VALID = BUNDLED_DATA_DIR / "kcs" / "df_syn_valid_eng.csv"


@pytest.fixture(scope="session")
def cluster() -> Iterator[str]:
    """Scheduler address of a LocalCluster with 2 single-threaded worker processes."""
    from distributed import LocalCluster

    with LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0"
    ) as lc:
        yield lc.scheduler_address


@pytest.fixture(scope="session")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A model trained on 2020 Q4 of the bundled KCS data (as the risk tests do)."""
    frame = load_frame(KCS_TRAIN, "kcs")
    frame = frame.loc[frame["declaration_date"] >= "2020-10-01"].reset_index(drop=True)
    out = tmp_path_factory.mktemp("model")
    train(frame, seed=1, n_threads=1, sources=["2020 Q4 slice"]).save(out)
    return out


def kcs_rows(first_day: str, last_day: str) -> pd.DataFrame:
    """Raw KCS rows (all text, as in the CSV) of 2021 Q1 between two days."""
    raw = read_raw(KCS_VALID).to_pandas()
    return raw.loc[(raw["Date"] >= first_day) & (raw["Date"] <= last_day)].reset_index(drop=True)


@pytest.fixture(scope="session")
def declarations_dataset(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Five days of 2021 declarations by day, with rows that cannot be scored or stored:
    a negative mass, a missing office, an impossible HS chapter."""
    raw = kcs_rows("2021-01-04", "2021-01-08")
    raw.loc[3, "Net Mass"] = "-5"
    raw.loc[40, "Office ID"] = None
    raw.loc[77, "HS6 Code"] = "771100"
    root = tmp_path_factory.mktemp("declarations")
    write_by_day(raw, root, column="Date")
    return root
