"""Every change is audited; editing case history anywhere is caught."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy import Engine

from opencustoms.cases.history import CASE, history, verify_cases
from opencustoms.cases.queue import list_alerts
from opencustoms.cases.service import add_note, create_case, decide
from opencustoms.workspace import audit

from .conftest import ANA, KIM, Importer, alert


def _decided_case(engine: Engine, load: Importer) -> int:
    load([alert("A1", "C1"), alert("A2", "C2")], office="40")
    ids = [r.id for r in list_alerts(engine=engine, actor=ANA)[1]]
    case = create_case(engine=engine, actor=KIM, alert_ids=ids)
    add_note(engine=engine, actor=KIM, case_id=case.id, body="checked bank records")
    decide(engine=engine, actor=KIM, case_id=case.id, status="closed", outcome="false_positive")
    return case.id


def test_history_lists_every_change(engine: Engine, load: Importer) -> None:
    case_id = _decided_case(engine, load)
    entries = history(engine=engine, object_type=CASE, object_id=case_id)
    assert [e["action"] for e in entries] == ["case_opened", "case_note", "case_closed"]
    assert entries[-1]["actor"] == "kim" and entries[-1]["detail"]["outcome"] == "false_positive"
    assert verify_cases(engine=engine).ok


def test_audit_verify_catches_an_edited_case_entry(engine: Engine, load: Importer) -> None:
    case_id = _decided_case(engine, load)
    with engine.begin() as conn:
        conn.execute(
            sa.text(
                "UPDATE ws_audit SET actor = 'someone_else' "
                "WHERE object_type = 'case' AND object_id = :id AND action = 'case_closed'"
            ),
            {"id": str(case_id)},
        )
    result = audit.verify(engine=engine)
    assert not result.ok and "edited (action=case_closed" in result.problems[0]
    assert not verify_cases(engine=engine).ok


def test_verify_cases_catches_a_case_edited_behind_the_chain(
    engine: Engine, load: Importer
) -> None:
    case_id = _decided_case(engine, load)
    with engine.begin() as conn:
        conn.execute(
            sa.text("UPDATE cases_cases SET outcome = 'confirmed' WHERE id = :id"), {"id": case_id}
        )
    assert audit.verify(engine=engine).ok  # the chain itself is intact...
    check = verify_cases(engine=engine)
    assert not check.ok and f"case {case_id} differs" in check.problems[0]


def test_verify_cases_catches_a_changed_label(engine: Engine, load: Importer) -> None:
    _decided_case(engine, load)
    with engine.begin() as conn:
        conn.execute(sa.text("UPDATE cases_labels SET label = 1"))
    assert not verify_cases(engine=engine).ok


def test_verify_cases_catches_a_deleted_case_entry(engine: Engine, load: Importer) -> None:
    case_id = _decided_case(engine, load)
    with engine.begin() as conn:
        conn.execute(
            sa.text("DELETE FROM ws_audit WHERE object_type = 'case' AND object_id = :id"),
            {"id": str(case_id)},
        )
    check = verify_cases(engine=engine)
    assert not check.ok
    assert any("deleted" in p for p in check.problems)
    assert any(f"case {case_id} has no audited history" in p for p in check.problems)
