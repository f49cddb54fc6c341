"""The command-line interface other tools rely on."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
from typer.testing import CliRunner

from opencustoms.cli.main import app

runner = CliRunner()


def test_generate_writes_manifest_and_separate_labels(tmp_path: Path) -> None:
    out = tmp_path / "m.parquet"
    res = runner.invoke(
        app, ["parcels", "generate", "--days", "2", "--parcels-per-day", "300", "--seed", "4",
              "--out", str(out)],
    )  # fmt: skip
    assert res.exit_code == 0, res.output
    manifest = pd.read_parquet(out)
    labels = pd.read_parquet(tmp_path / "m.labels.parquet")
    assert len(manifest) == len(labels)
    assert "typologies" not in manifest.columns and "typologies" in labels.columns


def test_screen_json_last_line_and_decisions_file(
    small_world: tuple[Path, Path], tmp_path: Path
) -> None:
    out = tmp_path / "decisions.csv"
    res = runner.invoke(
        app, ["parcels", "screen", str(small_world[0]), "--out", str(out), "--json"]
    )
    assert res.exit_code == 0, res.output
    summary = json.loads(res.stdout.strip().splitlines()[-1])
    assert set(summary) >= {
        "input",
        "screened",
        "quarantined",
        "decisions",
        "typologies",
        "seconds",
    }
    decisions = pd.read_csv(out, dtype={"typologies": str}, keep_default_na=False)
    assert list(decisions.columns) == [
        "parcel_id", "decision", "typologies", "score", "reasons", "duty_krw", "vat_krw",
    ]  # fmt: skip
    assert len(decisions) == summary["screened"]
    assert sum(summary["decisions"].values()) == summary["screened"]


def test_screen_names_the_missing_column(tmp_path: Path, manifest_rows: pd.DataFrame) -> None:
    path = tmp_path / "m.csv"
    manifest_rows.drop(columns=["declared_value"]).to_csv(path, index=False)
    res = runner.invoke(app, ["parcels", "screen", str(path), "--out", str(tmp_path / "d.csv")])
    assert res.exit_code == 2
    lines = [line for line in res.output.splitlines() if line.strip()]
    assert lines == ["error: declared_value: required column missing from the manifest"]


def test_screen_writes_alerts_for_the_case_system(
    small_world: tuple[Path, Path], tmp_path: Path
) -> None:
    from opencustoms.alertfile import read_alerts

    out, alerts = tmp_path / "d.parquet", tmp_path / "alerts.csv"
    res = runner.invoke(
        app, ["parcels", "screen", str(small_world[0]), "--out", str(out), "--alerts", str(alerts)]
    )
    assert res.exit_code == 0, res.output
    a = read_alerts(alerts)
    decisions = pd.read_parquet(out)
    flagged = decisions["typologies"].fillna("").str.split(";").explode()
    assert len(a) == int((flagged != "").sum())
    split = a[a["typology"] == "split_shipment"]
    assert (split["evidence"].map(lambda e: len(e["parcels"])) >= 2).all()
