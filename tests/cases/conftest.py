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
ADMIN = Actor(username="root", role="admin", office="10")
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


def _filler(column: sa.Column) -> Any:
    """A harmless value for a NOT NULL column the fixture does not care about."""
    kind = column.type
    if isinstance(kind, sa.Integer):
        return 1
    if isinstance(kind, sa.Float | sa.Numeric):
        return 0.0
    if isinstance(kind, sa.DateTime):
        return NOW
    if isinstance(kind, sa.Date):
        return dt.date(2026, 1, 15)
    if isinstance(kind, sa.Boolean):
        return False
    if isinstance(kind, sa.JSON):
        return {}
    return "X"


def fill(engine: Engine, name: str, rows: list[dict[str, Any]]) -> None:
    """Insert rows into ``name`` whatever its schema: the detector's real table when it
    exists (other NOT NULL columns get fillers), else a minimal table of these columns."""
    if name in sa.inspect(engine).get_table_names():
        table = sa.Table(name, sa.MetaData(), autoload_with=engine)
    else:
        cols = {k: v for r in rows for k, v in r.items()}
        table = sa.Table(
            name,
            sa.MetaData(),
            *(
                sa.Column(k, sa.Float if isinstance(v, float) else sa.String(64))
                for k, v in cols.items()
            ),
        )
        table.create(engine)
    needed = [
        c for c in table.columns
        if not c.nullable and c.server_default is None and c.autoincrement is not True
    ]  # fmt: skip
    full = [
        {**{c.name: _filler(c) for c in needed if c.name not in r},
         **{k: v for k, v in r.items() if k in table.c}}
        for r in rows
    ]  # fmt: skip
    with engine.begin() as conn:
        conn.execute(table.insert(), full)


def make_world(engine: Engine, *, hub_declarations: int = 40) -> None:
    """A small trade world: company C1 (director P1, wallet W1) sends crypto W1 -> W2 (owned
    by foreign company F1), settles with a foreign counterparty, and imports
    ``hub_declarations`` items (declaration store, office 40); P1 also directs C2."""
    fill(engine, "world_companies", [
        {"company_id": "C1", "name": "Hanbit Trading"},
        {"company_id": "C2", "name": "Daehan Logistics"},
        {"company_id": "F1", "name": "Pacific Holdings HK"},
    ])  # fmt: skip
    fill(engine, "world_persons", [{"person_id": "P1", "name": "Kim Minsu"}])
    fill(engine, "world_links", [
        {"source_id": "P1", "target_id": "C1", "relation": "director"},
        {"source_id": "P1", "target_id": "C2", "relation": "director"},
    ])  # fmt: skip
    fill(engine, "world_wallets", [
        {"wallet_id": "W1", "exchange": "Upbit", "owner_id": "P1"},
        {"wallet_id": "W2", "exchange": "Binance", "owner_id": "F1"},
    ])  # fmt: skip
    fill(engine, "world_va_transfers", [
        {"tx_id": f"T{i}", "from_wallet": "W1", "to_wallet": "W2", "krw_value": 1e7}
        for i in range(1, 4)
    ])  # fmt: skip
    fill(engine, "world_fx_settlements", [
        {"settlement_id": "S1", "company_id": "C1", "direction": "in",
         "counterparty_name": "ACME GmbH", "amount": 5e4, "currency": "USD",
         "declaration_ref": "D0"},
    ])  # fmt: skip
    fill(engine, "declarations", [
        {"declaration_id": f"D{i}", "item_no": 1, "importer_id": "C1", "office_id": "40",
         "item_price_krw": 1000.0 + i, "hs_code": "8471300000",
         "declaration_date": dt.date(2026, 1, 10)}
        for i in range(hub_declarations)
    ])  # fmt: skip
