"""What an analyst sees of trade-crime alerts: the list (by typology, office, score) and
one alert with its evidence tables, the declared-vs-settled timeline per month and the
subgraph of related entities. Faces call these; only analysts and administrators may.

>>> check_role("analyst"); check_role("admin")
>>> check_role("officer")
Traceback (most recent call last):
...
opencustoms.errors.Forbidden: trade-crime alerts are for analysts and administrators
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from opencustoms.alertfile import read_alerts
from opencustoms.errors import Forbidden, NotFound
from opencustoms.tradecrime.prepare import TradeData, prepare
from opencustoms.world.read import read_world

ALLOWED_ROLES = frozenset({"analyst", "admin"})


def check_role(role: str) -> None:
    if str(role) not in ALLOWED_ROLES:
        raise Forbidden("trade-crime alerts are for analysts and administrators")


@dataclass
class AlertBook:
    """Alerts of one analysis and the world they were found in."""

    alerts: pd.DataFrame
    data: TradeData

    @classmethod
    def load(cls, *, alerts_file: Path, world_dir: Path) -> AlertBook:
        alerts = read_alerts(alerts_file)
        data = prepare(read_world(world_dir))
        home = data.decl.groupby("company_id")["office_id"].agg(lambda s: s.mode().iloc[0])
        alerts["office"] = alerts["subject_id"].map(home)
        return cls(alerts=alerts, data=data)

    def find(
        self,
        *,
        role: str,
        typology: str | None = None,
        office: str | None = None,
        min_score: float = 0.0,
        limit: int = 100,
    ) -> list[dict[str, Any]]:
        """Alerts, highest score first, filtered by typology, subject's office and score."""
        check_role(role)
        a = self.alerts
        keep = a["score"] >= min_score
        if typology:
            keep &= a["typology"] == typology
        if office:
            keep &= a["office"] == office
        cols = [
            "alert_id",
            "typology",
            "subject_id",
            "office",
            "score",
            "amount_krw",
            "period_start",
            "period_end",
        ]
        out = a.loc[keep, cols].sort_values("score", ascending=False).head(limit)
        return [{str(k): _plain(v) for k, v in r.items()} for r in out.to_dict("records")]

    def detail(self, *, role: str, alert_id: str) -> dict[str, Any]:
        """One alert: its row, evidence tables, monthly timeline and subgraph."""
        check_role(role)
        hit = self.alerts[self.alerts["alert_id"] == alert_id]
        if hit.empty:
            raise NotFound(f"alert {alert_id!r}")
        alert = hit.iloc[0]
        ev: dict[str, list[str]] = alert["evidence"]
        d, p, tx = self.data.decl, self.data.pay, self.data.tx
        tables = {
            "declarations": d[d["declaration_id"].isin(ev.get("declarations", []))][
                [
                    "declaration_id",
                    "item_no",
                    "direction",
                    "declaration_date",
                    "company_id",
                    "counterparty_name",
                    "hs_code",
                    "quantity",
                    "value",
                    "currency",
                    "value_krw",
                ]
            ],
            "settlements": p[p["settlement_id"].isin(ev.get("settlements", []))][
                [
                    "settlement_id",
                    "date",
                    "company_id",
                    "direction",
                    "counterparty_name",
                    "amount",
                    "currency",
                    "purpose",
                    "declaration_ref",
                ]
            ],
            "va_transfers": tx[tx["tx_id"].isin(ev.get("va_transfers", []))][
                ["tx_id", "timestamp", "asset", "amount", "from_wallet", "to_wallet", "krw_value"]
            ],
        }
        subject = str(alert["subject_id"])
        nodes, edges = self.data.graph.neighbourhood([subject], hops=2)
        return {
            "alert": {str(k): _plain(v) for k, v in alert.items()},
            "evidence": {
                k: [{str(c): _plain(v) for c, v in r.items()} for r in t.to_dict("records")]
                for k, t in tables.items()
            },
            "timeline": self.timeline(subject),
            "graph": {"nodes": nodes, "edges": [list(e) for e in edges]},
        }

    def timeline(self, company: str) -> list[dict[str, Any]]:
        """Per month: exports and imports declared, goods money received and paid (KRW)."""
        d = self.data.decl[self.data.decl["company_id"] == company]
        p = self.data.pay[self.data.pay["company_id"] == company]
        parts = {
            "exports_declared": d[d["direction"] == "export"]
            .groupby(d["date"].dt.to_period("M"))["value_krw"]
            .sum(),
            "imports_declared": d[d["direction"] == "import"]
            .groupby(d["date"].dt.to_period("M"))["value_krw"]
            .sum(),
            "received": p[p["direction"] == "in"]
            .groupby(p["date"].dt.to_period("M"))["amount_krw"]
            .sum(),
            "paid": p[p["direction"] == "out"]
            .groupby(p["date"].dt.to_period("M"))["amount_krw"]
            .sum(),
        }
        frame = pd.DataFrame(parts).fillna(0.0).sort_index()
        return [
            {"month": str(m), **{str(k): round(float(v)) for k, v in row.items()}}
            for m, row in frame.iterrows()
        ]


def _plain(value: Any) -> Any:
    if value is None or value is pd.NA or (isinstance(value, float) and pd.isna(value)):
        return None
    if hasattr(value, "isoformat"):
        return value.isoformat()
    if hasattr(value, "item"):
        return value.item()
    return value
