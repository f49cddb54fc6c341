"""Case network and the case file for referral (JSON + HTML)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from sqlalchemy import Engine

from opencustoms.cases.casefile import case_network, export_case
from opencustoms.cases.queue import list_alerts
from opencustoms.cases.service import add_note, create_case, decide
from opencustoms.errors import NotFound

from .conftest import ANA, KIM, LEE, Importer, alert, make_world


def _case(engine: Engine, load: Importer) -> int:
    make_world(engine, hub_declarations=5)
    load([alert("A1", "C1", evidence={"va_transfers": ["T1"], "declarations": ["D1"]},
                explanation="KRW-bought crypto sent abroad <b>by the director</b>")],
         office="40")  # fmt: skip
    ids = [r.id for r in list_alerts(engine=engine, actor=ANA)[1]]
    return create_case(engine=engine, actor=KIM, alert_ids=ids).id


def test_case_network_marks_evidence_and_expands(engine: Engine, load: Importer) -> None:
    case_id = _case(engine, load)
    net = case_network(engine=engine, actor=KIM, case_id=case_id, hops=1)
    nodes = {n.id: n for n in net.nodes}
    assert {"C1", "W1", "W2", "D1"} <= set(nodes)
    assert nodes["C1"].evidence and nodes["D1"].evidence and not nodes["P1"].evidence
    grown = case_network(engine=engine, actor=KIM, case_id=case_id, hops=1, expand="P1")
    assert {"C1", "C2", "W1"} <= {n.id for n in grown.nodes}
    with pytest.raises(NotFound):
        case_network(engine=engine, actor=LEE, case_id=case_id)


def test_export_writes_json_and_escaped_html(
    engine: Engine, load: Importer, tmp_path: Path
) -> None:
    case_id = _case(engine, load)
    add_note(engine=engine, actor=KIM, case_id=case_id, body="<script>alert(1)</script>")
    decide(engine=engine, actor=KIM, case_id=case_id, status="referred", outcome="confirmed",
           referral="tax_audit", amount_recovered_krw=12_000_000)  # fmt: skip
    json_path, html_path = export_case(
        engine=engine, actor=KIM, case_id=case_id, out_dir=tmp_path / "out"
    )
    data = json.loads(json_path.read_text())
    assert data["case"]["referral"] == "tax_audit"
    assert data["case"]["evidence"] == {"declarations": ["D1"], "va_transfers": ["T1"]}
    assert [h["action"] for h in data["history"]] == ["case_opened", "case_note", "case_referred"]
    assert data["labels"][0]["label"] == 1 and data["labels"][0]["decided_by"] == "kim"
    assert any(e["relation"] == "va_transfer" for e in data["network"]["edges"])
    page = html_path.read_text()
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert "&lt;b&gt;by the director&lt;/b&gt;" in page and "12,000,000" in page
