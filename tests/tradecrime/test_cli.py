"""`opencustoms world generate` and `opencustoms tradecrime analyse` as other tools use them."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from typer.testing import CliRunner

from opencustoms.alertfile import read_alerts
from opencustoms.cli.main import app

runner = CliRunner()


def test_generate_then_analyse_writes_the_alert_file(tmp_path: Path) -> None:
    out = tmp_path / "w"
    res = runner.invoke(
        app, ["world", "generate", "--out", str(out), "--seed", "21", "--scale", "0.03", "--json"]
    )
    assert res.exit_code == 0, res.output
    assert json.loads(res.output.strip().splitlines()[-1])["counts"]["declarations"] > 1000
    # The command composes the default world: the screening extension's files are there.
    for name in ("sanctions", "parties", "strategic_goods", "screening_truth"):
        assert (out / f"{name}.csv").is_file(), name
    alerts = tmp_path / "alerts.parquet"
    res = runner.invoke(app, ["tradecrime", "analyse", str(out), "--out", str(alerts), "--json"])
    assert res.exit_code == 0, res.output
    summary = json.loads(res.output.strip().splitlines()[-1])
    frame = read_alerts(alerts)
    assert summary["alerts"] == len(frame) > 0
    assert sum(summary["counts"].values()) == len(frame)
    assert frame["score"].between(0, 1).all() and frame["amount_krw"].ge(0).all()
    assert all(isinstance(e, dict) and e for e in frame["evidence"])
    assert (frame["period_start"] <= frame["period_end"]).all()


def test_unusable_folder_exits_2_with_one_error_line(world_dir: Path, tmp_path: Path) -> None:
    folder = tmp_path / "w"
    shutil.copytree(world_dir, folder)
    (folder / "va_transfers.csv").unlink()
    res = runner.invoke(
        app, ["tradecrime", "analyse", str(folder), "--out", str(tmp_path / "a.csv")]
    )
    assert res.exit_code == 2
    assert res.output.strip().splitlines() == [
        "error: va_transfers.csv: missing from " + str(folder)
    ]


def test_quarantined_rows_are_written_beside_the_alerts(world_dir: Path, tmp_path: Path) -> None:
    folder = tmp_path / "w"
    shutil.copytree(world_dir, folder)
    path = folder / "links.csv"
    path.write_text(path.read_text() + "P9,KC1,cousin,\n")
    res = runner.invoke(
        app, ["tradecrime", "analyse", str(folder), "--out", str(tmp_path / "a.csv")]
    )
    assert res.exit_code == 0, res.output
    q = (tmp_path / "a.quarantine.csv").read_text()
    assert "cousin" in q and "relation" in q
