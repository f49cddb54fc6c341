"""Cases: open from alerts, merge, assign, notes, investigate, refer/close with outcome,
labels per alert and precision per detector, office and month."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import Engine

from opencustoms.cases.feedback import labels_frame, precision, precision_totals
from opencustoms.cases.queue import list_alerts
from opencustoms.cases.service import (
    add_note,
    assign,
    create_case,
    decide,
    get_case,
    list_cases,
    merge_cases,
    start_investigation,
)
from opencustoms.errors import Conflict, Forbidden, InvalidInput, NotFound

from .conftest import ADMIN, ANA, KIM, LEE, TRADER, Importer, alert


def _ids(engine: Engine) -> dict[str, int]:
    return {r.subject_id: r.id for r in list_alerts(engine=engine, actor=ANA, limit=1000)[1]}


def test_case_lifecycle_to_labels_and_precision(engine: Engine, load: Importer) -> None:
    load([alert("A1", "C1", evidence={"declarations": ["D1", "D2"]}),
          alert("A2", "C2", evidence={"declarations": ["D2", "D3"]}, amount_krw=2e7)],
         office="40")  # fmt: skip
    load([alert("R1", "D9", typology="risk_lane_red")], source="risk", office="40")
    ids = _ids(engine)
    case = create_case(engine=engine, actor=KIM, alert_ids=[ids["C1"], ids["C2"]])
    assert (case.status, case.office, case.alert_count) == ("open", "40", 2)
    assert case.amount_at_stake_krw == 1.2e8
    detail = get_case(engine=engine, actor=KIM, case_id=case.id)
    assert detail.evidence == {"declarations": ["D1", "D2", "D3"]}
    assert {a.state for a in detail.alerts} == {"case"}
    with pytest.raises(Conflict):  # an alert belongs to one case
        create_case(engine=engine, actor=KIM, alert_ids=[ids["C1"]])

    assign(engine=engine, actor=KIM, case_id=case.id, assignee="park")
    add_note(engine=engine, actor=KIM, case_id=case.id, body="Director also runs C2.")
    start_investigation(engine=engine, actor=KIM, case_id=case.id)
    with pytest.raises(InvalidInput) as err:
        decide(engine=engine, actor=KIM, case_id=case.id, status="referred", outcome="confirmed")
    assert err.value.field == "referral"
    referred = decide(
        engine=engine, actor=KIM, case_id=case.id, status="referred", outcome="confirmed",
        referral="prosecution", amount_recovered_krw=3e7,
    )  # fmt: skip
    assert (referred.status, referred.referral) == ("referred", "prosecution")
    rows = precision(engine=engine, actor=KIM)
    assert [(r.source, r.office, r.confirmed, r.precision) for r in rows] == [
        ("tradecrime", "40", 2, 1.0)
    ]

    # The risk alert turns out to be a false positive: precision per detector differs.
    risk_case = create_case(engine=engine, actor=KIM, alert_ids=[ids["D9"]])
    decide(engine=engine, actor=KIM, case_id=risk_case.id, status="closed",
           outcome="false_positive")  # fmt: skip
    totals = precision_totals(precision(engine=engine, actor=ANA))
    assert totals["tradecrime"].precision == 1.0 and totals["risk"].precision == 0.0

    # Closing the referral later with another outcome replaces its labels.
    with pytest.raises(Forbidden):  # analysts read every office but change none
        decide(engine=engine, actor=ANA, case_id=case.id, status="closed", outcome="confirmed")
    decide(engine=engine, actor=ADMIN, case_id=case.id, status="closed", outcome="inconclusive")
    frame = labels_frame(engine=engine)
    tc = frame[frame["source"] == "tradecrime"]
    assert list(tc["outcome"]) == ["inconclusive", "inconclusive"]
    assert tc["label"].isna().all() and set(tc["decided_by"]) == {"root"}
    totals = precision_totals(precision(engine=engine, actor=ANA))
    assert totals["tradecrime"].precision is None and totals["tradecrime"].inconclusive == 2
    with pytest.raises(Conflict):
        decide(engine=engine, actor=ADMIN, case_id=case.id, status="closed", outcome="confirmed")
    final = get_case(engine=engine, actor=KIM, case_id=case.id)
    assert final.notes[0].body == "Director also runs C2." and final.assignee == "park"
    assert final.amount_recovered_krw == 0.0


def test_precision_is_by_month_of_decision(engine: Engine, load: Importer) -> None:
    load([alert(f"A{i}", f"C{i}") for i in range(3)], office="40")
    ids = _ids(engine)
    for subject, month, outcome in (("C0", 1, "confirmed"), ("C1", 1, "false_positive"),
                                    ("C2", 2, "confirmed")):  # fmt: skip
        case = create_case(engine=engine, actor=KIM, alert_ids=[ids[subject]])
        when = dt.datetime(2026, month, 15, tzinfo=dt.UTC)
        decide(engine=engine, actor=KIM, case_id=case.id, status="closed", outcome=outcome,
               now=when)  # fmt: skip
    rows = precision(engine=engine, actor=KIM, source="tradecrime")
    assert [(r.month, r.decided, r.precision) for r in rows] == [
        ("2026-01", 2, 0.5),
        ("2026-02", 1, 1.0),
    ]


def test_roles_see_their_office_only(engine: Engine, load: Importer) -> None:
    load([alert("A1", "C1")], office="40")
    load([alert("B1", "C2")], office="20")
    ids = _ids(engine)
    mine = create_case(engine=engine, actor=KIM, alert_ids=[ids["C1"]])
    with pytest.raises(NotFound):
        create_case(engine=engine, actor=KIM, alert_ids=[ids["C2"]])
    with pytest.raises(NotFound):
        get_case(engine=engine, actor=LEE, case_id=mine.id)
    with pytest.raises(Forbidden):
        get_case(engine=engine, actor=TRADER, case_id=mine.id)
    assert get_case(engine=engine, actor=ANA, case_id=mine.id).id == mine.id
    assert list_cases(engine=engine, actor=LEE)[0] == 0
    assert list_cases(engine=engine, actor=ANA)[0] == 1
    with pytest.raises(NotFound):  # an officer cannot hand a case to another office
        assign(engine=engine, actor=KIM, case_id=mine.id, assignee="x", office="20")
    with pytest.raises(Forbidden):
        assign(engine=engine, actor=ANA, case_id=mine.id, assignee="choi")
    moved = assign(engine=engine, actor=ADMIN, case_id=mine.id, assignee="choi", office="20")
    assert moved.office == "20"
    assert get_case(engine=engine, actor=LEE, case_id=mine.id).alerts[0].office == "20"


def test_merge_moves_alerts_and_notes(engine: Engine, load: Importer) -> None:
    load([alert("A1", "C1"), alert("A2", "C2")], office="40")
    load([alert("B1", "C3")], office="20")
    ids = _ids(engine)
    one = create_case(engine=engine, actor=KIM, alert_ids=[ids["C1"]])
    two = create_case(engine=engine, actor=KIM, alert_ids=[ids["C2"]])
    other_office = create_case(engine=engine, actor=LEE, alert_ids=[ids["C3"]])
    add_note(engine=engine, actor=KIM, case_id=two.id, body="same director")
    merged = merge_cases(engine=engine, actor=KIM, into=one.id, other=two.id)
    assert merged.alert_count == 2 and [n.body for n in merged.notes] == ["same director"]
    assert get_case(engine=engine, actor=KIM, case_id=two.id).merged_into == one.id
    with pytest.raises(Conflict):
        add_note(engine=engine, actor=KIM, case_id=two.id, body="late")
    with pytest.raises(InvalidInput):
        merge_cases(engine=engine, actor=ADMIN, into=one.id, other=other_office.id)
    assert [c.id for c in list_cases(engine=engine, actor=KIM)[1]] == [one.id]


def test_mixed_office_alerts_cannot_share_a_case(engine: Engine, load: Importer) -> None:
    load([alert("A1", "C1")], office="40")
    load([alert("B1", "C2")], office="20")
    ids = _ids(engine)
    with pytest.raises(InvalidInput):
        create_case(engine=engine, actor=ADMIN, alert_ids=[ids["C1"], ids["C2"]])
    with pytest.raises(NotFound):
        create_case(engine=engine, actor=ADMIN, alert_ids=[999])
    with pytest.raises(Forbidden):
        create_case(engine=engine, actor=ANA, alert_ids=[ids["C1"]])
