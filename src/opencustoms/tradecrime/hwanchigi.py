"""Hwanchigi (환치기) through virtual assets: an importer under-declares its imports, pays
the declared part through the bank, and people linked to it (officers, their family) move
the rest abroad as KRW-bought crypto, in chunks just under the reporting threshold.

Signals, joined: (1) the importer's under-declared gap, from the leave-one-trader-out price
benchmarks (``pricing.py``): benchmark minus declared value over its under-priced imports;
(2) cross-border outflows (Korean exchange wallet -> foreign exchange or private wallet) of
persons within two links of the importer (entity graph), counting the structured ones
(``reporting.structuring_band`` x ``reporting.ctr_krw`` <= amount < ``reporting.ctr_krw``);
(3) how well the structured outflows cover the gap (min/max of the two sums).
Subjects: the company and each linked person who structured.
"""

from __future__ import annotations

import pandas as pd

from opencustoms.tradecrime.flows import CANDIDATE_COLUMNS, ids
from opencustoms.tradecrime.params import param
from opencustoms.tradecrime.prepare import TradeData
from opencustoms.tradecrime.pricing import SHIFT, trader_levels

MIN_STRUCTURED = 3  # structured transfers before a person counts


def outflows(data: TradeData) -> pd.DataFrame:
    """Cross-border outflows per transfer, with the owner of the Korean wallet."""
    w = data.wallets.set_index("wallet_id")
    korean = set(w.index[w["exchange_country"] == "KR"])
    tx = data.tx
    out = tx[tx["from_wallet"].isin(korean) & ~tx["to_wallet"].isin(korean)].copy()
    out["person"] = out["from_wallet"].map(w["owner_id"])
    threshold = float(param("reporting.ctr_krw", data.end.date()))
    band = float(param("reporting.structuring_band"))
    out["structured"] = out["krw_value"].between(band * threshold, threshold, inclusive="left")
    return out.dropna(subset=["person"])


def hwanchigi(data: TradeData, items: pd.DataFrame) -> pd.DataFrame:
    out = outflows(data)
    per = out.groupby("person").agg(n=("tx_id", "size"), n_struct=("structured", "sum"))
    per["krw_struct"] = out[out["structured"]].groupby("person")["krw_value"].sum()
    per = per.fillna({"krw_struct": 0.0})
    movers = per[per["n_struct"] >= MIN_STRUCTURED]
    level = trader_levels(items)
    low = {
        str(k[0])
        for k, v in level.items()
        if isinstance(k, tuple) and k[1] == "import" and v <= -SHIFT
    }
    under = items[(items["direction"] == "import") & items["company_id"].isin(low)].copy()
    under["gap"] = (under["bench_krw"] - under["value_krw"]).clip(lower=0)
    gap = under.groupby("company_id")["gap"].sum()
    importers = set(data.decl.loc[data.decl["direction"] == "import", "company_id"].astype(str))
    linked: dict[str, list[str]] = {}
    for person in movers.index.astype(str):
        for company in data.graph.related(person, 2) & importers:
            linked.setdefault(company, []).append(person)
    rows = []
    for company, people in linked.items():
        g = float(gap.get(company, 0.0))
        s = float(movers.loc[people, "krw_struct"].sum())
        if g <= 0 or s <= 0:
            continue
        cover = min(s, g) / max(s, g)
        mine = out[out["person"].isin(people) & out["structured"]]
        decl = under.loc[under["company_id"] == company]
        start = min(mine["ts"].min(), decl["date"].min())
        end = max(mine["ts"].max(), decl["date"].max())
        why = (
            f"Imports under-declared by about KRW {g:,.0f} against other traders' prices; "
            f"{len(people)} linked person(s) sent KRW {s:,.0f} of crypto abroad in "
            f"{len(mine)} transfers just under KRW {param('reporting.ctr_krw'):,}; the "
            f"outflows cover {cover:.0%} of the gap."
        )
        links = [" - ".join(data.graph.path(p, company)) for p in people]
        evidence = {
            "declarations": ids(decl["declaration_id"]),
            "va_transfers": ids(mine["tx_id"]),
            "links": ids(links),
        }
        for subject in [company, *people]:
            rows.append(
                {
                    "subject_id": subject,
                    "typology": "hwanchigi",
                    "raw": cover,
                    "period_start": start,
                    "period_end": end,
                    "amount_krw": min(s, g),
                    "evidence": evidence,
                    "explanation": why,
                }
            )
    frame = pd.DataFrame(rows, columns=CANDIDATE_COLUMNS)
    return frame.sort_values("raw").drop_duplicates("subject_id", keep="last")
