"""World extension: sanctions list, parties, strategic goods and planted strategic exports.

``extend_world`` is passed to ``opencustoms.world.generate.generate(extensions=...)`` (the
``opencustoms world generate`` command adds it by default); after the core
world exists it adds the tables ``sanctions``, ``parties``, ``strategic_goods`` and
``screening_truth`` (party_id, entity_id, kind: what no matcher reads) and export
declarations of listed goods (``docs/screening-typologies.md``):

positives (``labels.csv``)
  * ``new_exporter_hub``: a company with no listed-goods history starts shipping them to a
    new consignee in a hub (strategic_to_risky_destination);
  * ``surge_new_hub_consignee``: a steady exporter of listed goods to Germany/Japan
    suddenly ships 4-10x its usual volume to a new hub consignee (same typology);
  * ``steady_hub_new_consignee_spike``: a steady hub exporter adds another hub consignee
    with a 4-10x volume jump (same typology);
  * ``sanctioned_counterparty``: exports to a variant spelling of a listed company.

hard negatives (``hard_negatives.csv``)
  * steady exporters of the same goods to the same hubs, growing ones, a new customer at
    normal volume, a one-off large order to a known customer, new exporters of listed goods
    to safe destinations, new exporters of unlisted goods to hubs.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

import numpy as np
import pandas as pd

from opencustoms.screening import synth_names as sn
from opencustoms.screening.frames import entities_frame, parties_frame
from opencustoms.screening.lists import Entity
from opencustoms.screening.strategic import (
    ALERT_TYPOLOGY,
    COUNTERPARTY_TYPOLOGY,
    bundled_goods,
    listed_tiers,
)
from opencustoms.screening.synth import screening_set

HUBS = ("AE", "TR", "KZ", "KG", "AM")
SAFE = ("DE", "JP", "US", "VN")
UNLISTED = ("330499", "620343", "392690", "940360")  # cosmetics, apparel, plastics, furniture
OFFICES = ("10", "20", "30", "40")


class _Planter:
    def __init__(self, world: Any, r: random.Random) -> None:
        self.world, self.r = world, r
        self.rows: list[dict[str, Any]] = []
        goods = bundled_goods()
        self.listed = goods[goods["list"].str.contains("tier[123]", regex=True)]
        self.used_partners: set[str] = set()
        self.notes = dict(zip(goods["hs_code"], goods["note"], strict=True))

    def partner(self, country: str) -> str:
        """A customer name of its own: (core, second word) never repeats."""
        pools = sn._P["trade_partners"][country]
        seconds = sn._P["partner_second_words"]
        for _ in range(200):
            core = f"{self.r.choice(pools['cores'])} {self.r.choice(seconds)}"
            if core not in self.used_partners:
                self.used_partners.add(core)
                trade, legal = self.r.choice(pools["trades"]), self.r.choice(pools["legal_forms"])
                return f"{core} {trade} {legal}"
        raise RuntimeError(f"synthetic customer names for {country} exhausted")

    def day(self, month: float) -> dt.date:
        start = self.world.start
        return start + dt.timedelta(days=int(month * 30.4) + self.r.randrange(0, 28))

    def ship(
        self,
        company: str,
        partner: tuple[str, str],
        hs6: str,
        when: dt.date,
        usd: float,
    ) -> None:
        if when > self.world.end:
            return
        self.rows.append(
            {
                "item_no": 1,
                "direction": "export",
                "declaration_date": when,
                "office_id": self.r.choice(OFFICES),
                "company_id": company,
                "counterparty_name": partner[0],
                "counterparty_country": partner[1],
                "hs_code": hs6 + "0000",
                "goods_description": self.notes.get(hs6, f"goods of HS {hs6}"),
                "quantity": max(1, round(usd / 40)),
                "quantity_unit": "EA",
                "net_mass_kg": round(usd / 400, 1),
                "value": round(usd, 2),
                "currency": "USD",
                "origin_country": "KR",
                "departure_country": None,
                "destination_country": partner[1],
            }
        )

    def steady(
        self,
        company: str,
        partners: list[tuple[str, str]],
        hs6: str,
        monthly: float,
        first: int = 0,
        last: int = 24,
        growth: float = 0.0,
    ) -> None:
        for month in range(first, last):
            for partner in partners:
                level = monthly * (1 + growth) ** (month / 12) / len(partners)
                self.ship(
                    company, partner, hs6, self.day(month), level * self.r.lognormvariate(0, 0.25)
                )

    def burst(
        self, company: str, partner: tuple[str, str], hs6: str, month: int, total: float, lines: int
    ) -> None:
        for k in range(lines):
            self.ship(company, partner, hs6, self.day(month + k * 0.7), total / lines)

    def hs(self) -> str:
        return str(self.listed.iloc[self.r.randrange(len(self.listed))]["hs_code"])

    def frame(self) -> pd.DataFrame:
        frame = pd.DataFrame(self.rows)
        frame.insert(0, "declaration_id", self.world.new_ids("D", len(frame)))
        return frame


def _plant_exports(
    world: Any, r: random.Random, n: int, listed_orgs: list[Entity], variant: dict[str, str]
) -> None:
    p = _Planter(world, r)
    companies = world.tables["companies"]
    korean = companies.loc[companies["country"] == "KR", "company_id"].tolist()
    core = world.tables["declarations"]
    exports = core[core["direction"] == "export"]
    tiers = listed_tiers(exports["hs_code"].astype(str), bundled_goods())
    # Planted exporters must have no listed-goods exports in the core world, so "no such
    # history" holds by construction; they may trade other goods.
    busy = set(exports.loc[tiers.notna(), "company_id"])
    clean = sorted(c for c in korean if c not in busy)
    r.shuffle(clean)
    n = min(n, len(clean) // 13)
    take = iter(clean)
    pick = lambda k: [next(take) for _ in range(k)]  # noqa: E731

    def hub() -> tuple[str, str]:
        country = r.choice(HUBS)
        return p.partner(country), country

    def safe() -> tuple[str, str]:
        country = r.choice(SAFE)
        return p.partner(country), country

    kinds: dict[str, list[str]] = {}
    for company in kinds.setdefault("new_exporter_hub", pick(n)):
        hs6 = p.hs()
        p.burst(company, hub(), hs6, r.randrange(8, 21), r.uniform(1.5e5, 6e5), r.randint(3, 8))
    for company in kinds.setdefault("surge_new_hub_consignee", pick(n)):
        hs6 = p.hs()
        monthly = r.uniform(2e4, 8e4)
        p.steady(company, [safe()], hs6, monthly)
        p.burst(
            company, hub(), hs6, r.randrange(9, 21), monthly * 3 * r.uniform(4, 10), r.randint(2, 4)
        )
    for company in kinds.setdefault("steady_hub_new_consignee_spike", pick(n)):
        hs6 = p.hs()
        monthly = r.uniform(2e4, 8e4)
        p.steady(company, [hub()], hs6, monthly)
        p.burst(
            company, hub(), hs6, r.randrange(9, 21), monthly * 3 * r.uniform(4, 10), r.randint(2, 4)
        )
    negatives: dict[str, list[str]] = {}
    for company in negatives.setdefault("steady_hub_exporter", pick(2 * n)):
        hs6 = p.hs()
        p.steady(company, [hub() for _ in range(r.randint(1, 2))], hs6, r.uniform(2e4, 1.5e5))
    for company in negatives.setdefault("growing_hub_exporter", pick(n)):
        hs6 = p.hs()
        p.steady(company, [hub()], hs6, r.uniform(2e4, 8e4), growth=r.uniform(0.4, 0.8))
    for company in negatives.setdefault("new_customer_normal_volume", pick(n)):
        hs6 = p.hs()
        monthly = r.uniform(3e4, 8e4)
        p.steady(company, [hub()], hs6, monthly)
        p.steady(company, [hub()], hs6, monthly * r.uniform(0.3, 0.8), first=r.randrange(9, 20))
    for company in negatives.setdefault("one_off_order_known_customer", pick(n)):
        hs6 = p.hs()
        monthly, partner = r.uniform(3e4, 8e4), hub()
        p.steady(company, [partner], hs6, monthly)
        p.burst(company, partner, hs6, r.randrange(9, 21), monthly * 3 * r.uniform(3, 5), 2)
    for company in negatives.setdefault("new_exporter_safe_destination", pick(n)):
        hs6 = p.hs()
        p.burst(company, safe(), hs6, r.randrange(8, 21), r.uniform(1.5e5, 6e5), r.randint(3, 8))
    for company in negatives.setdefault("new_exporter_unlisted_goods_hub", pick(n)):
        p.burst(
            company,
            hub(),
            r.choice(UNLISTED),
            r.randrange(8, 21),
            r.uniform(1.5e5, 6e5),
            r.randint(3, 8),
        )
    cp = kinds.setdefault("sanctioned_counterparty", pick(min(n, len(listed_orgs))))
    for company, entity in zip(cp, r.sample(listed_orgs, len(cp)), strict=True):
        partner = (
            variant.get(entity.entity_id, entity.name),
            entity.countries[0] if entity.countries else "",
        )
        for _ in range(r.randint(1, 3)):
            p.ship(
                company,
                partner,
                r.choice(["847989", "870899", "390110"]),
                p.day(r.uniform(3, 23)),
                r.uniform(2e4, 2e5),
            )
    world.add_rows("declarations", p.frame())
    for kind, ids in kinds.items():
        world.label(
            ids, COUNTERPARTY_TYPOLOGY if kind == "sanctioned_counterparty" else ALERT_TYPOLOGY
        )
    for kind, ids in negatives.items():
        world.hard_negative(ids, ALERT_TYPOLOGY, kind)


def extend_world(world: Any, rng: np.random.Generator, scale: float) -> None:
    """The screening extension of the synthetic trade world (see the module docstring)."""
    r = random.Random(int(rng.integers(0, 2**31 - 1)))
    n = max(4, round(20 * scale))
    data = screening_set(
        seed=r.randrange(1, 10**6),
        n_entities=max(150, round(600 * scale)),
        per_style=max(6, round(40 * scale)),
        hard_per_kind=max(6, round(30 * scale)),
        background=max(20, round(200 * scale)),
    )
    world.add_rows("sanctions", entities_frame(data.entities))
    world.add_rows("parties", parties_frame(data.parties))
    world.add_rows("screening_truth", data.truth)
    goods = bundled_goods()
    world.add_rows("strategic_goods", goods[["hs_code", "list", "tier", "note", "reference"]])
    # A planted counterparty is written the way a variant party is (another script, a typo).
    truth = data.truth[data.truth["entity_id"] != ""]
    names = {p.party_id: p.name for p in data.parties}
    variant = {e: names[pid] for pid, e in zip(truth["party_id"], truth["entity_id"], strict=True)}
    orgs = [e for e in data.entities if e.schema != "Person"]
    _plant_exports(world, r, n, orgs, variant)
