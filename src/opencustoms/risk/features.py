"""Model features, computed by one function for training, batch and single scoring.

``build_features(frame, stats, vocab)`` turns declaration rows plus history sums (from
``history.prior_stats`` when training, ``History.lookup`` when scoring) into the numeric
matrix the models read. Training and scoring differ only in where the sums come from.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from opencustoms.risk.history import GLOBAL, KEYS, STATS, S, arrow_strings, derive_columns

# Pseudo-count of the smoothed rates: a key with few inspections stays near the overall
# rate (an importer with 1 fraud in 1 inspection is not a 100% fraudster).
SMOOTHING = 10.0
# Hierarchical shrinkage: a key's smoothed rate shrinks toward its parent's smoothed rate
# instead of the overall rate (HS6 x origin -> HS6 -> HS4 -> HS2 -> overall), so a product
# seen in few inspections borrows from its chapter. Chosen by measurement
# (benchmarks/tune_risk_scarce.py); an empty dict restores flat shrinkage.
PARENTS: dict[str, str] = {}

# Low-cardinality fields fed to LightGBM as categories (codes from the training vocabulary).
CATEGORICAL = (
    "office_id",
    "process_type",
    "import_type",
    "import_use",
    "payment_type",
    "transport_mode",
    "tax_type",
    "origin_indicator",
    "courier_id",
    "origin_country",
    "departure_country",
    "hs2",
)
# Keys whose critical-fraud rate and declaration count are features too.
CRITICAL_KEYS = ("importer", "declarant", "seller", "hs6", "origin", "importer_hs6")
DECL_KEYS = ("importer", "declarant", "seller", "hs6", "importer_hs6", "importer_seller", "line")


def feature_names() -> list[str]:
    names: list[str] = []
    for key in KEYS:
        names += [f"{key}__rate", f"{key}__n"]
        if key in CRITICAL_KEYS:
            names.append(f"{key}__crit_rate")
        if key in DECL_KEYS:
            names.append(f"{key}__decl")
    names += [
        "log_price",
        "log_mass",
        "log_unit_value",
        "uv_dev_hs6_origin",
        "uv_z_hs6_origin",
        "uv_dev_hs6",
        "tax_rate",
        "log_duty_at_stake",
        "origin_ne_departure",
        "weekday",
        "month",
        "day_of_month",
    ]
    names += [f"cat__{c}" for c in CATEGORICAL]
    return names


FEATURES: tuple[str, ...] = tuple(feature_names())
CATEGORICAL_FEATURES: tuple[str, ...] = tuple(f"cat__{c}" for c in CATEGORICAL)


def fit_vocab(frame: pd.DataFrame) -> dict[str, list[str]]:
    """Category codes for each categorical field (values seen at least 5 times)."""
    frame = frame if "hs2" in frame.columns else derive_columns(frame)
    vocab: dict[str, list[str]] = {}
    for col in CATEGORICAL:
        counts = frame[col].astype("string").value_counts()
        vocab[col] = sorted(str(v) for v in counts[counts >= 5].index)
    return vocab


def _parents_first() -> list[str]:
    """KEYS ordered so that every parent's rate is computed before its children's."""
    order: list[str] = []

    def visit(key: str) -> None:
        if key not in order:
            if key in PARENTS:
                visit(PARENTS[key])
            order.append(key)

    for key in KEYS:
        visit(key)
    return order


_PARENTS_FIRST = _parents_first()


def _rate(num: np.ndarray, den: np.ndarray, prior: np.ndarray) -> np.ndarray:
    return (num + SMOOTHING * prior) / (den + SMOOTHING)


def frame_inputs(frame: pd.DataFrame) -> dict[str, np.ndarray]:
    """The per-row values features need, from a frame (vectorised; batch path)."""
    if "log_unit_value" not in frame.columns:
        frame = derive_columns(frame)
    origin, dep = frame["origin_country"], frame["departure_country"]
    dates = pd.to_datetime(frame["declaration_date"])
    inp = {
        "price": frame["item_price_krw"].to_numpy(dtype="float64", na_value=np.nan),
        "mass": frame["net_mass_kg"].to_numpy(dtype="float64", na_value=np.nan),
        "luv": frame["log_unit_value"].to_numpy(dtype="float64", na_value=np.nan),
        "tax_rate": frame["tax_rate"].to_numpy(dtype="float64", na_value=np.nan),
        "duty": frame["duty_at_stake"].to_numpy(dtype="float64"),
        "differs": np.asarray(
            pc.not_equal(arrow_strings(origin), arrow_strings(dep))
            .cast(pa.float64())
            .to_numpy(zero_copy_only=False),
            dtype="float64",
        ),
        "weekday": dates.dt.day_of_week.to_numpy(dtype="float64", na_value=np.nan),
        "month": dates.dt.month.to_numpy(dtype="float64", na_value=np.nan),
        "day": dates.dt.day.to_numpy(dtype="float64", na_value=np.nan),
    }
    for col in CATEGORICAL:
        inp[f"cat__{col}"] = arrow_strings(frame[col])
    return inp


def record_inputs(rows: list[dict[str, Any]]) -> dict[str, np.ndarray]:
    """The same values from plain dicts passed through ``derive_record`` (single-row path:
    no pandas, so one declaration scores in well under a millisecond)."""

    def num(name: str) -> np.ndarray:
        return np.array([np.nan if r.get(name) is None else float(r[name]) for r in rows])

    def differs(r: dict[str, Any]) -> float:
        o, d = r.get("origin_country"), r.get("departure_country")
        return np.nan if o is None or d is None else float(o != d)

    dates = [r["declaration_date"] for r in rows]
    inp = {
        "price": num("item_price_krw"),
        "mass": num("net_mass_kg"),
        "luv": num("log_unit_value"),
        "tax_rate": num("tax_rate"),
        "duty": num("duty_at_stake"),
        "differs": np.array([differs(r) for r in rows], dtype="float64"),
        "weekday": np.array([d.weekday() for d in dates], dtype="float64"),
        "month": np.array([d.month for d in dates], dtype="float64"),
        "day": np.array([d.day for d in dates], dtype="float64"),
    }
    for col in CATEGORICAL:
        inp[f"cat__{col}"] = np.array(
            [None if r.get(col) is None else str(r[col]) for r in rows], dtype=object
        )
    return inp


def _codes(values: np.ndarray | pa.Array, cats: list[str]) -> np.ndarray:
    if isinstance(values, pa.Array):
        pos = pc.index_in(values, value_set=pa.array(cats, type=pa.string()))
        return np.asarray(pos.to_numpy(zero_copy_only=False), dtype="float64")
    if len(values) <= 32:
        index = {c: i for i, c in enumerate(cats)}
        return np.array(
            [index.get(v, np.nan) if v is not None else np.nan for v in values], dtype="float64"
        )
    pos = pd.Index(cats).get_indexer(pd.Index(values)).astype("float64")
    return np.where(pos < 0, np.nan, pos)


def build_features(
    frame: pd.DataFrame, stats: dict[str, np.ndarray], vocab: dict[str, list[str]]
) -> np.ndarray:
    """Feature matrix (float64, columns in ``FEATURES`` order); NaN means unknown."""
    return assemble(frame_inputs(frame), stats, vocab)


def assemble(
    inp: dict[str, np.ndarray], stats: dict[str, np.ndarray], vocab: dict[str, list[str]]
) -> np.ndarray:
    """The feature arithmetic shared by training, batch and single scoring."""
    n = len(inp["price"])
    cols: dict[str, np.ndarray] = {}
    g = stats[GLOBAL]
    with np.errstate(invalid="ignore", divide="ignore"):
        g_rate = np.where(g[:, S["n_insp"]] > 0, g[:, S["fraud"]] / g[:, S["n_insp"]], np.nan)
        g_crit = np.where(g[:, S["n_insp"]] > 0, g[:, S["critical"]] / g[:, S["n_insp"]], np.nan)
    for key in _parents_first():
        st = stats[key]
        n_insp = st[:, S["n_insp"]]
        parent = PARENTS.get(key)
        prior = cols[f"{parent}__rate"] if parent else g_rate
        cols[f"{key}__rate"] = _rate(st[:, S["fraud"]], n_insp, prior)
        cols[f"{key}__n"] = n_insp
        if key in CRITICAL_KEYS:
            cols[f"{key}__crit_rate"] = _rate(st[:, S["critical"]], n_insp, g_crit)
        if key in DECL_KEYS:
            cols[f"{key}__decl"] = st[:, S["n_decl"]]
    luv = inp["luv"]
    with np.errstate(invalid="ignore", divide="ignore"):
        cols["log_price"] = np.log1p(inp["price"])
        cols["log_mass"] = np.log1p(inp["mass"])
        for key in ("hs6_origin", "hs6"):
            st = stats[key]
            cnt = st[:, S["luv_n"]]
            mean = np.where(cnt > 0, st[:, S["luv_sum"]] / np.maximum(cnt, 1), np.nan)
            cols[f"uv_dev_{key}"] = luv - mean
            if key == "hs6_origin":
                var = np.where(cnt > 1, st[:, S["luv_sq"]] / np.maximum(cnt, 1) - mean**2, np.nan)
                cols["uv_z_hs6_origin"] = (luv - mean) / (np.sqrt(np.maximum(var, 0.0)) + 0.1)
        cols["log_duty_at_stake"] = np.log1p(inp["duty"])
    cols["log_unit_value"] = luv
    cols["tax_rate"] = inp["tax_rate"]
    cols["origin_ne_departure"] = inp["differs"]
    cols["weekday"] = inp["weekday"]
    cols["month"] = inp["month"]
    cols["day_of_month"] = inp["day"]
    for col in CATEGORICAL:
        cols[f"cat__{col}"] = _codes(inp[f"cat__{col}"], vocab.get(col, []))
    # Column-major fill (contiguous writes), then the row-major layout the models read.
    out = np.empty((n, len(FEATURES)), dtype="float64", order="F")
    for j, name in enumerate(FEATURES):
        out[:, j] = cols[name]
    return np.ascontiguousarray(out)


def category_index(vocab: dict[str, list[str]]) -> dict[str, dict[str, float]]:
    """Per categorical field, each vocabulary value's code (``_codes`` of one value is
    ``index.get(value, nan)``); built once per model for ``row_features``."""
    return {col: {c: float(i) for i, c in enumerate(vocab.get(col, []))} for col in CATEGORICAL}


def row_features(
    rec: dict[str, Any], stats: dict[str, list[float]], index: dict[str, dict[str, float]]
) -> np.ndarray:
    """``assemble`` for one ``derive_record`` dict, in plain floats (the single-score
    path: numpy's per-call overhead on 1-element arrays made ``assemble`` ~0.5 ms for one
    row). ``stats`` maps each key (and GLOBAL) to its sums as a list. The same operations
    in the same order, so the same values bit for bit (tested against ``assemble``):
    +, -, *, / and sqrt round alike in Python and numpy; the log1p's go through numpy."""
    nan = math.nan
    cols: dict[str, float] = {}
    n_insp_i, fraud_i, crit_i, decl_i = S["n_insp"], S["fraud"], S["critical"], S["n_decl"]
    g = stats[GLOBAL]
    g_rate = g[fraud_i] / g[n_insp_i] if g[n_insp_i] > 0 else nan
    g_crit = g[crit_i] / g[n_insp_i] if g[n_insp_i] > 0 else nan
    for key in _PARENTS_FIRST:
        st = stats[key]
        n_insp = st[n_insp_i]
        parent = PARENTS.get(key)
        prior = cols[f"{parent}__rate"] if parent else g_rate
        cols[f"{key}__rate"] = (st[fraud_i] + SMOOTHING * prior) / (n_insp + SMOOTHING)
        cols[f"{key}__n"] = n_insp
        if key in CRITICAL_KEYS:
            cols[f"{key}__crit_rate"] = (st[crit_i] + SMOOTHING * g_crit) / (n_insp + SMOOTHING)
        if key in DECL_KEYS:
            cols[f"{key}__decl"] = st[decl_i]

    def num(name: str) -> float:
        v = rec.get(name)
        return nan if v is None else float(v)

    luv = num("log_unit_value")
    with np.errstate(invalid="ignore", divide="ignore"):
        logs = np.log1p(np.array([num("item_price_krw"), num("net_mass_kg"), num("duty_at_stake")]))
    cols["log_price"], cols["log_mass"], cols["log_duty_at_stake"] = logs.tolist()
    for key in ("hs6_origin", "hs6"):
        st = stats[key]
        cnt = st[S["luv_n"]]
        mean = st[S["luv_sum"]] / max(cnt, 1.0) if cnt > 0 else nan
        cols[f"uv_dev_{key}"] = luv - mean
        if key == "hs6_origin":
            var = st[S["luv_sq"]] / max(cnt, 1.0) - mean * mean if cnt > 1 else nan
            spread = math.sqrt(var if var > 0.0 or math.isnan(var) else 0.0)
            cols["uv_z_hs6_origin"] = (luv - mean) / (spread + 0.1)
    cols["log_unit_value"] = luv
    cols["tax_rate"] = num("tax_rate")
    o, d = rec.get("origin_country"), rec.get("departure_country")
    cols["origin_ne_departure"] = nan if o is None or d is None else float(o != d)
    date = rec["declaration_date"]
    cols["weekday"], cols["month"], cols["day_of_month"] = date.weekday(), date.month, date.day
    for col in CATEGORICAL:
        v = rec.get(col)
        cols[f"cat__{col}"] = nan if v is None else index[col].get(str(v), nan)
    return np.array([cols[name] for name in FEATURES], dtype="float64")


__all__ = ["CATEGORICAL_FEATURES", "FEATURES", "STATS", "assemble", "build_features", "fit_vocab"]
