"""The tariff data set: dated parameters and rate tables, loaded once from data files.

Everything numeric comes from ``src/opencustoms/data/tariff/`` (rates, laws) or
``data/us_hts/`` (US schedule); nothing here is a rate.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from opencustoms.settings import BUNDLED_DATA_DIR, PACKAGE_DATA_DIR
from opencustoms.tariff.parameters import ParameterSet

TARIFF_DATA_DIR = PACKAGE_DATA_DIR / "tariff"
US_HTS_FILE = BUNDLED_DATA_DIR / "us_hts" / "us_hts_2024_general.csv"
OPEN_END = pd.Timestamp("2262-04-11")  # pandas' largest date: stands for "no end date"


def _yaml(name: str) -> Any:
    return yaml.safe_load((TARIFF_DATA_DIR / name).read_text(encoding="utf-8"))


def _objects(frame: pd.DataFrame) -> pd.DataFrame:
    # Plain object strings: gathering them per row is much cheaper than Arrow strings.
    for col in frame.columns:
        if pd.api.types.is_string_dtype(frame[col]) and frame[col].dtype != object:
            frame[col] = frame[col].astype(object)
    return frame


def _dates(frame: pd.DataFrame) -> pd.DataFrame:
    _objects(frame)
    frame["valid_from"] = pd.to_datetime(frame["valid_from"])
    frame["valid_to"] = pd.to_datetime(frame["valid_to"]).fillna(OPEN_END)
    return frame


@dataclass(frozen=True)
class Agreement:
    id: str
    name: str
    kcs_prefix: str


@dataclass(frozen=True)
class TariffData:
    params: ParameterSet
    rates: pd.DataFrame  # hs6, tier, rate, n, share, valid_from, valid_to, reference
    chapter_defaults: pd.DataFrame  # chapter (0 = all), rate, valid_from, valid_to, reference
    agreements: dict[str, Agreement]
    agreement_aliases: dict[str, str]
    fta_members: pd.DataFrame  # agreement, origin, valid_from, valid_to, reference
    remedies: pd.DataFrame  # hs6, origin, supplier, rate, measure, product, valid_..., reference
    excise: pd.DataFrame  # prefix, category, kind, description, rural, reference
    food_chapters: frozenset[int]
    food_reference: str
    fx: pd.DataFrame  # currency, week_start, week_end, krw_per_unit, reference
    known_hs6: frozenset[str]

    def resolve_agreement(self, name: str) -> str | None:
        """Agreement id from its id, KCS prefix or name (case, spaces, dashes ignored)."""
        return self.agreement_aliases.get(_alias_key(name))


def _alias_key(name: str) -> str:
    return re.sub(r"[^A-Z0-9]", "", str(name).upper())


def _chapter_defaults() -> pd.DataFrame:
    rows = []
    for entry in _yaml("chapter_defaults.yaml"):
        chapters = [0] if entry["chapters"] == "all" else [int(c) for c in entry["chapters"]]
        for ch in chapters:
            rows.append(
                {
                    "chapter": ch,
                    "rate": float(entry["rate"]),
                    "valid_from": entry["from"],
                    "valid_to": entry.get("to"),
                    "reference": entry["reference"],
                }
            )
    return _dates(pd.DataFrame(rows))


def _fta() -> tuple[dict[str, Agreement], dict[str, str], pd.DataFrame]:
    agreements: dict[str, Agreement] = {}
    aliases: dict[str, str] = {}
    members = []
    for entry in _yaml("fta.yaml"):
        ag = Agreement(entry["id"], entry["name"], entry["kcs_prefix"])
        agreements[ag.id] = ag
        for alias in (ag.id, ag.kcs_prefix, ag.name):
            aliases[_alias_key(alias)] = ag.id
        for m in entry["members"]:
            members.append(
                {
                    "agreement": ag.id,
                    "origin": m["country"],
                    "valid_from": m["from"],
                    "valid_to": m.get("to"),
                    "reference": m["reference"],
                }
            )
    return agreements, aliases, _dates(pd.DataFrame(members))


def _remedies() -> pd.DataFrame:
    rows = []
    for entry in _yaml("trade_remedies.yaml"):
        for hs6 in entry["hs6"]:
            for supplier, rate in entry["suppliers"].items():
                rows.append(
                    {
                        "hs6": str(hs6),
                        "origin": entry["origin"],
                        "supplier": str(supplier),
                        "rate": float(rate),
                        "measure": entry["measure"],
                        "product": entry["product"],
                        "valid_from": entry["from"],
                        "valid_to": entry.get("to"),
                        "reference": entry["reference"],
                    }
                )
    return _dates(pd.DataFrame(rows))


def _excise() -> tuple[pd.DataFrame, frozenset[int], str]:
    spec = _yaml("excise_goods.yaml")
    rows = []
    for prefix, desc in spec["luxury"]["prefixes"].items():
        rows.append(
            {
                "prefix": str(prefix),
                "category": "luxury",
                "kind": "luxury",
                "description": desc,
                "rural": bool(spec["luxury"]["rural_special_tax"]),
                "reference": spec["luxury"]["reference"],
                "valid_from": spec["luxury"]["from"],
                "valid_to": spec["luxury"].get("to"),
            }
        )
    for prefix, item in spec["liquor"]["prefixes"].items():
        rows.append(
            {
                "prefix": str(prefix),
                "category": "liquor",
                "kind": item["kind"],
                "description": item["description"],
                "rural": False,
                "reference": spec["liquor"]["reference"],
                "valid_from": spec["liquor"]["from"],
                "valid_to": spec["liquor"].get("to"),
            }
        )
    food = spec["de_minimis_always_general"]
    excise = _dates(pd.DataFrame(rows))
    return excise, frozenset(int(c) for c in food["chapters"]), food["reference"]


def _known_hs6(rates: pd.DataFrame, us_hts: Path) -> frozenset[str]:
    codes = set(rates["hs6"])
    if us_hts.is_file():
        hts = pd.read_csv(us_hts, dtype=str, usecols=["hts"])["hts"]
        codes |= set(hts.str[:6])
    return frozenset(codes)


@lru_cache(maxsize=1)
def load_tariff_data() -> TariffData:
    params = ParameterSet.from_files(
        TARIFF_DATA_DIR / "parameters.yaml", TARIFF_DATA_DIR / "valuation.yaml"
    )
    rates = _dates(
        pd.read_csv(TARIFF_DATA_DIR / "duty_rates_kcs.csv", dtype={"hs6": str, "tier": str})
    )
    agreements, aliases, members = _fta()
    excise, food, food_ref = _excise()
    fx = pd.read_csv(TARIFF_DATA_DIR / "exchange_rates.csv", dtype={"currency": str})
    fx["week_start"] = pd.to_datetime(fx["week_start"])
    fx["week_end"] = pd.to_datetime(fx["week_end"])
    _objects(fx)
    return TariffData(
        params=params,
        rates=rates,
        chapter_defaults=_chapter_defaults(),
        agreements=agreements,
        agreement_aliases=aliases,
        fta_members=members,
        remedies=_remedies(),
        excise=excise,
        food_chapters=food,
        food_reference=food_ref,
        fx=fx,
        known_hs6=_known_hs6(rates, US_HTS_FILE),
    )
