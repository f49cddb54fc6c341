"""`opencustoms risk` commands: the interfaces other tools rely on (JSON last line)."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from opencustoms.cli.main import app

RAW = Path(__file__).parents[2] / "data" / "kcs"
runner = CliRunner()


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("cli")
    train = pd.read_csv(RAW / "df_syn_train_eng.csv", dtype=str)
    valid = pd.read_csv(RAW / "df_syn_valid_eng.csv", dtype=str)
    paths = {"train": d / "train.csv", "valid": d / "valid.csv", "parquet": d / "valid.parquet"}
    train[train["Date"] >= "2020-11-01"].to_csv(paths["train"], index=False)
    jan = valid[valid["Date"] < "2021-01-15"]
    jan.to_csv(paths["valid"], index=False)
    jan.to_parquet(paths["parquet"], index=False)
    return paths


def _last_json(output: str) -> dict:  # type: ignore[type-arg]
    return json.loads(output.strip().splitlines()[-1])


def test_train_evaluate_score(files: dict[str, Path], tmp_path: Path) -> None:
    out = tmp_path / "model"
    res = runner.invoke(
        app, ["risk", "train", "--data", str(files["train"]), "--profile", "kcs", "--out", str(out)]
    )
    assert res.exit_code == 0, res.output
    assert _last_json(res.output)["rows"] > 5000

    res = runner.invoke(
        app,
        [
            "risk",
            "evaluate",
            "--model",
            str(out),
            "--data",
            str(files["valid"]),
            "--profile",
            "kcs",
            "--json",
        ],
    )
    assert res.exit_code == 0, res.output
    metrics = _last_json(res.output)
    for target in ("fraud", "critical"):
        for k in (1, 2, 5, 10):
            for name in ("precision", "recall", "revenue"):
                assert 0 <= metrics[target][f"{name}@{k}"] <= 1
        assert 0.5 < metrics["fraud"]["auc"] <= 1
    assert metrics["rows"] == len(pd.read_csv(files["valid"]))
    assert "40" in metrics["by_office"]

    scored = tmp_path / "scored.parquet"
    res = runner.invoke(
        app,
        [
            "risk",
            "score",
            "--model",
            str(out),
            "--data",
            str(files["parquet"]),
            "--profile",
            "kcs",
            "--out",
            str(scored),
        ],
    )
    assert res.exit_code == 0, res.output
    table = pq.read_table(scored).to_pandas()
    assert len(table) == metrics["rows"]
    assert set(table["lane"]) <= {"green", "yellow", "red", "blue"}
    assert table["score"].between(0, 1).all() and table["reasons"].map(len).gt(0).all()


def test_evaluate_refuses_bad_artefact(files: dict[str, Path], tmp_path: Path) -> None:
    res = runner.invoke(
        app, ["risk", "evaluate", "--model", str(tmp_path), "--data", str(files["valid"]), "--json"]
    )
    assert res.exit_code == 2 and "no metadata.json" in res.output


def test_simulate_json(files: dict[str, Path]) -> None:
    res = runner.invoke(
        app,
        [
            "risk",
            "simulate",
            "--data",
            str(files["train"]),
            "--data",
            str(files["valid"]),
            "--profile",
            "kcs",
            "--start",
            "2021-01-01",
            "--budget",
            "0.10",
            "--strategy",
            "model",
            "--strategy",
            "model+random",
            "--json",
        ],
    )
    assert res.exit_code == 0, res.output
    out = _last_json(res.output)
    assert set(out["strategies"]) == {"model", "model+random"}
    for fig in out["strategies"].values():
        assert fig["weeks"] == 2 and 0 <= fig["precision"] <= 1
        assert 0 <= fig["recall"] <= 1 and 0 <= fig["revenue"] <= 1


def test_simulate_bad_date(files: dict[str, Path]) -> None:
    res = runner.invoke(
        app, ["risk", "simulate", "--data", str(files["train"]), "--start", "01/01/2021"]
    )
    assert res.exit_code == 2 and "--start" in res.output


def test_check_rules_and_record_inspection(files: dict[str, Path], tmp_path: Path) -> None:
    from opencustoms.declarations.service import ingest_file

    ingest_file(path=files["valid"], profile="kcs")
    did = str(pd.read_csv(files["valid"], dtype=str)["Declaration ID"].iloc[0])
    res = runner.invoke(app, ["risk", "check-rules"])
    assert res.exit_code == 0 and "valid" in res.output
    (tmp_path / "bad.yaml").write_text("rules:\n  - id: X1\n    office: '40'\n")
    res = runner.invoke(app, ["risk", "check-rules", "--dir", str(tmp_path)])
    assert res.exit_code == 2 and "bad.yaml: rule X1: valid_from" in res.output
    res = runner.invoke(app, ["risk", "inspect", "NOT-STORED", "--no-fraud", "--officer", "park"])
    assert res.exit_code == 2 and "no stored declaration" in res.output
    res = runner.invoke(
        app, ["risk", "inspect", did, "--fraud", "--additional-duty", "5000", "--officer", "park"]
    )
    assert res.exit_code == 0, res.output
    assert _last_json(res.output)["additional_duty"] == 5000
    res = runner.invoke(
        app, ["risk", "inspect", did, "--no-fraud", "--critical", "--officer", "park"]
    )
    assert res.exit_code == 2 and "critical" in res.output


def test_override_lane_cli(files: dict[str, Path]) -> None:
    from opencustoms.declarations.service import ingest_file

    ingest_file(path=files["valid"], profile="kcs")
    did = str(pd.read_csv(files["valid"], dtype=str)["Declaration ID"].iloc[0])
    args = ["risk", "override-lane", did, "--reason", "tip-off from the port", "--user", "kim"]
    res = runner.invoke(app, [*args, "--lane", "purple"])
    assert res.exit_code == 2 and "lane" in res.output
    res = runner.invoke(app, [*args, "--lane", "red"])
    assert res.exit_code == 0, res.output
    out = _last_json(res.output)
    assert out["lane"] == "red" and out["user"] == "kim" and out["declaration_id"] == did
