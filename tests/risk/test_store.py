"""Feedback loop on both dialects: assessments, inspections, overrides, retraining."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from opencustoms.db import Base, make_engine, migrate
from opencustoms.declarations.service import ingest_file
from opencustoms.risk import assessments, feedback, retrain, service
from opencustoms.risk.artefact import RiskModel
from opencustoms.risk.models import risk_assessments, risk_inspections, risk_lane_overrides

OURS = {risk_assessments.name, risk_inspections.name, risk_lane_overrides.name}
RAW = Path(__file__).parents[2] / "data" / "kcs"


def _diff_tables(diff: list[object]) -> set[str]:
    found = set()
    for item in diff:
        text = repr(item)
        found |= {name for name in OURS if name in text}
    return found


@pytest.fixture()
def store(database_url: str, tmp_path: Path) -> sa.Engine:
    """December 2020 and the first week of 2021 (about 1,300 items) in a fresh store."""
    engine = make_engine(database_url)
    migrate(engine)
    dec = pd.read_csv(RAW / "df_syn_train_eng.csv", dtype=str)
    jan = pd.read_csv(RAW / "df_syn_valid_eng.csv", dtype=str)
    part = pd.concat([dec[dec["Date"] >= "2020-12-01"], jan[jan["Date"] <= "2021-01-07"]])
    src = tmp_path / "slice.csv"
    part.to_csv(src, index=False)
    ingest_file(path=src, profile="kcs", engine=engine)
    yield engine
    engine.dispose()


def test_migration_matches_models(store: sa.Engine) -> None:
    names = set(sa.inspect(store).get_table_names())
    assert names >= OURS
    with store.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    assert _diff_tables(diff) == set(), diff


def test_score_store_inspection_override_and_retrain(
    store: sa.Engine, model: RiskModel, tmp_path: Path
) -> None:
    done = service.score_store(
        engine=store, model=model, start="2021-01-01", explain_mode="selected"
    )
    with store.connect() as conn:
        n = conn.execute(sa.select(sa.func.count()).select_from(risk_assessments)).scalar()
    assert done.scored == n > 0
    assert sum(done.lanes.values()) == done.scored
    reds = assessments.query_assessments(engine=store, lane="red", limit=10_000)
    first = next(r for r in reds if not r["rules_fired"] and not r["exploration"])
    did, item = first["declaration_id"], first["item_no"]
    current = assessments.latest_assessment(engine=store, declaration_id=did, item_no=item)
    assert current is not None and current["lane"] == "red" and not current["overridden"]
    assert current["reasons"] and current["model_version"] == model.version

    res = feedback.record_inspection(
        engine=store,
        declaration_id=did,
        item_no=item,
        fraud=True,
        critical=True,
        additional_duty=125000.0,
        user="kim",
    )
    assert res.fraud and res.critical and res.officer == "kim"
    with pytest.raises(ValueError, match="critical"):
        feedback.record_inspection(
            engine=store, declaration_id=did, fraud=False, critical=True, user="kim"
        )
    with pytest.raises(ValueError, match="declaration_id"):
        feedback.record_inspection(engine=store, declaration_id="NOPE", fraud=False, user="kim")
    with pytest.raises(ValueError, match="additional_duty"):
        feedback.record_inspection(
            engine=store, declaration_id=did, fraud=True, additional_duty=-1, user="kim"
        )

    over = feedback.override_lane(
        engine=store,
        declaration_id=did,
        item_no=item,
        lane="green",
        reason="Trusted trader verified",
        user="lee",
    )
    assert over.previous_lane == "red" and over.lane == "green"
    after = assessments.latest_assessment(engine=store, declaration_id=did, item_no=item)
    assert after is not None and after["lane"] == "green" and after["overridden"]
    with pytest.raises(ValueError, match="lane"):
        feedback.override_lane(
            engine=store, declaration_id=did, lane="pink", reason="because", user="lee"
        )

    summary = feedback.inspection_summary(engine=store)
    assert summary["model"] == {
        "inspected": 1,
        "frauds": 1,
        "critical": 1,
        "additional_duty": 125000.0,
        "hit_rate": 1.0,
    }
    picks = assessments.query_assessments(engine=store, limit=10_000)
    explored = [p for p in picks if p["exploration"]]
    if explored:
        e = explored[0]
        feedback.record_inspection(
            engine=store,
            declaration_id=e["declaration_id"],
            item_no=e["item_no"],
            fraud=False,
            user="kim",
        )
        assert feedback.inspection_summary(engine=store)["exploration"]["hit_rate"] == 0.0

    # Retraining: 2021 labels come only from recorded inspections.
    labels = feedback.inspection_labels(engine=store)
    assert labels.to_dict("records")[0]["critical_fraud"] == 2
    new = retrain.retrain(engine=store, out=tmp_path / "retrained", labels_before="2021-01-01")
    dec_rows = 0
    with store.connect() as conn:
        dec_rows = conn.execute(
            sa.text("SELECT count(*) FROM declarations WHERE declaration_date < '2021-01-01'")
        ).scalar()
    recorded = len(feedback.inspection_labels(engine=store))
    assert new.metadata["inspected_rows"] == dec_rows + recorded
    assert new.metadata["labels"]["recorded_inspections"] == recorded
    assert (tmp_path / "retrained" / "fraud.txt").is_file()
