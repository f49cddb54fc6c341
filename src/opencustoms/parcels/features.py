"""Per-parcel evidence for each typology, computed over a whole manifest at once.

:func:`prepare` adds identity keys, USD values, the personal-use limit of each parcel and
a filled HS code; then one function per typology returns a frame of numeric features
(columns named in ``FEATURES``) and the linking columns the reasons need. The features
are turned into calibrated probabilities in ``scoring.py``; nothing here reads labels.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd

from opencustoms.parcels import normalise
from opencustoms.parcels.money import to_usd
from opencustoms.parcels.reference import de_minimis_usd, food_chapters, load_reference

FEATURES = {
    "split_shipment": ["log_over_limit", "linked_by_name"],
    "pccc_misuse": [
        "names_per_code",
        "addresses_per_code",
        "phones_per_code",
        "codes_per_person",
        "codes_per_phone",
    ],
    "commercial_resale": ["same_goods_z", "same_goods_qty_z", "parcel_qty_z"],
    "undervaluation": ["price_z", "price_z_hs", "price_log_ratio"],
    "prohibited_goods": ["exact", "fuzzy", "counterfeit"],
}
MAD_TO_SIGMA = 1.4826  # as in valuation.service: MAD of a normal x this = its std deviation


def _keys(values: pd.Series, fn: Callable[[list[str]], list[str]]) -> pd.Series:
    """Apply a per-value key function once per distinct value."""
    codes, uniq = pd.factorize(values.astype(object).fillna(""))
    keys = np.array(fn([str(u) for u in uniq]), dtype=object)
    return pd.Series(keys[codes], index=values.index)


def desc_keys(values: list[str]) -> list[str]:
    """Description without case, digits, punctuation or colour/size words."""
    stop = set(load_reference().param("detector", "description_stopwords"))
    out = []
    for v in values:
        ws = [w for w in normalise._TOKENS.sub(" ", v.lower()).split() if not w.isdigit()]
        out.append(" ".join(w for w in ws if w not in stop and not any(c.isdigit() for c in w)))
    return out


def prepare(valid: pd.DataFrame) -> pd.DataFrame:
    """Keys and derived values per parcel (same index as ``valid``)."""
    p = pd.DataFrame(index=valid.index)
    p["date"] = valid["arrival_date"]
    p["pccc"] = valid["recipient_pccc"].astype(object)
    p["name_key"] = _keys(valid["recipient_name"], normalise.name_keys)
    p["addr_key"] = _keys(valid["recipient_address"], normalise.address_keys)
    p["phone_key"] = _keys(valid["recipient_phone"], normalise.phone_keys)
    p["person"] = (p["name_key"] + "@" + p["addr_key"]).where(
        (p["name_key"] != "") & (p["addr_key"] != ""), None
    )
    p["desc_key"] = _keys(valid["description"], desc_keys)
    p["qty"] = valid["quantity"].to_numpy(dtype=float)
    p["value_usd"] = to_usd(
        valid["declared_value"].astype(float), valid["currency"].astype(object), p["date"]
    )
    p["unit_usd"] = p["value_usd"] / p["qty"]
    # HS code: as given, else the most common one given for the same description.
    hs = valid["hs_code"].astype(object)
    p["hs6"] = hs.str[:6]
    known = p.dropna(subset=["hs6"])
    usual = known.groupby("desc_key")["hs6"].agg(lambda s: s.value_counts().index[0])
    p["hs6"] = p["hs6"].fillna(p["desc_key"].map(usual))
    p["hs_filled"] = hs.isna() & p["hs6"].notna()
    p["departure"] = valid["departure_country"].astype(object)
    chapter = pd.to_numeric(p["hs6"].str[:2], errors="coerce")
    limits = {d: de_minimis_usd(d) for d in p["date"].dropna().dt.date.unique()}
    day = p["date"].dt.date
    general = day.map({d: v["general"] for d, v in limits.items()})
    us = day.map({d: v["us"] for d, v in limits.items()})
    food = day.map({d: v["food"] for d, v in limits.items()})
    p["limit"] = np.where(
        chapter.isin(list(food_chapters())), food, np.where(p["departure"] == "US", us, general)
    ).astype(float)
    return p


def split_shipment(p: pd.DataFrame) -> pd.DataFrame:
    """Same-day parcels of one recipient (same PCCC, or same name and address under other
    codes), each within its limit, added up: log(total / lowest limit of the group)."""
    eligible = p["value_usd"] <= p["limit"]
    e = p.loc[eligible, ["date", "pccc", "person", "value_usd", "limit"]]
    # Connected components of "same day and same code" or "same day and same person".
    comp = e.groupby(["date", "pccc"], sort=False).ngroup().astype(float)
    for _ in range(4):
        by_person = comp.groupby([e["date"], e["person"]], dropna=True).transform("min")
        new = pd.Series(
            np.minimum(comp, by_person.reindex(comp.index).fillna(comp)), index=comp.index
        )
        new = new.groupby([e["date"], e["pccc"]]).transform("min")
        if (new == comp).all():
            break
        comp = new
    g = e.assign(comp=comp).groupby("comp")
    n = g["value_usd"].transform("size")
    total = g["value_usd"].transform("sum")
    lowest = g["limit"].transform("min")
    codes = g["pccc"].transform("nunique")
    f = pd.DataFrame(index=p.index)
    f["log_over_limit"] = -3.0
    f.loc[e.index, "log_over_limit"] = np.where(n >= 2, np.log(total / lowest).clip(-3, 3), -3.0)
    f["linked_by_name"] = 0.0
    f.loc[e.index, "linked_by_name"] = (codes > 1).astype(float)
    f["group"] = pd.Series(np.nan, index=p.index)
    f.loc[e.index, "group"] = np.where(n >= 2, comp, np.nan)
    f["group_total_usd"] = np.nan
    f.loc[e.index, "group_total_usd"] = np.where(n >= 2, total, np.nan)
    f["group_limit_usd"] = np.nan
    f.loc[e.index, "group_limit_usd"] = lowest
    return f


def _distinct(p: pd.DataFrame, by: str, what: str) -> pd.Series:
    ok = p[by].notna() & (p[by] != "") & p[what].notna() & (p[what] != "")
    counts = p.loc[ok].groupby(by)[what].nunique()
    return pd.Series(np.log(p[by].map(counts).fillna(1.0).astype(float)), index=p.index)


def pccc_misuse(p: pd.DataFrame) -> pd.DataFrame:
    """Distinct names/addresses/phones per code and distinct codes per person/phone (log)."""
    f = pd.DataFrame(index=p.index)
    f["names_per_code"] = _distinct(p, "pccc", "name_key")
    f["addresses_per_code"] = _distinct(p, "pccc", "addr_key")
    f["phones_per_code"] = _distinct(p, "pccc", "phone_key")
    f["codes_per_person"] = _distinct(p, "person", "pccc")
    f["codes_per_phone"] = _distinct(p, "phone_key", "pccc")
    return f


def _robust_z(x: Any, median: Any, high: Any) -> Any:
    """(x - median) / (99th percentile - median) of the population: 1.0 = as rare as 1%."""
    return (x - median) / np.maximum(high - median, 0.5)


def commercial_resale(p: pd.DataFrame) -> pd.DataFrame:
    """How far a recipient's count and quantity of the same goods (HS6, else description)
    lie in the upper tail of the population of (recipient, goods) pairs of the manifest."""
    goods = p["hs6"].fillna("d:" + p["desc_key"])
    pair = p.groupby(["pccc", goods])
    count = np.log(pair["qty"].transform("size").astype(float))
    qty = np.log(pair["qty"].transform("sum"))
    pairs = pd.DataFrame({"c": count, "q": qty}).groupby([p["pccc"], goods]).first()
    f = pd.DataFrame(index=p.index)
    f["same_goods_z"] = _robust_z(count, pairs["c"].median(), pairs["c"].quantile(0.99))
    f["same_goods_qty_z"] = _robust_z(qty, pairs["q"].median(), pairs["q"].quantile(0.99))
    lq = np.log(p["qty"])
    by_goods = lq.groupby(goods)
    f["parcel_qty_z"] = _robust_z(
        lq, by_goods.transform("median"), by_goods.transform(lambda s: s.quantile(0.99))
    )
    f["same_goods_parcels"] = np.exp(count).round()
    f["same_goods_quantity"] = np.exp(qty).round()
    return f


def _price_z(lp: pd.Series, key: pd.Series, min_n: int, floor: float) -> pd.Series:
    g = lp.groupby(key)
    med = g.transform("median")
    mad = (lp - med).abs().groupby(key).transform("median")
    n = g.transform("size")
    z = pd.Series((lp - med) / np.maximum(MAD_TO_SIGMA * mad, floor), index=lp.index)
    return z.where(n >= min_n)


def undervaluation(p: pd.DataFrame) -> pd.DataFrame:
    """Robust z of the log unit price against the same description, else the same HS6,
    from the manifest itself (median and MAD resist the few undervalued parcels)."""
    ref = load_reference()
    min_n = int(ref.param("detector", "price_min_group"))
    floor = float(ref.param("detector", "price_sigma_floor"))
    lp = np.log(p["unit_usd"].clip(lower=0.01))
    z_desc = _price_z(lp, p["desc_key"], min_n, floor)
    z_hs = _price_z(lp, p["hs6"].fillna(""), min_n, floor).where(p["hs6"].notna())
    f = pd.DataFrame(index=p.index)
    f["price_z"] = z_desc.fillna(z_hs).fillna(0.0).clip(-10, 10)
    f["price_z_hs"] = z_hs.fillna(0.0).clip(-10, 10)
    f["price_level"] = np.where(z_desc.notna(), "description", np.where(z_hs.notna(), "HS6", ""))
    med = lp.groupby(p["desc_key"]).transform("median").where(z_desc.notna())
    med = med.fillna(lp.groupby(p["hs6"].fillna("")).transform("median"))
    f["typical_unit_usd"] = np.exp(med)
    # how far below the typical price, unscaled: wide-spread goods get no excuse from MAD
    f["price_log_ratio"] = (lp - med).fillna(0.0).clip(-10, 10)
    return f


def prohibited_goods(p: pd.DataFrame, descriptions: pd.Series) -> pd.DataFrame:
    """Term hits in the description; brands count only with a copy marker or a unit price
    below ``counterfeit_price_share`` of the brand's genuine floor (``min_genuine_usd``)."""
    from opencustoms.parcels.prohibited import brand_floor, match_descriptions

    hits = match_descriptions(descriptions.astype(object).tolist())
    f = pd.DataFrame(index=p.index)
    term = pd.Series([h.term if h else None for h in hits], index=p.index, dtype=object)
    cat = pd.Series([h.category if h else None for h in hits], index=p.index, dtype=object)
    kind = pd.Series([h.kind if h else None for h in hits], index=p.index, dtype=object)
    ref_ = pd.Series([h.reference if h else None for h in hits], index=p.index, dtype=object)
    brands = term.where(cat == "counterfeit_brand").dropna()
    floor = brands.map({t: brand_floor(t) for t in brands.unique()}).reindex(p.index)
    share = float(load_reference().param("detector", "counterfeit_price_share"))
    cheap_brand = (cat == "counterfeit_brand") & (p["unit_usd"] < share * floor.astype(float))
    plain = cat.notna() & ~cat.isin(["counterfeit_brand", "counterfeit_marker", "counterfeit"])
    f["exact"] = (plain & (kind == "exact")).astype(float)
    f["fuzzy"] = (plain & (kind == "fuzzy")).astype(float)
    f["counterfeit"] = ((cat == "counterfeit") | cheap_brand).astype(float)
    f["term"], f["category"], f["kind"], f["reference"] = term, cat, kind, ref_
    return f
