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
import pyarrow as pa
import pyarrow.compute as pc

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


def _codes(values: pd.Series) -> tuple[np.ndarray, list[str]]:
    """(code per row, -1 when missing; distinct values) through Arrow dictionary encoding."""
    arr = pa.array(values.astype("string[pyarrow]"))
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    enc = pc.dictionary_encode(arr)
    return pc.fill_null(enc.indices, -1).to_numpy().astype(np.int64), enc.dictionary.to_pylist()


def _key_ids(values: pd.Series, fn: Callable[[list[str]], list[str]]) -> np.ndarray:
    """Integer id of each row's key (``fn`` runs once per distinct value); -1 = no key."""
    idx, uniq = _codes(values)
    keys = np.array(fn([u or "" for u in uniq]), dtype=object)
    kid, _ = pd.factorize(keys)
    kid = np.where(keys == "", -1, kid)
    return np.where(idx < 0, -1, kid[np.maximum(idx, 0)]).astype(np.int64)


def _pair_ids(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Id of each (a, b) pair; -1 when either is -1."""
    ids, _ = pd.factorize(a * (int(b.max(initial=0)) + 2) + b)
    return np.where((a < 0) | (b < 0), -1, ids).astype(np.int64)


def desc_keys(values: list[str]) -> list[str]:
    """Description without case, digits, punctuation or colour/size words."""
    stop = set(load_reference().param("detector", "description_stopwords"))
    out = []
    for v in values:
        ws = [w for w in normalise._TOKENS.sub(" ", v.lower()).split() if not w.isdigit()]
        out.append(" ".join(w for w in ws if w not in stop and not any(c.isdigit() for c in w)))
    return out


def prepare(valid: pd.DataFrame) -> pd.DataFrame:
    """Keys (integer ids, -1 = none) and derived values per parcel (same index)."""
    p = pd.DataFrame(index=valid.index)
    p["date"] = valid["arrival_date"]
    p["day"] = valid["arrival_date"].to_numpy(dtype="datetime64[D]").astype(np.int64)
    p["pccc"], _ = _codes(valid["recipient_pccc"])
    p["name"] = _key_ids(valid["recipient_name"], normalise.name_keys)
    p["addr"] = _key_ids(valid["recipient_address"], normalise.address_keys)
    p["phone"] = _key_ids(valid["recipient_phone"], normalise.phone_keys)
    p["person"] = _pair_ids(p["name"].to_numpy(), p["addr"].to_numpy())
    desc_idx, desc_uniq = _codes(valid["description"])
    dkeys = np.array(desc_keys([u or "" for u in desc_uniq]), dtype=object)
    did, _ = pd.factorize(dkeys)
    p["desc"] = did[desc_idx]
    p["qty"] = valid["quantity"].to_numpy(dtype=float)
    p["value_usd"] = to_usd(
        valid["declared_value"].astype(float), valid["currency"].astype(object), p["date"]
    )
    p["unit_usd"] = p["value_usd"] / p["qty"]
    # HS code: as given, else the most common one given for the same description.
    hs6_idx, hs6_uniq = _codes(valid["hs_code"].astype("string[pyarrow]").str[:6])
    given = hs6_idx >= 0
    desc = p["desc"].to_numpy()
    width = len(hs6_uniq) + 1
    pair_counts = np.bincount(
        desc[given] * width + hs6_idx[given], minlength=(desc.max(initial=0) + 1) * width
    )
    counts = pair_counts.reshape(-1, width)
    usual = np.where(counts.max(axis=1) > 0, counts.argmax(axis=1), -1)
    filled = usual[desc]
    p["hs"] = np.where(given, hs6_idx, filled)
    p["hs_filled"] = ~given & (p["hs"] >= 0)
    names = np.array([*hs6_uniq, None], dtype=object)
    p["hs6"] = names[np.where(p["hs"] >= 0, p["hs"], len(hs6_uniq))]
    p["departure"] = valid["departure_country"].astype(object)
    # limits per (day, food chapter, shipped from the US): a handful of combinations
    food_ch = {f"{c:02d}" for c in food_chapters()}
    is_food = np.array([h is not None and h[:2] in food_ch for h in names])[
        np.where(p["hs"] >= 0, p["hs"], len(hs6_uniq))
    ]
    days = p["day"].to_numpy()
    us = (valid["departure_country"] == "US").fillna(False).to_numpy(dtype=bool)
    day_ids, uniq_days = pd.factorize(days)
    lims = [de_minimis_usd(np.datetime64(int(d), "D").astype(object)) for d in uniq_days]
    by_kind = {k: np.array([lim[k] for lim in lims])[day_ids] for k in ("food", "us", "general")}
    limit = np.where(is_food, by_kind["food"], np.where(us, by_kind["us"], by_kind["general"]))
    p["limit"] = limit
    return p


def _group_min(ids: np.ndarray, values: np.ndarray) -> np.ndarray:
    """Minimum of ``values`` within each id (ids 0..k-1), gathered back to rows."""
    out = np.full(int(ids.max(initial=-1)) + 1, np.inf)
    np.minimum.at(out, ids, values)
    return out[ids]


def split_shipment(p: pd.DataFrame) -> pd.DataFrame:
    """Same-day parcels of one recipient (same PCCC, or same name and address under other
    codes), each within its limit, added up: log(total / lowest limit of the group)."""
    eligible = (p["value_usd"] <= p["limit"]).to_numpy()
    idx = np.flatnonzero(eligible)
    day = p["day"].to_numpy()[idx]
    by_code = _pair_ids(day, p["pccc"].to_numpy()[idx])
    person = p["person"].to_numpy()[idx]
    by_person = _pair_ids(day, person)
    # Connected components of "same day and same code" or "same day and same person":
    # propagate the smallest code-group id through person groups until stable.
    comp = by_code.astype(float)
    has_person = by_person >= 0
    for _ in range(6):
        new = comp.copy()
        if has_person.any():
            pid, _ = pd.factorize(by_person[has_person])
            new[has_person] = _group_min(pid, comp[has_person])
        cid, _ = pd.factorize(by_code)
        new = _group_min(cid, new)
        if np.array_equal(new, comp):
            break
        comp = new
    gid, _ = pd.factorize(comp)
    value = p["value_usd"].to_numpy()[idx]
    limit = p["limit"].to_numpy()[idx]
    n = np.bincount(gid)[gid]
    total = np.bincount(gid, value)[gid]
    lowest = _group_min(gid, limit)
    width = int(p["pccc"].to_numpy().max(initial=0)) + 2
    code_pairs = pd.unique(gid.astype(np.int64) * width + p["pccc"].to_numpy()[idx])
    codes = np.bincount(code_pairs // width, minlength=len(gid))[gid]
    grouped = n >= 2
    f = pd.DataFrame(index=p.index)
    f["log_over_limit"] = -3.0
    f["linked_by_name"] = 0.0
    f["group"] = np.nan
    f["group_total_usd"] = np.nan
    f["group_limit_usd"] = np.nan
    rows = f.index[idx]
    over = np.where(grouped, np.clip(np.log(total / lowest), -3, 3), -3.0)
    f.loc[rows, "log_over_limit"] = over
    f.loc[rows, "linked_by_name"] = (codes > 1).astype(float)
    f.loc[rows, "group"] = np.where(grouped, gid, np.nan)
    f.loc[rows, "group_total_usd"] = np.where(grouped, total, np.nan)
    f.loc[rows, "group_limit_usd"] = lowest
    return f


def _distinct(p: pd.DataFrame, by: str, what: str) -> pd.Series:
    """log(number of distinct ``what`` per ``by``), gathered to rows (0 when unknown)."""
    b, w = p[by].to_numpy(), p[what].to_numpy()
    ok = (b >= 0) & (w >= 0)
    width = int(w.max(initial=0)) + 2
    pairs = pd.unique(b[ok] * width + w[ok])
    counts = np.bincount(pairs // width, minlength=int(b.max(initial=0)) + 1).astype(float)
    out = np.where(b >= 0, counts[np.maximum(b, 0)], 1.0)
    return pd.Series(np.log(np.maximum(out, 1.0)), index=p.index)


def pccc_misuse(p: pd.DataFrame) -> pd.DataFrame:
    """Distinct names/addresses/phones per code and distinct codes per person/phone (log)."""
    f = pd.DataFrame(index=p.index)
    f["names_per_code"] = _distinct(p, "pccc", "name")
    f["addresses_per_code"] = _distinct(p, "pccc", "addr")
    f["phones_per_code"] = _distinct(p, "pccc", "phone")
    f["codes_per_person"] = _distinct(p, "person", "pccc")
    f["codes_per_phone"] = _distinct(p, "phone", "pccc")
    return f


def _robust_z(x: Any, median: Any, high: Any) -> Any:
    """(x - median) / (99th percentile - median) of the population: 1.0 = as rare as 1%."""
    return (x - median) / np.maximum(high - median, 0.5)


def _goods(p: pd.DataFrame) -> np.ndarray:
    """Goods id: the HS6 (given or filled), else the normalised description."""
    hs, desc = p["hs"].to_numpy(), p["desc"].to_numpy()
    return np.where(hs >= 0, hs, int(hs.max(initial=0)) + 1 + desc)


def commercial_resale(p: pd.DataFrame) -> pd.DataFrame:
    """How far a recipient's count and quantity of the same goods (HS6, else description)
    lie in the upper tail of the population of (recipient, goods) pairs of the manifest."""
    goods = _goods(p)
    pair = _pair_ids(p["pccc"].to_numpy(), goods)
    qty = p["qty"].to_numpy()
    n_pair = np.bincount(pair)
    q_pair = np.bincount(pair, qty)
    lc, lq = np.log(n_pair), np.log(q_pair)
    f = pd.DataFrame(index=p.index)
    f["same_goods_z"] = _robust_z(lc[pair], np.median(lc), np.quantile(lc, 0.99))
    f["same_goods_qty_z"] = _robust_z(lq[pair], np.median(lq), np.quantile(lq, 0.99))
    lqty = pd.Series(np.log(qty), index=p.index)
    by = lqty.groupby(goods)
    med = by.median()
    high = by.quantile(0.99)
    f["parcel_qty_z"] = _robust_z(
        lqty.to_numpy(), med.reindex(goods).to_numpy(), high.reindex(goods).to_numpy()
    )
    f["same_goods_parcels"] = n_pair[pair]
    f["same_goods_quantity"] = q_pair[pair]
    return f


def _price_stats(
    lp: np.ndarray, key: np.ndarray, min_n: int, floor: float
) -> tuple[np.ndarray, np.ndarray]:
    """(robust z, group median) of log prices within each key (NaN: key -1 or small group)."""
    ok = key >= 0
    s = pd.Series(lp[ok])
    k = key[ok]
    med = s.groupby(k).median()
    m = med.reindex(k).to_numpy()
    mad = pd.Series(np.abs(lp[ok] - m)).groupby(k).median().reindex(k).to_numpy()
    n = np.bincount(k)[k]
    z = np.full(len(lp), np.nan)
    median = np.full(len(lp), np.nan)
    big = n >= min_n
    z[np.flatnonzero(ok)[big]] = ((lp[ok] - m) / np.maximum(MAD_TO_SIGMA * mad, floor))[big]
    median[np.flatnonzero(ok)[big]] = m[big]
    return z, median


def undervaluation(p: pd.DataFrame) -> pd.DataFrame:
    """Robust z of the log unit price against the same description, else the same HS6,
    from the manifest itself (median and MAD resist the few undervalued parcels)."""
    ref = load_reference()
    min_n = int(ref.param("detector", "price_min_group"))
    floor = float(ref.param("detector", "price_sigma_floor"))
    lp = np.log(p["unit_usd"].clip(lower=0.01).to_numpy())
    z_desc, m_desc = _price_stats(lp, p["desc"].to_numpy(), min_n, floor)
    z_hs, m_hs = _price_stats(lp, p["hs"].to_numpy(), min_n, floor)
    f = pd.DataFrame(index=p.index)
    f["price_z"] = np.clip(np.where(np.isnan(z_desc), np.nan_to_num(z_hs), z_desc), -10, 10)
    f["price_z_hs"] = np.clip(np.nan_to_num(z_hs), -10, 10)
    f["price_level"] = np.where(
        ~np.isnan(z_desc), "description", np.where(~np.isnan(z_hs), "HS6", "")
    )
    med = np.where(np.isnan(m_desc), m_hs, m_desc)
    f["typical_unit_usd"] = np.exp(med)
    # how far below the typical price, unscaled: wide-spread goods get no excuse from MAD
    f["price_log_ratio"] = np.clip(np.nan_to_num(lp - med), -10, 10)
    return f


def prohibited_goods(p: pd.DataFrame, descriptions: pd.Series) -> pd.DataFrame:
    """Term hits in the description; brands count only with a copy marker or a unit price
    below ``counterfeit_price_share`` of the brand's genuine floor (``min_genuine_usd``)."""
    from opencustoms.parcels.prohibited import brand_floor, match_descriptions

    # matched once per distinct description, gathered back to rows by code
    codes, uniq = _codes(descriptions)
    hits = match_descriptions(uniq)
    rows = np.where(codes < 0, len(uniq), codes)

    def column(attr: str) -> np.ndarray:
        return np.array([getattr(h, attr) if h else None for h in hits] + [None], dtype=object)[
            rows
        ]

    term, cat, kind = column("term"), column("category"), column("kind")
    share = float(load_reference().param("detector", "counterfeit_price_share"))
    floors = np.array([brand_floor(h.term) if h else np.nan for h in hits] + [np.nan])[rows]
    is_brand = cat == "counterfeit_brand"
    cheap_brand = is_brand & (p["unit_usd"].to_numpy() < share * floors)
    copies = ["counterfeit_brand", "counterfeit_marker", "counterfeit"]
    plain = pd.notna(cat) & ~np.isin(cat.astype(str), copies)
    f = pd.DataFrame(index=p.index)
    f["exact"] = (plain & (kind == "exact")).astype(float)
    f["fuzzy"] = (plain & (kind == "fuzzy")).astype(float)
    f["counterfeit"] = ((cat == "counterfeit") | cheap_brand).astype(float)
    f["term"], f["category"], f["kind"] = term, cat, kind
    f["reference"] = column("reference")
    return f
