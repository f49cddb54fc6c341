"""Small real fixtures for the risk tests: slices of the bundled KCS data."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from opencustoms.declarations.io import load_frame
from opencustoms.risk.artefact import RiskModel, load
from opencustoms.risk.training import train
from opencustoms.settings import BUNDLED_DATA_DIR

KCS_TRAIN = BUNDLED_DATA_DIR / "kcs" / "df_syn_train_eng.csv"
KCS_VALID = BUNDLED_DATA_DIR / "kcs" / "df_syn_valid_eng.csv"


@pytest.fixture(scope="session")
def kcs_2020() -> pd.DataFrame:
    return load_frame(KCS_TRAIN, "kcs")


@pytest.fixture(scope="session")
def kcs_2021q1() -> pd.DataFrame:
    return load_frame(KCS_VALID, "kcs")


@pytest.fixture(scope="session")
def small_train(kcs_2020: pd.DataFrame) -> pd.DataFrame:
    """2020 Q4 (about 9,000 rows): enough for every history key to repeat."""
    dates = kcs_2020["declaration_date"]
    return kcs_2020.loc[dates >= "2020-10-01"].reset_index(drop=True)


@pytest.fixture(scope="session")
def model_dir(small_train: pd.DataFrame, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("model")
    train(small_train, seed=1, n_threads=1, sources=["2020 Q4 slice"]).save(out)
    return out


@pytest.fixture()
def model(model_dir: Path) -> RiskModel:
    return load(model_dir)
