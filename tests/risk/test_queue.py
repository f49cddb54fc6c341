"""The office queue's read model (issue 19): open items by default, declaration search,
per-row lane cause and the red/yellow cut-offs of each day, one definition of "selected"
shared with the dashboard and the national overview, results counted in the week they
were recorded. Assessments are written by hand so every lane and score is known."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NamedTuple

import pandas as pd
import pytest
import sqlalchemy as sa

from opencustoms.db import make_engine, migrate
from opencustoms.declarations.service import ingest_file
from opencustoms.risk.dashboards import weekly
from opencustoms.risk.lanes import SELECTED_LANES, Capacity, CapacityPlan, is_selected
from opencustoms.risk.models import risk_assessments, risk_inspections, risk_lane_overrides
from opencustoms.risk.overview import national
from opencustoms.risk.queue import QueueFilter, dashboard_frame, queue
from opencustoms.risk.rates import hit_rate, wilson
from opencustoms.settings import BUNDLED_DATA_DIR
from opencustoms.workspace.users import office_register

OFFICE = "40"
DAY1, DAY2 = dt.date(2021, 1, 4), dt.date(2021, 1, 5)
PLAN = CapacityPlan(
    defaults=Capacity(red=1, yellow=1, blue=1),
    offices={OFFICE: Capacity(red=2, yellow=2, blue=1)},
    min_score={"red": 0.5, "yellow": 0.3, "blue": 0.2},
)
FORCE = {"kind": "rule", "rule_id": "R1", "text": "watch list", "action": {"lane": "red"}}
# (score, lane, day, exploration, reasons): day 1 had strong competition, day 2 weak.
PLANNED = [
    (0.95, "red", DAY1, False, []),
    (0.85, "red", DAY1, False, []),
    (0.75, "yellow", DAY1, False, []),  # red slots of day 1 went to 0.95 and 0.85
    (0.40, "yellow", DAY1, False, []),  # below the red minimum
    (0.20, "red", DAY1, False, [FORCE]),  # forced by a rule (beyond capacity: test data)
    (0.62, "red", DAY2, False, []),  # red on a weak day, ranked below day 1's yellow
    (0.10, "yellow", DAY2, True, []),  # exploration pick
    (0.30, "blue", DAY2, False, []),
    (0.05, "green", DAY2, False, []),
    (0.55, "yellow", DAY2, False, []),  # will be overridden to green by a supervisor
]


class Store(NamedTuple):
    engine: sa.Engine
    ids: list[str]


@pytest.fixture()
def store(database_url: str, tmp_path: Path) -> Iterator[Store]:
    engine = make_engine(database_url)
    migrate(engine)
    raw = pd.read_csv(BUNDLED_DATA_DIR / "kcs" / "df_syn_valid_eng.csv", dtype=str)
    rows = raw[raw["Office ID"] == OFFICE].head(len(PLANNED))
    src = tmp_path / "slice.csv"
    rows.to_csv(src, index=False)
    ingest_file(path=src, profile="kcs", engine=engine)
    ids = rows["Declaration ID"].tolist()
    with engine.begin() as conn:
        for decl, (score, lane, day, explore, reasons) in zip(ids, PLANNED, strict=True):
            conn.execute(
                sa.insert(risk_assessments).values(
                    declaration_id=decl,
                    item_no=1,
                    office_id=OFFICE,
                    declaration_date=day,
                    model_version="t",
                    score=score,
                    model_score=score,
                    critical_score=0.0,
                    revenue_at_risk=score * 1_000_000,
                    lane=lane,
                    exploration=explore,
                    reasons=reasons,
                    rules_fired=[r["rule_id"] for r in reasons],
                )
            )
        # The first red item was inspected a week after its declaration: found fraud.
        conn.execute(
            sa.insert(risk_inspections).values(
                declaration_id=ids[0],
                item_no=1,
                fraud=True,
                critical=False,
                additional_duty=50_000.0,
                officer="t",
                recorded_at=dt.datetime(2021, 1, 13, 9, tzinfo=dt.UTC),
            )
        )
        conn.execute(
            sa.insert(risk_lane_overrides).values(
                declaration_id=ids[9],
                item_no=1,
                previous_lane="yellow",
                lane="green",
                reason="known trader",
                user="sup",
            )
        )
    yield Store(engine, ids)
    engine.dispose()


def _page(store: Store, **flt: Any) -> tuple[int, list[Any], list[Any]]:
    return queue(
        engine=store.engine, office=OFFICE, flt=QueueFilter(**flt), limit=50, offset=0, plan=PLAN
    )


def test_selected_is_one_definition() -> None:
    assert SELECTED_LANES == ("red", "yellow", "blue")
    assert not is_selected("green")


def test_queue_defaults_to_open_selected_items(store: Store) -> None:
    total, items, _ = _page(store)
    ids = store.ids
    # 10 items: minus green, minus the override to green, minus the inspected one
    assert total == 7
    assert ids[0] not in {i.declaration_id for i in items}  # inspected: not open
    total_all, _, _ = _page(store, status="all")
    assert total_all == 8


def test_declaration_search(store: Store) -> None:
    target = store.ids[2]
    total, items, _ = _page(store, declaration=target, status="all", lane="all")
    assert total == 1 and items[0].declaration_id == target
    assert _page(store, declaration="NO-SUCH-NUMBER")[0] == 0


def test_causes_explain_a_yellow_above_a_red(store: Store) -> None:
    _, items, cutoffs = _page(store, status="all", lane="all")
    by_score = {round(i.score, 2): i for i in items}
    yellow, red = by_score[0.75], by_score[0.62]
    # sorted by score: day 1's yellow ranks above day 2's red ...
    assert items.index(yellow) < items.index(red)
    # ... and the row says why: day 1's red slots went to higher scores
    assert "red slots went to higher scores" in yellow.cause and "0.85" in yellow.cause
    assert "within the day's red slots" in red.cause
    assert "below the red minimum" in by_score[0.40].cause
    assert by_score[0.20].cause == "forced red by a rule"
    assert by_score[0.10].cause.startswith("exploration pick")
    assert by_score[0.30].cause.startswith("post-clearance audit")
    assert by_score[0.05].cause.startswith("not selected")
    assert by_score[0.55].cause == "set by a supervisor (scored yellow)"
    assert by_score[0.55].lane == "green" and by_score[0.55].scored_lane == "yellow"
    day = {c.day: c for c in cutoffs}
    # cut-offs leave out rule-forced items and exploration picks
    assert (day["2021-01-04"].red, day["2021-01-04"].red_cutoff) == (3, 0.85)
    assert day["2021-01-04"].yellow_cutoff == 0.40
    assert day["2021-01-05"].red_cutoff == 0.62
    assert day["2021-01-05"].yellow_cutoff == 0.55  # as scored, before the override
    assert day["2021-01-05"].red_capacity == 2


def test_revenue_at_risk_sorts(store: Store) -> None:
    _, items, _ = _page(store, status="all", lane="all", sort="revenue_at_risk", order="asc")
    values = [i.revenue_at_risk for i in items]
    assert values == sorted(values)


def test_dashboard_counts_results_in_the_week_recorded(store: Store) -> None:
    frame = dashboard_frame(engine=store.engine, office=OFFICE)
    d = weekly(frame, office=OFFICE, names={OFFICE: "Airport"})
    weeks = {r.week: r for r in d.rows}
    # declared in 2021-W01, result recorded on 13 January (2021-W02)
    assert weeks["2021-W01"].declarations == 10 and weeks["2021-W01"].inspected == 0
    assert weeks["2021-W02"].inspected == 1 and weeks["2021-W02"].hits == 1
    assert weeks["2021-W02"].revenue == 50_000.0
    # the queue's "selected": red, yellow, blue (the override to green is not selected)
    assert d.totals.selected == 8
    # one inspection: counts and interval, no 100 %
    assert d.totals.hit_rate.rate is None and d.totals.hit_rate.inspected == 1
    assert d.rows[0].office_name == "Airport"


def test_overview_per_office_with_backlog(store: Store) -> None:
    frame = dashboard_frame(engine=store.engine, office=None)
    o = national(frame, register=office_register(), today=dt.date(2021, 1, 12))
    assert len([r for r in o.offices if r.known]) == 34  # every customs office
    airport = next(r for r in o.offices if r.office == OFFICE)
    assert (airport.declarations, airport.selected, airport.inspected) == (10, 8, 1)
    assert airport.backlog == 7
    # day 2 (5 Jan) is 7 days old on the 12th, day 1 (4 Jan) 8 days
    assert airport.backlog_by_age == {"<= 1 d": 0, "2-7 d": 3, "8-30 d": 4, "> 30 d": 0}
    assert airport.name == "Incheon Airport Main Customs" and airport.name_ko
    assert o.offices[0].office == OFFICE  # busiest first
    assert o.totals.backlog == 7


def test_hit_rate_interval() -> None:
    assert hit_rate(1, 1).rate is None
    low, high = wilson(5, 10) or (0, 0)
    assert low < 0.5 < high
    assert hit_rate(5, 10).rate == 0.5
    with pytest.raises(ValueError):
        wilson(3, 2)
