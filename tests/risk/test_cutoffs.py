"""One cut-off for the queue and the Decision card (issue 19): the lane engine fills the
slots of a capacity pool (an office and its support centre) per day, so both pages show
the pool's cut-off; a reader of one office sees only aggregates of the other's items.

Pool "40" here is office 40 with support centre 156 (no capacity of its own); office 20
is a pool of its own with the same day's items. The lowest red slot of the day went to a
support-centre item, so a cut-off counted over office 40 alone would be wrong."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from opencustoms.db import make_engine, migrate
from opencustoms.declarations.models import declarations
from opencustoms.errors import InvalidInput
from opencustoms.risk.assessments import latest_assessment
from opencustoms.risk.cutoffs import day_cutoffs
from opencustoms.risk.lanes import Capacity, CapacityPlan
from opencustoms.risk.models import risk_assessments
from opencustoms.risk.queue import QueueFilter, queue
from opencustoms.risk.why import lane_why

DAY = dt.date(2021, 2, 3)
PLAN = CapacityPlan(
    defaults=Capacity(red=1, yellow=1, blue=1),
    offices={"40": Capacity(red=3, yellow=2, blue=1), "20": Capacity(red=1, yellow=1, blue=1)},
    min_score={"red": 0.5, "yellow": 0.3, "blue": 0.2},
    parent={"156": "40", "41": "20"},
)
FORCE = {"kind": "rule", "rule_id": "R1", "text": "watch list", "action": {"lane": "red"}}
# (declaration, office, score, lane, exploration, reasons), all on DAY
ROWS = [
    ("A-1", "40", 0.97, "red", False, []),
    ("A-2", "40", 0.88, "red", False, []),
    ("S-1", "156", 0.71, "red", False, []),  # the support centre took the last red slot
    ("A-3", "40", 0.66, "yellow", False, []),  # above the red minimum: pool slots full
    ("S-2", "156", 0.45, "yellow", False, []),
    ("A-4", "40", 0.12, "red", False, [FORCE]),  # forced: no cut-off
    ("A-5", "40", 0.05, "yellow", True, []),  # exploration: no cut-off
    ("A-6", "40", 0.35, "green", False, []),
    ("B-1", "20", 0.51, "red", False, []),  # another pool: never counted in pool 40
    ("B-2", "20", 0.33, "yellow", False, []),
]


@pytest.fixture()
def engine(database_url: str) -> Iterator[sa.Engine]:
    eng = make_engine(database_url)
    migrate(eng)
    with eng.begin() as conn:
        for decl, office, score, lane, explore, reasons in ROWS:
            conn.execute(
                sa.insert(declarations).values(
                    declaration_id=decl,
                    item_no=1,
                    direction="import",
                    declaration_date=DAY,
                    office_id=office,
                    hs_code="8471300000",
                    importer_id=f"IMP-{decl}",
                    content_hash=len(decl),
                )
            )
            conn.execute(
                sa.insert(risk_assessments).values(
                    declaration_id=decl,
                    item_no=1,
                    office_id=office,
                    declaration_date=DAY,
                    model_version="t",
                    score=score,
                    model_score=score,
                    critical_score=0.0,
                    revenue_at_risk=score * 1_000,
                    lane=lane,
                    exploration=explore,
                    reasons=reasons,
                    rules_fired=[r["rule_id"] for r in reasons],
                )
            )
    yield eng
    eng.dispose()


def _queue(engine: sa.Engine, office: str) -> tuple[list[str], object]:
    flt = QueueFilter(lane="all", status="all")
    _, items, cutoffs = queue(engine=engine, office=office, flt=flt, limit=50, offset=0, plan=PLAN)
    [cut] = cutoffs
    return [i.declaration_id for i in items], cut


def _card(engine: sa.Engine, decl: str) -> object:
    row = latest_assessment(engine=engine, declaration_id=decl, item_no=1)
    assert row is not None
    return lane_why(engine=engine, row=row, plan=PLAN).day


def test_pool_offices_follow_the_register() -> None:
    assert PLAN.pool_offices("40") == PLAN.pool_offices("156") == ["156", "40"]
    assert PLAN.pool_offices("20") == ["20", "41"]


def test_cutoff_is_the_pools_as_the_lane_engine_filled_the_slots(engine: sa.Engine) -> None:
    [cut] = day_cutoffs(engine=engine, offices=["40", "156"], visible=["40"], days=[DAY], plan=PLAN)
    # red: 0.97, 0.88 (office 40) and 0.71 (support centre) on merit; the forced 0.12 is
    # a slot taken but not a cut-off
    assert (cut.red, cut.red_capacity, cut.red_cutoff) == (4, 3, 0.71)
    # yellow: 0.66 and 0.45 on merit; the exploration pick 0.05 is left out
    assert (cut.yellow, cut.yellow_capacity, cut.yellow_cutoff) == (3, 2, 0.45)
    assert (cut.pool, cut.offices) == ("40", ["156", "40"])
    assert (cut.seen_red, cut.seen_yellow) == (3, 2)  # office 40's own share
    [everyone] = day_cutoffs(
        engine=engine, offices=["40", "156"], visible=None, days=[DAY], plan=PLAN
    )
    assert (everyone.seen_red, everyone.seen_yellow) == (4, 3)
    assert everyone.red_cutoff == cut.red_cutoff  # what the reader may see changes no cut-off


def test_queue_and_decision_card_agree_for_an_office_with_a_support_centre(
    engine: sa.Engine,
) -> None:
    for office, decl in (("40", "A-3"), ("156", "S-2"), ("40", "A-6"), ("20", "B-2")):
        _, cut = _queue(engine, office)
        day = _card(engine, decl)
        assert day.date == cut.day == DAY.isoformat()
        assert day.cutoff == {"red": cut.red_cutoff, "yellow": cut.yellow_cutoff}, office
        assert day.taken == {"red": cut.red, "yellow": cut.yellow}, office
        assert day.capacity["red"] == cut.red_capacity and day.pool == cut.pool, office
        assert day.offices == cut.offices, office
    # the card's words name the pool's cut-off, not office 40's alone (0.88)
    row = latest_assessment(engine=engine, declaration_id="A-3", item_no=1)
    assert row is not None
    why = lane_why(engine=engine, row=row, plan=PLAN)
    assert why.cause == "capacity" and "went down to 0.71" in why.headline
    # office 20 is its own pool: pool 40's items never reach its cut-offs
    _, other = _queue(engine, "20")
    assert (other.red, other.red_cutoff, other.yellow_cutoff) == (1, 0.51, 0.33)


def test_a_reader_of_one_office_sees_nothing_of_the_other_offices_items(
    engine: sa.Engine,
) -> None:
    ids, cut = _queue(engine, "40")
    assert sorted(ids) == ["A-1", "A-2", "A-3", "A-4", "A-5", "A-6"]
    text = cut.model_dump_json()
    for decl, office, score, *_ in ROWS:
        assert decl not in text
        if office != "40" and score != cut.red_cutoff and score != cut.yellow_cutoff:
            assert f"{score}" not in text, decl  # only the pool's cut-offs, no other score
    day = _card(engine, "A-1")
    assert day.decisions == 6 and day.rank == 1  # ranked among office 40's decisions only
    assert all(decl not in day.model_dump_json() for decl, *_ in ROWS)
    ids_sc, _ = _queue(engine, "156")
    assert sorted(ids_sc) == ["S-1", "S-2"]


def test_offices_of_two_pools_have_no_common_cutoff(engine: sa.Engine) -> None:
    with pytest.raises(InvalidInput) as err:
        day_cutoffs(engine=engine, offices=["40", "20"], visible=None, days=[DAY], plan=PLAN)
    assert err.value.field == "offices"
    with pytest.raises(InvalidInput):
        day_cutoffs(engine=engine, offices=[], visible=None, days=[DAY], plan=PLAN)
    assert day_cutoffs(engine=engine, offices=["40"], visible=None, days=[], plan=PLAN) == []
