"""`opencustoms cases` commands: the import-alerts interface other tools rely on, the
queue, a case to its decision, errors as one line with exit code 2."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
from typer.testing import CliRunner

from opencustoms.alertfile import write_alerts
from opencustoms.cli.main import app

from .conftest import alert

runner = CliRunner()


def _run(*args: str) -> tuple[int, str, str]:
    res = runner.invoke(app, list(args))
    return res.exit_code, res.stdout, res.stderr


def test_import_alerts_json_then_case_to_decision(tmp_path: Path) -> None:
    path = tmp_path / "alerts.parquet"
    write_alerts(
        pd.DataFrame([alert("A1", "C1"), alert("A2", "C1", score=0.95), alert("A3", "C2")]), path
    )
    code, out, _ = _run("cases", "import-alerts", str(path), "--source", "tradecrime",
                        "--office", "40", "--json")  # fmt: skip
    assert code == 0
    assert json.loads(out.strip().splitlines()[-1]) == {"input": 3, "new": 2, "merged": 1}
    code, out, _ = _run("cases", "import-alerts", str(path), "--source", "tradecrime", "--json")
    assert json.loads(out.strip().splitlines()[-1]) == {"input": 3, "new": 0, "merged": 3}

    code, out, _ = _run("cases", "list", "--json")
    items = json.loads(out.strip().splitlines()[-1])["items"]
    assert [(i["subject_id"], i["score"]) for i in items] == [("C1", 0.95), ("C2", 0.8)]
    code, out, _ = _run("cases", "open", "--alert", str(items[0]["id"]), "--json")
    case = json.loads(out.strip().splitlines()[-1])
    assert code == 0 and case["status"] == "open"
    code, out, _ = _run("cases", "decide", str(case["id"]), "--outcome", "confirmed",
                        "--amount", "5000000", "--json")  # fmt: skip
    assert code == 0 and json.loads(out.strip().splitlines()[-1])["outcome"] == "confirmed"
    code, out, _ = _run("cases", "precision")
    assert json.loads(out.strip().splitlines()[-1])["precision"] == 1.0
    code, out, _ = _run("cases", "show", str(case["id"]))
    assert "outcome confirmed, recovered 5,000,000 KRW" in out
    code, out, _ = _run("cases", "export", str(case["id"]), "--out", str(tmp_path / "file"))
    assert code == 0 and Path(json.loads(out.strip().splitlines()[-1])["html"]).is_file()
    labels = tmp_path / "labels.csv"
    code, out, _ = _run("cases", "labels", "--out", str(labels), "--source", "tradecrime")
    assert code == 0 and json.loads(out.strip().splitlines()[-1])["labels"] == 1
    assert pd.read_csv(labels).loc[0, "outcome"] == "confirmed"
    code, out, _ = _run("cases", "verify")
    assert code == 0 and json.loads(out.strip().splitlines()[-1])["ok"] is True


def test_errors_are_one_line_with_exit_2(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("alert_id,typology\nA1,x\n")
    code, _, err = _run("cases", "import-alerts", str(bad), "--source", "x")
    assert code == 2 and err.strip() == "error: subject_id: required column missing"
    code, _, err = _run("cases", "decide", "1", "--outcome", "maybe")
    assert (
        code == 2
        and err.strip() == "error: outcome: one of confirmed, false_positive, inconclusive"
    )
    code, _, err = _run("cases", "show", "42")
    assert code == 2 and err.strip() == "error: case 42 not found"
    code, _, err = _run("cases", "list", "--user", "nobody")
    assert code == 2 and err.strip() == "error: user: no workspace user 'nobody'"
