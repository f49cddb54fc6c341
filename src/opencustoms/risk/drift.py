"""Drift watch: has the population or the model's accuracy moved since training?

Per office and week, compared with the training window:

* population stability index (PSI) of the main features and of the fraud score, over
  deciles of the reference (``psi``); PSI above 0.25 says the data the model reads has
  moved enough that it should be retrained (thresholds: ``data/risk/drift.yaml``);
* the hit rate of inspections against the model's expectation: frauds found versus the
  sum of predicted probabilities of the inspected items, as a binomial z-score. A hit
  rate far below expectation says the model (or a rule) promises what inspections no
  longer find: review; far above says the model underrates what it selects.

``weekly_drift`` returns plain rows (one per office-week plus an ``ALL`` row per week) and
``alerts`` the rows that need action, each with its reason, for the dashboard,
``risk drift --json`` and the weekly replay report.

>>> import numpy as np
>>> ref = np.random.default_rng(0).normal(size=5000)
>>> round(psi(ref, np.random.default_rng(1).normal(size=5000)), 3) < 0.02
True
>>> psi(ref, np.random.default_rng(1).normal(loc=1.0, size=5000)) > 0.25
True
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np
import pandas as pd
import yaml

from opencustoms.risk.history import derive_columns
from opencustoms.settings import PACKAGE_DATA_DIR


@dataclass(frozen=True)
class DriftConfig:
    bins: int
    psi_warn: float
    psi_alert: float
    hit_rate_z: float
    min_inspected: int
    min_rows: int
    features: tuple[str, ...]


@cache
def config() -> DriftConfig:
    raw = yaml.safe_load((PACKAGE_DATA_DIR / "risk" / "drift.yaml").read_text())
    return DriftConfig(
        bins=int(raw["psi_bins"]),
        psi_warn=float(raw["psi_warn"]["value"]),
        psi_alert=float(raw["psi_alert"]["value"]),
        hit_rate_z=float(raw["hit_rate_z"]["value"]),
        min_inspected=int(raw["min_inspected"]["value"]),
        min_rows=int(raw["min_rows"]["value"]),
        features=tuple(raw["features"]),
    )


def psi(reference: np.ndarray, current: np.ndarray, bins: int = 10) -> float:
    """Population stability index of ``current`` against ``reference`` over the
    reference's quantile bins (missing values form their own bin)."""
    ref = np.asarray(reference, dtype="float64")
    cur = np.asarray(current, dtype="float64")
    edges = np.unique(np.nanquantile(ref[~np.isnan(ref)], np.linspace(0, 1, bins + 1)[1:-1]))

    def shares(v: np.ndarray) -> np.ndarray:
        idx = np.where(np.isnan(v), len(edges) + 1, np.searchsorted(edges, v, side="right"))
        counts = np.bincount(idx.astype(np.int64), minlength=len(edges) + 2).astype(float)
        return (counts + 0.5) / (counts.sum() + 0.5 * len(counts))  # no empty bin: finite

    if not len(ref) or not len(cur) or np.isnan(ref).all():
        return float("nan")
    p, q = shares(ref), shares(cur)
    return float(np.sum((q - p) * np.log(q / p)))


def feature_columns(frame: pd.DataFrame) -> pd.DataFrame:
    """The watched features of ``frame`` (derived the way the engine derives them)."""
    frame = frame if "log_unit_value" in frame.columns else derive_columns(frame)
    out = pd.DataFrame(index=frame.index)
    out["log_price"] = np.log1p(pd.to_numeric(frame["item_price_krw"], errors="coerce"))
    out["log_mass"] = np.log1p(pd.to_numeric(frame["net_mass_kg"], errors="coerce"))
    out["log_unit_value"] = frame["log_unit_value"].astype("float64")
    out["tax_rate"] = pd.to_numeric(frame["tax_rate"], errors="coerce")
    return out[list(config().features)].astype("float64")


def hit_rate_z(found: float, expected: np.ndarray) -> float:
    """z-score of ``found`` frauds against independent Bernoulli(p) expectations."""
    mean = float(np.sum(expected))
    var = float(np.sum(expected * (1 - expected)))
    return (found - mean) / math.sqrt(var) if var > 0 else float("nan")


def weekly_drift(
    reference: pd.DataFrame,
    reference_score: np.ndarray,
    current: pd.DataFrame,
    current_score: np.ndarray,
    *,
    week: str,
    inspected: np.ndarray | None = None,
) -> list[dict[str, Any]]:
    """One row per office of ``current`` (offices with at least ``min_rows`` rows) and
    an ``ALL`` row: PSI per feature and of the score, and when ``inspected`` (a boolean
    mask of the current rows) is given with their ``fraud`` outcomes, the hit rate
    against expectation. Each row carries ``alert`` (None, "watch", "retrain" or
    "review") and ``reasons``."""
    cfg = config()
    ref_x, cur_x = feature_columns(reference), feature_columns(current)
    ref_office = reference["office_id"].astype("string").fillna("?").to_numpy()
    cur_office = current["office_id"].astype("string").fillna("?").to_numpy()
    y = pd.to_numeric(current["fraud"], errors="coerce").to_numpy(dtype="float64")
    seen = np.zeros(len(current), dtype=bool) if inspected is None else np.asarray(inspected)
    groups = [("ALL", np.ones(len(current), bool), np.ones(len(reference), bool))]
    for office in sorted(set(cur_office.tolist())):
        groups.append((office, cur_office == office, ref_office == office))
    rows = []
    for office, cm, rm in groups:
        if cm.sum() < cfg.min_rows or rm.sum() < cfg.min_rows:
            continue
        row: dict[str, Any] = {"week": week, "office": office, "rows": int(cm.sum())}
        for col in cfg.features:
            row[f"psi_{col}"] = psi(ref_x[col].to_numpy()[rm], cur_x[col].to_numpy()[cm], cfg.bins)
        row["psi_score"] = psi(reference_score[rm], current_score[cm], cfg.bins)
        picked = cm & seen & ~np.isnan(y)
        row["inspected"] = int(picked.sum())
        row["found"] = int(np.nansum(y[picked]))
        row["expected"] = float(np.sum(current_score[picked]))
        row["hit_rate_z"] = hit_rate_z(row["found"], current_score[picked])
        row.update(_judge(row, cfg))
        rows.append(row)
    return rows


def _judge(row: dict[str, Any], cfg: DriftConfig) -> dict[str, Any]:
    reasons: list[str] = []
    level = None
    feature_psi = {k[4:]: v for k, v in row.items() if k.startswith("psi_") and k != "psi_score"}
    worst = max(feature_psi, key=lambda k: np.nan_to_num(feature_psi[k]), default=None)
    shifted = [k for k, v in feature_psi.items() if v > cfg.psi_alert]
    if row["psi_score"] > cfg.psi_alert or shifted:
        level = "retrain"
        what = ", ".join(shifted + (["score"] if row["psi_score"] > cfg.psi_alert else []))
        reasons.append(f"population shift (PSI > {cfg.psi_alert}) in {what}: retrain")
    elif worst and max(row["psi_score"], feature_psi[worst]) > cfg.psi_warn:
        level = "watch"
        reasons.append(f"some shift (PSI > {cfg.psi_warn}): watch")
    z = row["hit_rate_z"]
    if row["inspected"] >= cfg.min_inspected and not math.isnan(z) and abs(z) > cfg.hit_rate_z:
        side = "below" if z < 0 else "above"
        reasons.append(
            f"hit rate {row['found']}/{row['inspected']} {side} the model's expectation "
            f"{row['expected']:.1f} (z {z:+.1f}): review the model and the rules behind it"
        )
        level = "review" if level in (None, "watch") else level
    return {"alert": level, "reasons": reasons}


def alerts(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows that call for action (retrain or review)."""
    return [r for r in rows if r["alert"] in ("retrain", "review")]


def reference_scores(model: Any, reference: pd.DataFrame) -> np.ndarray:
    """Scores of the reference rows as the model saw them at training: each row over the
    history of earlier days only (the stored history would score past rows with their
    own labels and look better than any later week)."""
    from opencustoms.risk.history import prior_stats

    ref = derive_columns(reference)
    return np.asarray(model.predict(ref, model.features_from(ref, prior_stats(ref)))["fraud"])


def drift_watch(model: Any, reference: pd.DataFrame, current: pd.DataFrame) -> dict[str, Any]:
    """Weekly drift of ``current`` (7-day weeks from its first day) against ``reference``
    (the training window), scored by ``model``. Rows of ``current`` with a ``fraud``
    label count as inspected. Returns ``{"weeks": [rows], "alerts": [rows]}``."""
    ref_score = reference_scores(model, reference)
    cur = derive_columns(current).reset_index(drop=True)
    score = np.asarray(model.predict(cur)["fraud"])
    dates = pd.to_datetime(cur["declaration_date"])
    start = dates.min()
    week_no = ((dates - start).dt.days // 7).to_numpy()
    inspected = cur["fraud"].notna().to_numpy()
    rows: list[dict[str, Any]] = []
    for w in sorted(set(week_no.tolist())):
        m = week_no == w
        label = str((start + pd.Timedelta(days=7 * w)).date())
        part = cur.loc[m].reset_index(drop=True)
        rows += weekly_drift(
            reference, ref_score, part, score[m], week=label, inspected=inspected[m]
        )
    return {"weeks": rows, "alerts": alerts(rows)}


__all__ = [
    "DriftConfig",
    "alerts",
    "config",
    "drift_watch",
    "feature_columns",
    "hit_rate_z",
    "psi",
    "reference_scores",
    "weekly_drift",
]
