"""Planted typologies and hard negatives of the parcel generator.

Each planter returns a *spec*: a dict of equal-length numpy arrays describing parcels
(who they are for, whose PCCC is written, which day, platform and goods, the declared /
true value factor, an optional description override, the planted label and hard-negative
tag). ``generator.py`` draws the ordinary parcels the same way and renders every spec into
manifest rows. Parameters come from ``data/parcels/generator.yaml``; the catalogue of what
each typology is and the signal it leaves is ``docs/parcels-typologies.md``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from opencustoms.parcels.reference import Reference

Spec = dict[str, np.ndarray]
REGION = {"CN": "CN", "US": "US", "JP": "JP", "DE": "EU", "FR": "EU", "IT": "EU", "GB": "EU"}


@dataclass
class World:
    """What planters draw from: reference data, parameters, population, random state."""

    ref: Reference
    params: dict[str, Any]
    rng: np.random.Generator
    n_days: int
    shoppers: np.ndarray  # persons who shop under their own identity
    ghosts: np.ndarray  # persons who never shop: lent or stolen PCCCs, made-up identities
    household: np.ndarray
    _next_ghost: int = 0

    def take_ghosts(self, k: int) -> np.ndarray:
        """``k`` ghosts no other planter uses (a lent code belongs to one scheme only)."""
        k = min(k, len(self.ghosts) - self._next_ghost)
        out = self.ghosts[self._next_ghost : self._next_ghost + k]
        self._next_ghost += k
        return out

    def platform_ids(self, *names: str) -> np.ndarray:
        return np.array([i for i, p in enumerate(self.ref.platforms) if p["name"] in names])


def spec(n: int, **cols: Any) -> Spec:
    base: Spec = {
        "person": np.zeros(n, dtype=np.int64),
        "code_owner": np.zeros(n, dtype=np.int64),
        "day": np.zeros(n, dtype=np.int64),
        "platform": np.zeros(n, dtype=np.int64),
        "product": np.zeros(n, dtype=np.int64),
        "qty": np.ones(n, dtype=np.int64),
        "unit_usd": np.zeros(n),
        "factor": np.ones(n),
        "desc": np.full(n, None, dtype=object),
        "label": np.full(n, "", dtype=object),
        "hard": np.full(n, "", dtype=object),
    }
    for k, v in cols.items():
        base[k] = np.broadcast_to(np.asarray(v), (n,)).copy() if np.ndim(v) == 0 else np.asarray(v)
    return base


def draw_platforms(w: World, n: int) -> np.ndarray:
    share = np.array([p["share"] for p in w.ref.platforms], dtype=float)
    return w.rng.choice(len(share), n, p=share / share.sum())


def draw_goods(w: World, s: Spec, pool: np.ndarray | None = None) -> None:
    """Fill product, quantity and true unit price for the platforms in ``s``."""
    goods = w.ref.goods
    sold = goods["sold_in"].str.split(";")
    for pid in np.unique(s["platform"]):
        rows = np.flatnonzero(s["platform"] == pid)
        region = REGION[w.ref.platforms[pid]["country"]]
        cands = np.array([i for i, regions in enumerate(sold) if region in regions])
        if pool is not None:
            both = np.intersect1d(cands, pool)
            cands = both if len(both) else pool
        s["product"][rows] = w.rng.choice(cands, len(rows))
    g = goods.iloc[s["product"]]
    lo, hi = np.log(g["price_lo_usd"].to_numpy(float)), np.log(g["price_hi_usd"].to_numpy(float))
    s["unit_usd"] = np.round(np.exp(w.rng.uniform(lo, hi)), 2)
    s["qty"] = np.minimum(g["max_qty"].to_numpy(int), w.rng.geometric(0.65, len(lo)))


def _sizes(w: World, lo_hi: list[int], n: int) -> np.ndarray:
    return w.rng.integers(lo_hi[0], lo_hi[1] + 1, n)


def split_shipment(w: World, n_parcels: int, limits: dict[str, float]) -> Spec:
    """Episodes of 2-4 same-day parcels, each under the limit, together over it."""
    p = w.params["split_shipment"]
    goods = w.ref.goods
    n_ep = max(1, n_parcels // 3)
    k = _sizes(w, p["parcels"], n_ep)
    ep = np.repeat(np.arange(n_ep), k)
    buyer = w.rng.choice(w.shoppers, n_ep)
    us = w.rng.random(n_ep) < p["us_share"]
    plat = np.where(
        us[ep], w.rng.choice(w.platform_ids("Amazon US"), len(ep)), draw_platforms(w, len(ep))
    )
    s = spec(len(ep), person=buyer[ep], code_owner=buyer[ep], platform=plat, label="split_shipment")
    s["day"] = w.rng.integers(0, w.n_days, n_ep)[ep]
    mid = np.flatnonzero(
        (goods["price_lo_usd"] >= 20)
        & (goods["price_hi_usd"] <= 200)
        & (goods["category"] != "supplements")
    )
    draw_goods(w, s, pool=mid)
    s["qty"][:] = 1
    limit = np.where(us, limits["us"], limits["general"])[ep]
    # Each parcel below the limit; scale the episode so the total lands 5-60% over it.
    value = np.minimum(s["unit_usd"], 0.95 * limit)
    total = np.bincount(ep, value)[ep]
    target = limit * w.rng.uniform(1.05, 1.6, n_ep)[ep]
    scale = np.maximum(1.0, target / total)
    s["unit_usd"] = np.round(np.minimum(value * scale, 0.97 * limit), 2)
    # Some buyers write a relative's (or a borrowed) code on the later parcels.
    other = w.rng.random(n_ep) < p["different_codes_share"]
    later = np.r_[False, ep[1:] == ep[:-1]] & other[ep]
    s["code_owner"][later] = w.take_ghosts(int(later.sum()))
    return s


def one_code_many_people(w: World, n_parcels: int) -> Spec:
    """A PCCC (stolen or lent) written on parcels for 4-10 different made-up recipients."""
    n_codes = max(1, n_parcels // 7)
    k = _sizes(w, w.params["pccc_one_code_many_people"]["identities"], n_codes)
    code = np.repeat(w.take_ghosts(n_codes), k)
    s = spec(len(code), person=w.take_ghosts(len(code)), code_owner=code)
    s["label"][:] = "pccc_misuse"
    s["day"] = w.rng.integers(0, w.n_days, len(code))
    s["platform"] = draw_platforms(w, len(code))
    draw_goods(w, s)
    return s


def one_person_many_codes(w: World, n_parcels: int) -> Spec:
    """One person (same name, address, phone) using 4-8 other people's PCCCs."""
    n_people = max(1, n_parcels // 6)
    k = _sizes(w, w.params["pccc_one_person_many_codes"]["codes"], n_people)
    who = np.repeat(w.rng.choice(w.shoppers, n_people, replace=False), k)
    s = spec(len(who), person=who, code_owner=w.take_ghosts(len(who)))
    s["label"][:] = "pccc_misuse"
    s["day"] = w.rng.integers(0, w.n_days, len(who))
    s["platform"] = draw_platforms(w, len(who))
    draw_goods(w, s)
    return s


def commercial_resale(w: World, n_parcels: int) -> Spec:
    """The same goods again and again to one recipient, or few parcels of bulk quantity."""
    p = w.params["commercial_resale"]
    goods = w.ref.goods
    n_sellers = max(1, n_parcels // 18)
    bulk = w.rng.random(n_sellers) < p["bulk_share"]
    k = np.where(bulk, _sizes(w, p["bulk_parcels"], n_sellers), _sizes(w, p["parcels"], n_sellers))
    r = np.repeat(np.arange(n_sellers), k)
    who = w.rng.choice(w.shoppers, n_sellers, replace=False)
    cheap = np.flatnonzero(goods["price_hi_usd"] <= 70)
    plat = draw_platforms(w, n_sellers)
    s = spec(len(r), person=who[r], code_owner=who[r], platform=plat[r], label="commercial_resale")
    s["day"] = w.rng.integers(0, w.n_days, len(r))
    one = spec(n_sellers, platform=plat)
    draw_goods(w, one, pool=cheap)
    s["product"] = one["product"][r]
    g = goods.iloc[s["product"]]
    lo, hi = np.log(g["price_lo_usd"].to_numpy(float)), np.log(g["price_hi_usd"].to_numpy(float))
    s["unit_usd"] = np.round(np.exp(w.rng.uniform(lo, hi)), 2)
    base_q = w.rng.integers(1, 4, len(r))
    s["qty"] = np.where(bulk[r], _sizes(w, p["bulk_quantity"], len(r)), base_q)
    return s


def priced(w: World, n: int, factor: list[float], label: str, hard: str) -> Spec:
    """Ordinary parcels declared at ``factor`` x the true price (undervaluation, or sale
    prices as a hard negative)."""
    s = spec(n, label=label, hard=hard)
    s["person"] = s["code_owner"] = w.rng.choice(w.shoppers, n)
    s["day"] = w.rng.integers(0, w.n_days, n)
    s["platform"] = draw_platforms(w, n)
    draw_goods(w, s, pool=np.flatnonzero(w.ref.goods["price_lo_usd"] >= 10))
    s["factor"] = w.rng.uniform(factor[0], factor[1], n)
    return s


def us_150_200(w: World, n_parcels: int, limits: dict[str, float]) -> Spec:
    """Hard negative: US-shipped parcels worth USD 150-200 alone or as a same-day pair."""
    pool = np.flatnonzero(w.ref.goods["product_id"].isin(["P02", "P06", "P07", "P14"]))
    n = max(2, n_parcels)
    s = spec(n, hard="us_150_200", platform=w.rng.choice(w.platform_ids("Amazon US"), n))
    s["person"] = s["code_owner"] = w.rng.choice(w.shoppers, n)
    s["day"] = w.rng.integers(0, w.n_days, n)
    draw_goods(w, s, pool=pool)
    s["qty"][:] = 1
    s["unit_usd"] = np.round(w.rng.uniform(limits["general"] + 1, limits["us"] - 1, n), 2)
    pair = np.flatnonzero(w.rng.random(n // 2) < 0.5) * 2
    s["person"][pair + 1] = s["code_owner"][pair + 1] = s["person"][pair]
    s["day"][pair + 1] = s["day"][pair]
    half = limits["us"] / 2
    s["unit_usd"][pair] = np.round(w.rng.uniform(limits["general"] / 2 + 1, half - 1, len(pair)), 2)
    s["unit_usd"][pair + 1] = np.round(
        w.rng.uniform(limits["general"] / 2 + 1, half - 1, len(pair)), 2
    )
    return s


def texts(w: World, n: int, terms: pd.DataFrame) -> Spec:
    """Prohibited goods with the evasions seen in practice, and look-alike innocent texts."""
    from opencustoms.parcels.evasion import prohibited_texts

    s = spec(n)
    s["person"] = s["code_owner"] = w.rng.choice(w.shoppers, n)
    s["day"] = w.rng.integers(0, w.n_days, n)
    s["platform"] = draw_platforms(w, n)
    draw_goods(w, s)
    desc, label, unit = prohibited_texts(w.rng, n, terms, w.params)
    s["desc"], s["label"] = desc, label
    has_price = ~np.isnan(unit)
    s["unit_usd"][has_price] = unit[has_price]
    s["qty"][has_price] = 1
    s["hard"] = np.where(label == "", "lookalike_text", "")
    return s
