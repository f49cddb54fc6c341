"""`tradecrime calibrate --case-labels`: officers' decisions on trade-crime alerts refit the
score curves, overruling the world's labels for the candidates they judged."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from typer.testing import CliRunner

from opencustoms.alertfile import LABEL_COLUMNS, read_alerts, write_alerts
from opencustoms.cases.access import Actor
from opencustoms.cases.alerts import import_alerts, incoming_from_frame
from opencustoms.cases.queue import list_alerts
from opencustoms.cases.service import create_case, decide
from opencustoms.cli.main import app
from opencustoms.db import make_engine, migrate
from opencustoms.settings import get_settings
from opencustoms.tradecrime import calibration
from opencustoms.tradecrime.analyse import Analysis, analyse
from opencustoms.tradecrime.evaluate import load_truth

BOSS = Actor(username="park", role="admin", office="10")
NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def analysed(world_dir: Path) -> tuple[Analysis, pd.DataFrame]:
    return analyse(world_dir, curves={}), load_truth(world_dir)[0]


def _typology(result: Analysis, labels: pd.DataFrame) -> tuple[str, list[str], list[str]]:
    """A typology with labelled and unlabelled candidates: (name, labelled, unlabelled)."""
    truth = set(zip(labels["subject_id"], labels["typology"], strict=True))
    for t, g in result.candidates.groupby("typology"):
        subjects = g["subject_id"].astype(str).tolist()
        yes = [s for s in subjects if (s, t) in truth]
        no = [s for s in subjects if (s, t) not in truth]
        if len(yes) >= 2 and len(no) >= 2:
            return str(t), yes, no
    raise AssertionError("the small world has no typology with both kinds of candidate")


def _label(t: str, subject: str, outcome: str, case: int) -> dict[str, Any]:
    label = {"confirmed": 1, "false_positive": 0, "inconclusive": None}[outcome]
    return {
        "typology": t, "subject_id": subject, "label": label, "outcome": outcome,
        "case_id": case, "decided_by": "park", "decided_at": f"2026-03-0{case}T09:00:00",
    }  # fmt: skip


def test_decisions_overrule_world_labels_and_are_counted(
    analysed: tuple[Analysis, pd.DataFrame],
) -> None:
    result, labels = analysed
    t, yes, no = _typology(result, labels)
    plain = calibration.fit(result.candidates, labels, seed=11, scale=0.05)
    decisions = pd.DataFrame([
        _label(t, yes[0], "false_positive", 1),  # the world said yes; the officer no
        _label(t, no[0], "confirmed", 2),  # the world said no; the officer yes
        _label(t, no[1], "inconclusive", 3),
        _label(t, "NOT-A-CANDIDATE", "confirmed", 4),
    ])  # fmt: skip
    mixed = calibration.fit(
        result.candidates, labels, seed=11, scale=0.05, decisions=decisions[list(LABEL_COLUMNS)]
    )
    before, after = plain["curves"][t], mixed["curves"][t]
    assert after["positives"] == before["positives"]  # one lost, one gained
    assert after["candidates"] == before["candidates"]
    assert (after["a"], after["b"]) != (before["a"], before["b"])
    assert after["case_labels"] == {
        "confirmed": 1, "false_positive": 1, "changed": 2, "inconclusive": 1, "not_candidate": 1,
    }  # fmt: skip
    assert "closed cases" in mixed["provenance"]["fitted_on"]
    # Every other typology is fitted exactly as without decisions.
    for other, curve in plain["curves"].items():
        if other != t:
            assert {k: v for k, v in mixed["curves"][other].items() if k != "case_labels"} == curve


def test_decisions_alone_fit_among_judged_candidates_or_keep_the_curve(
    analysed: tuple[Analysis, pd.DataFrame],
) -> None:
    result, labels = analysed
    t, yes, no = _typology(result, labels)
    in_force = calibration.fit(result.candidates, labels, seed=11, scale=0.05)
    decisions = pd.DataFrame([
        _label(t, yes[0], "confirmed", 1), _label(t, yes[1], "confirmed", 2),
        _label(t, no[0], "false_positive", 3),
    ])  # fmt: skip
    fitted = calibration.fit(
        result.candidates, None, seed=None, scale=None, decisions=decisions, fallback=in_force
    )
    assert (fitted["curves"][t]["candidates"], fitted["curves"][t]["positives"]) == (3, 2)
    assert "kept" not in fitted["curves"][t]
    others = [o for o in in_force["curves"] if o != t]
    assert others and all("kept" in fitted["curves"][o] for o in others)
    assert fitted["provenance"]["fitted_on"] == "decisions of closed cases on trade-crime alerts"


def test_calibrate_command_reads_closed_cases(
    analysed: tuple[Analysis, pd.DataFrame],
    world_dir: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    result, _ = analysed
    url = f"sqlite:///{tmp_path / 'cases.sqlite'}"
    migrate(url)
    monkeypatch.setenv("OPENCUSTOMS_DATABASE_URL", url)
    get_settings.cache_clear()
    engine = make_engine(url)
    alerts = result.alerts.groupby("typology").head(1).head(2)
    path = tmp_path / "alerts.csv"
    write_alerts(alerts, path)
    import_alerts(
        engine=engine, alerts=incoming_from_frame(read_alerts(path)), source="tradecrime",
        actor=BOSS, now=NOW,
    )  # fmt: skip
    _, rows = list_alerts(engine=engine, actor=BOSS)
    for alert, outcome in zip(rows, ("confirmed", "false_positive"), strict=False):
        case = create_case(engine=engine, actor=BOSS, alert_ids=[alert.id], now=NOW)
        decide(engine=engine, actor=BOSS, case_id=case.id, status="closed", outcome=outcome)
    out = tmp_path / "calibration.json"
    res = CliRunner().invoke(app, [
        "tradecrime", "calibrate", str(world_dir), "--seed", "11", "--scale", "0.05",
        "--case-labels", "--out", str(out),
    ])  # fmt: skip
    assert res.exit_code == 0, res.output
    judged = {a.typology for a in rows}
    for t in judged:
        line = next(x for x in res.stdout.splitlines() if x.startswith(f"{t}: "))
        assert "case labels: " in line
    saved = json.loads(out.read_text(encoding="utf-8"))
    counts = saved["provenance"]["case_labels"]
    assert sum(c["confirmed"] + c["false_positive"] for c in counts.values()) == len(rows) == 2
    no_world = CliRunner().invoke(app, ["tradecrime", "calibrate", str(tmp_path)])
    assert no_world.exit_code == 2 and "labels.csv" in no_world.stderr
