"""What the engine knows from the past: per-entity counts and label sums.

A ``History`` holds, for every key (importer, HS6, importer x HS6, ...), sums of a few
statistics over the declarations seen so far. Two ways to use it, one arithmetic:

* ``prior_stats(frame)`` gives every training row the sums over rows *strictly before its
  day* (same-day rows never see each other), so training features cannot leak the future.
* ``History.fit(frame)`` stores the totals; ``History.lookup(frame)`` returns them for rows
  being scored. Features are then computed from either by the same function.

Declarations count whether inspected or not (``n_decl``, unit values); label sums count
only rows with a label (``n_insp``, ``fraud``...), which is what retraining on inspected
items alone needs.

>>> import pandas as pd
>>> f = pd.DataFrame({"declaration_date": pd.to_datetime(["2020-01-01", "2020-01-01",
...     "2020-01-02"]), "importer_id": ["A", "A", "A"], "fraud": [1, 0, 1],
...     "critical_fraud": 0, "additional_duty": 0.0, "hs_code": "420221",
...     "item_price_krw": 1e6, "net_mass_kg": 2.0, "tax_rate": 8.0})
>>> prior_stats(f, keys={"importer": ("importer_id",)})["importer"][:, 1].tolist()
[0.0, 0.0, 2.0]
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

# Sums kept per key. n_decl/luv_* over all declarations; the rest over labelled rows only.
STATS = ("n_decl", "n_insp", "fraud", "critical", "revenue", "luv_n", "luv_sum", "luv_sq")
S = {name: i for i, name in enumerate(STATS)}

# Entities and pairs whose history is a feature. Derived columns (hs6, hs4, hs2) come
# from ``derive_columns``.
KEYS: dict[str, tuple[str, ...]] = {
    "importer": ("importer_id",),
    "declarant": ("declarant_id",),
    "seller": ("seller_id",),
    "courier": ("courier_id",),
    "hs6": ("hs6",),
    "hs4": ("hs4",),
    "hs2": ("hs2",),
    "origin": ("origin_country",),
    "departure": ("departure_country",),
    "office": ("office_id",),
    "importer_hs6": ("importer_id", "hs6"),
    "importer_seller": ("importer_id", "seller_id"),
    "declarant_importer": ("declarant_id", "importer_id"),
    "hs6_origin": ("hs6", "origin_country"),
    "seller_hs6": ("seller_id", "hs6"),
    "office_hs6": ("office_id", "hs6"),
    # The declaration line: same goods (HS6), origin, net mass and item price. Repeat
    # consignments of one product line share it, and in the KCS data the fraud label is
    # nearly a property of the line (98% of 2020 lines with several rows are pure), far
    # more than of the HS6 x origin cell (76%): see RESULTS-risk.md, issue 17, round 3.
    "line": ("hs6", "origin_country", "net_mass_kg", "item_price_krw"),
}
GLOBAL = "_global"
# Numeric parts of keys: always written as Python writes a float ("1000.0"), whatever
# the record carried (an integer from JSON), as pandas writes a float64 column.
FLOAT_KEY_COLUMNS = frozenset({"net_mass_kg", "item_price_krw"})
UNIT_VALUE_KEYS = ("hs6", "hs6_origin")
_NO_SUMS = np.zeros((1, len(STATS)))
_NO_SUMS.flags.writeable = False
SEP = "\x1f"


def derive_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """Add hs6/hs4/hs2, log unit value and the duty at stake (revenue proxy) columns."""
    out = frame.copy(deep=False)  # new columns only; the caller's frame is untouched
    hs = out["hs_code"].astype("string")
    out["hs6"] = hs.str.slice(0, 6)
    out["hs4"] = hs.str.slice(0, 4)
    out["hs2"] = hs.str.slice(0, 2)
    price = pd.to_numeric(out["item_price_krw"], errors="coerce").astype("float64")
    mass = pd.to_numeric(out["net_mass_kg"], errors="coerce").astype("float64")
    with np.errstate(divide="ignore", invalid="ignore"):
        luv = np.log(price.to_numpy() + 1.0) - np.log(mass.to_numpy() + 1e-3)
    out["log_unit_value"] = np.where(np.isfinite(luv) & (mass.to_numpy() > 0), luv, np.nan)
    out["duty_at_stake"] = duty_at_stake(out)
    return out


def derive_record(record: dict[str, Any]) -> dict[str, Any]:
    """``derive_columns`` for one plain dict (same formulas, no pandas)."""
    out = dict(record)
    hs = out.get("hs_code")
    for n in (6, 4, 2):
        out[f"hs{n}"] = None if hs is None else str(hs)[:n]
    price, mass, rate = out.get("item_price_krw"), out.get("net_mass_kg"), out.get("tax_rate")
    luv = None
    if price is not None and mass is not None and mass > 0:
        value = math.log(price + 1.0) - math.log(mass + 1e-3)
        luv = value if math.isfinite(value) else None
    out["log_unit_value"] = luv
    out["duty_at_stake"] = (price or 0.0) * (rate or 0.0) / 100.0
    return out


def record_key(record: dict[str, Any], cols: tuple[str, ...]) -> str | None:
    parts = []
    for c in cols:
        v = record.get(c)
        if v is None:
            return None
        parts.append(str(float(v)) if c in FLOAT_KEY_COLUMNS else str(v))
    return SEP.join(parts)


def duty_at_stake(frame: pd.DataFrame) -> np.ndarray:
    """Revenue proxy: item price x duty rate. KCS has no revenue label, so this is the
    duty a fraud on the item could put at stake, not an assessed amount."""
    price = pd.to_numeric(frame["item_price_krw"], errors="coerce").astype("float64")
    rate = pd.to_numeric(frame["tax_rate"], errors="coerce").astype("float64")
    return (price.fillna(0.0) * rate.fillna(0.0) / 100.0).to_numpy()


def revenue_label(frame: pd.DataFrame) -> np.ndarray:
    """Revenue recovered by an inspection: ``additional_duty`` when the data has it, else
    the proxy (duty at stake) for frauds and 0 otherwise. NaN for uninspected rows."""
    fraud = pd.to_numeric(frame["fraud"], errors="coerce").astype("float64").to_numpy()
    proxy = np.where(fraud > 0, duty_at_stake(frame), 0.0)
    if "additional_duty" in frame.columns:
        real = pd.to_numeric(frame["additional_duty"], errors="coerce").astype("float64")
        proxy = np.where(real.notna(), real.to_numpy(), proxy)
    return np.where(np.isnan(fraud), np.nan, proxy)


def arrow_strings(series: pd.Series) -> pa.Array:
    """A column as an Arrow string array (nulls kept), for Arrow compute lookups."""
    arr = pa.array(series.astype("string"), from_pandas=True)
    return arr.cast(pa.string()) if arr.type != pa.string() else arr


def key_part(frame: pd.DataFrame, col: str) -> pd.Series:
    """A key column as keys spell it (numeric parts as float64, see FLOAT_KEY_COLUMNS)."""
    if col in FLOAT_KEY_COLUMNS:
        return pd.to_numeric(frame[col], errors="coerce").astype("float64")
    return frame[col]


def key_values(frame: pd.DataFrame, cols: tuple[str, ...]) -> pd.Series:
    """One string per row identifying the key; NA when any part is missing."""
    parts = [key_part(frame, c).astype("string") for c in cols]
    key = parts[0]
    for p in parts[1:]:
        key = key + SEP + p
    return key


def contributions(frame: pd.DataFrame) -> np.ndarray:
    """What each row adds to the sums of its keys (n_rows x len(STATS))."""
    n = len(frame)
    c = np.zeros((n, len(STATS)))
    fraud = pd.to_numeric(frame["fraud"], errors="coerce").astype("float64").to_numpy()
    crit = pd.to_numeric(frame["critical_fraud"], errors="coerce").astype("float64").to_numpy()
    labelled = ~np.isnan(fraud)
    c[:, S["n_decl"]] = 1.0
    c[:, S["n_insp"]] = labelled
    c[:, S["fraud"]] = np.where(labelled, np.nan_to_num(fraud), 0.0)
    c[:, S["critical"]] = np.where(labelled & (np.nan_to_num(crit) == 2), 1.0, 0.0)
    c[:, S["revenue"]] = np.nan_to_num(revenue_label(frame))
    luv = frame["log_unit_value"].to_numpy(dtype="float64")
    ok = ~np.isnan(luv)
    c[:, S["luv_n"]] = ok
    c[:, S["luv_sum"]] = np.where(ok, luv, 0.0)
    c[:, S["luv_sq"]] = np.where(ok, luv * luv, 0.0)
    return c


def _day_index(frame: pd.DataFrame) -> np.ndarray:
    dates = pd.to_datetime(frame["declaration_date"]).to_numpy().astype("datetime64[D]")
    return dates.astype("int64")


def prior_stats(
    frame: pd.DataFrame, *, keys: dict[str, tuple[str, ...]] | None = None
) -> dict[str, np.ndarray]:
    """For each key, the sums over rows of strictly earlier days (training features)."""
    keys = KEYS if keys is None else keys
    if "log_unit_value" not in frame.columns:
        frame = derive_columns(frame)
    contrib = contributions(frame)
    day = _day_index(frame)
    day = day - (day.min() if len(day) else 0)
    out: dict[str, np.ndarray] = {}
    for name, cols in {**keys, GLOBAL: ()}.items():
        if cols:
            codes, _ = pd.factorize(key_values(frame, cols), use_na_sentinel=True)
        else:
            codes = np.zeros(len(frame), dtype=np.int64)
        out[name] = _exclusive_daily_cumsum(codes.astype(np.int64), day, contrib)
    return out


def _exclusive_daily_cumsum(codes: np.ndarray, day: np.ndarray, c: np.ndarray) -> np.ndarray:
    res = np.zeros_like(c)
    ok = codes >= 0
    if not ok.any():
        return res
    gid = codes[ok] * (int(day.max()) + 1) + day[ok]
    groups, inverse = np.unique(gid, return_inverse=True)
    sums = np.column_stack(
        [np.bincount(inverse, weights=c[ok, j], minlength=len(groups)) for j in range(c.shape[1])]
    )
    group_code = groups // (int(day.max()) + 1)
    # Running sums restart for every key, so a row's value depends only on its own key's
    # earlier days (bit for bit: rows of other keys or later days cannot change it).
    cum = pd.DataFrame(sums).groupby(group_code, sort=False).cumsum().to_numpy()
    prior = cum - sums
    res_ok = prior[inverse]
    res[ok] = res_ok
    return res


@dataclass
class History:
    """Totals per key as of the end of the data it was fitted on."""

    tables: dict[str, tuple[pd.Index, np.ndarray]] = field(default_factory=dict)
    total: np.ndarray = field(default_factory=lambda: np.zeros(len(STATS)))
    last_date: str | None = None
    _positions: dict[str, dict[str, int]] = field(default_factory=dict, repr=False)
    _arrow: dict[str, pa.Array] = field(default_factory=dict, repr=False)

    @classmethod
    def fit(cls, frame: pd.DataFrame) -> History:
        if "log_unit_value" not in frame.columns:
            frame = derive_columns(frame)
        contrib = contributions(frame)
        tables: dict[str, tuple[pd.Index, np.ndarray]] = {}
        for name, cols in KEYS.items():
            codes, uniques = pd.factorize(key_values(frame, cols), use_na_sentinel=True)
            ok = codes >= 0
            sums = np.column_stack(
                [
                    np.bincount(codes[ok], weights=contrib[ok, j], minlength=len(uniques))
                    for j in range(len(STATS))
                ]
            )
            tables[name] = (pd.Index(np.asarray(uniques, dtype=object)), sums)
        last = pd.to_datetime(frame["declaration_date"]).max()
        return cls(tables, contrib.sum(axis=0), None if pd.isna(last) else str(last.date()))

    def lookup(self, frame: pd.DataFrame) -> dict[str, np.ndarray]:
        """Sums for each row's keys (zeros for keys never seen or missing)."""
        if "hs6" not in frame.columns:
            frame = derive_columns(frame)
        out: dict[str, np.ndarray] = {}
        parts = {c: arrow_strings(key_part(frame, c)) for cols in KEYS.values() for c in cols}
        for name, cols in KEYS.items():
            sums = self.tables[name][1]
            keys = parts[cols[0]]
            for c in cols[1:]:
                keys = pc.binary_join_element_wise(keys, parts[c], SEP)
            # Arrow's hash lookup: no Python string objects for a million rows.
            pos = pc.fill_null(pc.index_in(keys, value_set=self._arrow_index(name)), -1)
            idx = np.asarray(pos.to_numpy())
            # Unit-value sums matter only for the HS6 benchmarks; skip gathering the rest.
            width = len(STATS) if name in UNIT_VALUE_KEYS else S["luv_n"]
            res = np.zeros((len(idx), len(STATS)))
            if len(sums):  # a key never given in the fitted data has an empty table
                res[:, :width] = sums[np.maximum(idx, 0), :width]
                res[idx < 0] = 0.0
            out[name] = res
        out[GLOBAL] = np.broadcast_to(self.total, (len(frame), len(STATS)))
        return out

    def _arrow_index(self, name: str) -> pa.Array:
        if name not in self._arrow:
            index = self.tables[name][0]
            self._arrow[name] = pa.array(index.to_numpy(dtype=object), type=pa.string())
        return self._arrow[name]

    def lookup_records(self, records: list[dict[str, Any]]) -> dict[str, np.ndarray]:
        """``lookup`` for a few plain dicts (from ``derive_record``): dict lookups only."""
        out: dict[str, np.ndarray] = {}
        for name, cols in KEYS.items():
            sums = self.tables[name][1]
            res = np.zeros((len(records), len(STATS)))
            positions = self._key_positions()[name]
            for i, rec in enumerate(records):
                pos = positions.get(record_key(rec, cols))  # type: ignore[arg-type]
                if pos is not None:
                    res[i] = sums[pos]
            out[name] = res
        out[GLOBAL] = np.broadcast_to(self.total, (len(records), len(STATS)))
        return out

    def _key_positions(self) -> dict[str, dict[str, int]]:
        """Per key name, each fitted key's row in its sums (built at the first lookup)."""
        if not self._positions:
            self._positions = {
                name: {k: i for i, k in enumerate(index)}
                for name, (index, _) in self.tables.items()
            }
        return self._positions

    def lookup_row(self, record: dict[str, Any]) -> dict[str, np.ndarray]:
        """``lookup_records`` of one dict, as read-only one-row views of the sums (no
        copies: the single-score path)."""
        positions = self._key_positions()
        out: dict[str, np.ndarray] = {}
        for name, cols in KEYS.items():
            pos = positions[name].get(record_key(record, cols))  # type: ignore[arg-type]
            out[name] = _NO_SUMS if pos is None else self.tables[name][1][pos : pos + 1]
        out[GLOBAL] = self.total[None, :]
        return out

    def save(self, path: Path) -> None:
        names, keys, rows = [], [], []
        for name, (index, sums) in self.tables.items():
            names.extend([name] * len(index))
            keys.extend(index.tolist())
            rows.append(sums)
        stats = np.vstack(rows) if rows else np.zeros((0, len(STATS)))
        cols: dict[str, object] = {"key_name": names, "key": keys}
        cols.update({s: stats[:, i] for i, s in enumerate(STATS)})
        meta = {
            "total": ",".join(map(repr, self.total.tolist())),
            "last_date": self.last_date or "",
        }
        table = pa.table(cols).replace_schema_metadata(meta)
        pq.write_table(table, path)

    @classmethod
    def load(cls, path: Path) -> History:
        table = pq.read_table(path)
        meta = {k.decode(): v.decode() for k, v in (table.schema.metadata or {}).items()}
        df = table.to_pandas()
        tables: dict[str, tuple[pd.Index, np.ndarray]] = {}
        for name in KEYS:
            part = df[df["key_name"] == name]
            tables[name] = (
                pd.Index(part["key"].to_numpy(dtype=object)),
                part[list(STATS)].to_numpy(dtype="float64"),
            )
        total = np.array([float(x) for x in meta["total"].split(",")])
        return cls(tables, total, meta.get("last_date") or None)
