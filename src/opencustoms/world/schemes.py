"""Schemes that pair declarations: circular trade through related parties and origin
rerouting to the United States, each with hard negatives that pair declarations innocently.

Every scheme declaration has one item and is paid through the bank like any other, so the
money looks clean: only the goods cycle (or the in-and-out with no transformation) shows.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from opencustoms.world.base import GeneratedWorld
from opencustoms.world.population import (
    SHELL_COUNTRIES,
    Population,
    goods_catalogue,
    goods_records,
)
from opencustoms.world.trade import BANKS, OFFICES, _spell


@dataclass
class _Rows:
    """Declarations (one item each) and their settlements, built one at a time."""

    world: GeneratedWorld
    pop: Population
    rng: np.random.Generator
    decl: list[dict[str, Any]] = field(default_factory=list)
    pay: list[dict[str, Any]] = field(default_factory=list)
    country: dict[str, str] = field(default_factory=dict)

    def trade(
        self,
        company: str,
        partner: str,
        direction: str,
        date: pd.Timestamp,
        hs: int,
        qty: float,
        usd: float,
        origin: str | None = None,
        lag: float = 30.0,
    ) -> None:
        if date > pd.Timestamp(self.world.end):
            return
        g = goods_records()[hs]
        if not self.country:
            f = self.pop.foreign
            self.country = dict(zip(f["company_id"], f["country"], strict=True))
        country = str(self.country[partner])
        imp = direction == "import"
        did = self.world.new_ids("D", 1)[0]
        self.decl.append(
            {
                "declaration_id": did,
                "item_no": 1,
                "direction": direction,
                "declaration_date": date.date(),
                "office_id": OFFICES[zlib.crc32(company.encode()) % len(OFFICES)],
                "company_id": company,
                "partner": partner,
                "counterparty_country": country,
                "hs_code": f"{g['hs6']}0000",
                "goods_description": g["description"],
                "quantity": qty,
                "quantity_unit": g["unit"],
                "net_mass_kg": round(qty * float(g["kg_per_unit"]), 2),
                "value": round(usd, 2),
                "currency": "USD",
                "origin_country": origin or (country if imp else "KR"),
                "departure_country": country if imp else None,
                "destination_country": None if imp else country,
            }
        )
        paid = date + pd.Timedelta(days=float(lag * np.exp(self.rng.normal(0, 0.3))))
        if paid <= pd.Timestamp(self.world.end):
            ref = did if self.rng.random() < 0.6 else None
            self.pay.append(
                {
                    "date": paid.date(),
                    "company_id": company,
                    "partner": partner,
                    "direction": "out" if imp else "in",
                    "counterparty_country": country,
                    "amount": round(usd * (1 - self.rng.uniform(0, 0.004)), 2),
                    "currency": "USD",
                    "purpose": "goods_import" if imp else "goods_export",
                    "declaration_ref": ref,
                }
            )

    def flush(self) -> None:
        rng, pop = self.rng, self.pop
        d = pd.DataFrame(self.decl)
        d.insert(7, "counterparty_name", _spell(d["partner"].to_numpy(), pop.variants, rng))
        self.world.add_rows("declarations", d.drop(columns="partner"))
        p = pd.DataFrame(self.pay)
        p.insert(0, "settlement_id", self.world.new_ids("S", len(p)))
        p.insert(3, "bank", rng.choice(BANKS, len(p)))
        p.insert(5, "counterparty_name", _spell(p["partner"].to_numpy(), pop.variants, rng))
        self.world.add_rows("fx_settlements", p.drop(columns="partner"))


def _free_companies(pop: Population, rng: np.random.Generator, n: int) -> list[str]:
    free = pop.kr.loc[~pop.kr["company_id"].isin(pop.used), "company_id"].to_numpy()
    picked = rng.choice(free, size=n, replace=False).tolist()
    pop.used.update(picked)
    return picked


def _link(world: GeneratedWorld, source: str, target: str, relation: str) -> None:
    world.add_rows(
        "links",
        pd.DataFrame(
            [{"source_id": source, "target_id": target, "relation": relation, "since": None}]
        ),
    )


def _window_dates(rng: np.random.Generator, k: int) -> list[pd.Timestamp]:
    days = np.sort(rng.choice(np.arange(0, 660), size=k, replace=False))
    return [pd.Timestamp("2023-01-05") + pd.Timedelta(days=int(x)) for x in days]


def _goods(rng: np.random.Generator, from_cn: bool = False) -> int:
    cat = goods_catalogue()
    ok = cat["industry"] != "luxury"
    if from_cn:
        ok &= cat["partners"].map(lambda p: "CN" in p)
    return int(rng.choice(cat.index[ok].to_numpy()))


def _qty_usd(rng: np.random.Generator, hs: int, factor: float = 1.0) -> tuple[float, float]:
    g = goods_records()[hs]
    price = float(g["usd_per_unit"]) * factor * float(np.exp(rng.normal(0, 0.15)))
    qty = float(max(1, round(float(np.exp(rng.normal(np.log(60_000), 0.6))) / price)))
    return qty, qty * price


def _circular(world: GeneratedWorld, pop: Population, rng: np.random.Generator, n: int) -> None:
    rows = _Rows(world, pop, rng)
    u = rng.uniform
    for _ in range(n):
        a, b = _free_companies(pop, rng, 2)
        boss = pop.directors[a]
        _link(world, boss, b, "shareholder")
        shells = pop.take_spare(2, (*SHELL_COUNTRIES, "VN", "CN"))
        for s in shells:
            _link(world, boss, s, "owner")
        hs = _goods(rng)
        for d in _window_dates(rng, int(rng.integers(4, 11))):
            qty, usd = _qty_usd(rng, hs, u(1.0, 1.4))
            rows.trade(a, shells[0], "export", d, hs, qty, usd, lag=u(20, 60))
            back = d + pd.Timedelta(days=int(rng.integers(10, 46)))
            origin = "KR" if rng.random() < 0.5 else None
            via = shells[int(rng.integers(0, 2))]
            rows.trade(
                b,
                via,
                "import",
                back,
                hs,
                round(qty * u(0.97, 1.03)),
                usd * u(0.97, 1.08),
                origin=origin,
                lag=u(5, 30),
            )
        world.label([a, b], "circular_trade")
    for c in _free_companies(pop, rng, n):  # same goods both ways, unrelated partners
        hs = _goods(rng)
        buyers, sellers = rng.choice(pop.foreign_in(["US", "JP", "DE", "CN", "VN"]), (2, 2))
        for d in _window_dates(rng, int(rng.integers(4, 9))):
            qty, usd = _qty_usd(rng, hs)
            rows.trade(c, str(rng.choice(buyers)), "export", d, hs, qty, usd)
            back = d + pd.Timedelta(days=int(rng.integers(10, 46)))
            rows.trade(
                c, str(rng.choice(sellers)), "import", back, hs, round(qty * u(0.9, 1.1)), usd
            )
        world.hard_negative([c], "circular_trade", "two-way trade with unrelated partners")
    for c in _free_companies(pop, rng, n):  # exports to its own sales subsidiary, no return
        sub = pop.take_spare(1)[0]
        _link(world, c, sub, "owner")
        hs = _goods(rng)
        for d in _window_dates(rng, int(rng.integers(6, 13))):
            qty, usd = _qty_usd(rng, hs)
            rows.trade(c, sub, "export", d, hs, qty, usd)
        world.hard_negative([c], "circular_trade", "sales subsidiary abroad")
    for c in _free_companies(pop, rng, n):  # one shipment returned (defective goods)
        hs, buyer = _goods(rng), str(rng.choice(pop.foreign_in(["US", "JP", "DE"])))
        d = _window_dates(rng, 1)[0]
        qty, usd = _qty_usd(rng, hs)
        rows.trade(c, buyer, "export", d, hs, qty, usd)
        rows.trade(c, buyer, "import", d + pd.Timedelta(days=30), hs, qty, usd, origin="KR")
        world.hard_negative([c], "circular_trade", "one-off return of goods")
    rows.flush()


def _rerouting(world: GeneratedWorld, pop: Population, rng: np.random.Generator, n: int) -> None:
    rows = _Rows(world, pop, rng)
    u = rng.uniform
    cn, us = pop.foreign_in(["CN"]), pop.foreign_in(["US"])
    cat = goods_catalogue()
    for kind in ("rerouting", "processor", "honest"):
        for c in _free_companies(pop, rng, n):
            hs = _goods(rng, from_cn=True)
            supplier, buyer = str(rng.choice(cn)), str(rng.choice(us))
            for d in _window_dates(rng, int(rng.integers(3, 9))):
                qty, usd = _qty_usd(rng, hs)
                rows.trade(c, supplier, "import", d, hs, qty, usd, origin="CN")
                out = d + pd.Timedelta(days=int(rng.integers(7, 41)))
                if kind == "processor":  # parts in, a different finished good out
                    made = int(
                        rng.choice(
                            cat.index[cat["hs6"].str[:2] != str(goods_records()[hs]["hs6"])[:2]]
                        )
                    )
                    worth = usd * u(2.5, 4.0)  # the finished goods at their own market price
                    price = float(goods_records()[made]["usd_per_unit"]) * np.exp(
                        rng.normal(0, 0.15)
                    )
                    q2 = float(max(1, round(worth / price)))
                    rows.trade(c, buyer, "export", out, made, q2, q2 * price)
                else:
                    origin = "KR" if kind == "rerouting" else "CN"
                    rows.trade(
                        c,
                        buyer,
                        "export",
                        out,
                        hs,
                        round(qty * u(0.95, 1.0)),
                        usd * u(1.03, 1.2),
                        origin=origin,
                    )
            if kind == "rerouting":
                world.label([c], "origin_rerouting")
            else:
                what = (
                    "processing with a new tariff heading"
                    if kind == "processor"
                    else "re-export declaring the true origin"
                )
                world.hard_negative([c], "origin_rerouting", what)
    rows.flush()


def build(world: GeneratedWorld, pop: Population, rng: np.random.Generator, scale: float) -> None:
    n = max(6, round(30 * scale))
    _circular(world, pop, rng, max(4, n // 2))  # two subjects per scheme
    _rerouting(world, pop, rng, n)
