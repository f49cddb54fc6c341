"""The supervisor console's domain on both databases: backlog by age, assignments (who,
to whom, when; office-bound), and the review of lane overrides (accept, reopen)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import Engine, insert, select

from opencustoms.db import make_engine, migrate
from opencustoms.declarations.service import ingest_records
from opencustoms.errors import Conflict, InvalidInput, NotFound
from opencustoms.risk.assessments import lanes_for
from opencustoms.risk.feedback import override_lane, record_inspection
from opencustoms.risk.models import risk_assessments, risk_assignments
from opencustoms.risk.supervision import (
    assign,
    backlog,
    open_items,
    pending_overrides,
    review_override,
)
from opencustoms.workspace.models import UserCreate
from opencustoms.workspace.users import create_user, prepare_database

TODAY = dt.date(2021, 1, 20)
# (id, office, lane, days before TODAY)
ITEMS = [
    ("A0", "40", "red", 0),
    ("A1", "40", "yellow", 1),
    ("A2", "40", "red", 2),
    ("A5", "40", "blue", 5),
    ("A9", "40", "yellow", 9),
    ("AG", "40", "green", 3),  # not selected
    ("AI", "40", "red", 4),  # inspected below
    ("B1", "20", "red", 1),  # another office
]


def _world(url: str) -> Engine:
    migrate(url)
    engine = make_engine(url)
    prepare_database(engine)
    for name, role, office in (("kim", "officer", "40"), ("sup", "supervisor", "40"),
                               ("lee", "officer", "20"), ("ana", "analyst", "40")):  # fmt: skip
        create_user(engine=engine, data=UserCreate(
            username=name, password="a long test password 1", role=role, office=office))  # type: ignore[arg-type]  # fmt: skip
    days = {d: (TODAY - dt.timedelta(days=n)).isoformat() for d, _, _, n in ITEMS}
    records = [
        {"declaration_id": d, "office_id": o, "hs_code": "8471300000", "importer_id": "I" + d,
         "declaration_date": days[d]} for d, o, _, _ in ITEMS
    ]  # fmt: skip
    ingest_records(records=records, source="t", engine=engine)
    with engine.begin() as conn:
        conn.execute(insert(risk_assessments), [
            {"declaration_id": d, "item_no": 1, "office_id": o,
             "declaration_date": dt.date.fromisoformat(days[d]), "model_version": "m",
             "score": 0.5 + n / 100, "model_score": 0.5, "critical_score": 0.1,
             "revenue_at_risk": 1.0, "lane": lane, "exploration": False, "reasons": [],
             "rules_fired": []}
            for d, o, lane, n in ITEMS
        ])  # fmt: skip
    record_inspection(engine=engine, declaration_id="AI", fraud=False, user="kim")
    return engine


def test_backlog_by_age_and_assignments(database_url: str) -> None:
    engine = _world(database_url)
    b = backlog(engine=engine, office="40", on=TODAY)
    assert b.buckets == {"0-1": 2, "2-3": 1, "4-7": 1, ">7": 1}
    assert b.by_lane == {"red": 2, "yellow": 2, "blue": 1}
    assert (b.assigned, b.unassigned) == (0, 5)
    total, items = open_items(engine=engine, office="40", on=TODAY)
    assert total == 5 and [i.declaration_id for i in items] == ["A9", "A5", "A2", "A1", "A0"]
    assert items[0].age_days == 9
    n = assign(engine=engine, office="40", keys=[("A9", 1), ("A1", 1)], officer="kim", by="sup")
    assert n == 2
    total, mine = open_items(engine=engine, office="40", on=TODAY, assigned_to="kim")
    assert total == 2 and {i.declaration_id for i in mine} == {"A9", "A1"}
    assert mine[0].assigned_by == "sup" and mine[0].assigned_at is not None
    # Reassigning appends: the latest row wins, history stays.
    assign(engine=engine, office="40", keys=[("A9", 1)], officer=None, by="sup")
    assert open_items(engine=engine, office="40", on=TODAY, assigned_to="kim")[0] == 1
    with engine.connect() as conn:
        assert len(conn.execute(select(risk_assignments)).all()) == 3
    assert backlog(engine=engine, office="40", on=TODAY).assigned == 1


def test_assignment_is_bound_to_the_office(database_url: str) -> None:
    engine = _world(database_url)
    with pytest.raises(NotFound):  # another office's item
        assign(engine=engine, office="40", keys=[("B1", 1)], officer="kim", by="sup")
    with pytest.raises(InvalidInput) as err:  # another office's officer
        assign(engine=engine, office="40", keys=[("A0", 1)], officer="lee", by="sup")
    assert err.value.problems[0][0] == "officer"
    with pytest.raises(InvalidInput):  # analysts do not work queues
        assign(engine=engine, office="40", keys=[("A0", 1)], officer="ana", by="sup")
    with pytest.raises(InvalidInput, match="at least one"):
        assign(engine=engine, office="40", keys=[], officer="kim", by="sup")


def test_override_review_accept_and_reopen(database_url: str) -> None:
    engine = _world(database_url)
    first = override_lane(engine=engine, declaration_id="A1", lane="green",
                          reason="known trader, docs seen", user="sup")  # fmt: skip
    second = override_lane(engine=engine, declaration_id="A2", lane="green",
                           reason="paperwork checked", user="sup")  # fmt: skip
    override_lane(engine=engine, declaration_id="B1", lane="green",
                  reason="other office's change", user="lee")  # fmt: skip
    pending = pending_overrides(engine=engine, office="40")
    assert [p.override_id for p in pending] == [second.id, first.id]
    assert pending[0].previous_lane == "red" and pending[0].user == "sup"
    ok = review_override(engine=engine, office="40", override_id=first.id,
                         decision="accepted", note=None, reviewer="boss")  # fmt: skip
    assert ok.lane_now == "green"
    with pytest.raises(Conflict, match="already reviewed"):
        review_override(engine=engine, office="40", override_id=first.id,
                        decision="accepted", note=None, reviewer="boss")  # fmt: skip
    with pytest.raises(InvalidInput) as err:
        review_override(engine=engine, office="40", override_id=second.id,
                        decision="reopened", note="no", reviewer="boss")  # fmt: skip
    assert err.value.problems[0][0] == "note"
    back = review_override(engine=engine, office="40", override_id=second.id,
                           decision="reopened", note="inspect it now", reviewer="boss")  # fmt: skip
    assert back.lane_now == "red" and back.restored_override_id is not None
    assert lanes_for(engine=engine, keys=[("A2", 1)]) == {("A2", 1): "red"}
    # Neither the reviewed overrides nor the reopening wait for review any more.
    assert pending_overrides(engine=engine, office="40") == []
    with pytest.raises(NotFound):  # another office's override is not even confirmed
        review_override(engine=engine, office="40", override_id=second.id + 1,
                        decision="accepted", note=None, reviewer="boss")  # fmt: skip
    with pytest.raises(InvalidInput):
        review_override(engine=engine, office="40", override_id=first.id,
                        decision="maybe", note=None, reviewer="boss")  # fmt: skip
