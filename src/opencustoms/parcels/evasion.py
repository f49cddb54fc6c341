"""How smugglers write prohibited goods on a waybill: case games, split words, leetspeak,
one-letter typos, Korean terms with spaces, brand names next to copy markers at copy
prices; and innocent look-alike texts (``ivory color dress``) as hard negatives.

>>> import numpy as np
>>> rng = np.random.default_rng(0)
>>> leet("cocaine", np.random.default_rng(1)) != "cocaine"
True
>>> split_word("cannabis", np.random.default_rng(2)).replace(" ", "").replace(".", "")
'cannabis'
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

_LEET = {"a": "4", "e": "3", "i": "1", "o": "0", "s": "5", "t": "7"}


def leet(word: str, rng: np.random.Generator) -> str:
    """Replace at least one leetable letter by its digit."""
    spots = [i for i, ch in enumerate(word) if ch in _LEET]
    if not spots:
        return word
    chosen = set(rng.choice(spots, max(1, len(spots) // 2), replace=False).tolist())
    return "".join(_LEET[ch] if i in chosen else ch for i, ch in enumerate(word))


def split_word(word: str, rng: np.random.Generator) -> str:
    """Break a word: every letter apart, dotted, or cut once."""
    how = int(rng.integers(3))
    if how == 0:
        return " ".join(word)
    if how == 1:
        return ".".join(word)
    cut = int(rng.integers(1, max(2, len(word) - 1)))
    return f"{word[:cut]} {word[cut:]}"


def typo(word: str, rng: np.random.Generator) -> str:
    """One edit: a doubled, dropped or swapped letter (never the first letter)."""
    i = int(rng.integers(1, len(word) - 1))
    how = int(rng.integers(3))
    if how == 0:
        return word[:i] + word[i] + word[i:]
    if how == 1:
        return word[:i] + word[i + 1 :]
    return word[:i] + word[i + 1] + word[i] + word[i + 2 :]


def _case(text: str, rng: np.random.Generator) -> str:
    how = int(rng.integers(3))
    return text.upper() if how == 0 else text.title() if how == 1 else text


def _disguise(term: str, rng: np.random.Generator) -> str:
    if not term.isascii():
        # Korean: spaces between syllables defeat a plain substring search
        return " ".join(term) if rng.random() < 0.5 else term
    how = int(rng.integers(5))
    if how == 1:
        return leet(term, rng)
    if how == 2 and " " not in term:
        return split_word(term, rng)
    if how == 3 and len(term) >= 6 and " " not in term:
        return typo(term, rng)
    return term


def prohibited_texts(
    rng: np.random.Generator, n: int, terms: pd.DataFrame, params: dict[str, Any]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(descriptions, label per row, forced unit price or NaN) for ``n`` parcels: about a
    third innocent look-alikes, the rest prohibited goods in disguise."""
    templates = params["prohibited_templates"]
    looks = params["lookalike_texts"]
    plain = terms[~terms["category"].isin(["counterfeit_brand", "counterfeit_marker"])].to_dict(
        "records"
    )
    brands = terms[terms["category"] == "counterfeit_brand"].to_dict("records")
    markers = terms.loc[terms["category"] == "counterfeit_marker", "term"].tolist()
    desc = np.empty(n, dtype=object)
    label = np.full(n, "", dtype=object)
    unit = np.full(n, np.nan)
    lookalike_share = params["rates"]["hard_lookalike_text"] / (
        params["rates"]["hard_lookalike_text"] + params["rates"]["prohibited_goods"]
    )
    for i in range(n):
        if rng.random() < lookalike_share:
            desc[i] = _case(str(looks[int(rng.integers(len(looks)))]), rng)
            continue
        label[i] = "prohibited_goods"
        if rng.random() < 0.2:
            b = brands[int(rng.integers(len(brands)))]
            tpl = templates["counterfeit"][int(rng.integers(len(templates["counterfeit"])))]
            marker = markers[int(rng.integers(len(markers)))] if "{m}" in tpl else ""
            desc[i] = _case(tpl.format(t=_disguise(b["term"], rng), m=marker).strip(), rng)
            # a copy sells far below the genuine article's floor price
            unit[i] = round(float(b["min_genuine_usd"]) * rng.uniform(0.03, 0.15), 2)
            continue
        t = plain[int(rng.integers(len(plain)))]
        key = "ko" if t["language"] == "ko" else str(t["category"])
        tpl = templates[key][int(rng.integers(len(templates[key])))]
        desc[i] = _case(tpl.format(t=_disguise(str(t["term"]), rng)), rng)
    return desc, label, unit
