"""Red and blue risk lanes become alerts; overrides count; re-running changes nothing."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Engine

from opencustoms.cases.queue import list_alerts
from opencustoms.cases.risk_alerts import import_risk_lanes
from opencustoms.risk.models import risk_assessments, risk_lane_overrides

from .conftest import ANA, KIM, NOW


def _assess(decl: str, item: int, lane: str, score: float, office: str = "40") -> dict:
    return {
        "declaration_id": decl, "item_no": item, "office_id": office,
        "declaration_date": dt.date(2026, 2, 3), "model_version": "v1", "score": score,
        "model_score": score, "critical_score": 0.1, "revenue_at_risk": 1000.0 * score,
        "lane": lane, "exploration": False,
        "reasons": [{"kind": "model", "text": "importer's past fraud rate 64%", "effect": "+0.3"}],
        "rules_fired": [],
    }  # fmt: skip


def test_lanes_to_alerts(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(risk_assessments.insert(), [
            _assess("D1", 1, "red", 0.9), _assess("D1", 2, "red", 0.7),
            _assess("D2", 1, "blue", 0.4, office="20"), _assess("D3", 1, "green", 0.1),
            _assess("D4", 1, "yellow", 0.5), _assess("D5", 1, "green", 0.2),
        ])  # fmt: skip
        conn.execute(risk_lane_overrides.insert(), [
            {"declaration_id": "D5", "item_no": 1, "previous_lane": "green", "lane": "red",
             "reason": "tip-off", "user": "sup"},
        ])  # fmt: skip
    res = import_risk_lanes(engine=engine, now=NOW)
    # D1 items fold into one alert; D2 blue; D5 red by override; D3/D4 stay out.
    assert (res.input, res.new, res.merged) == (4, 3, 1)
    rows = {r.subject_id: r for r in list_alerts(engine=engine, actor=ANA)[1]}
    assert set(rows) == {"D1", "D2", "D5"}
    assert rows["D1"].typology == "risk_lane_red" and rows["D1"].score == 0.9
    assert rows["D1"].subject_type == "declaration" and rows["D1"].office == "40"
    assert rows["D2"].typology == "risk_lane_blue" and rows["D2"].office == "20"
    assert rows["D5"].explanation.startswith("lane set to red by sup: tip-off")
    assert rows["D1"].due_at == NOW + dt.timedelta(hours=24)
    assert "importer's past fraud rate 64%" in rows["D1"].explanation
    assert [r.subject_id for r in list_alerts(engine=engine, actor=KIM)[1]] == ["D1", "D5"]
    again = import_risk_lanes(engine=engine, now=NOW)
    assert (again.new, again.merged) == (0, 4)
    assert list_alerts(engine=engine, actor=ANA)[1][0].merged_count == 2
