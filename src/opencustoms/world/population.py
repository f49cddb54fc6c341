"""Who trades: Korean and foreign companies, persons, their links, and the trade *streams*
(one per company and direction: goods, partners, volume, growth, pricing and payment habits)
from which ``trade.py`` draws declarations and settlements.

Typologies that change how a company trades or pays (unrepatriated proceeds, overpayment,
over/under-invoicing, inflated exports, the under-declared imports of hwanchigi) and their
hard negatives are streams with different parameters; the schemes that pair declarations
(circular trade, origin rerouting) live in ``schemes.py``, crypto in ``crypto.py``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd

from opencustoms.settings import PACKAGE_DATA_DIR
from opencustoms.world.base import GeneratedWorld
from opencustoms.world.names import foreign_company_names, korean_company_names, person_names

INDUSTRIES = (
    "electronics",
    "machinery",
    "auto_parts",
    "steel",
    "chemicals",
    "cosmetics",
    "textiles",
    "luxury",
    "food",
)
_INDUSTRY_WEIGHTS = (0.2, 0.15, 0.12, 0.1, 0.12, 0.08, 0.1, 0.04, 0.09)
COUNTRY_WEIGHTS = {
    "CN": 25,
    "US": 12,
    "JP": 10,
    "VN": 8,
    "DE": 5,
    "TW": 4,
    "HK": 4,
    "SG": 3,
    "IT": 3,
    "FR": 3,
    "IN": 3,
    "TH": 2,
    "MY": 2,
    "ID": 2,
    "MX": 2,
    "AU": 2,
    "GB": 1,
    "CH": 1,
    "NL": 1,
    "CA": 1,
    "PL": 1,
    "SA": 1,
    "QA": 1,
    "CL": 1,
    "NZ": 1,
    "BD": 1,
    "KH": 1,
    "MM": 1,
    "EC": 1,
    "ES": 1,
    "IE": 1,
    "SE": 1,
    "HU": 1,
    "AE": 1,
}
# Where shells that receive flight capital or re-invoice goods are typically registered.
SHELL_COUNTRIES = ("HK", "SG", "AE")


@lru_cache(maxsize=1)
def goods_catalogue() -> pd.DataFrame:
    """HS6 goods with unit, kg per unit, USD per unit, price spread and supplier countries."""
    g = pd.read_csv(PACKAGE_DATA_DIR / "tradecrime" / "goods.csv", dtype={"hs6": str})
    g["partners"] = g["partners"].str.split(";")
    g["premium_partners"] = g["premium_partners"].fillna("").str.split(";")
    g["premium_factor"] = g["premium_factor"].fillna(1.0)
    return g


def goods_records() -> list[dict[str, Any]]:
    """The catalogue as plain rows (row i = catalogue index i)."""
    return [{str(k): v for k, v in r.items()} for r in goods_catalogue().to_dict("records")]


@dataclass
class Population:
    kr: pd.DataFrame  # Korean companies (+ industry, role) as in companies.csv
    foreign: pd.DataFrame
    streams: list[dict[str, Any]] = field(default_factory=list)
    directors: dict[str, str] = field(default_factory=dict)  # company -> main director
    hwanchigi: list[tuple[str, list[str]]] = field(default_factory=list)  # company, persons
    investors_with_ties: list[str] = field(default_factory=list)
    heads: pd.DataFrame | None = None  # one row per generated declaration (trade.py)
    variants: dict[str, list[str]] = field(default_factory=dict)  # spellings per firm
    used: set[str] = field(default_factory=set)  # Korean firms given a typology or negative
    _taken: set[str] = field(default_factory=set)
    _by_country: dict[str, np.ndarray] = field(default_factory=dict)

    def foreign_in(self, countries: list[str] | tuple[str, ...]) -> np.ndarray:
        """Background trading partners (not spare firms) in ``countries``."""
        if not self._by_country:
            f = self.foreign[~self.foreign["spare"]]
            self._by_country = {str(c): g.to_numpy() for c, g in f.groupby("country")["company_id"]}
        parts = [self._by_country[c] for c in countries if c in self._by_country]
        return np.concatenate(parts) if parts else np.array([], dtype=object)

    def take_spare(self, n: int, countries: tuple[str, ...] | None = None) -> list[str]:
        """``n`` unused spare foreign firms (in ``countries`` when given) for a scheme."""
        f = self.foreign
        ok = f["spare"] & ~f["company_id"].isin(self._taken)
        if countries is not None:
            ok &= f["country"].isin(countries)
        ids = f.loc[ok, "company_id"].to_numpy()[:n].tolist()
        if len(ids) < n:
            raise ValueError("scale: too few spare foreign firms for the typologies")
        self._taken.update(ids)
        return ids


def _reg_no(rng: np.random.Generator, n: int) -> list[str]:
    d = rng.integers(0, 10, size=(n, 10))
    return [
        f"{''.join(map(str, r[:3]))}-{''.join(map(str, r[3:5]))}-{''.join(map(str, r[5:]))}"
        for r in d
    ]


def _dates(rng: np.random.Generator, n: int, lo: str, hi: str) -> np.ndarray:
    a, b = np.datetime64(lo), np.datetime64(hi)
    return a + rng.integers(0, int((b - a).astype(int)), size=n).astype("timedelta64[D]")


def _companies(world: GeneratedWorld, rng: np.random.Generator, scale: float) -> Population:
    # below ~500 firms the typologies and their look-alikes would crowd out the background
    n_kr, n_fc = max(500, int(2500 * scale)), max(600, int(3000 * scale))
    n_spare = max(300, int(700 * scale))  # shells and buyers the typologies draw from
    industries = rng.choice(INDUSTRIES, size=n_kr, p=np.array(_INDUSTRY_WEIGHTS))
    latin, local = korean_company_names(n_kr, industries, rng)
    kr = pd.DataFrame(
        {
            "company_id": world.new_ids("KC", n_kr),
            "name": latin,
            "name_local": local,
            "registration_no": _reg_no(rng, n_kr),
            "country": "KR",
            "address": [
                f"{rng.integers(1, 300)} {s}-ro, Seoul"
                for s in rng.choice(
                    ["Teheran", "Gangnam", "Sejong", "Eulji", "Mapo", "Yeouido"], n_kr
                )
            ],
            "industry": industries,
            "listed": (rng.random(n_kr) < 0.08).astype(int),
            "founded": _dates(rng, n_kr, "1975-01-01", "2020-12-31"),
            "role": rng.choice(["import", "export", "both"], size=n_kr, p=[0.4, 0.3, 0.3]),
        }
    )
    keys = list(COUNTRY_WEIGHTS)
    w = np.array([COUNTRY_WEIGHTS[k] for k in keys], dtype=float)
    countries = rng.choice(keys, size=n_fc + n_spare, p=w / w.sum())
    # every supplier country of the catalogue has firms, whatever the draw
    needed = sorted({c for cs in goods_catalogue()["partners"] for c in cs} | set(SHELL_COUNTRIES))
    countries[: len(needed)] = needed
    spare_p = np.array([0.2, 0.2, 0.2, 0.1, 0.1, 0.1, 0.1])
    countries[n_fc:] = rng.choice([*SHELL_COUNTRIES, "US", "CN", "VN", "JP"], n_spare, p=spare_p)
    f_latin, f_local = foreign_company_names(countries, rng)
    foreign = pd.DataFrame(
        {
            "company_id": world.new_ids("FC", n_fc + n_spare),
            "name": f_latin,
            "name_local": f_local,
            "registration_no": None,
            "country": countries,
            "address": [f"{rng.integers(1, 900)} Commerce Road" for _ in range(n_fc + n_spare)],
            "industry": "trade",
            "listed": 0,
            "founded": _dates(rng, n_fc + n_spare, "1980-01-01", "2021-12-31"),
        }
    )
    # spare firms are nobody's background partner: typologies take them as shells
    foreign["spare"] = np.arange(n_fc + n_spare) >= n_fc
    return Population(kr=kr, foreign=foreign)


def _persons(world: GeneratedWorld, pop: Population, rng: np.random.Generator) -> None:
    """1-3 officers per Korean firm (director, shareholders, employees) and some family."""
    kr = pop.kr
    n_off = rng.integers(1, 4, size=len(kr))
    owners = np.repeat(kr["company_id"].to_numpy(), n_off)
    n = len(owners)
    latin, local = person_names(n, rng)
    ids = world.new_ids("P", n)
    first = np.r_[True, owners[1:] != owners[:-1]]
    relation = np.where(first, "director", rng.choice(["shareholder", "employee"], size=n))
    persons = pd.DataFrame(
        {
            "person_id": ids,
            "name": latin,
            "name_local": local,
            "birth_date": _dates(rng, n, "1950-01-01", "1995-12-31"),
            "nationality": "KR",
            "address": [f"{rng.integers(1, 999)}-{rng.integers(1, 40)} Apt, Seoul" for _ in ids],
            "phone": [f"010-{rng.integers(1000, 9999)}-{rng.integers(1000, 9999)}" for _ in ids],
            "pccc": [f"P{rng.integers(10**11, 10**12)}" for _ in ids],
        }
    )
    links = pd.DataFrame(
        {
            "source_id": ids,
            "target_id": owners,
            "relation": relation,
            "since": _dates(rng, n, "2000-01-01", "2022-06-30"),
        }
    )
    pop.directors = dict(zip(owners[first], np.asarray(ids)[first], strict=True))
    # a spouse or child for a fifth of directors: family links carry hwanchigi money
    dirs = np.asarray(ids)[first]
    fam = dirs[rng.random(len(dirs)) < 0.2]
    f_latin, f_local = person_names(len(fam), rng)
    f_ids = world.new_ids("P", len(fam))
    family = pd.DataFrame(
        {
            "person_id": f_ids,
            "name": f_latin,
            "name_local": f_local,
            "birth_date": _dates(rng, len(fam), "1950-01-01", "2000-12-31"),
            "nationality": "KR",
            "address": None,
            "phone": None,
            "pccc": None,
        }
    )
    world.add_rows("persons", pd.concat([persons, family], ignore_index=True))
    fam_links = pd.DataFrame(
        {"source_id": f_ids, "target_id": fam, "relation": "family", "since": None}
    )
    world.add_rows("links", pd.concat([links, fam_links], ignore_index=True))


def stream(
    pop: Population,
    rng: np.random.Generator,
    company: str,
    direction: str,
    industry: str,
    *,
    partners: np.ndarray | None = None,
    t0: dt.date | str = "2023-01-01",
    t1: dt.date | str = "2024-12-31",
    **overrides: Any,
) -> dict[str, Any]:
    """Append one trade stream with background habits, ``overrides`` replacing any of them."""
    cat = goods_catalogue()
    pool = cat.index[cat["industry"] == industry].to_numpy()
    goods = rng.choice(pool, size=min(len(pool), int(rng.integers(1, 4))), replace=False)
    if partners is None:
        if direction == "import":
            rows = goods_records()
            countries = sorted({str(c) for g in goods for c in rows[int(g)]["partners"]})
        else:
            countries = list(COUNTRY_WEIGHTS)
        cand = pop.foreign_in(countries)
        partners = rng.choice(cand, size=min(len(cand), int(rng.integers(1, 6))), replace=False)
    s: dict[str, Any] = {
        "company_id": company,
        "direction": direction,
        "goods": goods,
        "partners": partners,
        "t0": pd.Timestamp(t0),
        "t1": pd.Timestamp(t1),
        "rate": float(np.exp(rng.normal(np.log(12.5), 0.9))),
        "growth": rng.normal(0.05, 0.12),
        "price_factor": 1.0,
        "pay_rate": 0.985,
        "pay_factor": 1.0,
        "lag_median": rng.uniform(20, 75) if direction == "export" else rng.uniform(-5, 40),
        "lag_sigma": 0.35,
        "instalments": 1 if rng.random() < 0.9 else int(rng.integers(2, 5)),
        "batch": bool(rng.random() < 0.2),
        "ref_share": 0.6,
    }
    s.update(overrides)
    pop.streams.append(s)
    return s


def build(world: GeneratedWorld, rng: np.random.Generator, scale: float) -> Population:
    """Companies, persons, links and the background trade streams (``plant.py`` then
    alters some of them into typologies and their look-alikes)."""
    pop = _companies(world, rng, scale)
    _persons(world, pop, rng)
    for company, role, industry in zip(
        pop.kr["company_id"], pop.kr["role"], pop.kr["industry"], strict=True
    ):
        if role in ("import", "both"):
            stream(pop, rng, str(company), "import", str(industry))
        if role in ("export", "both"):
            stream(pop, rng, str(company), "export", str(industry))
    return pop


def register_companies(world: GeneratedWorld, pop: Population) -> None:
    """Write the companies table (after the typologies marked some firms listed)."""
    world.add_rows("companies", pop.kr.drop(columns="role"))
    world.add_rows("companies", pop.foreign.drop(columns="spare"))
