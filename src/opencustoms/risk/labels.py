"""Scarce, selected labels: which past declarations keep their inspection outcome.

An administration inspects a few percent of its declarations and learns only from those.
``apply_label_share`` turns a fully labelled history (the KCS files label every row) into
such a history before a run starts:

* ``policy="random"``: a seeded random share ``F`` of the labelled rows keeps its labels
  (an unbiased audit sample: every row had the same chance ``F``).
* ``policy="model"``: the labels a previous selection system would have produced. A random
  audit (``audit_share`` x ``F`` of the rows, flagged ``exploration=True``) is inspected;
  the remaining ``(1 - audit_share) x F`` rows are the top scores of "the prior model", a
  plain LightGBM on raw columns fitted on a separate seeded random ``PRIOR_DEV_SHARE`` of
  the rows (standing for the data the old system was built on; those labels are not
  kept unless selected). The kept labels are biased toward what that system believed
  risky, as a real history is.

Rows that lose their labels stay in the frame: they count in declaration counts, unit
values and volumes, never in rates. Three columns record the protocol per row:
``label_kept`` (bool), ``exploration`` (kept by the random audit) and ``propensity`` (the
probability the row had of being inspected under the policy: ``F`` for random, the audit
rate for audit rows and 1 for the prior model's picks), which ``ipw_weights`` turns into
inverse-propensity training weights.

>>> import pandas as pd
>>> f = pd.DataFrame({"fraud": [1, 0, 1, 0] * 25, "critical_fraud": [0] * 100})
>>> out = apply_label_share(f, LabelProtocol(share=0.2, seed=1))
>>> int(out["fraud"].notna().sum()), int(out["label_kept"].sum()), len(out)
(20, 20, 100)
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd

from opencustoms.errors import InvalidInput

LABEL_COLUMNS = ("fraud", "critical_fraud", "additional_duty")
POLICIES = ("random", "model")
PROTOCOL_COLUMNS = ("label_kept", "exploration", "propensity")
# Share of a model-policy budget spent on the random audit the prior model learns from.
# 10% mirrors OPENCUSTOMS_EXPLORATION_SHARE's default.
PRIOR_AUDIT_SHARE = 0.10
# Rows the prior selection system was developed on (house choice: 5%, enough for a
# LightGBM on raw columns to beat chance clearly on the KCS data, weaker than the engine).
PRIOR_DEV_SHARE = 0.05
# Raw columns of the prior selection system (no history: the system predates the engine).
PRIOR_CATEGORICAL = (
    "office_id",
    "import_type",
    "tax_type",
    "origin_country",
    "departure_country",
    "hs2",
    "hs4",
)
PRIOR_NUMERIC = ("tax_rate", "net_mass_kg", "item_price_krw")


@dataclass(frozen=True)
class LabelProtocol:
    """Which labels a run may learn from: ``share`` of the labelled rows, chosen by
    ``policy`` with ``seed``. ``share=1`` is the fully labelled premise."""

    share: float = 1.0
    seed: int = 0
    policy: str = "random"
    audit_share: float = PRIOR_AUDIT_SHARE

    def __post_init__(self) -> None:
        if not 0 < self.share <= 1:
            raise InvalidInput("label_share", f"must be a fraction in (0, 1], got {self.share}")
        if self.policy not in POLICIES:
            raise InvalidInput("label_policy", f"{self.policy!r} is not one of {list(POLICIES)}")
        if not 0 < self.audit_share <= 1:
            raise InvalidInput("audit_share", f"must be in (0, 1], got {self.audit_share}")

    @property
    def full(self) -> bool:
        return self.share >= 1.0

    def as_dict(self) -> dict[str, Any]:
        """The protocol as reported next to every figure."""
        out: dict[str, Any] = asdict(self)
        out["label_share"] = out.pop("share")
        out["label_seed"] = out.pop("seed")
        out["label_policy"] = out.pop("policy")
        if self.policy != "model":
            out.pop("audit_share")
        return out


def apply_label_share(frame: pd.DataFrame, protocol: LabelProtocol) -> pd.DataFrame:
    """A copy of ``frame`` where only the protocol's rows keep ``fraud``, ``critical_fraud``
    and ``additional_duty``; adds ``label_kept``, ``exploration`` and ``propensity``."""
    out = frame.copy()
    labelled = out["fraud"].notna().to_numpy()
    n_lab = int(labelled.sum())
    kept = np.zeros(len(out), dtype=bool)
    explore = np.zeros(len(out), dtype=bool)
    propensity = np.ones(len(out))
    rng = np.random.default_rng(protocol.seed)
    rows = np.flatnonzero(labelled)
    if protocol.full:
        kept[rows] = True
        propensity[:] = 1.0
    elif protocol.policy == "random":
        k = round(protocol.share * n_lab)
        kept[rng.choice(rows, size=k, replace=False)] = True
        propensity[:] = protocol.share
    else:
        k = round(protocol.share * n_lab)
        n_audit = max(1, round(protocol.audit_share * k))
        audit = rng.choice(rows, size=min(n_audit, len(rows)), replace=False)
        kept[audit] = explore[audit] = True
        rest = rows[~kept[rows]]
        dev = rng.choice(rows, size=max(20, round(PRIOR_DEV_SHARE * n_lab)), replace=False)
        score = prior_scores(out, train_rows=dev, seed=protocol.seed)
        picks = rest[np.argsort(-score[rest], kind="stable")[: max(0, k - len(audit))]]
        kept[picks] = True
        # Audit rows were drawn uniformly among all labelled rows; the prior model's picks
        # were certain given its score; the rest had only the audit's chance.
        propensity[:] = len(audit) / max(n_lab, 1)
        propensity[picks] = 1.0
    hidden = ~kept
    for col in LABEL_COLUMNS:
        if col in out.columns:
            out[col] = out[col].astype("float64").where(~hidden)
    out["label_kept"] = kept
    out["exploration"] = explore
    out["propensity"] = propensity
    return out


def ipw_weights(frame: pd.DataFrame) -> np.ndarray:
    """Inverse-propensity weights of the labelled rows (1 where no protocol is recorded).

    Under the model policy an audit row stands for every unselected row like it, so it
    weighs 1 / audit rate; the prior model's picks weigh 1. Normalised to mean 1 over the
    labelled rows so LightGBM's regularisation keeps its scale.
    """
    labelled = frame["fraud"].notna().to_numpy()
    if "propensity" not in frame.columns:
        return np.ones(int(labelled.sum()))
    p = frame["propensity"].to_numpy(dtype="float64")[labelled]
    w = 1.0 / np.clip(p, 1e-3, 1.0)
    return w / w.mean() if len(w) else w


def prior_scores(frame: pd.DataFrame, *, train_rows: np.ndarray, seed: int) -> np.ndarray:
    """Scores of the simple prior selection system: a small LightGBM on raw columns fitted
    on ``train_rows`` (its development sample). Used only to emulate a biased inspection history."""
    import lightgbm as lgb

    x = raw_matrix(frame)
    y = frame["fraud"].to_numpy(dtype="float64", na_value=np.nan)[train_rows]
    params = {
        "objective": "binary",
        "num_leaves": 7,
        "min_data_in_leaf": 10,
        "learning_rate": 0.1,
        "seed": seed,
        "num_threads": 1,
        "verbose": -1,
    }
    ds = lgb.Dataset(x.iloc[train_rows], y)
    booster = lgb.train(params, ds, num_boost_round=50)
    return np.asarray(booster.predict(x, num_threads=1))


def raw_matrix(
    frame: pd.DataFrame,
    categories: dict[str, list[str]] | None = None,
    *,
    columns: tuple[str, ...] = PRIOR_CATEGORICAL,
) -> pd.DataFrame:
    """Raw columns as LightGBM reads them (pandas categories, numbers as floats); values
    outside ``categories`` (fitted vocabulary) become missing."""
    hs = frame["hs_code"].astype("string")
    cols: dict[str, Any] = {}
    for col in columns:
        values = hs.str.slice(0, int(col[2:])) if col.startswith("hs") else frame[col]
        values = values.astype("string")
        cats = categories[col] if categories else sorted(values.dropna().unique().tolist())
        cols[col] = pd.Categorical(values.where(values.isin(cats)), categories=cats)
    for col in PRIOR_NUMERIC:
        cols[col] = pd.to_numeric(frame[col], errors="coerce").astype("float64")
    return pd.DataFrame(cols, index=frame.index)


__all__ = [
    "LABEL_COLUMNS",
    "POLICIES",
    "LabelProtocol",
    "apply_label_share",
    "ipw_weights",
    "prior_scores",
    "raw_matrix",
]
