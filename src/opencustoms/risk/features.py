"""Model features, computed by one function for training, batch and single scoring.

``build_features(frame, stats, vocab)`` turns declaration rows plus history sums (from
``history.prior_stats`` when training, ``History.lookup`` when scoring) into the numeric
matrix the models read. Training and scoring differ only in where the sums come from.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from opencustoms.risk.history import GLOBAL, KEYS, STATS, S, derive_columns, object_values

# Pseudo-count of the smoothed rates: a key with few inspections stays near the overall
# rate (an importer with 1 fraud in 1 inspection is not a 100% fraudster).
SMOOTHING = 10.0

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
DECL_KEYS = ("importer", "declarant", "seller", "hs6", "importer_hs6", "importer_seller")


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


def _rate(num: np.ndarray, den: np.ndarray, prior: np.ndarray) -> np.ndarray:
    return (num + SMOOTHING * prior) / (den + SMOOTHING)


def build_features(
    frame: pd.DataFrame, stats: dict[str, np.ndarray], vocab: dict[str, list[str]]
) -> np.ndarray:
    """Feature matrix (float64, columns in ``FEATURES`` order); NaN means unknown."""
    if "log_unit_value" not in frame.columns:
        frame = derive_columns(frame)
    n = len(frame)
    cols: dict[str, np.ndarray] = {}
    g = stats[GLOBAL]
    g_rate = np.where(
        g[:, S["n_insp"]] > 0, g[:, S["fraud"]] / np.maximum(g[:, S["n_insp"]], 1), np.nan
    )
    g_crit = np.where(
        g[:, S["n_insp"]] > 0, g[:, S["critical"]] / np.maximum(g[:, S["n_insp"]], 1), np.nan
    )
    for key in KEYS:
        st = stats[key]
        n_insp = st[:, S["n_insp"]]
        cols[f"{key}__rate"] = _rate(st[:, S["fraud"]], n_insp, g_rate)
        cols[f"{key}__n"] = n_insp
        if key in CRITICAL_KEYS:
            cols[f"{key}__crit_rate"] = _rate(st[:, S["critical"]], n_insp, g_crit)
        if key in DECL_KEYS:
            cols[f"{key}__decl"] = st[:, S["n_decl"]]
    price = frame["item_price_krw"].to_numpy(dtype="float64", na_value=np.nan)
    mass = frame["net_mass_kg"].to_numpy(dtype="float64", na_value=np.nan)
    cols["log_price"] = np.log1p(price)
    cols["log_mass"] = np.log1p(mass)
    luv = frame["log_unit_value"].to_numpy(dtype="float64", na_value=np.nan)
    cols["log_unit_value"] = luv
    for key, suffix in (("hs6_origin", "hs6_origin"), ("hs6", "hs6")):
        st = stats[key]
        cnt = st[:, S["luv_n"]]
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = np.where(cnt > 0, st[:, S["luv_sum"]] / np.maximum(cnt, 1), np.nan)
            var = np.where(cnt > 1, st[:, S["luv_sq"]] / np.maximum(cnt, 1) - mean**2, np.nan)
        cols[f"uv_dev_{suffix}"] = luv - mean
        if suffix == "hs6_origin":
            std = np.sqrt(np.maximum(var, 0.0)) + 0.1
            cols["uv_z_hs6_origin"] = (luv - mean) / std
    rate = frame["tax_rate"].to_numpy(dtype="float64", na_value=np.nan)
    cols["tax_rate"] = rate
    cols["log_duty_at_stake"] = np.log1p(frame["duty_at_stake"].to_numpy(dtype="float64"))
    origin = frame["origin_country"].astype("string")
    dep = frame["departure_country"].astype("string")
    differs = (origin != dep).astype("float64").to_numpy(dtype="float64", na_value=np.nan)
    cols["origin_ne_departure"] = differs
    dates = pd.to_datetime(frame["declaration_date"])
    cols["weekday"] = dates.dt.day_of_week.to_numpy(dtype="float64", na_value=np.nan)
    cols["month"] = dates.dt.month.to_numpy(dtype="float64", na_value=np.nan)
    cols["day_of_month"] = dates.dt.day.to_numpy(dtype="float64", na_value=np.nan)
    for col in CATEGORICAL:
        cats = pd.Index(vocab.get(col, []))
        values = object_values(frame[col].astype("string"))
        pos = cats.get_indexer(pd.Index(values)).astype("float64")
        cols[f"cat__{col}"] = np.where(pos < 0, np.nan, pos)
    out = np.empty((n, len(FEATURES)), dtype="float64")
    for j, name in enumerate(FEATURES):
        out[:, j] = cols[name]
    return out


__all__ = ["CATEGORICAL_FEATURES", "FEATURES", "STATS", "build_features", "fit_vocab"]
