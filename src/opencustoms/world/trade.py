"""Declarations and FX settlements drawn from the trade streams of ``population.py``.

Per stream: declarations arrive as a Poisson process whose intensity grows by ``growth`` a
year; each has 1-6 items of the stream's goods at catalogue unit values (x premium of the
partner country, x the stream's ``price_factor``, x log-normal noise). Each declaration is
paid with probability ``pay_rate``, ``pay_factor`` times its value, after a lag around
``lag_median`` days (negative = prepayment), in ``instalments`` monthly parts; ``batch``
streams pay a month's declarations to one partner in one transfer without reference.
Settlements after the world's end are not (yet) made.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from opencustoms.world.base import GeneratedWorld
from opencustoms.world.fx import mean_rate
from opencustoms.world.names import spelling_variant
from opencustoms.world.population import Population, goods_catalogue

OFFICES = np.array(["10", "20", "30", "40", "16", "50", "60", "23", "51", "56"])
BANKS = np.array(["KB Kookmin", "Shinhan", "Woori", "Hana", "NH Nonghyup", "IBK", "KDB"])
_CURRENCY = {
    "DE": "EUR",
    "IT": "EUR",
    "FR": "EUR",
    "ES": "EUR",
    "IE": "EUR",
    "NL": "EUR",
    "JP": "JPY",
    "GB": "GBP",
    "CH": "CHF",
    "HK": "HKD",
}
N_VARIANTS = 6


def _variants(pop: Population, rng: np.random.Generator) -> dict[str, list[str]]:
    """A few spellings per foreign firm, from which each document picks one."""
    f = pop.foreign
    return {
        cid: [spelling_variant(name, local, rng) for _ in range(N_VARIANTS)]
        for cid, name, local in zip(f["company_id"], f["name"], f["name_local"], strict=True)
    }


def _spell(ids: np.ndarray, variants: dict[str, list[str]], rng: np.random.Generator) -> list[str]:
    k = rng.integers(0, N_VARIANTS, size=len(ids))
    return [variants[c][j] for c, j in zip(ids.tolist(), k.tolist(), strict=True)]


def _dates_in(s: pd.DataFrame, idx: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Dates in each stream's window with intensity growing by ``growth`` a year."""
    t0 = s["t0"].to_numpy()[idx]
    span = (s["t1"] - s["t0"]).dt.days.to_numpy()[idx].astype(float) + 1
    g = np.clip(s["growth"].to_numpy(dtype=float)[idx], -0.9, 50)
    years = span / 365.25
    u = rng.random(len(idx))
    with np.errstate(divide="ignore", invalid="ignore"):
        frac = np.log1p(u * ((1 + g) ** years - 1)) / (years * np.log1p(g))
    frac = np.where(np.abs(g) < 1e-6, u, frac)
    return t0 + np.floor(frac * span).astype("timedelta64[D]")


def declarations(
    world: GeneratedWorld, pop: Population, rng: np.random.Generator
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(items, per-declaration frame with stream index and totals) for every stream."""
    s = pd.DataFrame(pop.streams)
    cat = goods_catalogue()
    years = ((s["t1"] - s["t0"]).dt.days.clip(lower=0) + 1) / 365.25
    n = rng.poisson(s["rate"].to_numpy() * years.to_numpy())
    sidx = np.repeat(np.arange(len(s)), n)
    dates = _dates_in(s, sidx, rng)
    order = np.argsort(dates, kind="stable")
    sidx, dates = sidx[order], dates[order]
    n_partners = s["partners"].map(len).to_numpy()
    pick = np.floor(rng.random(len(sidx)) * n_partners[sidx]).astype(int)
    plist = s["partners"].to_numpy()
    partner = np.array([plist[i][j] for i, j in zip(sidx.tolist(), pick.tolist(), strict=True)])
    country = pop.foreign.set_index("company_id").loc[partner, "country"].to_numpy()
    company = s["company_id"].to_numpy()[sidx]
    office = pd.Series(OFFICES[pd.util.hash_array(company) % len(OFFICES)])
    decl = pd.DataFrame(
        {
            "declaration_id": world.new_ids("D", len(sidx)),
            "stream": sidx,
            "date": dates,
            "company_id": company,
            "partner": partner,
            "country": country,
            "direction": s["direction"].to_numpy()[sidx],
            "office_id": office.to_numpy(),
        }
    )
    pop.variants = pop.variants or _variants(pop, rng)
    decl["counterparty_name"] = _spell(partner, pop.variants, rng)
    decl["currency"] = pd.Series(country).map(_CURRENCY).fillna("USD").to_numpy()
    cny = (decl["country"] == "CN") & (rng.random(len(decl)) < 0.3)
    decl.loc[cny, "currency"] = "CNY"

    m = np.minimum(1 + rng.poisson(1.2, size=len(decl)), 6)
    d = np.repeat(np.arange(len(decl)), m)
    item_no = np.arange(len(d)) - np.repeat(np.cumsum(m) - m, m) + 1
    st = decl["stream"].to_numpy()[d]
    goods_len = s["goods"].map(len).to_numpy()
    gi = np.floor(rng.random(len(d)) * goods_len[st]).astype(int)
    glist = s["goods"].to_numpy()
    h = np.array([glist[i][j] for i, j in zip(st.tolist(), gi.tolist(), strict=True)])
    g = cat.loc[h]
    ctry = decl["country"].to_numpy()[d]
    imp = decl["direction"].to_numpy()[d] == "import"
    premium = np.array(
        [
            f if (c in pp and i) else 1.0
            for c, pp, f, i in zip(
                ctry, g["premium_partners"], g["premium_factor"], imp, strict=True
            )
        ]
    )
    firm = np.exp(rng.normal(0, 0.1, size=len(s)))[st]  # each trader's own price level
    price = (
        g["usd_per_unit"].to_numpy()
        * premium
        * s["price_factor"].to_numpy(dtype=float)[st]
        * firm
        * np.exp(rng.normal(0, g["sigma"].to_numpy()))
    )
    price = _odd_items(s, st, price, rng)
    target = np.exp(rng.normal(np.log(30_000), 1.0, size=len(d)))
    unit = g["unit"].to_numpy()
    qty = np.where(
        unit == "KG", np.round(target / price, 1), np.maximum(1, np.round(target / price))
    )
    qty = np.maximum(qty, 0.1)
    mass = np.round(qty * g["kg_per_unit"].to_numpy() * np.exp(rng.normal(0, 0.05, len(d))), 2)
    cur = decl["currency"].to_numpy()[d]
    usd_to_cur = pd.Series(cur).map(lambda c: mean_rate("USD") / mean_rate(c)).to_numpy()
    origin = np.where(imp, ctry, "KR")
    elsewhere = imp & (ctry == "HK") & (rng.random(len(d)) < 0.7)
    origin = np.where(elsewhere, "CN", origin)
    items = pd.DataFrame(
        {
            "declaration_id": decl["declaration_id"].to_numpy()[d],
            "item_no": item_no,
            "direction": decl["direction"].to_numpy()[d],
            "declaration_date": pd.to_datetime(decl["date"].to_numpy()[d]).date,
            "office_id": decl["office_id"].to_numpy()[d],
            "company_id": decl["company_id"].to_numpy()[d],
            "counterparty_name": decl["counterparty_name"].to_numpy()[d],
            "counterparty_country": ctry,
            "hs_code": g["hs6"].to_numpy().astype(object) + "0000",
            "goods_description": g["description"].to_numpy(),
            "quantity": qty,
            "quantity_unit": unit,
            "net_mass_kg": mass,
            "value": np.round(qty * price * usd_to_cur, 2),
            "currency": cur,
            "origin_country": origin,
            "departure_country": pd.Series(ctry).where(imp, None).to_numpy(),
            "destination_country": pd.Series(ctry).where(~imp, None).to_numpy(),
        }
    )
    decl["value"] = items.groupby(d)["value"].sum().to_numpy()
    return items, decl


def _odd_items(
    s: pd.DataFrame, st: np.ndarray, price: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """One or two items of an ``odd_items`` stream at ``odd_factor`` times the price."""
    if "odd_items" not in s:
        return price
    price = price.copy()
    for i in np.flatnonzero(s["odd_items"].fillna(0).to_numpy() > 0):
        rows = np.flatnonzero(st == i)
        k = min(len(rows), int(s["odd_items"].iloc[i]))
        price[rng.choice(rows, size=k, replace=False)] *= float(s["odd_factor"].iloc[i])
    return price


def settlements(
    world: GeneratedWorld, pop: Population, decl: pd.DataFrame, rng: np.random.Generator
) -> pd.DataFrame:
    s = pd.DataFrame(pop.streams)
    st = decl["stream"].to_numpy()
    paid = rng.random(len(decl)) < s["pay_rate"].to_numpy(dtype=float)[st]
    p = decl.loc[paid].reset_index(drop=True)
    st = p["stream"].to_numpy()
    k = s["instalments"].to_numpy(dtype=int)[st]
    med = s["lag_median"].to_numpy(dtype=float)[st]
    sig = s["lag_sigma"].to_numpy(dtype=float)[st]
    lag = np.where(med > 10, med * np.exp(rng.normal(0, sig)), med + rng.normal(0, 12, len(p)))
    rep = np.repeat(np.arange(len(p)), k)
    j = np.arange(len(rep)) - np.repeat(np.cumsum(k) - k, k)
    days = np.round(lag[rep] + 30 * j).astype("timedelta64[D]")
    amount = p["value"].to_numpy()[rep] * s["pay_factor"].to_numpy(dtype=float)[st][rep] / k[rep]
    out = pd.DataFrame(
        {
            "date": p["date"].to_numpy()[rep] + days,
            "company_id": p["company_id"].to_numpy()[rep],
            "partner": p["partner"].to_numpy()[rep],
            "country": p["country"].to_numpy()[rep],
            "direction": np.where(p["direction"].to_numpy()[rep] == "export", "in", "out"),
            "amount": np.round(amount * (1 - rng.uniform(0, 0.004, len(rep))), 2),
            "currency": p["currency"].to_numpy()[rep],
            "declaration_ref": p["declaration_id"].to_numpy()[rep],
            "stream": st[rep],
        }
    )
    batch = s["batch"].to_numpy(dtype=bool)[out["stream"].to_numpy()]
    out.loc[
        rng.random(len(out)) > s["ref_share"].to_numpy(dtype=float)[out["stream"]],
        "declaration_ref",
    ] = None
    out = pd.concat([out[~batch], _batched(out[batch])], ignore_index=True)
    out = pd.concat([out, _services(pop, decl, rng)], ignore_index=True)
    out = out[out["date"] <= np.datetime64(world.end)].sort_values("date", ignore_index=True)
    return pd.DataFrame(
        {
            "settlement_id": world.new_ids("S", len(out)),
            "date": pd.to_datetime(out["date"]).dt.date,
            "company_id": out["company_id"],
            "bank": rng.choice(BANKS, len(out)),
            "direction": out["direction"],
            "counterparty_name": _spell(out["partner"].to_numpy(), pop.variants, rng),
            "counterparty_country": out["country"],
            "amount": out["amount"],
            "currency": out["currency"],
            "purpose": out.get("purpose", pd.Series(None, index=out.index)).fillna(
                out["direction"].map({"in": "goods_export", "out": "goods_import"})
            ),
            "declaration_ref": out["declaration_ref"],
        }
    )


def _batched(out: pd.DataFrame) -> pd.DataFrame:
    """One transfer per stream, partner and month, for the whole month's declarations."""
    if out.empty:
        return out
    month = pd.to_datetime(out["date"]).dt.to_period("M")
    agg: dict[str, Any] = {
        "date": "max",
        "amount": "sum",
        "company_id": "first",
        "country": "first",
        "direction": "first",
    }
    keys = ["stream", "partner", "currency", "month"]
    g = out.assign(month=month).groupby(keys, sort=False).agg(agg)
    return g.reset_index().drop(columns="month").assign(declaration_ref=None)


def _services(pop: Population, decl: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Non-goods payments: royalties/loans/other for some firms (and big ones for the
    service-payer hard negatives), so purpose matters to the detectors."""
    s = pd.DataFrame(pop.streams)
    rows = []
    heavy = s.index[s.get("services", pd.Series(np.nan, index=s.index)).fillna(0) > 0]
    light = rng.choice(len(s), size=len(s) // 10, replace=False)
    for i in [*heavy.tolist(), *light.tolist()]:
        mine = decl[decl["stream"] == i]
        if mine.empty:
            continue
        share = float(s["services"].iloc[i]) if i in heavy else rng.uniform(0.02, 0.2)
        months = 24
        total = float(mine["value"].sum()) * share
        dates = np.datetime64("2023-01-20") + (30 * np.arange(months)).astype("timedelta64[D]")
        purpose = "service" if i in heavy else rng.choice(["service", "loan", "other"])
        rows.append(
            pd.DataFrame(
                {
                    "date": dates,
                    "company_id": s.at[i, "company_id"],
                    "partner": mine["partner"].iloc[0],
                    "country": mine["country"].iloc[0],
                    "direction": "out" if i in heavy or rng.random() < 0.6 else "in",
                    "amount": np.round(total / months * rng.uniform(0.7, 1.3, months), 2),
                    "currency": mine["currency"].iloc[0],
                    "declaration_ref": None,
                    "purpose": purpose,
                }
            )
        )
    return pd.concat(rows, ignore_index=True) if rows else pd.DataFrame()


def build(world: GeneratedWorld, pop: Population, rng: np.random.Generator) -> None:
    items, decl = declarations(world, pop, rng)
    world.add_rows("declarations", items)
    world.add_rows("fx_settlements", settlements(world, pop, decl, rng))
    pop.heads = decl
