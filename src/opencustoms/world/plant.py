"""Typologies planted as trade streams with changed habits, and their hard negatives.

Every planted subject is a background company whose streams are altered (so it trades the
same goods with the same volumes as its peers); ``docs/tradecrime-typologies.md`` is the
catalogue. Sizes: ``max(6, round(30 * scale))`` subjects per typology and as many hard
negatives per kind.
"""

from __future__ import annotations

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

LUXURY_PREMIUM = ("420221", "910211", "711319", "220421", "640399")


class _Picker:
    """Draws streams of untouched companies, each company at most once over all typologies."""

    def __init__(self, pop: Population, rng: np.random.Generator) -> None:
        self.pop, self.rng, self.used = pop, rng, pop.used

    def take(self, n: int, direction: str, where: Any = None) -> list[dict[str, Any]]:
        kr = self.pop.kr.set_index("company_id")
        industry = kr["industry"].to_dict()
        cands = [
            s
            for s in self.pop.streams
            if s["direction"] == direction
            and s["company_id"] not in self.used
            and s["company_id"] in industry
            and (where is None or where(s, industry[s["company_id"]]))
        ]
        idx = self.rng.permutation(len(cands))[:n]
        picked = [cands[i] for i in idx]
        self.used.update(s["company_id"] for s in picked)
        return picked


def _onset(rng: np.random.Generator) -> pd.Timestamp:
    return pd.Timestamp("2023-03-01") + pd.Timedelta(days=int(rng.integers(0, 300)))


def _split(pop: Population, rng: np.random.Generator, s: dict[str, Any], **after: Any) -> None:
    """From a random onset on, the stream trades as before but with ``after`` habits."""
    onset = _onset(rng)
    s["rate"] = max(s["rate"], 18.0)
    new = {**s, "t0": onset, **after}
    s["t1"] = onset - pd.Timedelta(days=1)
    pop.streams.append(new)


def _owner_links(world: GeneratedWorld, owner: str, firms: list[str]) -> None:
    world.add_rows(
        "links",
        pd.DataFrame({"source_id": owner, "target_id": firms, "relation": "owner", "since": None}),
    )


def plant_streams(
    world: GeneratedWorld, pop: Population, rng: np.random.Generator, scale: float
) -> None:
    n = max(6, round(30 * scale))
    pick = _Picker(pop, rng)
    u = rng.uniform
    not_luxury = lambda s, industry: industry != "luxury"  # noqa: E731

    # export_proceeds_unrepatriated: from an onset on, most exports are never paid
    for s in pick.take(n, "export"):
        _split(pop, rng, s, pay_rate=u(0.05, 0.35))
        world.label([s["company_id"]], "export_proceeds_unrepatriated")
    for s in pick.take(n, "export"):
        s.update(rate=max(s["rate"], 18.0), lag_median=u(150, 240), lag_sigma=0.25)
        world.hard_negative([s["company_id"]], "export_proceeds_unrepatriated", "slow payer")
    for s in pick.take(n, "export"):
        s.update(rate=max(s["rate"], 18.0), instalments=int(rng.integers(6, 11)))
        world.hard_negative([s["company_id"]], "export_proceeds_unrepatriated", "instalments")

    # import_overpayment: from an onset on, payments abroad exceed the goods 1.6-3x
    for s in pick.take(n, "import"):
        _split(pop, rng, s, pay_factor=u(1.6, 3.0))
        world.label([s["company_id"]], "import_overpayment")
    for s in pick.take(n, "import"):
        s.update(rate=max(s["rate"], 18.0), lag_median=u(-90, -45))
        world.hard_negative([s["company_id"]], "import_overpayment", "prepays its imports")
    for s in pick.take(n, "import"):
        s.update(rate=max(s["rate"], 18.0), services=u(0.5, 2.0))
        world.hard_negative([s["company_id"]], "import_overpayment", "large service payments")

    # over_invoicing: imports through shells at 2.6-5x the price, paid as invoiced
    for s in pick.take(n, "import", not_luxury):
        s.update(
            rate=max(s["rate"], 15.0),
            price_factor=u(2.6, 5.0),
            partners=np.asarray(pop.take_spare(int(rng.integers(1, 3)), SHELL_COUNTRIES)),
        )
        world.label([s["company_id"]], "over_invoicing")
    _luxury(world, pop, rng, pick, n)
    for s in pick.take(n, "import", not_luxury):
        s.update(odd_items=int(rng.integers(1, 3)), odd_factor=u(3.5, 6.0))
        world.hard_negative([s["company_id"]], "over_invoicing", "one-off odd price")

    # under_invoicing: 0.22-0.45x the price (duty evasion), the rest paid off the books
    for s in pick.take(n, "import", not_luxury):
        s.update(rate=max(s["rate"], 15.0), price_factor=u(0.22, 0.45))
        world.label([s["company_id"]], "under_invoicing")
    for s in pick.take(n, "import", not_luxury):
        s.update(odd_items=int(rng.integers(1, 3)), odd_factor=u(0.15, 0.3))
        world.hard_negative([s["company_id"]], "under_invoicing", "one-off odd price")

    _hwanchigi(world, pop, rng, pick, max(5, round(20 * scale)), not_luxury)
    _inflated(world, pop, rng, pick, n)


def _luxury(
    world: GeneratedWorld, pop: Population, rng: np.random.Generator, pick: _Picker, n: int
) -> None:
    """Genuine luxury importers: Italian bags, Swiss watches... at many times the HS6 price."""
    cat = goods_catalogue()
    premium = cat[cat["hs6"].isin(LUXURY_PREMIUM)]
    for s in pick.take(n, "import"):
        g = int(rng.choice(premium.index.to_numpy()))
        s.update(
            goods=np.array([g]),
            rate=max(s["rate"], 15.0),
            partners=rng.choice(pop.foreign_in(list(goods_records()[g]["premium_partners"])), 2),
        )
        world.hard_negative([s["company_id"]], "over_invoicing", "genuine luxury prices")


def _hwanchigi(
    world: GeneratedWorld,
    pop: Population,
    rng: np.random.Generator,
    pick: _Picker,
    n: int,
    not_luxury: Any,
) -> None:
    """Under-declared imports whose unpaid part the importer's people send out as crypto."""
    links = world.tables["links"]
    for s in pick.take(n, "import", not_luxury):
        company = s["company_id"]
        s.update(
            rate=max(s["rate"], 12.0),
            price_factor=rng.uniform(0.3, 0.5),
            partners=rng.choice(pop.foreign_in(["CN", "HK"]), 2),
        )
        officers = links.loc[links["target_id"] == company, "source_id"].tolist()
        family = links.loc[
            (links["relation"] == "family") & links["target_id"].isin(officers), "source_id"
        ].tolist()
        people = list(dict.fromkeys([officers[0], *family, *officers[1:]]))
        people = people[: int(rng.integers(1, 4))]
        pop.hwanchigi.append((company, people))
        world.label([company], "hwanchigi")
        world.label([company], "under_invoicing")
        world.label(people, "hwanchigi")


def _inflated(
    world: GeneratedWorld, pop: Population, rng: np.random.Generator, pick: _Picker, n: int
) -> None:
    """Listed exporters: 2024 exports 3-6x 2023, the extra sold to own shells and unpaid;
    hard negatives grow as fast but sell to many unrelated, paying buyers."""
    for s in pick.take(n, "export"):
        company = s["company_id"]
        pop.kr.loc[pop.kr["company_id"] == company, "listed"] = 1
        shells = pop.take_spare(int(rng.integers(2, 4)), SHELL_COUNTRIES)
        _owner_links(world, pop.directors[company], shells)
        s.update(rate=max(s["rate"], 15.0), growth=rng.normal(0.05, 0.05))
        pop.streams.append(
            {
                **s,
                "t0": pd.Timestamp("2024-01-01"),
                "growth": 0.0,
                "rate": s["rate"] * rng.uniform(2.5, 5.0),
                "partners": np.asarray(shells),
                "pay_rate": rng.uniform(0.1, 0.3),
            }
        )
        world.label([company], "inflated_exports")
        world.label([company], "export_proceeds_unrepatriated")
    for s in pick.take(n, "export"):
        company = s["company_id"]
        pop.kr.loc[pop.kr["company_id"] == company, "listed"] = 1
        s.update(rate=max(s["rate"], 15.0), growth=rng.normal(0.05, 0.05))
        buyers = rng.choice(pop.foreign_in(["US", "JP", "DE", "VN", "CN", "GB"]), 15, replace=False)
        pop.streams.append(
            {
                **s,
                "t0": pd.Timestamp("2024-01-01"),
                "growth": 0.0,
                "rate": s["rate"] * rng.uniform(2.5, 5.0),
                "partners": buyers,
            }
        )
        world.hard_negative([company], "inflated_exports", "fast-growing listed, many buyers")
