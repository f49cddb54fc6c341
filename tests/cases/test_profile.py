"""An importer's profile on both databases: history, inspections and hit rate, watch
status, rules that name it, linked parties, and nothing from offices the caller may not
read (no count, no hit rate, no linked party, not even its existence)."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import Engine, insert

from opencustoms.cases.access import Actor
from opencustoms.cases.profile import importer_profile
from opencustoms.cases.watch import WatchIn, add_watch
from opencustoms.db import make_engine, migrate
from opencustoms.declarations.service import ingest_records
from opencustoms.errors import NotFound
from opencustoms.risk.feedback import record_inspection
from opencustoms.risk.models import risk_assessments
from opencustoms.risk.rule_schema import Rule, Watchlist

KIM = Actor(username="kim", role="officer", office="40")
LEE = Actor(username="lee", role="officer", office="20")
ANA = Actor(username="ana", role="analyst", office="10")
SUP40 = Actor(username="sup40", role="supervisor", office="40")
TRADER = Actor(username="t", role="trader", office="40")

# (id, office, importer, declarant, seller, hs, date)
ROWS = [
    ("A1", "40", "IMP1", "DEC1", "S1", "8471300000", "2021-01-05"),
    ("A2", "40", "IMP1", "DEC1", "S2", "8471300000", "2021-01-06"),
    ("A3", "40", "IMP1", "DEC2", "S1", "6109100000", "2021-01-07"),
    ("B1", "20", "IMP1", "DEC9", "S9", "9403200000", "2021-01-08"),
    ("B2", "20", "IMP2", "DEC9", "S9", "9403200000", "2021-01-08"),
]


def _world(url: str) -> Engine:
    migrate(url)
    engine = make_engine(url)
    records = [
        {"declaration_id": d, "office_id": o, "importer_id": i, "declarant_id": dc,
         "seller_id": s, "hs_code": hs, "declaration_date": day}
        for d, o, i, dc, s, hs, day in ROWS
    ]  # fmt: skip
    ingest_records(records=records, source="t", engine=engine)
    with engine.begin() as conn:
        conn.execute(insert(risk_assessments), [
            {"declaration_id": d, "item_no": 1, "office_id": o, "declaration_date":
             dt.date.fromisoformat(day), "model_version": "m", "score": 0.9, "model_score": 0.9,
             "critical_score": 0.1, "revenue_at_risk": 1.0, "lane": "red", "exploration": False,
             "reasons": [], "rules_fired": []}
            for d, o, _, _, _, _, day in ROWS
        ])  # fmt: skip
    record_inspection(engine=engine, declaration_id="A1", fraud=False, user="kim")
    record_inspection(
        engine=engine, declaration_id="A1", fraud=True, additional_duty=500, user="kim"
    )
    record_inspection(engine=engine, declaration_id="A2", fraud=False, user="kim")
    # Office 20's inspections must not reach office 40's figures.
    record_inspection(
        engine=engine, declaration_id="B1", fraud=True, additional_duty=9e6, user="lee"
    )
    add_watch(engine=engine, actor=SUP40, entry=WatchIn(
        kind="importer_id", party_id="IMP1", reason="tip-off 2021-01", office="40"))  # fmt: skip
    add_watch(engine=engine, actor=SUP40, entry=WatchIn(
        kind="seller_id", party_id="S1", reason="fake origin labels", office="40"))  # fmt: skip
    return engine


EXTRA = {"instructions": "Check the invoice", "reference": "test"}
RULES = [
    Rule.model_validate({**EXTRA,
        "id": "R40-IMP1", "office": "40", "valid_from": "2021-01-01",
        "when": [{"field": "importer_id", "op": "eq", "value": "IMP1"}],
        "action": {"lane": "yellow"}, "reason": "Importer named in a tip-off",
    }),
    Rule.model_validate({**EXTRA,
        "id": "NAT-WATCH", "office": "national", "valid_from": "2021-01-01",
        "when": [{"field": "importer_id", "op": "in_watchlist", "value": "hot"}],
        "action": {"score_boost": 0.1}, "reason": "Importer on the hot list",
    }),
    Rule.model_validate({**EXTRA,
        "id": "R40-OTHER", "office": "40", "valid_from": "2021-01-01",
        "when": [{"field": "importer_id", "op": "in", "value": ["IMP7", "IMP8"]}],
        "action": {"lane": "red"}, "reason": "Other importers entirely",
    }),
]  # fmt: skip
WATCHLISTS = {
    "hot": Watchlist(kind="importer_id", values=["IMP1", "IMP5"], reference="test list"),
    "cold": Watchlist(kind="importer_id", values=["IMP5"], reference="test list"),
}


def test_profile_of_an_officer_covers_their_office_only(database_url: str) -> None:
    engine = _world(database_url)
    p = importer_profile(engine=engine, actor=KIM, importer_id="IMP1", rules=RULES,
                         watchlists=WATCHLISTS)  # fmt: skip
    assert p.scope == ["40"]
    assert (p.items, p.declarations) == (3, 3)
    assert [(c.key, c.items) for c in p.by_office] == [("40", 3)]
    assert (str(p.first_date), str(p.last_date)) == ("2021-01-05", "2021-01-07")
    assert [(c.key, c.items) for c in p.top_hs4] == [("8471", 2), ("6109", 1)]
    # A1's latest inspection found fraud, A2's did not; B1 (office 20) is not counted.
    assert (p.inspections, p.frauds, p.hit_rate, p.additional_duty_krw) == (2, 1, 0.5, 500.0)
    assert [r.declaration_id for r in p.recent] == ["A3", "A2", "A1"]
    assert p.recent[2].fraud_found is True and p.recent[0].inspected is False
    assert p.recent[0].lane == "red"
    assert [w.reason for w in p.watch] == ["tip-off 2021-01"]
    assert p.rule_watchlists == ["hot"]
    assert [(m.id, m.how) for m in p.rules] == [
        ("R40-IMP1", "importer_id equals it"),
        ("NAT-WATCH", "importer on watchlist hot"),
    ]
    linked = {(x.kind, x.party_id): (x.items, x.watched) for x in p.linked}
    assert linked == {
        ("declarant_id", "DEC1"): (2, False),
        ("declarant_id", "DEC2"): (1, False),
        ("seller_id", "S1"): (2, True),
        ("seller_id", "S2"): (1, False),
    }  # nothing of office 20 (DEC9, S9)
    engine.dispose()


def test_no_side_channel_to_other_offices(database_url: str) -> None:
    engine = _world(database_url)
    lee = importer_profile(engine=engine, actor=LEE, importer_id="IMP1")
    assert (lee.items, lee.inspections, lee.frauds) == (1, 1, 1)
    assert lee.watch == []  # office 40's watch entry is not shown to office 20
    assert {x.party_id for x in lee.linked} == {"DEC9", "S9"}
    with pytest.raises(NotFound):  # IMP2 files at office 20 only
        importer_profile(engine=engine, actor=KIM, importer_id="IMP2")
    with pytest.raises(NotFound):
        importer_profile(engine=engine, actor=KIM, importer_id="NOBODY")
    ana = importer_profile(engine=engine, actor=ANA, importer_id="IMP1")
    assert ana.scope is None and ana.items == 4 and ana.inspections == 3
    engine.dispose()


def test_traders_have_no_profile(tmp_path: object) -> None:
    from opencustoms.errors import Forbidden

    engine = _world(f"sqlite:///{tmp_path}/p.sqlite")
    with pytest.raises(Forbidden):
        importer_profile(engine=engine, actor=TRADER, importer_id="IMP1")
