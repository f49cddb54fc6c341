"""The whole path on both databases: import with dedup, case, decision, precision by month
(the one dialect-specific expression), audit check."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pandas as pd

from opencustoms.alertfile import read_alerts, write_alerts
from opencustoms.cases.alerts import import_alerts, incoming_from_frame
from opencustoms.cases.feedback import precision
from opencustoms.cases.history import verify_cases
from opencustoms.cases.network import build_network
from opencustoms.cases.queue import list_alerts
from opencustoms.cases.service import create_case, decide, get_case
from opencustoms.db import make_engine, migrate

from .conftest import ANA, KIM, NOW, alert, make_world


def test_flow_on_both_databases(database_url: str, tmp_path: Path) -> None:
    migrate(database_url)
    engine = make_engine(database_url)
    make_world(engine, hub_declarations=30)
    path = tmp_path / "a.csv"
    rows = [alert("A1", "C1", evidence={"declarations": [f"D{i}" for i in range(30)]}),
            alert("A2", "C1", evidence={"va_transfers": ["T1"]}), alert("A3", "C2")]  # fmt: skip
    write_alerts(pd.DataFrame(rows), path)
    alerts = incoming_from_frame(read_alerts(path))
    res = import_alerts(engine=engine, alerts=alerts, source="tradecrime", now=NOW)
    assert (res.new, res.merged) == (2, 1)
    listed = {r.subject_id: r for r in list_alerts(engine=engine, actor=ANA)[1]}
    assert listed["C1"].office == "40" and listed["C2"].office is None
    case = create_case(engine=engine, actor=KIM, alert_ids=[listed["C1"].id])
    detail = get_case(engine=engine, actor=KIM, case_id=case.id)
    assert len(detail.evidence["declarations"]) == 30 and detail.evidence["va_transfers"] == ["T1"]
    decide(engine=engine, actor=KIM, case_id=case.id, status="closed", outcome="confirmed",
           now=dt.datetime(2026, 3, 5, tzinfo=dt.UTC))  # fmt: skip
    assert [(r.month, r.precision) for r in precision(engine=engine, actor=KIM)] == [
        ("2026-03", 1.0)
    ]
    net = build_network(engine=engine, seeds=["C1"], hops=2, max_neighbours=5)
    assert any(n.type == "summary" for n in net.nodes)
    assert verify_cases(engine=engine).ok
    engine.dispose()
