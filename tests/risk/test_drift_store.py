"""Drift watch over the declaration store (what the dashboard and the API show)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from opencustoms.db import make_engine, migrate
from opencustoms.declarations.service import ingest_file
from opencustoms.errors import InvalidInput
from opencustoms.risk.artefact import RiskModel
from opencustoms.risk.drift_store import store_drift

RAW = Path(__file__).parents[2] / "data" / "kcs"


def test_store_drift_weeks_after_the_training_window(model: RiskModel, tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'store.sqlite'}")
    migrate(engine)
    train = pd.read_csv(RAW / "df_syn_train_eng.csv", dtype=str)
    valid = pd.read_csv(RAW / "df_syn_valid_eng.csv", dtype=str)
    part = pd.concat([train[train["Date"] >= "2020-12-01"], valid[valid["Date"] <= "2021-01-21"]])
    src = tmp_path / "slice.csv"
    part.to_csv(src, index=False)
    ingest_file(path=src, profile="kcs", engine=engine)
    # The fixture model was trained on 2020 Q4: its window end is the reference's end.
    report = store_drift(engine=engine, model=model, weeks=3)
    assert report.reference["end"] == "2020-12-31"
    overall = [r for r in report.weeks if r.office == "ALL"]
    assert [r.week for r in overall] == ["2021-01-01", "2021-01-08", "2021-01-15"]
    office = store_drift(engine=engine, model=model, office="40", weeks=1)
    assert {r.office for r in office.weeks} <= {"ALL", "40"}
    for r in overall:
        assert set(r.psi) >= {"score", "log_price"} and r.inspected == r.rows
    assert report.model_dump_json()  # JSON-safe (no NaN)
    with pytest.raises(InvalidInput, match="weeks"):
        store_drift(engine=engine, model=model, weeks=0)
