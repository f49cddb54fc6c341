"""Own parcels and declarations: never another person's row, never risk information; the
misuse report opens an alert for the office."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from sqlalchemy import Engine

from opencustoms.cases.models import AlertRow
from opencustoms.errors import InvalidInput, NotFound
from opencustoms.portal import accounts as acc
from opencustoms.portal.own import (
    Caller,
    caller_for_account,
    caller_for_trader,
    my_declarations,
    my_parcels,
    report_misuse,
)

from .conftest import NOW, PCCC_A, PCCC_B, seed

RISK_WORDS = ("score", "reason", "typolog", "lane", "risk")


def _account(engine: Engine, verified: bool) -> Caller:
    from opencustoms.db import session_scope
    from opencustoms.portal.models import AccountRow

    with session_scope(engine) as s:
        row = AccountRow(
            email="m@example.org",
            password_hash="x",
            display_name="M",
            language="ko",
            status="active",
            created_at=NOW,
        )
        s.add(row)
        s.flush()
        account_id = row.id
    ident = acc.request_identity(engine=engine, account_id=account_id, kind="pccc", value=PCCC_A)
    if verified:
        acc.decide_identity(
            engine=engine, identity_id=ident, approve=True, officer="kim", role="officer"
        )
    return caller_for_account(engine=engine, account_id=account_id, name="M")


def test_parcels_only_under_verified_own_codes(any_engine: Engine) -> None:
    seed(any_engine)
    assert my_parcels(engine=any_engine, caller=_account(any_engine, verified=False)) == []
    caller = caller_for_account(engine=any_engine, account_id=1, name="M")
    assert caller.pcccs == frozenset()
    acc.decide_identity(
        engine=any_engine, identity_id=1, approve=True, officer="kim", role="officer"
    )
    caller = caller_for_account(engine=any_engine, account_id=1, name="M")
    rows = my_parcels(engine=any_engine, caller=caller)
    assert [r["parcel_id"] for r in rows] == ["A2", "A1"]  # newest first
    assert {r["pccc"] for r in rows} == {PCCC_A}
    a1 = rows[1]
    assert a1["status"] == "duty payable" and a1["taxes_due_krw"] == 3000.0
    assert rows[0]["status"] == "received" and rows[0]["taxes_due_krw"] is None
    # The history shows the other name written under the code (what misuse looks like).
    assert {r["recipient_name"] for r in rows} == {"Kim Minji", "Park Joon"}
    for r in rows:
        assert not any(w in k for k in r for w in RISK_WORDS), r.keys()
        assert "secret" not in str(r.values()) and "undervaluation" not in str(r.values())


def test_a_forged_caller_cannot_widen_the_query(seeded: Engine) -> None:
    # Even a caller object listing someone else's code only ever gets rows of its codes:
    # the filter is in the query, not in the page.
    caller = Caller(kind="account", id=5, name="x", pcccs=frozenset({PCCC_B}))
    assert {r["pccc"] for r in my_parcels(engine=seeded, caller=caller)} == {PCCC_B}
    nobody = Caller(kind="account", id=6, name="y")
    assert my_parcels(engine=seeded, caller=nobody) == []
    assert my_declarations(engine=seeded, caller=nobody) == {"total": 0, "items": []}


def test_report_misuse_opens_one_alert_for_the_office(seeded: Engine) -> None:
    caller = _account(seeded, verified=True)
    alert_id = report_misuse(
        engine=seeded, caller=caller, parcel_ids=["A2"], note="Park Joon is not me", now=NOW
    )
    again = report_misuse(engine=seeded, caller=caller, parcel_ids=["A2"], note="", now=NOW)
    assert again == alert_id
    with seeded.connect() as conn:
        alerts = conn.execute(sa.select(AlertRow.__table__)).mappings().all()
    assert len(alerts) == 1
    a = alerts[0]
    assert (a["typology"], a["subject_id"], a["office"], a["subject_type"]) == (
        "pccc_misuse_reported",
        PCCC_A,
        "20",
        "pccc",
    )
    assert "Park Joon is not me" in a["explanation"]


def test_report_misuse_refuses_other_peoples_parcels(seeded: Engine) -> None:
    caller = _account(seeded, verified=True)
    with pytest.raises(NotFound) as err:
        report_misuse(engine=seeded, caller=caller, parcel_ids=["A1", "B1"], note="", now=NOW)
    assert "B1" in str(err.value)
    with pytest.raises(InvalidInput):
        report_misuse(engine=seeded, caller=caller, parcel_ids=[" "], note="", now=NOW)
    unverified = Caller(kind="account", id=99, name="z")
    with pytest.raises(NotFound):
        report_misuse(engine=seeded, caller=unverified, parcel_ids=["A1"], note="", now=NOW)
    with seeded.connect() as conn:
        assert (
            conn.execute(sa.select(sa.func.count()).select_from(AlertRow.__table__)).scalar() == 0
        )


def test_own_declarations_with_taxes_due(seeded: Engine) -> None:
    acme = caller_for_trader(user_id=1, username="acme", trader_id="ACME")
    out = my_declarations(engine=seeded, caller=acme)
    assert out["total"] == 2
    assert [i["declaration_id"] for i in out["items"]] == ["D-ACME-2", "D-ACME-1"]
    item = out["items"][0]
    assert item["status"] == "received"
    # 3,000,000 KRW leather handbag from FR: duty + VAT > 0, each line with its basis.
    assert item["taxes_due"] > 300_000
    assert {ln["tax"] for ln in item["tax_lines"]} >= {"customs_duty", "vat"}
    assert all(ln["reference"] for ln in item["tax_lines"])
    for i in out["items"]:
        assert not any(w in k for k in i for w in RISK_WORDS)
