"""Closed cases on risk alerts feed the next retraining: confirmed -> fraud, false positive
-> no fraud, inconclusive and referred cases ignored, an inspection result wins; the model's
metadata keeps which case, who decided and when. Both dialects."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa
from typer.testing import CliRunner

from opencustoms.cases.access import Actor
from opencustoms.cases.queue import list_alerts
from opencustoms.cases.risk_alerts import import_risk_lanes
from opencustoms.cases.risk_labels import risk_decisions
from opencustoms.cases.service import create_case, decide
from opencustoms.db import make_engine, migrate
from opencustoms.declarations.service import ingest_file
from opencustoms.risk.feedback import record_inspection
from opencustoms.risk.models import risk_assessments
from opencustoms.risk.retrain import retrain, training_frame
from opencustoms.settings import BUNDLED_DATA_DIR, get_settings

RAW = BUNDLED_DATA_DIR / "kcs"
BOSS = Actor(username="park", role="admin", office="10")
NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
# First-week-of-2021 declarations (one item each) -> what their case decides.
OUTCOMES = {
    "56839011": ("closed", "confirmed"),
    "64859691": ("closed", "false_positive"),
    "99950077": ("closed", "inconclusive"),
    "22601387": ("referred", "confirmed"),  # waits for the prosecutor: not a label yet
    "33240058": ("closed", "confirmed"),  # but inspected as no fraud: the inspection wins
}
INSPECTED = "33240058"


@pytest.fixture()
def store(database_url: str, tmp_path: Path) -> Iterator[sa.Engine]:
    """Late December 2020 and the first week of 2021 in a store; the five declarations above in
    the red lane, imported as risk alerts, one case each, decided."""
    engine = make_engine(database_url)
    migrate(engine)
    dec = pd.read_csv(RAW / "df_syn_train_eng.csv", dtype=str)
    jan = pd.read_csv(RAW / "df_syn_valid_eng.csv", dtype=str)
    part = pd.concat([dec[dec["Date"] >= "2020-12-20"], jan[jan["Date"] <= "2021-01-07"]])
    src = tmp_path / "slice.csv"
    part.to_csv(src, index=False)
    ingest_file(path=src, profile="kcs", engine=engine)
    office = dict(zip(jan["Declaration ID"], jan["Office ID"], strict=True))
    with engine.begin() as conn:
        conn.execute(risk_assessments.insert(), [
            {"declaration_id": d, "item_no": 1, "office_id": office[d],
             "declaration_date": dt.date(2021, 1, 1), "model_version": "v1", "score": 0.9,
             "model_score": 0.9, "critical_score": 0.1, "revenue_at_risk": 1e6,
             "lane": "red", "exploration": False, "reasons": [], "rules_fired": []}
            for d in OUTCOMES
        ])  # fmt: skip
    record_inspection(engine=engine, declaration_id=INSPECTED, fraud=False, user="choi")
    import_risk_lanes(engine=engine, actor=BOSS, now=NOW)
    _, alerts = list_alerts(engine=engine, actor=BOSS, limit=100)
    for i, a in enumerate(sorted(alerts, key=lambda a: a.subject_id)):
        case = create_case(engine=engine, actor=BOSS, alert_ids=[a.id], now=NOW)
        status, outcome = OUTCOMES[a.subject_id]
        decide(
            engine=engine, actor=BOSS, case_id=case.id, status=status, outcome=outcome,
            referral="prosecution" if status == "referred" else None,
            now=NOW + dt.timedelta(hours=i),
        )  # fmt: skip
    yield engine
    engine.dispose()


def _label(frame: pd.DataFrame, decl: str) -> float | None:
    row = frame.loc[frame["declaration_id"] == decl]
    assert len(row) == 1
    value = row["fraud"].iloc[0]
    return None if pd.isna(value) else float(value)


def test_closed_cases_become_training_labels(store: sa.Engine, tmp_path: Path) -> None:
    decisions = risk_decisions(engine=store)
    # Referred is not closed; the other four are, inconclusive with no label.
    assert set(decisions["declaration_id"]) == set(OUTCOMES) - {"22601387"}
    assert decisions["item_no"].tolist() == [1, 1, 1, 1]  # named by the lane alerts' ids
    assert set(decisions["decided_by"]) == {"park"}

    before, _ = training_frame(engine=store, labels_before="2021-01-01")
    after, info = training_frame(engine=store, labels_before="2021-01-01", decisions=decisions)
    assert _label(before, "56839011") is None and _label(after, "56839011") == 1.0
    assert _label(before, "64859691") is None and _label(after, "64859691") == 0.0
    assert _label(after, "99950077") is None  # inconclusive
    assert _label(after, "22601387") is None  # referred, not closed
    assert _label(before, INSPECTED) == _label(after, INSPECTED) == 0.0  # inspection wins
    cases = info["case_decisions"]
    assert (cases["taken"], cases["positive"], cases["negative"]) == (2, 1, 1)
    assert (cases["superseded_by_inspection"], cases["ignored_inconclusive"]) == (1, 1)

    model = retrain(
        engine=store, out=tmp_path / "m", labels_before="2021-01-01", decisions=decisions, seed=1
    )
    saved = json.loads((tmp_path / "m" / "metadata.json").read_text(encoding="utf-8"))
    for meta in (model.metadata, saved):
        prov = {p["declaration_id"]: p for p in meta["labels"]["case_decisions"]["provenance"]}
        confirmed = prov["56839011"]
        assert (confirmed["outcome"], confirmed["label"], confirmed["used"]) == (
            "confirmed", 1, "taken",
        )  # fmt: skip
        assert confirmed["decided_by"] == "park" and confirmed["case_id"] >= 1
        assert dt.datetime.fromisoformat(confirmed["decided_at"]) >= NOW
        assert prov[INSPECTED]["used"] == "superseded_by_inspection"
    with store.connect() as conn:
        n_2020 = conn.execute(
            sa.text("SELECT count(*) FROM declarations WHERE declaration_date < '2021-01-01'")
        ).scalar()
    # 2020 source labels + one recorded inspection + the two judged cases.
    assert model.metadata["inspected_rows"] == n_2020 + 1 + 2


def test_a_risk_alert_without_item_ids_labels_the_whole_declaration(store: sa.Engine) -> None:
    from opencustoms.cases.alerts import IncomingAlert, import_alerts

    alert = IncomingAlert(
        external_id="tip-1", typology="tip_off", subject_id="84550856",
        subject_type="declaration", score=0.7, period_start=dt.date(2021, 1, 1),
        period_end=dt.date(2021, 1, 1), amount_krw=0.0, evidence={}, explanation="tip-off",
        office="12",
    )  # fmt: skip
    import_alerts(engine=store, alerts=[alert], source="risk", actor=BOSS, now=NOW)
    _, rows = list_alerts(engine=store, actor=BOSS, typology="tip_off")
    case = create_case(engine=store, actor=BOSS, alert_ids=[rows[0].id], now=NOW)
    decide(engine=store, actor=BOSS, case_id=case.id, status="closed", outcome="false_positive")
    decisions = risk_decisions(engine=store)
    mine = decisions[decisions["declaration_id"] == "84550856"]
    assert mine["item_no"].isna().all() and mine["fraud"].tolist() == [0]


def test_retrain_command_prints_case_label_counts(
    store: sa.Engine, database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from opencustoms.cli.main import app

    monkeypatch.setenv("OPENCUSTOMS_DATABASE_URL", database_url)
    get_settings.cache_clear()
    runner = CliRunner()
    args = ["risk", "retrain", "--labels-before", "2021-01-01", "--out"]
    res = runner.invoke(app, [*args, str(tmp_path / "m")])
    assert res.exit_code == 0, res.output
    assert "case labels: 2 items from 2 closed cases (1 fraud, 1 not)" in res.stdout
    assert "1 items kept their inspection result, 1 inconclusive ignored" in res.stdout
    last = json.loads(res.stdout.strip().splitlines()[-1])
    assert last["case_decisions"]["taken"] == 2 and "provenance" not in last["case_decisions"]
    off = runner.invoke(app, [*args, str(tmp_path / "n"), "--no-case-labels"])
    assert off.exit_code == 0 and "case labels" not in off.stdout
    bad = runner.invoke(app, ["risk", "retrain", "--labels-before", "Jan 1"])
    assert bad.exit_code == 2 and "labels_before" in bad.stderr
