"""Time-split evaluation of a trained artefact: fraud, critical and per office."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from opencustoms.risk.artefact import RiskModel
from opencustoms.risk.history import derive_columns, revenue_label
from opencustoms.risk.metrics import at_k

MIN_OFFICE_ROWS = 100


def evaluate_frame(frame: pd.DataFrame, *, model: RiskModel) -> dict[str, Any]:
    """Metrics on labelled rows of ``frame``: ``{"fraud": {...}, "critical": {...},
    "rows": N, "by_office": {office: {...}}}`` (fractions). Offices with fewer than 100
    labelled rows are pooled as ``other``."""
    frame = derive_columns(frame.loc[frame["fraud"].notna()].reset_index(drop=True))
    pred = model.predict(frame)
    y = frame["fraud"].to_numpy(dtype="float64")
    crit = (frame["critical_fraud"].fillna(0).to_numpy(dtype="float64") == 2).astype(float)
    rev = revenue_label(frame)
    out: dict[str, Any] = {
        "fraud": at_k(y, pred["fraud"], rev),
        "critical": at_k(crit, pred["critical"], np.where(crit > 0, rev, 0.0)),
        "rows": len(frame),
        "model_version": model.version,
    }
    office = frame["office_id"].astype("string").fillna("?")
    counts = office.value_counts()
    pooled = office.where(office.map(counts) >= MIN_OFFICE_ROWS, "other").to_numpy(dtype=object)
    by_office = {}
    for code in sorted(set(pooled), key=lambda c: -int((pooled == c).sum())):
        m = pooled == code
        metrics = at_k(y[m], pred["fraud"][m], rev[m])
        by_office[str(code)] = {"rows": int(m.sum()), **metrics}
    out["by_office"] = by_office
    return out
