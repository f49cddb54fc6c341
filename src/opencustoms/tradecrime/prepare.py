"""What every detector reads: the validated world tables with KRW amounts, HS6 codes,
resolved counterparties (entity resolution) and the entity graph."""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from opencustoms.tradecrime.entities import Resolver
from opencustoms.tradecrime.graph import EntityGraph
from opencustoms.world.fx import to_krw
from opencustoms.world.read import World


@dataclass
class TradeData:
    decl: pd.DataFrame  # items + date, hs6, value_krw, partner_id
    pay: pd.DataFrame  # settlements + date, amount_krw, partner_id
    tx: pd.DataFrame  # transfers + ts
    wallets: pd.DataFrame
    companies: pd.DataFrame
    links: pd.DataFrame
    graph: EntityGraph
    start: pd.Timestamp
    end: pd.Timestamp

    @property
    def korean(self) -> set[str]:
        c = self.companies
        return set(c.loc[c["country"] == "KR", "company_id"].astype(str))


def prepare(world: World) -> TradeData:
    companies = world["companies"]
    foreign = companies[companies["country"] != "KR"]
    resolver = Resolver(foreign)
    d = world["declarations"].copy()
    d["date"] = pd.to_datetime(d["declaration_date"])
    d["hs6"] = d["hs_code"].astype("string").str[:6]
    d["value_krw"] = to_krw(d["value"], d["currency"], d["date"])
    d["partner_id"] = resolver.resolve(d["counterparty_name"], d["counterparty_country"])
    p = world["fx_settlements"].copy()
    p["amount_krw"] = to_krw(p["amount"], p["currency"], p["date"])
    p["partner_id"] = resolver.resolve(p["counterparty_name"], p["counterparty_country"])
    tx = world["va_transfers"].copy()
    tx["ts"] = tx["timestamp"].dt.tz_convert(None)
    start = min(d["date"].min(), p["date"].min())
    end = max(d["date"].max(), p["date"].max())
    return TradeData(
        decl=d,
        pay=p,
        tx=tx,
        wallets=world["wallets"],
        companies=companies,
        links=world["links"],
        graph=EntityGraph(world["links"], world["wallets"]),
        start=pd.Timestamp(start),
        end=pd.Timestamp(end),
    )
