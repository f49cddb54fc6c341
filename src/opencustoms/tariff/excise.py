"""Excise goods (luxury and liquor): category per row and the liquor tax columns."""

from __future__ import annotations

import numpy as np
import pandas as pd

from opencustoms.tariff.dated_params import DatedParam
from opencustoms.tariff.frames import Errors, gather, trunc
from opencustoms.tariff.tables import TariffData


def excise_kind(w: pd.DataFrame, data: TariffData, u_hs: pd.Series, codes: np.ndarray) -> None:
    ex = data.excise.set_index("prefix")
    kind = pd.Series(None, index=u_hs.index, dtype=object)
    for length in (4, 6):  # the longer prefix overwrites the shorter
        key = u_hs.str[:length]
        hit = key.isin(ex.index)
        kind[hit] = key[hit]
    idx = w.index
    w["excise_prefix"] = gather(kind, codes, idx)
    w["excise_kind"] = gather(kind.map(ex["kind"]), codes, idx)
    w["excise_description"] = gather(kind.map(ex["description"]), codes, idx)
    w["excise_reference"] = gather(kind.map(ex["reference"]), codes, idx)
    w["rural_flag"] = gather(kind.map(ex["rural"]).fillna(False), codes, idx, False).astype(bool)
    w["excise_from"] = gather(kind.map(ex["valid_from"]), codes, idx)
    w["excise_to"] = gather(kind.map(ex["valid_to"]), codes, idx)


def excise_in_force(w: pd.DataFrame) -> None:
    """Goods are taxed as excise goods only on dates their category covers."""
    has = w["excise_kind"].notna()
    if not has.any():
        return
    sub = w.loc[has]
    start, end = pd.to_datetime(sub["excise_from"]), pd.to_datetime(sub["excise_to"])
    outside = sub.index[~((start <= sub["date"]) & (sub["date"] <= end))]
    w.loc[outside, ["excise_kind", "excise_description", "excise_reference"]] = None


def liquor_taxes(
    w: pd.DataFrame, p: dict[str, DatedParam], errors: Errors, base: pd.Series, unit: pd.Series
) -> None:
    kind = w["excise_kind"]
    liquor = kind.isin(["beer", "wine", "spirits"])
    rate = pd.Series(0.0, index=w.index)
    ref = pd.Series(None, index=w.index, dtype="object")
    for k, name in (
        ("wine", "liquor.wine_rate"),
        ("spirits", "liquor.spirits_rate"),
        ("beer", "liquor.beer_krw_per_litre"),
    ):
        m = kind == k
        p[name].add_errors(errors, m)
        rate[m], ref[m] = p[name]["value"][m], p[name]["reference"][m]
    beer = kind == "beer"
    errors.add(
        beer & w["quantity"].isna(),
        "quantity: litres are required for the beer liquor tax (specific per litre)",
    )
    w["liquor_rate"], w["liquor_reference"] = rate, ref
    w["liquor_base"] = base.where(liquor & ~beer, w["quantity"].where(beer, 0.0))
    w["liquor_amount"] = trunc(w["liquor_base"].fillna(0) * rate, unit)
    high = (kind != "beer") & (rate > p["liquor.education_tax_high_above"]["value"])
    edu = p["liquor.education_tax_rate"]
    w["liquor_edu_rate"] = edu["value"].where(~high, p["liquor.education_tax_rate_high"]["value"])
    w["liquor_edu_reference"] = edu["reference"].where(
        ~high, p["liquor.education_tax_rate_high"]["reference"]
    )
    w["liquor_edu_rate"] = w["liquor_edu_rate"].where(liquor, 0.0)
    w["liquor_edu_amount"] = trunc(w["liquor_amount"] * w["liquor_edu_rate"], unit)
