"""Reference data of the parcels domain (``data/parcels/``): names, addresses, platforms,
goods catalogue, carrier offices, prohibited-goods terms and screening parameters.

Every file is dated and carries a reference per value; this module only loads them.
The de minimis thresholds come from the tariff parameters (:func:`de_minimis_usd`), not
from here, so the law is written down once.

>>> ref = load_reference()
>>> ref.surname_of["김"]["canonical"], len(ref.goods) > 20
('kim', True)
>>> de_minimis_usd("2026-10-01")
{'general': 150.0, 'us': 200.0, 'food': 150.0}
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from opencustoms.settings import PACKAGE_DATA_DIR, get_settings

DATA_DIR = PACKAGE_DATA_DIR / "parcels"


def _yaml(path: Path) -> Any:
    with path.open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)


@dataclass(frozen=True)
class Reference:
    surnames: list[dict[str, Any]]
    syllables: list[dict[str, Any]]
    cities: list[dict[str, Any]]
    platforms: list[dict[str, Any]]
    goods: pd.DataFrame
    carriers: pd.DataFrame
    terms: pd.DataFrame
    screening: dict[str, Any]
    surname_of: dict[str, dict[str, Any]] = field(default_factory=dict)

    def param(self, section: str, name: str) -> Any:
        """A screening parameter's value (``detector``/``typologies`` sections)."""
        return self.screening[section][name]["value"]

    def typology(self, code: str, what: str) -> Any:
        return self.screening["typologies"][code][what]["value"]


@lru_cache(maxsize=2)
def load_reference(screening_file: Path | None = None) -> Reference:
    names = _yaml(DATA_DIR / "names.yaml")
    screening = _yaml(screening_file or get_settings().parcels_screening_file)
    goods = pd.read_csv(DATA_DIR / "goods.csv", dtype={"hs6": str, "product_id": str})
    carriers = pd.read_csv(DATA_DIR / "carrier_offices.csv", dtype=str)
    terms = pd.read_csv(DATA_DIR / "prohibited_terms.csv", dtype=str, keep_default_na=False)
    return Reference(
        surnames=names["surnames"],
        syllables=names["given_syllables"],
        cities=_yaml(DATA_DIR / "addresses.yaml")["cities"],
        platforms=_yaml(DATA_DIR / "platforms.yaml")["platforms"],
        goods=goods,
        carriers=carriers,
        terms=terms,
        screening=screening,
        surname_of={s["hangul"]: s for s in names["surnames"]},
    )


def de_minimis_usd(day: dt.date | str) -> dict[str, float]:
    """The personal-use duty-free limits in force on ``day``, from the tariff parameters."""
    from opencustoms.tariff.tables import load_tariff_data

    params = load_tariff_data().params
    return {
        "general": float(params.value("de_minimis.general_usd", day)),
        "us": float(params.value("de_minimis.us_list_clearance_usd", day)),
        "food": float(params.value("de_minimis.food_usd", day)),
    }


def food_chapters() -> frozenset[int]:
    """HS chapters always under the general (food/medicine) limit, from the tariff data."""
    from opencustoms.tariff.tables import load_tariff_data

    return load_tariff_data().food_chapters
