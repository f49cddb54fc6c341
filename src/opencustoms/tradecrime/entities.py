"""Entity resolution: which registered company a free-text counterparty name is.

Names on invoices and bank messages vary (case, punctuation, ``Limited``/``Ltd``,
``Trading``/``Trdg``, a dropped legal form, a typo, the firm's Chinese or Korean name). A
name is normalised (transliterated to ASCII with anyascii, upper case, abbreviations
expanded, legal forms and punctuation dropped), matched exactly on (normalised name,
country), and otherwise fuzzily (rapidfuzz) among the firms of the same country.

>>> normalise("Golden Harbor Trdg Co., Ltd.") == normalise("GOLDEN HARBOR TRADING")
True
>>> normalise("金星贸易有限公司")
'JINXINGMAOYI'
>>> r = Resolver(pd.DataFrame({"company_id": ["FC1", "FC2"],
...     "name": ["Golden Harbor Trading Co., Ltd.", "Blue Sky Supply Inc."],
...     "name_local": ["金港贸易有限公司", None], "country": ["HK", "US"]}))
>>> r.resolve(pd.Series(["GOLDEN HARBR TRADING CO LTD", "金港贸易有限公司", "Unknown Firm"]),
...           pd.Series(["HK", "HK", "US"])).tolist()
['FC1', 'FC1', None]
"""

from __future__ import annotations

import re
from functools import lru_cache

import pandas as pd
from anyascii import anyascii
from rapidfuzz import fuzz, process

_EXPAND = {
    "LTD": "LIMITED",
    "CO": "COMPANY",
    "TRDG": "TRADING",
    "INTL": "INTERNATIONAL",
    "IND": "INDUSTRIES",
    "CORP": "CORPORATION",
    "ENT": "ENTERPRISE",
    "MFG": "MANUFACTURING",
}
_LEGAL = frozenset(
    [
        "LIMITED",
        "COMPANY",
        "CORPORATION",
        "INC",
        "LLC",
        "GMBH",
        "PTE",
        "SRL",
        "SPA",
        "SAS",
        "SA",
        "AG",
        "KK",
        "JSC",
        "FZE",
        "PLC",
        "BV",
        "NV",
        "YOUXIANGONGSI",
        "GONGSI",
        "JUSIKHOESA",
        "JUSIGHOESA",
        "JU",
    ]
)
_PUNCT = re.compile(r"[^A-Z0-9 ]+")
_SUFFIXES = ("YOUXIANGONGSI", "JUSIKHOESA", "JUSIGHOESA")
FUZZY_CUTOFF = 88.0  # rapidfuzz ratio (0-100) for a unique same-country match


@lru_cache(maxsize=200_000)
def normalise(name: str) -> str:
    """A comparison key for a firm name (see the module docstring)."""
    text = anyascii(name).upper().replace("&", " AND ")
    text = _PUNCT.sub(" ", text.replace(".", " ").replace(",", " "))
    words = [_EXPAND.get(w, w) for w in text.split()]
    words = [w for w in words if w not in _LEGAL]
    key = "".join(words)
    for suffix in _SUFFIXES:  # scripts without spaces: the legal form is glued on
        if key.endswith(suffix) and len(key) > len(suffix):
            key = key[: -len(suffix)]
    return key


class Resolver:
    """Registered firms (``company_id, name, name_local, country``) to match names against."""

    def __init__(self, companies: pd.DataFrame) -> None:
        rows: list[tuple[str, str, str]] = []
        for cid, name, local, country in zip(
            companies["company_id"],
            companies["name"],
            companies["name_local"],
            companies["country"],
            strict=True,
        ):
            for n in (name, local):
                if isinstance(n, str) and n.strip():
                    rows.append((normalise(n), str(country), str(cid)))
        table = pd.DataFrame(rows, columns=["key", "country", "company_id"]).drop_duplicates()
        # a key shared by two firms of one country identifies neither
        counts = table.groupby(["key", "country"])["company_id"].transform("nunique")
        self._exact = {
            (k, c): i
            for k, c, i in table.loc[counts == 1, ["key", "country", "company_id"]].itertuples(
                index=False
            )
        }
        self._by_country = {c: g for c, g in table[counts == 1].groupby("country")}

    def _fuzzy(self, key: str, country: str) -> str | None:
        g = self._by_country.get(country)
        if g is None or not key:
            return None
        hits = process.extract(key, g["key"].tolist(), scorer=fuzz.ratio, limit=2)
        if not hits or hits[0][1] < FUZZY_CUTOFF:
            return None
        if len(hits) > 1 and hits[1][1] >= hits[0][1] - 3 and hits[1][0] != hits[0][0]:
            return None  # two firms fit about as well: leave it unresolved
        return str(g["company_id"].iloc[hits[0][2]])

    def resolve(self, names: pd.Series, countries: pd.Series) -> pd.Series:
        """The company id per (name, country), None where no unique firm fits."""
        pairs = pd.DataFrame(
            {"name": names.astype("string"), "country": countries.astype("string")}
        )
        uniq = pairs.drop_duplicates().dropna(subset=["name"])
        found: dict[tuple[str, str], str | None] = {}
        for name, country in uniq.itertuples(index=False):
            key, c = normalise(str(name)), str(country)
            found[(str(name), c)] = self._exact.get((key, c)) or self._fuzzy(key, c)
        out = [
            found.get((str(n), str(c))) if isinstance(n, str) else None
            for n, c in zip(pairs["name"].tolist(), pairs["country"].tolist(), strict=True)
        ]
        return pd.Series(out, index=names.index, dtype=object)
