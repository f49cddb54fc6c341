"""The command-line contracts and the world extension through ``world.generate``."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from opencustoms.alertfile import ALERT_COLUMNS, read_alerts
from opencustoms.cli.screening import app
from opencustoms.screening.frames import write_set
from opencustoms.screening.synth import screening_set

runner = CliRunner()


@pytest.fixture(scope="module")
def eval_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("eval")
    write_set(
        screening_set(seed=31, n_entities=200, per_style=6, hard_per_kind=4, background=40), folder
    )
    return folder


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_parties_writes_the_contract_columns(eval_dir: Path, tmp_path: Path, suffix: str) -> None:
    out = tmp_path / f"matches{suffix}"
    result = runner.invoke(
        app,
        [
            "parties",
            "--list",
            str(eval_dir / "sanctions.csv"),
            "--parties",
            str(eval_dir / "parties.csv"),
            "--out",
            str(out),
            "--json",
        ],
    )
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output.strip().splitlines()[-1])
    frame = pd.read_csv(out) if suffix == ".csv" else pd.read_parquet(out)
    assert list(frame.columns[:5]) == [
        "party_id",
        "entity_id",
        "score",
        "matched_name",
        "explanation",
    ]
    assert len(frame) == summary["matches"] > 0
    assert frame["score"].between(summary["threshold"], 1).all()


def test_parties_bad_input_is_one_error_line(eval_dir: Path, tmp_path: Path) -> None:
    broken = tmp_path / "parties.csv"
    broken.write_text("id,name\n1,x\n", encoding="utf-8")
    result = runner.invoke(
        app,
        [
            "parties",
            "--list",
            str(eval_dir / "sanctions.csv"),
            "--parties",
            str(broken),
            "--out",
            str(tmp_path / "m.csv"),
        ],
    )
    assert result.exit_code == 2
    assert result.output.strip() == "error: party_id: required column missing from the parties file"


@pytest.mark.slow
def test_world_extension_and_exports(tmp_path: Path) -> None:
    from opencustoms.screening.synth_exports import extend_world
    from opencustoms.world import generate as world_generate

    world = world_generate.generate(seed=4, scale=0.05, extensions=(extend_world,))
    for table in ("sanctions", "parties", "strategic_goods", "screening_truth"):
        assert len(world.tables[table]), table
    labels = world.labels
    planted = set(labels.loc[labels["typology"] == "strategic_to_risky_destination", "subject_id"])
    negatives = world.hard_negatives
    innocent = set(
        negatives.loc[negatives["typology"] == "strategic_to_risky_destination", "subject_id"]
    )
    assert planted and innocent and not planted & innocent
    world.write(tmp_path / "world")
    # The detectors never read the truth: remove it before screening.
    for name in ("labels", "hard_negatives", "screening_truth"):
        (tmp_path / "world" / f"{name}.csv").unlink()
    out = tmp_path / "alerts.csv"
    result = runner.invoke(app, ["exports", str(tmp_path / "world"), "--out", str(out), "--json"])
    assert result.exit_code == 0, result.output
    alerts = read_alerts(out)
    assert list(alerts.columns) == list(ALERT_COLUMNS)
    flagged = set(alerts.loc[alerts["typology"] == "strategic_to_risky_destination", "subject_id"])
    assert len(flagged & planted) / len(planted) >= 0.7
    assert np.isin(
        alerts["typology"], ["strategic_to_risky_destination", "sanctioned_counterparty"]
    ).all()
