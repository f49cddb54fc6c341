"""Artefacts: round trip, metadata, refusal of a feature mismatch."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from opencustoms.risk.artefact import ArtefactError, RiskModel, load
from opencustoms.risk.features import FEATURES


def test_round_trip_predicts_the_same(model_dir: Path, small_train: pd.DataFrame) -> None:
    a = load(model_dir)
    b = load(model_dir)
    rows = small_train.head(200)
    np.testing.assert_allclose(a.predict(rows)["fraud"], b.predict(rows)["fraud"])
    meta = json.loads((model_dir / "metadata.json").read_text())
    assert meta["features"] == list(FEATURES)
    assert meta["training_window"] == {"start": "2020-10-01", "end": "2020-12-31"}
    assert len(meta["data_hash"]) == 64 and meta["version"].endswith(meta["data_hash"][:8])
    assert meta["n_threads"] == 1 and meta["params"]["num_threads"] == 1
    assert "proxy" in meta["revenue"]["note"]
    assert {p.name for p in model_dir.iterdir()} >= {
        "fraud.txt",
        "critical.txt",
        "history.parquet",
        "metadata.json",
    }


def _copy(model_dir: Path, tmp_path: Path) -> Path:
    out = tmp_path / "copy"
    shutil.copytree(model_dir, out)
    return out


def _reseal(bad: Path) -> None:
    """Record the edited files' digests: these tests are about an artefact trusted but
    incompatible (e.g. from another version), not a tampered one (test_integrity.py)."""
    from opencustoms.risk.integrity import write_manifest

    write_manifest(bad)


def test_feature_mismatch_is_refused(model_dir: Path, tmp_path: Path) -> None:
    bad = _copy(model_dir, tmp_path)
    meta = json.loads((bad / "metadata.json").read_text())
    meta["features"] = [*meta["features"][:-1], "importer_shoe_size"]
    (bad / "metadata.json").write_text(json.dumps(meta))
    _reseal(bad)
    with pytest.raises(ArtefactError) as exc:
        load(bad)
    msg = str(exc.value)
    assert "feature mismatch" in msg and "importer_shoe_size" in msg
    assert FEATURES[-1] in msg and "Retrain" in msg


def test_reordered_features_are_refused(model_dir: Path, tmp_path: Path) -> None:
    bad = _copy(model_dir, tmp_path)
    meta = json.loads((bad / "metadata.json").read_text())
    meta["features"] = list(reversed(meta["features"]))
    (bad / "metadata.json").write_text(json.dumps(meta))
    _reseal(bad)
    with pytest.raises(ArtefactError, match="another order"):
        load(bad)


def test_model_file_disagreeing_with_metadata_is_refused(model_dir: Path, tmp_path: Path) -> None:
    bad = _copy(model_dir, tmp_path)
    text = (bad / "fraud.txt").read_text().replace("importer__rate", "importer__ratio", 1)
    (bad / "fraud.txt").write_text(text)
    _reseal(bad)
    with pytest.raises(ArtefactError, match="model features differ"):
        load(bad)


def test_missing_or_corrupt_artefacts(tmp_path: Path) -> None:
    with pytest.raises(ArtefactError, match=r"no metadata\.json"):
        load(tmp_path)
    (tmp_path / "metadata.json").write_text("{not json")
    with pytest.raises(ArtefactError, match="invalid JSON"):
        load(tmp_path)


def test_train_uses_only_labelled_rows(small_train: pd.DataFrame) -> None:
    from opencustoms.risk.training import train

    frame = small_train.copy()
    frame.loc[frame.index[::2], "fraud"] = pd.NA
    model: RiskModel = train(frame, seed=0, with_critical=False)
    assert model.metadata["inspected_rows"] == int(frame["fraud"].notna().sum())
    assert model.metadata["rows"] == len(frame)
    with pytest.raises(ValueError, match="at least 20 inspected"):
        train(frame.assign(fraud=pd.NA))
