"""Training a risk model: history, category vocabulary and the LightGBM models fitted on
declarations, with the metadata an artefact records (``artefact.py`` saves, loads and
verifies it; this module is only needed where models are trained).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

import lightgbm as lgb
import numpy as np
import pandas as pd

from opencustoms.risk.artefact import FORMAT_VERSION, RiskModel
from opencustoms.risk.content import blend_weight, fit_content, line_posterior_k, posterior_k
from opencustoms.risk.features import CATEGORICAL_FEATURES, FEATURES, build_features, fit_vocab
from opencustoms.risk.history import History, derive_columns, prior_stats, revenue_label
from opencustoms.risk.metrics import at_k

# Chosen on a time split inside 2020 (train Jan-Sep, validate Oct-Dec), nothing later,
# trading a little precision for speed: 500 trees x 31 leaves scored 0.99/0.82 at 5/10%
# there but cost 57 us/row to predict and 3.9 ms/row for contributions; 150 x 15 scored
# 0.98/0.81 at 11 us and 0.36 ms.
PARAMS: dict[str, Any] = {
    "objective": "binary",
    "learning_rate": 0.1,
    "num_leaves": 15,
    "min_data_in_leaf": 30,
    "feature_fraction": 0.7,
    "bagging_fraction": 0.8,
    "bagging_freq": 1,
    "lambda_l2": 1.0,
    "cat_smooth": 10,
    "max_cat_to_onehot": 8,
    "verbose": -1,
}
ROUNDS = {"fraud": 150, "critical": 100, "revenue": 150}
CRITICAL_PARAMS = {"num_leaves": 7, "min_data_in_leaf": 20}
MIN_REVENUE_LABELS = 50
REVENUE_PROXY_NOTE = (
    "KCS data has no revenue label: revenue at risk = P(fraud) x duty at stake, where duty "
    "at stake = item price x tax rate / 100 (a proxy, not an assessed amount). When "
    "`additional_duty` labels exist on at least 50 frauds, a LightGBM regression on them "
    "replaces the duty at stake."
)


def data_hash(frame: pd.DataFrame) -> str:
    cols = [
        c
        for c in ("declaration_id", "item_no", "declaration_date", "fraud", "critical_fraud")
        if c in frame.columns
    ]
    hashed = pd.util.hash_pandas_object(frame[cols].astype("string"), index=False)
    return hashlib.sha256(hashed.to_numpy().tobytes()).hexdigest()


def _labelled(frame: pd.DataFrame) -> np.ndarray:
    return frame["fraud"].notna().to_numpy()


def train(
    frame: pd.DataFrame,
    *,
    seed: int = 42,
    n_threads: int = 1,
    sources: list[str] | None = None,
    with_critical: bool = True,
    ipw: bool = False,
    params: dict[str, Any] | None = None,
    rounds: dict[str, int] | None = None,
) -> RiskModel:
    """Fit history, vocabulary and models on ``frame`` (rows without ``fraud`` count as
    uninspected declarations: they feed counts, never labels). ``ipw`` weights labelled
    rows by their inverse inspection propensity (``labels.ipw_weights``: the ``propensity``
    column a label protocol records); ``params``/``rounds`` override ``PARAMS``/``ROUNDS``."""
    from opencustoms.risk.labels import ipw_weights

    frame = derive_columns(frame)
    frame = frame.sort_values("declaration_date", kind="stable").reset_index(drop=True)
    labelled = _labelled(frame)
    if labelled.sum() < 20:
        raise ValueError(
            f"need at least 20 inspected rows with a fraud label, got {labelled.sum()}"
        )
    vocab = fit_vocab(frame)
    x_all = build_features(frame, prior_stats(frame), vocab)
    x, part = x_all[labelled], frame.loc[labelled]
    y = part["fraud"].to_numpy(dtype="float64")
    y_crit = (part["critical_fraud"].fillna(0).to_numpy(dtype="float64") == 2).astype(float)
    params = {**PARAMS, **(params or {}), "seed": seed, "num_threads": n_threads}
    n_rounds = {**ROUNDS, **(rounds or {})}
    weight = ipw_weights(frame) if ipw else None

    def fit(target: np.ndarray, extra: dict[str, Any], rounds: int) -> lgb.Booster:
        ds = lgb.Dataset(
            x,
            target,
            weight=weight,
            feature_name=list(FEATURES),
            categorical_feature=list(CATEGORICAL_FEATURES),
            free_raw_data=True,
        )
        return lgb.train({**params, **extra}, ds, num_boost_round=rounds)

    fraud = fit(y, {}, n_rounds["fraud"])
    weight_h = blend_weight(float(labelled.mean()))
    content = None
    if weight_h < 1.0:
        content = fit_content(x, y, seed=seed, n_threads=n_threads, weight=weight)
    critical = None
    if with_critical and y_crit.sum() >= 5:
        critical = fit(y_crit, CRITICAL_PARAMS, n_rounds["critical"])
    revenue = None
    if "additional_duty" in part.columns:
        duty = pd.to_numeric(part["additional_duty"], errors="coerce").astype("float64")
    else:
        duty = pd.Series(np.nan, index=part.index)
    real = (duty.notna() & (part["fraud"] == 1)).to_numpy(dtype=bool)
    if real.sum() >= MIN_REVENUE_LABELS:
        ds = lgb.Dataset(
            x[real],
            np.log1p(duty.to_numpy(dtype="float64")[real]),
            feature_name=list(FEATURES),
            categorical_feature=list(CATEGORICAL_FEATURES),
        )
        revenue = lgb.train({**params, "objective": "regression"}, ds, n_rounds["revenue"])
    dates = pd.to_datetime(frame["declaration_date"])
    in_sample = at_k(y, np.asarray(fraud.predict(x, num_threads=n_threads)), revenue_label(part))
    digest = data_hash(frame)
    now = dt.datetime.now(dt.UTC)
    metadata = {
        "format_version": FORMAT_VERSION,
        "version": f"{now:%Y%m%dT%H%M%SZ}-{digest[:8]}",
        "created_at": now.isoformat(),
        "features": list(FEATURES),
        "categorical_features": list(CATEGORICAL_FEATURES),
        "training_window": {"start": str(dates.min().date()), "end": str(dates.max().date())},
        "rows": len(frame),
        "inspected_rows": int(labelled.sum()),
        "fraud_rate": float(y.mean()),
        "critical_rate": float(y_crit.mean()),
        "data_hash": digest,
        "sources": sources or [],
        "params": params,
        "rounds": n_rounds,
        "ipw": bool(ipw),
        "labelled_share": float(labelled.mean()),
        "blend_weight": weight_h,
        "posterior_k": posterior_k(float(labelled.mean())),
        "line_posterior_k": line_posterior_k(float(labelled.mean())),
        "n_threads": n_threads,
        "seed": seed,
        "metrics": {"train_in_sample_fraud": in_sample},
        "revenue": {"model": revenue is not None, "note": REVENUE_PROXY_NOTE},
        "lightgbm_version": lgb.__version__,
    }
    return RiskModel(fraud, critical, revenue, History.fit(frame), vocab, metadata, content=content)
