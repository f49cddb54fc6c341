"""A small workspace for the web tests of cases: users per role in offices 40 and 20,
risk assessments (red and blue lanes) on declarations of office 40, a trade-crime alert
file, and a little trade world for the network view."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from sqlalchemy import Engine

from opencustoms.alertfile import read_alerts, write_alerts
from opencustoms.cases.access import Actor
from opencustoms.cases.alerts import import_alerts, incoming_from_frame
from opencustoms.cases.risk_alerts import import_risk_lanes
from opencustoms.db import make_engine, migrate
from opencustoms.risk.models import risk_assessments
from opencustoms.workspace.models import UserCreate
from opencustoms.workspace.users import create_user, prepare_database

from .conftest import alert, make_world

PASSWORD = "case-test-password"
# name -> (role, office)
USERS = {
    "kim": ("officer", "40"),
    "lee": ("officer", "20"),
    "ana": ("analyst", "10"),
    "root": ("admin", "10"),
    "acme": ("trader", "40"),
}


@dataclass
class CaseWorld:
    root: Path
    url: str
    engine: Engine


def build(root: Path) -> CaseWorld:
    url = f"sqlite:///{root / 'cases-web.sqlite'}"
    migrate(url)
    engine = make_engine(url)
    prepare_database(engine)
    for name, (role, office) in USERS.items():
        create_user(
            engine=engine,
            data=UserCreate(
                username=name, password=PASSWORD, role=role, office=office,
                trader_id="ACME" if role == "trader" else None,
            ),
        )  # fmt: skip
    make_world(engine, hub_declarations=30)
    with engine.begin() as conn:
        conn.execute(risk_assessments.insert(), [
            {"declaration_id": f"D{i}", "item_no": 1, "office_id": "40",
             "declaration_date": dt.date(2026, 1, 10), "model_version": "v1",
             "score": 0.95 - i / 100, "model_score": 0.9, "critical_score": 0.1,
             "revenue_at_risk": 2e6, "lane": "red" if i < 3 else "blue", "exploration": False,
             "reasons": [{"kind": "model", "text": "importer's past fraud rate 64%",
                          "effect": "+0.3"}], "rules_fired": []}
            for i in range(4)
        ])  # fmt: skip
    system = Actor(username="loader", role="admin", office="10")
    import_risk_lanes(engine=engine, actor=system)
    path = root / "tradecrime-alerts.csv"
    write_alerts(pd.DataFrame([
        alert("TC1", "C1", typology="hwanchigi", score=0.91, amount_krw=3e7,
              evidence={"va_transfers": ["T1", "T2", "T3"], "declarations": ["D1", "D2"]},
              explanation="KRW-bought crypto sent abroad by the director of C1"),
        alert("TC2", "C2", typology="hwanchigi", score=0.55,
              evidence={"declarations": ["D5"]}, explanation="shared director with C1"),
    ]), path)  # fmt: skip
    import_alerts(
        engine=engine, alerts=incoming_from_frame(read_alerts(path)), source="tradecrime",
        actor=system,
    )  # fmt: skip
    return CaseWorld(root=root, url=url, engine=engine)
