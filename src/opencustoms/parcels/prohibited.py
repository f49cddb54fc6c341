"""Prohibited and restricted goods in free-text descriptions, robust to the usual evasions.

Terms (``data/parcels/prohibited_terms.csv``) match in English or Korean:

* ``compact`` terms are searched in the description with case, spaces, punctuation and
  leetspeak removed (``C.O.C.A.I.N.E``, ``canna bis``, ``c0caine``, ``대 마``);
* ``token`` terms (short words such as ``thc``) must be a whole word, where runs of single
  letters (``t h c``) are joined first;
* words of 6+ letters within one edit (two from 9 letters) of a term also match
  (``cocainne``), with rapidfuzz over the manifest's distinct words only;
* a term's ``exclude`` phrases (``ivory color``, ``heroine``, ``대마도``) cancel it;
* a brand (``counterfeit_brand``) counts only next to a copy marker (``replica``) or at a
  unit price below a fraction of its genuine floor price.

>>> m = match_descriptions(["C0CAINE powder", "superheroine costume", "t h c gummies",
...                         "Ivory color dress", "canna bis oil", "ketamnie", "대 마 오일"])
>>> [h.term if h else None for h in m]
['cocaine', None, 'thc', None, 'cannabis', 'ketamine', '대마']
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import pandas as pd

from opencustoms.parcels.reference import load_reference

_LEET = str.maketrans(
    {"0": "o", "1": "i", "3": "e", "4": "a", "5": "s", "7": "t", "$": "s", "@": "a"}
)
_NOT_LETTER = re.compile(r"[^a-z\uac00-\ud7a3]+")
_SINGLE_RUN = re.compile(r"\b(?:[a-z] ){1,}[a-z]\b")


@dataclass(frozen=True)
class Hit:
    term: str
    category: str
    kind: str  # exact | fuzzy
    reference: str


def compact(text: str) -> str:
    """Lower case, leetspeak undone, everything but letters (Latin, Hangul) removed."""
    return _NOT_LETTER.sub("", text.lower().translate(_LEET))


def words(text: str) -> str:
    """Space-separated words, with runs of single letters (``t h c``, ``t.h.c``) joined."""
    spaced = _NOT_LETTER.sub(" ", text.lower().translate(_LEET)).strip()
    return _SINGLE_RUN.sub(lambda m: m.group(0).replace(" ", ""), spaced)


@dataclass(frozen=True)
class _Terms:
    rows: dict[str, dict[str, str]]  # compact term -> term row
    compact_re: re.Pattern[str]
    token_re: re.Pattern[str]
    fuzzy: list[str]
    excludes: dict[str, list[str]]


@lru_cache(maxsize=1)
def _terms() -> _Terms:
    ref = load_reference()
    t = ref.terms
    rows = {
        compact(str(r["term"])): {str(k): str(v) for k, v in r.items()}
        for r in t.to_dict("records")
    }
    by_mode = {
        m: sorted((k for k, r in rows.items() if r["match"] == m), key=len, reverse=True)
        for m in ("compact", "token")
    }
    min_len = int(ref.param("detector", "fuzzy_min_term_length"))
    return _Terms(
        rows=rows,
        compact_re=re.compile("|".join(map(re.escape, by_mode["compact"]))),
        token_re=re.compile(r"\b(" + "|".join(map(re.escape, by_mode["token"])) + r")\b"),
        fuzzy=[
            k
            for k in by_mode["compact"]
            if k.isascii() and len(k) >= min_len and rows[k]["category"] != "counterfeit_marker"
        ],
        excludes={
            k: [compact(x) for x in r["exclude"].split(";") if x.strip()] for k, r in rows.items()
        },
    )


def _fuzzy_words(uniq_words: list[str], terms: _Terms) -> dict[str, str]:
    """word -> term within the allowed edit distance (distinct words only)."""
    from rapidfuzz import process
    from rapidfuzz.distance import OSA

    if not uniq_words or not terms.fuzzy:
        return {}
    two_from = int(load_reference().param("detector", "fuzzy_two_edits_from"))
    dist = process.cdist(
        uniq_words, terms.fuzzy, scorer=OSA.distance, score_cutoff=2, dtype=np.int32, workers=1
    )
    allowed = np.array([2 if len(t) >= two_from else 1 for t in terms.fuzzy])
    lengths = np.array([len(w) for w in uniq_words])
    ok = (dist <= allowed[None, :]) & (
        np.abs(lengths[:, None] - np.array([len(t) for t in terms.fuzzy])[None, :]) <= 2
    )
    found: dict[str, str] = {}
    for i, j in zip(*np.nonzero(ok), strict=True):
        if uniq_words[i] not in terms.rows:
            found.setdefault(uniq_words[i], terms.fuzzy[j])
    return found


def match_descriptions(descriptions: Sequence[str | None]) -> list[Hit | None]:
    """The first prohibited-term hit of each description (None when clean). Work is done
    once per distinct description."""
    terms = _terms()
    uniq = pd.unique(pd.Series([d or "" for d in descriptions], dtype=object))
    comp = [compact(d) for d in uniq]
    toks = [words(d) for d in uniq]
    vocab = sorted(
        {w for t in toks for w in t.split() if len(w) >= 5}
        | {
            a + b
            for t in toks
            for a, b in zip(t.split(), t.split()[1:], strict=False)
            if len(a + b) >= 6 and len(a) <= 6
        }
    )
    fuzzy = _fuzzy_words(vocab, terms)
    result: dict[str, Hit | None] = {}
    for d, c, t in zip(uniq, comp, toks, strict=True):
        found: list[tuple[str, str]] = [(m, "exact") for m in terms.compact_re.findall(c)]
        found += [(m, "exact") for m in terms.token_re.findall(t)]
        if not found and fuzzy:
            ws = t.split()
            cands = ws + [a + b for a, b in itertools.pairwise(ws)]
            found = [(fuzzy[w], "fuzzy") for w in cands if w in fuzzy]
        result[d] = _first_allowed(found, c, terms)
    return [result[d if isinstance(d, str) else ""] for d in descriptions]


def _first_allowed(found: list[tuple[str, str]], comp: str, terms: _Terms) -> Hit | None:
    hits = []
    for key, kind in found:
        if any(x and x in comp for x in terms.excludes.get(key, [])):
            continue
        r = terms.rows[key]
        hits.append(
            Hit(term=r["term"], category=r["category"], kind=kind, reference=r["reference"])
        )
    if not hits:
        return None
    # A copy marker alone is not an offence; report the brand when one is present.
    order = {"counterfeit_marker": 2, "counterfeit_brand": 1}
    return (
        sorted(hits, key=lambda h: order.get(h.category, 0))[0]
        if len(hits) == 1
        else _combine(hits)
    )


def _combine(hits: list[Hit]) -> Hit:
    brand = next((h for h in hits if h.category == "counterfeit_brand"), None)
    marker = any(h.category == "counterfeit_marker" for h in hits)
    if brand and marker:
        return Hit(brand.term, "counterfeit", brand.kind, brand.reference)
    plain = [h for h in hits if h.category not in ("counterfeit_brand", "counterfeit_marker")]
    return plain[0] if plain else hits[0]


def brand_floor(term: str) -> float:
    """Genuine floor price (USD) of a brand term, NaN for other terms."""
    row = _terms().rows.get(compact(term))
    value = row.get("min_genuine_usd", "") if row else ""
    return float(value) if value else float("nan")
