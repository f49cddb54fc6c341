"""Virtual-asset wallets and transfers: private investors (with and without company ties),
large traders, and the hwanchigi money: persons linked to an under-declaring importer
send KRW-bought crypto abroad in chunks just under the reporting threshold, month by month
tracking the part of the import value the bank never saw.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from opencustoms.world.base import GeneratedWorld
from opencustoms.world.fx import mean_rate
from opencustoms.world.names import person_names
from opencustoms.world.population import Population

KR_EXCHANGES = ("Upbit", "Bithumb", "Coinone", "Korbit", "Gopax")
FOREIGN_EXCHANGES = {
    "Binance": "KY",
    "OKX": "SC",
    "Bybit": "AE",
    "HTX": "SC",
    "Kraken": "US",
    "Coinbase": "US",
    "Bitget": "SG",
}
# KRW per unit, a rough level for 2023-2024 (amount = krw_value / price)
ASSETS = {"USDT": 1350.0, "BTC": 75_000_000.0, "ETH": 3_800_000.0, "XRP": 800.0}
THRESHOLD_KRW = 10_000_000  # data/tradecrime/thresholds.yaml ctr_krw; kept equal by a test


class _Wallets:
    def __init__(self, world: GeneratedWorld, rng: np.random.Generator) -> None:
        self.world, self.rng, self.rows = world, rng, list[dict[str, object]]()

    def make(self, kind: str, owner: str | None = None) -> str:
        wid = self.world.new_ids("W", 1)[0]
        if kind == "kr":
            ex, country = str(self.rng.choice(KR_EXCHANGES)), "KR"
        elif kind == "foreign":
            ex = str(self.rng.choice(list(FOREIGN_EXCHANGES)))
            country = FOREIGN_EXCHANGES[ex]
        else:
            ex, country = None, None
        self.rows.append(
            {"wallet_id": wid, "exchange": ex, "exchange_country": country, "owner_id": owner}
        )
        return wid


Parts = dict[str, np.ndarray]


def _transfers(
    rng: np.random.Generator, src: list[str], dst: list[str], krw: np.ndarray, ts: np.ndarray
) -> Parts:
    """Columns of transfers (assets and coin amounts drawn here); joined once at the end."""
    k = rng.choice(len(ASSETS), size=len(src), p=[0.55, 0.2, 0.15, 0.1])
    price = np.array(list(ASSETS.values()))[k] * np.exp(rng.normal(0, 0.08, len(src)))
    return {
        "timestamp": ts,
        "asset": np.array(list(ASSETS))[k],
        "amount": np.round(krw / price, 8),
        "from_wallet": np.asarray(src, dtype=object),
        "to_wallet": np.asarray(dst, dtype=object),
        "krw_value": np.round(krw),
    }


def _times(rng: np.random.Generator, n: int, lo: str = "2023-01-01", days: int = 730) -> np.ndarray:
    secs = rng.integers(0, days * 86400, size=n).astype("timedelta64[s]")
    return np.datetime64(lo, "s") + secs


def _investor(
    w: _Wallets, rng: np.random.Generator, person: str, n_tx: int, structured: float = 0.0
) -> Parts:
    """A person's trading: KRW in at home, coins out to own/foreign wallets and back."""
    home = w.make("kr", person)
    away = [w.make("foreign"), *([w.make("private")] if rng.random() < 0.3 else [])]
    krw = np.exp(rng.normal(np.log(1_500_000), 1.3, size=n_tx))
    near = rng.random(n_tx) < structured
    krw[near] = THRESHOLD_KRW * rng.uniform(0.85, 0.995, int(near.sum()))
    out = rng.random(n_tx) < 0.55
    other = [away[int(i)] for i in rng.integers(0, len(away), n_tx)]
    src = [home if o else a for o, a in zip(out, other, strict=True)]
    dst = [a if o else home for o, a in zip(out, other, strict=True)]
    return _transfers(rng, src, dst, krw, _times(rng, n_tx))


def _hwanchigi(
    w: _Wallets, world: GeneratedWorld, pop: Population, rng: np.random.Generator
) -> list[Parts]:
    heads = pop.heads
    assert heads is not None
    streams = pd.DataFrame(pop.streams)
    frames = []
    for company, people in pop.hwanchigi:
        mine = heads[(heads["company_id"] == company) & (heads["direction"] == "import")]
        factor = streams["price_factor"].to_numpy(dtype=float)[mine["stream"].to_numpy()]
        rate = mine["currency"].map(mean_rate).to_numpy()
        gap = mine["value"].to_numpy() * rate * (1 / factor - 1)
        monthly = (
            pd.Series(gap).groupby(pd.to_datetime(mine["date"]).dt.to_period("M").to_numpy()).sum()
        )
        homes = {p: w.make("kr", p) for p in people}
        sinks = [w.make("foreign") for _ in range(int(rng.integers(1, 3)))]
        hop = w.make("private")
        for month, amount in monthly.items():
            chunks = THRESHOLD_KRW * rng.uniform(0.86, 0.995, size=64)
            k = int(np.searchsorted(np.cumsum(chunks), amount * rng.uniform(0.85, 1.1)))
            if k == 0:
                continue
            krw = chunks[:k] if k <= 64 else THRESHOLD_KRW * rng.uniform(0.86, 0.995, k)
            ts = _times(rng, k, f"{month}-01", 28)
            src = [homes[people[int(i)]] for i in rng.integers(0, len(people), k)]
            via = rng.random(k) < 0.3
            dst = [hop if v else sinks[int(rng.integers(len(sinks)))] for v in via]
            frames.append(_transfers(rng, src, dst, krw, ts))
            if via.any():  # the private wallet forwards within three days
                later = ts[via] + rng.integers(3600, 3 * 86400, int(via.sum())).astype(
                    "timedelta64[s]"
                )
                fwd = [sinks[int(i)] for i in rng.integers(0, len(sinks), int(via.sum()))]
                frames.append(_transfers(rng, [hop] * int(via.sum()), fwd, krw[via] * 0.998, later))
    return frames


def build(world: GeneratedWorld, pop: Population, rng: np.random.Generator, scale: float) -> None:
    w = _Wallets(world, rng)
    n = max(6, round(30 * scale))
    n_inv = max(100, int(3000 * scale))
    latin, local = person_names(n_inv + n, rng)
    ids = world.new_ids("P", n_inv + n)
    world.add_rows(
        "persons",
        pd.DataFrame(
            {
                "person_id": ids,
                "name": latin,
                "name_local": local,
                "birth_date": None,
                "nationality": "KR",
                "address": None,
                "phone": None,
                "pccc": None,
            }
        ),
    )
    frames = [_investor(w, rng, p, int(rng.poisson(45))) for p in ids[:n_inv]]
    for p in ids[n_inv:]:  # large traders, some amounts just under the threshold, no company
        frames.append(_investor(w, rng, p, int(rng.integers(80, 200)), structured=0.35))
        world.hard_negative([p], "hwanchigi", "crypto trader without company ties")
    importers = {s["company_id"] for s in pop.streams if s["direction"] == "import"}
    free = [c for c in pop.directors if c in importers and c not in pop.used]
    for c in rng.choice(free, size=min(len(free), n), replace=False):
        director = pop.directors[str(c)]
        frames.append(_investor(w, rng, director, int(rng.integers(40, 120)), structured=0.2))
        pop.used.add(str(c))
        world.hard_negative([director], "hwanchigi", "importer's director trading crypto")
        world.hard_negative([str(c)], "hwanchigi", "importer whose director trades crypto")
    frames += _hwanchigi(w, world, pop, rng)
    tx = pd.DataFrame({c: np.concatenate([f[c] for f in frames]) for c in frames[0]})
    tx = tx.sort_values("timestamp", ignore_index=True, kind="stable")
    tx.insert(0, "tx_id", world.new_ids("T", len(tx)))
    tx["timestamp"] = pd.to_datetime(tx["timestamp"]).dt.strftime("%Y-%m-%dT%H:%M:%SZ")
    world.add_rows("wallets", pd.DataFrame(w.rows))
    world.add_rows("va_transfers", tx)
