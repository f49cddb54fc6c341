"""Alert intake: deduplication per subject and typology within the window, idempotent
re-imports, offices, SLA clocks, the queue's filters and who sees what."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from sqlalchemy import Engine

from opencustoms.cases.queue import dismiss, get_alert, list_alerts, triage
from opencustoms.errors import Conflict, Forbidden, InvalidInput, NotFound

from .conftest import ANA, KIM, LEE, NOW, TRADER, Importer, alert


def test_same_subject_and_typology_within_the_window_is_one_matter(
    engine: Engine, load: Importer
) -> None:
    res = load(
        [
            alert("A1", "C1", evidence={"va_transfers": ["T1", "T2"]}, score=0.6),
            # 10 days after A1 ends: inside the 30-day window, disjoint periods -> amounts add
            alert(
                "A2",
                "C1",
                period_start="2026-02-10",
                period_end="2026-02-20",
                evidence={"va_transfers": ["T2", "T3"]},
                score=0.9,
                amount_krw=5e7,
            ),
            # 31+ days after A2 ends: a new matter
            alert("A3", "C1", period_start="2026-03-23", period_end="2026-03-30"),
            # same subject, other typology: its own matter
            alert("A4", "C1", typology="phoenix"),
            alert("A5", "C2"),
        ],
        office="40",
    )
    assert (res.input, res.new, res.merged) == (5, 4, 1)
    total, rows = list_alerts(engine=engine, actor=ANA)
    c1 = sorted(
        (r for r in rows if r.subject_id == "C1" and r.typology == "hwanchigi"),
        key=lambda r: r.period_start,
    )
    assert total == 4 and len(c1) == 2
    first = c1[0]
    assert first.merged_count == 2
    assert first.score == 0.9 and first.amount_krw == 1.5e8
    assert (first.period_start, first.period_end) == (dt.date(2026, 1, 1), dt.date(2026, 2, 20))
    assert first.evidence_counts == {"va_transfers": 3}
    assert "explanation of A1" in first.explanation and "explanation of A2" in first.explanation


def test_overlapping_periods_keep_the_larger_amount(engine: Engine, load: Importer) -> None:
    load([alert("A1", "C1", amount_krw=1e8), alert("A2", "C1", amount_krw=7e7)], office="40")
    _, rows = list_alerts(engine=engine, actor=ANA)
    assert [(r.amount_krw, r.merged_count) for r in rows] == [(1e8, 2)]


def test_reimport_is_harmless_and_dismissed_matters_are_not_reopened(
    engine: Engine, load: Importer
) -> None:
    rows = [alert("A1", "C1", evidence={"declarations": ["D1"]})]
    assert load(rows, office="40").new == 1
    again = load(rows, office="40")
    assert (again.input, again.new, again.merged) == (1, 0, 1)
    _, listed = list_alerts(engine=engine, actor=ANA)
    assert listed[0].merged_count == 1  # the re-delivery changed nothing
    dismiss(engine=engine, actor=KIM, alert_id=listed[0].id, reason="known exporter")
    # A new alert on the dismissed matter becomes a new alert, not a hidden fold-in.
    assert load([alert("A9", "C1")], office="40").new == 1


def test_office_from_evidence_declarations(engine: Engine, load: Importer) -> None:
    from .conftest import make_world

    make_world(engine, hub_declarations=3)
    load([alert("A1", "C1", evidence={"declarations": ["D0", "D1", "D2"]}), alert("A2", "C9")])
    _, rows = list_alerts(engine=engine, actor=ANA, sort="created")
    offices = {r.subject_id: r.office for r in rows}
    assert offices == {"C1": "40", "C9": None}
    # An officer sees the office's alert, not the one nobody owns yet.
    assert [r.subject_id for r in list_alerts(engine=engine, actor=KIM)[1]] == ["C1"]


def test_sla_due_from_the_policy_and_breach_filter(engine: Engine, load: Importer) -> None:
    load([alert("S1", "P1", typology="sanctions_name")], source="screening", office="40")
    load([alert("T1", "C1")], source="tradecrime", office="40")
    by_source = {r.source: r for r in list_alerts(engine=engine, actor=KIM, now=NOW)[1]}
    assert by_source["screening"].due_at == NOW + dt.timedelta(hours=4)
    assert by_source["tradecrime"].due_at == NOW + dt.timedelta(hours=240)
    later = NOW + dt.timedelta(hours=5)
    breached = list_alerts(engine=engine, actor=KIM, sla="breached", now=later)[1]
    assert [r.source for r in breached] == ["screening"]
    assert breached[0].sla == "breached" and breached[0].hours_left == -1.0
    assert [r.source for r in list_alerts(engine=engine, actor=KIM, sla="open", now=later)[1]] == [
        "tradecrime"
    ]


def test_queue_filters_and_visibility(engine: Engine, load: Importer) -> None:
    load([alert("A1", "C1"), alert("A2", "C2", typology="phoenix")], office="40")
    load([alert("B1", "C3")], office="20")
    assert list_alerts(engine=engine, actor=ANA)[0] == 3
    assert list_alerts(engine=engine, actor=KIM)[0] == 2
    assert list_alerts(engine=engine, actor=LEE)[0] == 1
    # An officer filtering on another office gets nothing, not that office's queue.
    assert list_alerts(engine=engine, actor=KIM, office="20")[0] == 0
    assert [r.subject_id for r in list_alerts(engine=engine, actor=ANA, typology="phoenix")[1]] == [
        "C2"
    ]
    with pytest.raises(Forbidden):
        list_alerts(engine=engine, actor=TRADER)
    with pytest.raises(InvalidInput) as err:
        list_alerts(engine=engine, actor=ANA, state="open")
    assert err.value.field == "state"


def test_triage_and_dismiss_moves(engine: Engine, load: Importer) -> None:
    load([alert("A1", "C1"), alert("A2", "C2")], office="40")
    ids = sorted(r.id for r in list_alerts(engine=engine, actor=KIM)[1])
    assert triage(engine=engine, actor=KIM, alert_id=ids[0]).state == "triage"
    with pytest.raises(Conflict):
        triage(engine=engine, actor=KIM, alert_id=ids[0])
    with pytest.raises(NotFound):
        triage(engine=engine, actor=LEE, alert_id=ids[1])  # other office: not found
    with pytest.raises(InvalidInput):
        dismiss(engine=engine, actor=KIM, alert_id=ids[1], reason="  ")
    done = dismiss(engine=engine, actor=KIM, alert_id=ids[1], reason="duplicate of a closed case")
    assert (done.state, done.sla, done.hours_left) == ("dismissed", "done", None)
    view, evidence = get_alert(engine=engine, actor=KIM, alert_id=ids[1])
    assert view.dismiss_reason == "duplicate of a closed case" and evidence == {}
    with engine.connect() as conn:
        actions = [r[0] for r in conn.execute(sa.text("SELECT action FROM ws_audit ORDER BY seq"))]
    assert actions == ["alerts_imported", "alert_triage", "alert_dismissed"]


def test_bad_alert_files_name_the_field(engine: Engine, load: Importer) -> None:
    with pytest.raises(InvalidInput) as err:
        load([alert("A1", "C1", period_start="2026-02-01", period_end="2026-01-01")])
    assert err.value.field == "period_end"
    with pytest.raises(InvalidInput) as err:
        load([alert("A1", "C1", evidence={"declarations": "D1"})])
    assert err.value.field == "evidence"
    with pytest.raises(InvalidInput) as err:
        load([alert("A1", "C1")], source="")
    assert err.value.field == "source"
    assert list_alerts(engine=engine, actor=ANA)[0] == 0  # nothing half-imported
