"""Selection metrics of the customs-targeting literature: rank all, inspect the top k %.

>>> import numpy as np
>>> m = at_k(np.array([1, 0, 1, 0]), np.array([0.9, 0.8, 0.7, 0.1]), np.array([5., 0, 5, 0]),
...          ks=(50,))
>>> m["precision@50"], m["recall@50"], m["revenue@50"]
(0.5, 0.5, 0.5)
"""

from __future__ import annotations

import numpy as np
from sklearn.metrics import roc_auc_score

KS = (1, 2, 5, 10)


def top_k(score: np.ndarray, share: float) -> np.ndarray:
    """Indices of the ``share`` highest scores (at least one row when there are any)."""
    n = len(score)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    count = max(1, round(n * share))
    return np.argsort(-score, kind="stable")[:count]


def at_k(
    y: np.ndarray, score: np.ndarray, revenue: np.ndarray | None = None, *, ks=KS
) -> dict[str, float]:
    """precision@k, recall@k, revenue@k (share of recoverable revenue caught) and AUC."""
    y = np.asarray(y, dtype="float64")
    score = np.asarray(score, dtype="float64")
    rev = np.zeros_like(y) if revenue is None else np.nan_to_num(np.asarray(revenue, float))
    out: dict[str, float] = {}
    positives = y.sum()
    for k in ks:
        idx = top_k(score, k / 100.0)
        out[f"precision@{k}"] = float(y[idx].mean()) if len(idx) else float("nan")
        out[f"recall@{k}"] = float(y[idx].sum() / positives) if positives else float("nan")
        total = rev.sum()
        out[f"revenue@{k}"] = float(rev[idx].sum() / total) if total > 0 else float("nan")
    has_both = 0 < positives < len(y)
    out["auc"] = float(roc_auc_score(y, score)) if has_both else float("nan")
    out["positives"] = float(positives)
    return out
