"""Why an item is in its lane: each step of the lane logic (override, rule, exploration,
score against the minimums and the day's cut-off) named first, the rank among the office's
decisions of the day, rule boosts from the stored rule action, factors with direction."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import Engine, insert

from opencustoms.db import make_engine, migrate
from opencustoms.risk.assessments import latest_assessment
from opencustoms.risk.lanes import Capacity, CapacityPlan
from opencustoms.risk.models import risk_assessments, risk_lane_overrides
from opencustoms.risk.why import lane_why

DAY = dt.date(2021, 1, 5)
PLAN = CapacityPlan(
    defaults=Capacity(red=1, yellow=1, blue=1),
    offices={"40": Capacity(red=2, yellow=1, blue=1)},
    min_score={"red": 0.5, "yellow": 0.3, "blue": 0.2},
    parent={"41": "40"},
)
RULE_RED = {
    "kind": "rule",
    "rule_id": "R-12",
    "text": "Watch-listed importer",
    "instructions": "Open every carton",
    "action": {"lane": "red", "score_boost": 0.2},
}
FACTORS = [
    {
        "kind": "model",
        "factor": "importer",
        "text": "importer's past fraud rate 64%",
        "effect": "raises risk",
        "weight": 1.4,
    },
    {
        "kind": "model",
        "factor": "unit_value",
        "text": "unit value 1,000 KRW/kg",
        "effect": "lowers risk",
        "weight": -0.2,
    },
    {"kind": "note", "text": "first declaration of this seller"},
]
# (id, office, score, lane, exploration, reasons)
DAY_ROWS = [
    ("A", "40", 0.95, "red", False, FACTORS),
    ("B", "40", 0.70, "red", False, []),
    ("C", "40", 0.62, "yellow", False, []),  # above red minimum, red slots full
    ("D", "40", 0.10, "red", False, [RULE_RED]),  # forced by a rule
    ("E", "40", 0.05, "yellow", True, [{"kind": "lane", "text": "exploration pick (random)"}]),
    ("F", "40", 0.25, "blue", False, []),
    ("G", "41", 0.40, "green", False, []),  # support centre: same pool, other office
    ("H", "40", 0.35, "green", False, []),  # above the yellow minimum, slots taken
    ("I", "40", 0.05, "green", False, []),
]


@pytest.fixture(scope="module")
def engine(tmp_path_factory: pytest.TempPathFactory) -> Engine:
    url = f"sqlite:///{tmp_path_factory.mktemp('why') / 'why.sqlite'}"
    migrate(url)
    eng = make_engine(url)
    with eng.begin() as conn:
        for decl, office, score, lane, explore, reasons in DAY_ROWS:
            conn.execute(
                insert(risk_assessments).values(
                    declaration_id=decl,
                    item_no=1,
                    office_id=office,
                    declaration_date=DAY,
                    model_version="t",
                    score=score,
                    model_score=score - (0.2 if reasons == [RULE_RED] else 0.0),
                    critical_score=0.0,
                    revenue_at_risk=0.0,
                    lane=lane,
                    exploration=explore,
                    reasons=reasons,
                    rules_fired=[r["rule_id"] for r in reasons if r.get("kind") == "rule"],
                )
            )
    return eng


def _why(engine: Engine, decl: str) -> Any:
    row = latest_assessment(engine=engine, declaration_id=decl, item_no=1)
    assert row is not None
    return lane_why(engine=engine, row=row, plan=PLAN)


def test_red_by_score_with_rank_and_cutoff(engine: Engine) -> None:
    w = _why(engine, "A")
    assert w.cause == "score" and w.headline.startswith("red: score 0.95 is above the red minimum")
    assert w.day.rank == 1 and w.day.decisions == 8  # office 40 only, not the support centre
    assert w.day.percentile == pytest.approx(7 / 8)
    # Cut-offs leave out the rule-forced red (0.10) and the exploration pick (0.05).
    assert w.day.cutoff == {"red": 0.70, "yellow": 0.62}
    assert w.day.capacity == {"red": 2, "yellow": 1, "blue": 1}
    # the slots are the pool's: office 40 and its support centre 41
    assert w.day.offices == ["40", "41"] and w.day.taken == {"red": 3, "yellow": 2}


def test_yellow_above_red_minimum_is_the_capacity_cutoff(engine: Engine) -> None:
    w = _why(engine, "C")
    assert w.cause == "capacity"
    assert w.headline.startswith("yellow: score 0.62 is above office 40's yellow minimum 0.30")
    assert "red needs 0.50 and its 2 slots of 2021-01-05 went down to 0.70" in w.headline


def test_rule_forced_lane_ignores_the_score(engine: Engine) -> None:
    w = _why(engine, "D")
    assert w.cause == "rule" and w.headline.startswith("red: forced by rule R-12")
    assert w.rules[0].boost == 0.2 and w.rules[0].lane == "red" and w.boost == 0.2
    assert w.rules[0].instructions == "Open every carton"


def test_exploration_says_the_score_did_not_decide(engine: Engine) -> None:
    w = _why(engine, "E")
    assert w.cause == "exploration" and "the score did not decide" in w.headline
    assert w.steps == ["exploration pick (random)"]


@pytest.mark.parametrize(
    "decl,cause,text",
    [
        ("F", "revenue", "blue: score 0.25 is below the yellow minimum 0.30; blue (post"),
        ("H", "capacity", "green: score 0.35 is above the yellow minimum 0.30"),
        ("I", "below", "green: score 0.05 is below the yellow minimum 0.30"),
    ],
)
def test_blue_and_green(engine: Engine, decl: str, cause: str, text: str) -> None:
    w = _why(engine, decl)
    assert w.cause == cause and w.headline.startswith(text)


def test_factors_have_direction_and_strength(engine: Engine) -> None:
    w = _why(engine, "A")
    first, second = w.factors
    assert (first.direction, first.strength, first.share) == ("raises", "strongly", 1.0)
    assert (second.direction, second.strength) == ("lowers", "slightly")
    assert second.share == pytest.approx(0.2 / 1.4)
    assert [n.text for n in w.notes] == ["first declaration of this seller"]
    assert w.notes[0].direction is None  # a note without a weight claims no direction


def test_override_comes_first_and_keeps_the_scored_reason(engine: Engine) -> None:
    with engine.begin() as conn:
        conn.execute(
            insert(risk_lane_overrides).values(
                declaration_id="I",
                item_no=1,
                previous_lane="green",
                lane="red",
                reason="Intelligence tip-off",
                user="supervisor",
            )
        )
    w = _why(engine, "I")
    assert w.cause == "override" and w.lane == "red"
    assert w.headline == "red: set by supervisor supervisor (was green): Intelligence tip-off"
    assert w.steps[0].startswith("scored lane: green: score 0.05 is below")
