"""Over- and under-invoicing: a trader's unit values, repeatedly, far from what *other*
traders pay for the same HS6 from the same partner country.

Benchmark: per (direction, HS6, partner country, measure) cell, each trader's median log
unit price; a trader is compared with the median of the *other* traders' medians (leave
one trader out), so neither its own volume nor a few traders alike can set the norm, and
each trader weighs the same whatever its size. Only market prices set the norm: items
with a foreign partner that deals with a single Korean trader (a captive supplier or a
shell, whose invoice says whatever the two sides agree) are judged but never part of a
benchmark, so several traders re-invoicing through their own shells in the same country
cannot make each other look normal. A cell with fewer than
``pricing.min_other_traders`` other market traders falls back to the HS6 cell over all
partners.
Genuine luxury (Italian bags, Swiss watches) is priced like its peers from the same country
and stays unflagged; a one-off odd item does not move a trader's median.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from opencustoms.tradecrime.flows import CANDIDATE_COLUMNS, ids
from opencustoms.tradecrime.params import param
from opencustoms.tradecrime.prepare import TradeData

MAD_TO_SIGMA = 1.4826
SHIFT = 0.4  # least |log price level| difference (about x1.5) that makes a candidate


def _loo_medians(values: np.ndarray) -> np.ndarray:
    """Median of the other values, for each value (NaN when alone), in O(k log k).

    >>> _loo_medians(np.array([1.0, 5.0, 3.0, 10.0])).tolist()
    [5.0, 3.0, 5.0, 3.0]
    """
    k = len(values)
    if k < 2:
        return np.full(k, np.nan)
    order = np.argsort(values, kind="stable")
    s = values[order]
    r = np.arange(k)  # rank of the value left out
    m = k - 1

    def at(j: int) -> np.ndarray:  # j-th smallest of the others
        return np.where(j < r, s[j], s[min(j + 1, k - 1)])

    med = at((m - 1) // 2) if m % 2 else (at(m // 2 - 1) + at(m // 2)) / 2
    out = np.empty(k)
    out[order] = med
    return out


def _cell_benchmarks(items: pd.DataFrame, cell: list[str], min_others: int) -> pd.DataFrame:
    """Per (cell, trader): the median of the *other* market traders' median log prices.

    Only items bought from or sold to market partners (``items["market"]``) set the norm;
    every trader of the cell gets a benchmark, a trader without market items the median
    of all market traders there (none of them is itself)."""
    tm = items.groupby([*cell, "company_id"], observed=True)["lp"].agg(["median", "size"])
    tm = tm.reset_index()
    market = items[items["market"]]
    mm = market.groupby([*cell, "company_id"], observed=True)["lp"].median().reset_index()
    groups = mm.groupby(cell, observed=True, sort=False)["lp"]
    mm["loo"] = groups.transform(lambda v: _loo_medians(v.to_numpy(dtype=float)))
    mm["others"] = groups.transform("size") - 1
    whole = groups.agg(["median", "size"]).rename(columns={"median": "all", "size": "n_all"})
    tm = tm.merge(mm[[*cell, "company_id", "loo", "others"]], on=[*cell, "company_id"], how="left")
    tm = tm.merge(whole.reset_index(), on=cell, how="left")
    outsider = tm["others"].isna()  # no market items of its own: all market traders count
    tm["loo"] = tm["loo"].where(~outsider, tm["all"])
    tm["others"] = tm["others"].where(~outsider, tm["n_all"]).fillna(0)
    tm.loc[tm["others"] < min_others, "loo"] = np.nan
    spread = market.groupby(cell, observed=True)["lp"].agg(
        lambda s: MAD_TO_SIGMA * float(np.median(np.abs(s - s.median())))
    )
    tm = tm.merge(spread.rename("sigma").reset_index(), on=cell, how="left")
    tm["sigma"] = tm["sigma"].clip(lower=0.1)
    return tm.drop(columns=["all", "n_all"])


def market_partners(decl: pd.DataFrame) -> pd.Series:
    """Per declaration row: whether its foreign partner deals with at least two Korean
    traders in that direction. A supplier that sells to one Korean importer only (a
    captive firm or a shell) sets no market price: its invoices are whatever the two
    sides agree, so they are judged against the market, never part of it.

    >>> d = pd.DataFrame({"direction": ["import"] * 3, "partner_id": ["F1", "F1", "F2"],
    ...                   "company_id": ["A", "B", "A"]})
    >>> market_partners(d).tolist()
    [True, True, False]
    """
    buyers = decl.groupby(["direction", "partner_id"], observed=True)["company_id"].transform(
        "nunique"
    )
    return (buyers >= 2).fillna(False).astype(bool)


def price_levels(data: TradeData) -> pd.DataFrame:
    """Per item: log unit price, the leave-one-trader-out benchmark, its z and the
    benchmark value in KRW (NaN where no benchmark)."""
    d = data.decl
    per_kg = d["net_mass_kg"] > 0
    denom = d["net_mass_kg"].where(per_kg, d["quantity"])
    ok = (d["value_krw"] > 0) & (denom > 0)
    items = d.loc[
        ok,
        [
            "declaration_id",
            "item_no",
            "company_id",
            "direction",
            "hs6",
            "counterparty_country",
            "date",
            "value_krw",
        ],
    ].copy()
    items["market"] = market_partners(d)[ok].to_numpy()
    items["measure"] = np.where(per_kg[ok], "kg", "unit")
    items["denom"] = denom[ok]
    items["lp"] = np.log(items["value_krw"] / items["denom"])
    items["partner"] = items["counterparty_country"].fillna("ZZ")
    min_others = int(param("pricing.min_other_traders"))
    fine = ["direction", "hs6", "partner", "measure"]
    coarse = ["direction", "hs6", "measure"]
    b1 = _cell_benchmarks(items, fine, min_others)
    b2 = _cell_benchmarks(items, coarse, min_others)
    items = items.merge(
        b1[[*fine, "company_id", "loo", "sigma"]], on=[*fine, "company_id"], how="left"
    )
    items = items.merge(
        b2[[*coarse, "company_id", "loo", "sigma"]].rename(
            columns={"loo": "loo2", "sigma": "sigma2"}
        ),
        on=[*coarse, "company_id"],
        how="left",
    )
    fallback = items["loo"].isna()
    items["bench"] = items["loo"].where(~fallback, items["loo2"])
    items["sigma"] = items["sigma"].where(~fallback, items["sigma2"])
    items["level"] = np.where(fallback, "hs6", "hs6_partner")
    items["z"] = (items["lp"] - items["bench"]) / items["sigma"]
    items["dev"] = items["lp"] - items["bench"]
    items["bench_krw"] = np.exp(items["bench"]) * items["denom"]
    return items.drop(columns=["loo", "loo2", "sigma2"])


def trader_levels(items: pd.DataFrame) -> pd.Series:
    """Median log deviation from the benchmark per (company, direction), enough items only."""
    usable = items.dropna(subset=["bench"])
    g = usable.groupby(["company_id", "direction"])["dev"]
    level = g.median()
    return level[g.size() >= int(param("pricing.min_items"))]


def invoicing(data: TradeData, items: pd.DataFrame) -> pd.DataFrame:
    """``over_invoicing`` and ``under_invoicing`` candidates, one per trader and side."""
    usable = items.dropna(subset=["bench"])
    min_items = int(param("pricing.min_items"))
    z_item = float(param("pricing.z_item"))
    rows = []
    for (company, direction), g in usable.groupby(["company_id", "direction"]):
        if len(g) < min_items:
            continue
        level = float(g["dev"].median())  # one odd item cannot move it
        for typology, sign in (("over_invoicing", 1), ("under_invoicing", -1)):
            if sign * level < SHIFT:
                continue
            side = g[sign * g["dev"] >= SHIFT]
            flagged = side[sign * side["z"] >= z_item]
            gap = float((side["value_krw"] - side["bench_krw"]).abs().sum())
            word = "above" if sign > 0 else "below"
            captive = float(1 - side["market"].mean())
            note = (
                f" {captive:.0%} of those items come from partners that deal with no other "
                f"Korean trader (captive or shell firms), whose prices never enter a benchmark."
                if captive >= 0.5
                else ""
            )
            rows.append(
                {
                    "subject_id": company,
                    "typology": typology,
                    "raw": sign * level,
                    "period_start": side["date"].min(),
                    "period_end": side["date"].max(),
                    "amount_krw": gap,
                    "evidence": {
                        "declarations": ids(flagged["declaration_id"])
                        or ids(side["declaration_id"])
                    },
                    "explanation": (
                        f"{len(side)} of {len(g)} {direction} items priced "
                        f"{np.exp(sign * level):.1f}x "
                        f"{word} what other traders pay on the market for the same HS6 from the "
                        f"same partner "
                        f"({len(flagged)} items beyond robust z {z_item}); KRW {gap:,.0f} between "
                        f"the declared and the benchmark values." + note
                    ),
                }
            )
    return pd.DataFrame(rows, columns=CANDIDATE_COLUMNS)
