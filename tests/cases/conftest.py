"""Fixtures of the case tests: a migrated database, actors of each role, alert files and a
small trade world (tables named as the network configuration expects)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
import sqlalchemy as sa
from sqlalchemy import Engine

from opencustoms.cases.access import Actor
from opencustoms.cases.alerts import ImportResult, import_alerts, incoming_from_frame
from opencustoms.db import make_engine, migrate

KIM = Actor(username="kim", role="officer", office="40")
LEE = Actor(username="lee", role="officer", office="20")
ANA = Actor(username="ana", role="analyst", office="10")
TRADER = Actor(username="acme", role="trader", office="40")
NOW = dt.datetime(2026, 3, 1, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def engine(tmp_path: Path) -> Engine:
    url = f"sqlite:///{tmp_path / 'cases.sqlite'}"
    migrate(url)
    return make_engine(url)


def alert(alert_id: str, subject: str, **kw: Any) -> dict[str, Any]:
    row = {
        "alert_id": alert_id,
        "typology": "hwanchigi",
        "subject_id": subject,
        "score": 0.8,
        "period_start": "2026-01-01",
        "period_end": "2026-01-31",
        "amount_krw": 1e8,
        "evidence": {},
        "explanation": f"explanation of {alert_id}",
    }
    row.update(kw)
    return row


Importer = Callable[..., ImportResult]


@pytest.fixture
def load(engine: Engine, tmp_path: Path) -> Importer:
    """Import alert dicts through the alert file, as a detector delivers them."""
    from opencustoms.alertfile import read_alerts, write_alerts

    def _load(rows: list[dict[str, Any]], source: str = "tradecrime", **kw: Any) -> ImportResult:
        path = tmp_path / f"alerts-{len(list(tmp_path.glob('alerts-*')))}.csv"
        write_alerts(pd.DataFrame(rows), path)
        kw.setdefault("now", NOW)
        alerts = incoming_from_frame(read_alerts(path))
        return import_alerts(engine=engine, alerts=alerts, source=source, **kw)

    return _load


def make_world(engine: Engine, *, hub_declarations: int = 40) -> None:
    """A small trade world: company C1 (director P1, wallet W1) sends crypto W1 -> W2 (owned
    by foreign company F1), settles with a foreign counterparty, and declares
    ``hub_declarations`` imports; P1 is also director of C2 (a shared director)."""
    md = sa.MetaData()
    s = sa.String(64)
    companies = sa.Table("world_companies", md, sa.Column("company_id", s), sa.Column("name", s))
    persons = sa.Table("world_persons", md, sa.Column("person_id", s), sa.Column("name", s))
    links = sa.Table(
        "world_links", md, sa.Column("source_id", s), sa.Column("target_id", s),
        sa.Column("relation", s),
    )  # fmt: skip
    wallets = sa.Table(
        "world_wallets", md, sa.Column("wallet_id", s), sa.Column("exchange", s),
        sa.Column("owner_id", s),
    )  # fmt: skip
    transfers = sa.Table(
        "world_va_transfers", md, sa.Column("tx_id", s), sa.Column("from_wallet", s),
        sa.Column("to_wallet", s), sa.Column("krw_value", sa.Float),
    )  # fmt: skip
    settlements = sa.Table(
        "world_fx_settlements", md, sa.Column("settlement_id", s), sa.Column("company_id", s),
        sa.Column("direction", s), sa.Column("counterparty_name", s), sa.Column("amount", sa.Float),
        sa.Column("currency", s), sa.Column("declaration_ref", s),
    )  # fmt: skip
    declarations = sa.Table(
        "world_declarations", md, sa.Column("declaration_id", s), sa.Column("company_id", s),
        sa.Column("direction", s), sa.Column("counterparty_name", s), sa.Column("value", sa.Float),
        sa.Column("currency", s), sa.Column("office_id", s),
    )  # fmt: skip
    md.create_all(engine)
    with engine.begin() as conn:
        conn.execute(companies.insert(), [
            {"company_id": "C1", "name": "Hanbit Trading"},
            {"company_id": "C2", "name": "Daehan Logistics"},
            {"company_id": "F1", "name": "Pacific Holdings HK"},
        ])  # fmt: skip
        conn.execute(persons.insert(), [{"person_id": "P1", "name": "Kim Minsu"}])
        conn.execute(links.insert(), [
            {"source_id": "P1", "target_id": "C1", "relation": "director"},
            {"source_id": "P1", "target_id": "C2", "relation": "director"},
        ])  # fmt: skip
        conn.execute(wallets.insert(), [
            {"wallet_id": "W1", "exchange": "Upbit", "owner_id": "P1"},
            {"wallet_id": "W2", "exchange": "Binance", "owner_id": "F1"},
        ])  # fmt: skip
        conn.execute(transfers.insert(), [
            {"tx_id": f"T{i}", "from_wallet": "W1", "to_wallet": "W2", "krw_value": 1e7}
            for i in range(1, 4)
        ])  # fmt: skip
        conn.execute(settlements.insert(), [
            {"settlement_id": "S1", "company_id": "C1", "direction": "in",
             "counterparty_name": "ACME GmbH", "amount": 5e4, "currency": "USD",
             "declaration_ref": "D0"},
        ])  # fmt: skip
        conn.execute(declarations.insert(), [
            {"declaration_id": f"D{i}", "company_id": "C1", "direction": "export",
             "counterparty_name": "ACME GmbH", "value": 1000.0 + i, "currency": "USD",
             "office_id": "40"}
            for i in range(hub_declarations)
        ])  # fmt: skip
