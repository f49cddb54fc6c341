"""`opencustoms risk` under the scarce-label protocol: flags, JSON keys, drift command."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from opencustoms.cli.main import app

RAW = Path(__file__).parents[2] / "data" / "kcs"
runner = CliRunner()


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("cli-scarce")
    train = pd.read_csv(RAW / "df_syn_train_eng.csv", dtype=str)
    valid = pd.read_csv(RAW / "df_syn_valid_eng.csv", dtype=str)
    paths = {"train": d / "train.csv", "valid": d / "valid.csv"}
    train[train["Date"] >= "2020-11-01"].to_csv(paths["train"], index=False)
    valid[valid["Date"] < "2021-01-15"].to_csv(paths["valid"], index=False)
    return paths


def _last_json(output: str) -> dict:  # type: ignore[type-arg]
    return json.loads(output.strip().splitlines()[-1])


def test_train_evaluate_and_drift_with_a_label_share(
    files: dict[str, Path], tmp_path: Path
) -> None:
    out = tmp_path / "m"
    args = ["risk", "train", "--data", str(files["train"]), "--out", str(out)]
    res = runner.invoke(app, [*args, "--label-share", "0.1", "--label-seed", "2"])
    assert res.exit_code == 0, res.output
    assert _last_json(res.output)["protocol"] == {
        "label_share": 0.1,
        "label_seed": 2,
        "label_policy": "random",
    }
    meta = json.loads((out / "metadata.json").read_text())
    assert meta["label_protocol"]["label_share"] == 0.1 and meta["blend_weight"] == 0.5
    ev = ["risk", "evaluate", "--model", str(out), "--data", str(files["valid"]), "--json"]
    plain = _last_json(runner.invoke(app, ev).output)
    assert "protocol" not in plain and set(plain) >= {"fraud", "critical", "rows", "by_office"}
    kept = _last_json(runner.invoke(app, [*ev, "--label-share", "0.5"]).output)
    assert kept["protocol"]["label_share"] == 0.5 and kept["rows"] < plain["rows"]
    drift = ["risk", "drift", "--model", str(out), "--reference", str(files["train"])]
    res = runner.invoke(app, [*drift, "--data", str(files["valid"]), "--json"])
    assert res.exit_code == 0, res.output
    report = _last_json(res.output)
    weeks = [r for r in report["weeks"] if r["office"] == "ALL"]
    assert len(weeks) == 2 and all("psi_score" in r and "alert" in r for r in weeks)


def test_simulate_json_reports_protocol_and_weeks(files: dict[str, Path]) -> None:
    res = runner.invoke(
        app,
        [
            "risk",
            "simulate",
            "--data",
            str(files["train"]),
            "--data",
            str(files["valid"]),
            "--start",
            "2021-01-01",
            "--budget",
            "0.10",
            "--label-share",
            "0.3",
            "--label-policy",
            "model",
            "--strategy",
            "model",
            "--strategy",
            "frozen",
            "--json",
        ],
    )
    assert res.exit_code == 0, res.output
    out = _last_json(res.output)
    assert out["weeks"] == 2 and set(out["strategies"]) == {"model", "frozen"}
    assert out["protocol"]["label_share"] == 0.3 and out["protocol"]["label_policy"] == "model"
    for fig in out["strategies"].values():
        assert 0 <= fig["mean_weekly_precision"] <= 1 and "recall" in fig and "precision" in fig
    assert all("feedback_gain" in w for w in out["weekly"]["model"])


def test_bad_label_flags_exit_2(files: dict[str, Path], tmp_path: Path) -> None:
    args = ["risk", "train", "--data", str(files["train"]), "--out", str(tmp_path / "x")]
    res = runner.invoke(app, [*args, "--label-share", "1.5"])
    assert res.exit_code == 2 and "label_share" in res.output
    res = runner.invoke(app, [*args, "--label-share", "0.2", "--label-policy", "oracle"])
    assert res.exit_code == 2 and "label_policy" in res.output
