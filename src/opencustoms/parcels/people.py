"""Synthetic recipients for the parcel generator: Korean names, road-name addresses,
mobile numbers and PCCCs, each rendered in the spelling variants people really write.

A population is a set of numpy arrays (one entry per person). Households share an address
(families are the hard negative for "one address, many PCCCs"); common names repeat at
different addresses (homonyms). Each person gets ``VARIANTS`` written forms of name,
address and phone; a parcel picks one of them, mostly the person's usual one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from opencustoms.parcels.normalise import romanise_hangul
from opencustoms.parcels.reference import Reference

VARIANTS = 3


@dataclass
class People:
    n: int
    pccc: np.ndarray  # str, 'P' + 12 digits
    household: np.ndarray  # int, persons of one household share the address
    names: np.ndarray  # (n, VARIANTS) str
    addresses: np.ndarray  # (n, VARIANTS) str
    phones: np.ndarray  # (n, VARIANTS) str
    name_hangul: np.ndarray  # str: the usual Hangul form (for lookalike identities)


def _options(entries: list[dict[str, Any]]) -> tuple[np.ndarray, np.ndarray]:
    """(table of spellings padded with the canonical one, number of spellings) per entry."""
    spell = [[e["canonical"], *e["variants"]] for e in entries]
    width = max(len(x) for x in spell)
    table = np.array([x + [x[0]] * (width - len(x)) for x in spell], dtype=object)
    return table, np.array([len(x) for x in spell])


def _spell(
    table: np.ndarray, count: np.ndarray, idx: np.ndarray, rng: np.random.Generator
) -> pd.Series:
    """A spelling per person: the canonical one, or (40%) any known one."""
    alt = rng.random(len(idx)) < 0.4
    j = np.where(alt, (rng.random(len(idx)) * count[idx]).astype(int), 0)
    return pd.Series(table[idx, j])


def _roman_names(
    ref: Reference, surname: np.ndarray, syl: np.ndarray, rng: np.random.Generator
) -> pd.Series:
    """One romanised written form per person, in one of four common styles."""
    st, sc = _options(ref.surnames)
    gt, gc = _options(ref.syllables)
    sur = _spell(st, sc, surname, rng)
    a, b = _spell(gt, gc, syl[:, 0], rng), _spell(gt, gc, syl[:, 1], rng)
    style = rng.integers(0, 4, len(surname))
    forms = [
        sur.str.capitalize() + " " + (a + b).str.capitalize(),
        sur.str.upper() + " " + a.str.upper() + " " + b.str.upper(),
        (a + "-" + b).str.capitalize() + " " + sur.str.capitalize(),
        (a + b).str.capitalize() + " " + sur.str.upper(),
    ]
    out = forms[0].copy()
    for k in range(1, 4):
        out[style == k] = forms[k][style == k]
    return out


def _cap(word: str) -> str:
    return word[:1].upper() + word[1:]


def _road_roman(road: str) -> str:
    rr = romanise_hangul(road)
    for suffix in ("daero", "ro", "gil"):
        if rr.endswith(suffix):
            return f"{_cap(rr[: -len(suffix)])}-{suffix}"
    return _cap(rr)


def _district_roman(district: str) -> str:
    out = []
    for part in district.split():
        rr = romanise_hangul(part)
        for suffix in ("gu", "si"):
            if rr.endswith(suffix):
                rr = f"{rr[: -len(suffix)]}-{suffix}"
                break
        out.append(_cap(rr))
    return " ".join(out)


def _roads(ref: Reference) -> pd.DataFrame:
    rows = []
    for c in ref.cities:
        for district, roads in c["districts"]:
            for road in roads:
                rows.append(
                    {
                        "full": f"{c['hangul']} {district} {road} ",
                        "short": f"{c['short']} {district} {road} ",
                        "roman": f" {_road_roman(road)}, {_district_roman(district)}, {c['roman']}",
                        "share": c["share"] / len(c["districts"]) / len(roads),
                    }
                )
    return pd.DataFrame(rows)


def make_people(n: int, ref: Reference, rng: np.random.Generator) -> People:
    """``n`` persons in households of 1-4 with names, addresses, phones and PCCCs."""
    shares = np.array([s["share"] for s in ref.surnames], dtype=float)
    surname = rng.choice(len(ref.surnames), n, p=shares / shares.sum())
    syl = rng.integers(0, len(ref.syllables), (n, 2))
    # Households: sizes 1-4 (singles most common); members after the first share the
    # first member's surname half of the time (children), else keep their own (spouse).
    sizes = rng.choice([1, 2, 3, 4], size=n, p=[0.55, 0.2, 0.15, 0.1])
    household = np.repeat(np.arange(n), sizes)[:n]
    first = np.r_[True, household[1:] != household[:-1]]
    head = np.maximum.accumulate(np.where(first, np.arange(n), 0))
    child = ~first & (rng.random(n) < 0.5)
    surname = np.where(child, surname[head], surname)
    digits = pd.Series(rng.choice(10**12 - 10**11, n, replace=False) + 10**11).astype(str)
    pccc = ("P" + digits).to_numpy(dtype=object)
    sh = np.array([s["hangul"] for s in ref.surnames], dtype=object)
    gh = np.array([s["hangul"] for s in ref.syllables], dtype=object)
    hangul = pd.Series(sh[surname] + gh[syl[:, 0]] + gh[syl[:, 1]])
    spaced = pd.Series(sh[surname] + " " + gh[syl[:, 0]] + gh[syl[:, 1]])
    roman1, roman2 = _roman_names(ref, surname, syl, rng), _roman_names(ref, surname, syl, rng)
    hangul_first = rng.random(n) < 0.6
    v0 = hangul.where(hangul_first, roman1)
    v1 = roman1.where(hangul_first, hangul)
    v2 = roman2.where(rng.random(n) >= 0.2, spaced)
    names = np.stack([v0.to_numpy(object), v1.to_numpy(object), v2.to_numpy(object)], axis=1)
    roads = _roads(ref)
    road = rng.choice(len(roads), n, p=(roads["share"] / roads["share"].sum()).to_numpy())[head]
    building = pd.Series(rng.integers(1, 400, n)[head]).astype(str)
    apt = (rng.random(n) < 0.7)[head]
    dong = pd.Series(rng.integers(101, 120, n)[head]).astype(str)
    ho = pd.Series((rng.integers(1, 25, n) * 100 + rng.integers(1, 8, n))[head]).astype(str)
    r = roads.iloc[road].reset_index(drop=True)
    unit_ko = (", " + dong + "동 " + ho + "호").where(apt, "")
    unit_dash = (" " + dong + "-" + ho).where(apt, "")
    unit_en = (dong + "-" + ho + ", ").where(apt, "")
    addresses = np.stack(
        [
            (r["full"] + building + unit_ko).to_numpy(object),
            (r["short"] + building + unit_dash).to_numpy(object),
            (unit_en + building + r["roman"]).to_numpy(object),
        ],
        axis=1,
    )
    d = pd.Series(rng.choice(10**8, n, replace=False)).astype(str).str.zfill(8)
    phones = np.stack(
        [
            ("010-" + d.str[:4] + "-" + d.str[4:]).to_numpy(object),
            ("010" + d).to_numpy(object),
            ("+82-10-" + d.str[:4] + "-" + d.str[4:]).to_numpy(object),
        ],
        axis=1,
    )
    return People(n, pccc, household, names, addresses, phones, hangul.to_numpy(object))
