"""Robust unit-price benchmarks per HS6 x origin x period, updatable incrementally.

The state is a sparse histogram of log unit prices: one count per (hs6, origin, period,
measure, bin). Histograms add, so ``state.update(a).update(b)`` equals a full rebuild on
``a + b`` exactly, and states built on different machines merge with :meth:`merge`.
Medians, MADs and quantiles are read off the cumulative counts; their resolution is one
bin (``valuation.bin_width`` in log units, 0.02 = about 2% of price).

>>> import pandas as pd
>>> f = pd.DataFrame({"hs_code": ["690722"] * 3, "origin_country": ["CN"] * 3,
...     "declaration_date": pd.to_datetime(["2020-01-02"] * 3),
...     "item_price_krw": [1000.0, 1100.0, 900.0], "net_mass_kg": [10.0, 10.0, 10.0]})
>>> s = BenchmarkState.empty().update(f)
>>> round(float(s.stats().loc[0, "median_price"]))
100
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from opencustoms.tariff.tables import load_tariff_data

KEYS = ["hs6", "origin", "period", "measure"]
LOG_LO = -12.0  # log KRW per unit; exp(-12) ~ 6e-6 won: below any real price
ALL = "*"  # origin / period wildcard of the coarser benchmark levels
QUANTILES = {"q05": 0.05, "q25": 0.25, "median": 0.5, "q75": 0.75, "q95": 0.95}


def method_param(name: str) -> float:
    """A valuation method setting in force today (dated data, see valuation.yaml)."""
    return float(load_tariff_data().params.value(f"valuation.{name}", pd.Timestamp.now().date()))


def log_prices(frame: pd.DataFrame) -> pd.DataFrame:
    """Long frame of (hs6, origin, period, measure, log_price) for usable rows: price per kg
    where net mass > 0, price per unit where quantity > 0 (both when both are known)."""
    price = pd.to_numeric(frame["item_price_krw"], errors="coerce")
    base = pd.DataFrame(
        {
            "row": frame.index,
            "hs6": frame["hs_code"].astype("string").str[:6],
            "origin": frame["origin_country"].astype("string").fillna("ZZ"),
            "period": pd.to_datetime(frame["declaration_date"]).dt.year.astype("string"),
        }
    )
    parts = []
    for measure, col in (("kg", "net_mass_kg"), ("unit", "quantity")):
        if col not in frame:
            continue
        denom = pd.to_numeric(frame[col], errors="coerce")
        ok = (price > 0) & (denom > 0)
        part = base[ok.to_numpy()].copy()
        part["measure"] = measure
        part["log_price"] = np.log((price[ok] / denom[ok]).to_numpy(dtype=float))
        parts.append(part)
    return pd.concat(parts, ignore_index=True)


@dataclass(frozen=True)
class BenchmarkState:
    """Mergeable sufficient statistics: histogram counts of log unit price per group."""

    counts: pd.DataFrame = field(repr=False)  # KEYS + bin (int32) + count (int64)
    bin_width: float
    # stats() per level, computed on first use: a state never changes (update and merge
    # return new states), and the declaration page scores one item against the whole
    # state, where recomputing every group's quantiles was most of its valuation time.
    _stats: dict[str, pd.DataFrame] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    @classmethod
    def empty(cls, bin_width: float | None = None) -> BenchmarkState:
        cols = {k: pd.Series(dtype="string") for k in KEYS}
        frame = pd.DataFrame(
            {**cols, "bin": pd.Series(dtype="int32"), "count": pd.Series(dtype="int64")}
        )
        return cls(frame, bin_width or method_param("bin_width"))

    def update(self, frame: pd.DataFrame) -> BenchmarkState:
        """A new state with the declarations of ``frame`` added."""
        lp = log_prices(frame)
        lp["bin"] = np.floor((lp["log_price"] - LOG_LO) / self.bin_width).astype("int32")
        new = lp.groupby([*KEYS, "bin"], observed=True).size().rename("count").reset_index()
        return self.merge(BenchmarkState(new, self.bin_width))

    def merge(self, other: BenchmarkState) -> BenchmarkState:
        if other.bin_width != self.bin_width:
            raise ValueError("bin_width: cannot merge states with different bin widths")
        both = pd.concat([self.counts, other.counts], ignore_index=True)
        merged = both.groupby([*KEYS, "bin"], observed=True)["count"].sum().reset_index()
        merged["count"] = merged["count"].astype("int64")
        return BenchmarkState(merged.sort_values([*KEYS, "bin"], ignore_index=True), self.bin_width)

    @property
    def n_declarations(self) -> int:
        return int(self.counts.loc[self.counts["measure"] == "kg", "count"].sum())

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        out = self.counts.copy()
        out.attrs = {}
        out.to_parquet(path, index=False)
        path.with_suffix(".meta").write_text(f"bin_width={self.bin_width}\n")

    @classmethod
    def load(cls, path: Path) -> BenchmarkState:
        meta = dict(
            line.split("=", 1)
            for line in path.with_suffix(".meta").read_text().splitlines()
            if "=" in line
        )
        counts = pd.read_parquet(path)
        for k in KEYS:
            counts[k] = counts[k].astype("string")
        return cls(counts, float(meta["bin_width"]))

    def stats(self, level: str = "hs6_origin_period") -> pd.DataFrame:
        """Per group: n, median/MAD/quantiles of log unit price, and the median price.

        ``level``: ``hs6_origin_period`` (finest), ``hs6_origin`` (all periods) or
        ``hs6`` (all origins and periods); coarser levels carry ``*`` in the dropped keys.
        Computed once per state and level; the frame is shared, so callers must not
        modify it in place.
        """
        cached = self._stats.get(level)
        if cached is not None:
            return cached
        c = self.counts
        if level in ("hs6_origin", "hs6"):
            c = c.assign(period=ALL)
        if level == "hs6":
            c = c.assign(origin=ALL)
        if level not in ("hs6_origin_period", "hs6_origin", "hs6"):
            raise ValueError(f"level: unknown benchmark level {level!r}")
        c = c.groupby([*KEYS, "bin"], observed=True)["count"].sum().reset_index()
        self._stats[level] = out = _histogram_stats(c, self.bin_width)
        return out


def _first_reaching(c: pd.DataFrame, cum: pd.Series, target: pd.Series, col: str) -> pd.Series:
    hit = c[cum >= target - 1e-9]
    return hit.groupby("g", sort=True)[col].first()


def _histogram_stats(c: pd.DataFrame, width: float) -> pd.DataFrame:
    c = c.sort_values([*KEYS, "bin"], ignore_index=True)
    c["g"] = c.groupby(KEYS, observed=True, sort=False).ngroup()
    c["center"] = LOG_LO + (c["bin"] + 0.5) * width
    n = c.groupby("g")["count"].transform("sum")
    cum = c.groupby("g")["count"].cumsum()
    groups = c.groupby("g", sort=True)[KEYS].first()
    groups["n"] = c.groupby("g", sort=True)["count"].sum()
    for name, q in QUANTILES.items():
        groups[name] = _first_reaching(c, cum, q * n, "center")
    # MAD: weighted median of |center - median| within each group.
    c["dev"] = (c["center"] - c["g"].map(groups["median"])).abs()
    d = c.sort_values(["g", "dev"], ignore_index=True)
    dn = d.groupby("g")["count"].transform("sum")
    dcum = d.groupby("g")["count"].cumsum()
    groups["mad"] = _first_reaching(d, dcum, 0.5 * dn, "dev")
    groups["median_price"] = np.exp(groups["median"])
    return groups.reset_index(drop=True)
