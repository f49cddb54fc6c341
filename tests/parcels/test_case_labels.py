"""`parcels calibrate --case-labels`: closed cases on parcel alerts refit the calibration,
overruling the generator's labels where an officer judged a parcel; per-typology counts."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd
import pytest
import yaml
from sqlalchemy import Engine
from typer.testing import CliRunner

from opencustoms.alertfile import read_alerts, write_alerts
from opencustoms.cases.access import Actor
from opencustoms.cases.alerts import import_alerts, incoming_from_frame
from opencustoms.cases.queue import list_alerts
from opencustoms.cases.service import create_case, decide
from opencustoms.cli.main import app
from opencustoms.db import make_engine, migrate
from opencustoms.parcels.alerts import alerts_frame
from opencustoms.parcels.screen import screen_file
from opencustoms.settings import get_settings

BOSS = Actor(username="park", role="admin", office="10")
NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
runner = CliRunner()


def _flagged(manifest: Path, labels: Path, code: str, truly: bool, n: int) -> pd.DataFrame:
    """``n`` alerts of typology ``code`` whose parcel does (``truly``) or does not carry
    that typology in the generator's labels."""
    d = screen_file(manifest).decisions
    alerts = alerts_frame(d, d["arrival_date"])
    truth = pd.read_csv(labels, dtype=str, keep_default_na=False).set_index("parcel_id")
    mine = alerts[alerts["typology"] == code]
    has = mine["subject_id"].map(lambda p: code in truth.at[p, "typologies"].split(";"))
    picked = mine[has == truly].head(n)
    assert len(picked) == n, f"the fixture has fewer than {n} such {code} alerts"
    return picked


def _decide(engine: Engine, alerts: pd.DataFrame, outcomes: list[tuple[str, str]]) -> None:
    """Import the alerts through the alert file (as `cases import-alerts` does), open one
    case per alert and decide it."""
    path = Path(str(engine.url.database)).with_name("parcel-alerts.csv")
    write_alerts(alerts, path)
    import_alerts(
        engine=engine, alerts=incoming_from_frame(read_alerts(path)), source="parcels",
        actor=BOSS, now=NOW,
    )  # fmt: skip
    _, rows = list_alerts(engine=engine, actor=BOSS, limit=100)
    by_subject = {(a.subject_id, a.typology): a.id for a in rows}
    for (_, alert), (status, outcome) in zip(alerts.iterrows(), outcomes, strict=True):
        key = (alert["subject_id"], alert["typology"])
        case = create_case(engine=engine, actor=BOSS, alert_ids=[by_subject[key]], now=NOW)
        decide(
            engine=engine, actor=BOSS, case_id=case.id, status=status, outcome=outcome,
            referral="tax_audit" if status == "referred" else None,
        )  # fmt: skip


@pytest.fixture
def store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Engine:
    url = f"sqlite:///{tmp_path / 'cases.sqlite'}"
    migrate(url)
    monkeypatch.setenv("OPENCUSTOMS_DATABASE_URL", url)
    get_settings.cache_clear()
    return make_engine(url)


def test_case_labels_overrule_the_file_and_are_counted(
    small_world: tuple[Path, Path], store: Engine, tmp_path: Path
) -> None:
    manifest, labels = small_world
    # Two truly undervalued parcels: one confirmed, one judged a false positive (that one
    # overrules the generator's label); a third inconclusive; a fourth referred (not yet).
    picked = _flagged(manifest, labels, "undervaluation", True, 4)
    _decide(store, picked, [
        ("closed", "confirmed"), ("closed", "false_positive"), ("closed", "inconclusive"),
        ("referred", "false_positive"),
    ])  # fmt: skip
    plain, mixed = tmp_path / "plain.yaml", tmp_path / "mixed.yaml"
    args = ["parcels", "calibrate", str(manifest), str(labels), "--seed", "5", "--out"]
    assert runner.invoke(app, [*args, str(plain)]).exit_code == 0
    res = runner.invoke(app, [*args, str(mixed), "--case-labels"])
    assert res.exit_code == 0, res.output
    assert (
        "undervaluation: " in res.stdout
        and "case labels: 1 confirmed, 1 false positive (1 changed the file's label), "
        "1 inconclusive ignored, 0 not in the manifest"
        in res.stdout
    )
    before = yaml.safe_load(plain.read_text())["typologies"]["undervaluation"]
    after = yaml.safe_load(mixed.read_text())
    under = after["typologies"]["undervaluation"]
    assert under["positives"] == before["positives"] - 1 and under["rows"] == before["rows"]
    assert under["case_labels"]["false_positive"] == 1
    assert after["source"]["case_source"] == "parcels"
    split = after["typologies"]["split_shipment"]["case_labels"]
    assert split == {"confirmed": 0, "false_positive": 0, "changed": 0, "inconclusive": 0,
                     "not_in_manifest": 0}  # fmt: skip


def test_case_labels_alone_fit_among_decided_parcels_or_keep_the_calibration(
    small_world: tuple[Path, Path], store: Engine, tmp_path: Path
) -> None:
    manifest, labels = small_world
    right = _flagged(manifest, labels, "undervaluation", True, 2)
    wrong = _flagged(manifest, labels, "undervaluation", False, 1)
    _decide(store, pd.concat([right, wrong]), [
        ("closed", "confirmed"), ("closed", "confirmed"), ("closed", "false_positive"),
    ])  # fmt: skip
    out = tmp_path / "cases-only.yaml"
    res = runner.invoke(
        app, ["parcels", "calibrate", str(manifest), "--case-labels", "--out", str(out)]
    )
    assert res.exit_code == 0, res.output
    cal = yaml.safe_load(out.read_text())["typologies"]
    assert (cal["undervaluation"]["rows"], cal["undervaluation"]["positives"]) == (3, 2)
    assert "kept" not in cal["undervaluation"]
    # No decision on split shipments: the calibration in force stays, and says so.
    assert "kept" in cal["split_shipment"] and "split_shipment: " in res.stdout
    assert "calibration in force is kept" in res.stdout


def test_calibrate_needs_labels_or_case_labels(small_world: tuple[Path, Path]) -> None:
    res = runner.invoke(app, ["parcels", "calibrate", str(small_world[0])])
    assert res.exit_code == 2 and "labels" in res.stderr
    res = runner.invoke(app, ["parcels", "calibrate", str(small_world[0]), str(small_world[1])])
    assert res.exit_code == 2 and "seed" in res.stderr
