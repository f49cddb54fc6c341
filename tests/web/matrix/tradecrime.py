"""Authorisation entries of the trade-crime alert pages: analysts and administrators only,
whatever their office (alerts are about firms, not an office's declarations).

The alert pages read the latest analysis under the var directory; the entries put there a
small generated world and an alert file naming one of its firms, once per test world."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import pandas as pd

from opencustoms.alertfile import write_alerts
from opencustoms.world.generate import generate

from . import Ctx, Entry, role_of

ALERT_ID = "TC-hwanchigi-MX"


@cache
def _prepare(var_dir: str) -> str:
    base = Path(var_dir) / "tradecrime"
    world = generate(seed=5, scale=0.02)
    world.write(base / "demo-world")
    d = world.tables["declarations"].iloc[0]
    alert = {
        "alert_id": ALERT_ID,
        "typology": "hwanchigi",
        "subject_id": d["company_id"],
        "score": 0.9,
        "period_start": "2024-01-01",
        "period_end": "2024-06-30",
        "amount_krw": 1.0e8,
        "evidence": {"declarations": [d["declaration_id"]]},
        "explanation": "authorisation matrix fixture",
    }
    write_alerts(pd.DataFrame([alert]), base / "demo-alerts.parquet")
    return ALERT_ID


def _alert(x: Ctx) -> str:
    return _prepare(x.world.env["OPENCUSTOMS_VAR_DIR"])


def analysts(u: str, x: Ctx) -> bool:
    return role_of(u) in ("analyst", "admin")


J = {"format": "json"}


def _get(path: Any) -> Any:
    return lambda c, h, x: c.get(path(x), headers=h, params=J)


ENTRIES = {
    "GET /tradecrime/alerts": Entry(
        _get(lambda x: (_alert(x), "/tradecrime/alerts")[1]), analysts, page=True
    ),
    "GET /tradecrime/alerts/{alert_id}": Entry(
        _get(lambda x: f"/tradecrime/alerts/{_alert(x)}"), analysts, page=True
    ),
}
