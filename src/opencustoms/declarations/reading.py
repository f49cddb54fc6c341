"""A declaration item as an officer reads it: sections in the order of the declaration form
(declaration, parties, goods, origin and route, values and duty), each field with its
label, its value written for people (names of offices and countries, HS descriptions,
thousands separators, units and currency) and, for coded fields, the code's meaning.

Labels, order and code meanings are data (``data/declarations/reading.yaml``); this module
only applies them. Fields the row does not carry are left out.

>>> secs = read_item({"declaration_id": "1", "item_no": 1, "hs_code": "420221",
...     "transport_mode": "40", "item_price_krw": 1250000.0, "net_mass_kg": 12.5,
...     "origin_country": "CN"})
>>> [s.title for s in secs]
['Declaration', 'Goods', 'Origin and route', 'Values and duty']
>>> [(f.label, f.text) for s in secs[2:] for f in s.fields]
[('Country of origin', 'China (CN)'), ('Transport mode', 'air (code 40)'), \
('Item price (customs value)', '1,250,000 KRW')]
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Mapping
from functools import lru_cache
from typing import Any

import pycountry
import yaml
from pydantic import BaseModel, Field

from opencustoms.settings import BUNDLED_DATA_DIR, PACKAGE_DATA_DIR

READING_FILE = PACKAGE_DATA_DIR / "declarations" / "reading.yaml"
HS_FILE = BUNDLED_DATA_DIR / "hs" / "harmonized-system-2022.csv"
UNKNOWN_CODE = "meaning not in the code table"


class ReadField(BaseModel):
    name: str = Field(description="Stored field name")
    label: str
    value: Any = Field(description="Stored value")
    text: str = Field(description="The value written for an officer")
    meaning: str | None = Field(default=None, description="Meaning of a coded value")


class Section(BaseModel):
    title: str
    fields: list[ReadField]


@lru_cache(maxsize=1)
def _spec() -> dict[str, Any]:
    return yaml.safe_load(READING_FILE.read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def _offices() -> dict[str, str]:
    data = yaml.safe_load((PACKAGE_DATA_DIR / "offices.yaml").read_text(encoding="utf-8"))
    return {str(o["code"]): str(o["name"]) for o in data["offices"]}


@lru_cache(maxsize=1)
def _hs_descriptions() -> dict[str, str]:
    if not HS_FILE.is_file():  # a wheel without the bundled data: codes stay bare
        return {}
    with HS_FILE.open(encoding="utf-8-sig", newline="") as f:
        return {r["hscode"]: r["description"] for r in csv.DictReader(f)}


def hs_description(code: str) -> str | None:
    """The HS 2022 description of the code's subheading (or heading, chapter)."""
    table = _hs_descriptions()
    for n in (6, 4, 2):
        if len(code) >= n and code[:n] in table:
            return table[code[:n]]
    return None


def country_name(code: str) -> str:
    found = pycountry.countries.get(alpha_2=code)
    return f"{found.name} ({code})" if found else code


def code_meaning(field: str, code: str, extra: Mapping[str, str] | None = None) -> str | None:
    """Meaning of ``code`` in the field's code table; ``extra`` adds meanings known
    elsewhere (e.g. FTA names by tax-type prefix from the tariff data)."""
    table = _spec()["codes"].get(field) or {}
    values = table.get("values") or {}
    if code in values:
        return str(values[code])
    for prefix, meaning in (table.get("prefixes") or {}).items():
        if code.startswith(prefix):
            named = next(
                (
                    v
                    for k, v in sorted((extra or {}).items(), key=lambda kv: -len(kv[0]))
                    if code.startswith(k)
                ),
                None,
            )
            return f"{meaning}, {named}" if named else str(meaning)
    return None


def _text(kind: str, value: Any, row: Mapping[str, Any]) -> str:
    if kind == "date":
        return value.isoformat() if isinstance(value, dt.date) else str(value)
    if kind == "office":
        office = _offices().get(str(value))
        return f"{office} ({value})" if office else str(value)
    if kind == "country":
        return country_name(str(value))
    if kind == "money_krw":
        return f"{float(value):,.0f} KRW"
    if kind == "money":
        return f"{float(value):,.2f} {row.get('currency') or ''}".strip()
    if kind == "mass":
        return f"{float(value):,.3f}".rstrip("0").rstrip(".") + " kg"
    if kind == "quantity":
        amount = f"{float(value):,.3f}".rstrip("0").rstrip(".")
        return f"{amount} {row.get('quantity_unit') or ''}".strip()
    if kind == "percent":
        return f"{float(value):g}%"
    return str(value)


def read_item(
    row: Mapping[str, Any], *, extra_codes: Mapping[str, Mapping[str, str]] | None = None
) -> list[Section]:
    """The row's fields in reading order (``extra_codes``: more meanings per field)."""
    spec = _spec()
    out = []
    for section in spec["sections"]:
        fields = []
        for name in section["fields"]:
            value = row.get(name)
            if value is None or value == "":
                continue
            meta = spec["fields"][name]
            kind = meta["kind"]
            text = _text(kind, value, row)
            meaning = None
            if kind == "code":
                meaning = code_meaning(name, str(value), (extra_codes or {}).get(name))
                text = f"{meaning} (code {value})" if meaning else f"{value} ({UNKNOWN_CODE})"
            elif kind == "hs":
                meaning = hs_description(str(value))
            fields.append(
                ReadField(name=name, label=meta["label"], value=value, text=text, meaning=meaning)
            )
        if fields:
            out.append(Section(title=section["title"], fields=fields))
    return out
