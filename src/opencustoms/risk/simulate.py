"""Human-in-the-loop replay: weekly batches, labels only for what was inspected.

Protocol (as in the public customs active-learning simulations): train on everything
before ``start``; then for each 7-day batch from ``start``: score the batch with the
current model, inspect ``budget`` x batch size items (the top scores, except an
exploration share chosen by the strategy's exploration method), reveal the labels of the
inspected items only, add the whole batch (uninspected items without labels: they still
count in history features) and retrain. Per week: precision (frauds found / inspected),
recall (frauds found / frauds in the batch) and revenue (recoverable revenue caught / all
recoverable revenue in the batch; KCS: the duty-at-stake proxy).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from opencustoms.risk.artefact import train
from opencustoms.risk.history import revenue_label
from opencustoms.risk.lanes import _explore
from opencustoms.settings import get_settings

# name -> (exploration share of the budget, exploration method); None: the
# OPENCUSTOMS_EXPLORATION_SHARE setting, the share the lanes use in production.
STRATEGIES: dict[str, tuple[float | None, str]] = {
    "model": (0.0, "random"),
    "model+random": (None, "random"),
    "model+uncertainty": (None, "uncertainty"),
}


@dataclass
class StrategyResult:
    name: str
    weeks: list[dict[str, Any]] = field(default_factory=list)

    def summary(self) -> dict[str, float | int]:
        df = pd.DataFrame(self.weeks)
        return {
            "precision": float(df["precision"].mean()),
            "recall": float(df["recall"].mean()),
            "revenue": float(df["revenue"].mean(skipna=True)),
            "weeks": len(df),
            "inspected": int(df["inspected"].sum()),
            "frauds_found": int(df["found"].sum()),
        }


def simulate(
    frame: pd.DataFrame,
    *,
    start: str,
    budget: float = 0.10,
    strategies: tuple[str, ...] = tuple(STRATEGIES),
    seed: int = 42,
    n_threads: int = 1,
    weeks: int | None = None,
    progress: Callable[[str], None] | None = None,
) -> dict[str, StrategyResult]:
    """Replay ``frame`` from ``start`` week by week for each strategy."""
    if not 0 < budget <= 1:
        raise ValueError(f"budget must be a fraction in (0, 1], got {budget}")
    unknown = [s for s in strategies if s not in STRATEGIES]
    if unknown:
        raise ValueError(f"unknown strategies {unknown}; known: {list(STRATEGIES)}")
    dates = pd.to_datetime(frame["declaration_date"])
    t0 = pd.Timestamp(start)
    past = frame.loc[dates < t0]
    future = frame.loc[dates >= t0].copy()
    if past["fraud"].notna().sum() < 20:
        raise ValueError(f"need labelled declarations before {start} to train on")
    week_no = ((pd.to_datetime(future["declaration_date"]) - t0).dt.days // 7).to_numpy()
    n_weeks = int(week_no.max()) + 1 if len(future) else 0
    if weeks is not None:
        n_weeks = min(n_weeks, weeks)
    results = {}
    for name in strategies:
        share, method = STRATEGIES[name]
        share = get_settings().exploration_share if share is None else share
        rng = np.random.default_rng(seed)
        known = past
        model = train(known, seed=seed, n_threads=n_threads, with_critical=False)
        res = StrategyResult(name)
        for w in range(n_weeks):
            batch = future.loc[week_no == w].reset_index(drop=True)
            if batch.empty:
                continue
            score = model.predict(batch)["fraud"]
            picked = select(score, budget=budget, share=share, method=method, rng=rng)
            y = batch["fraud"].to_numpy(dtype="float64", na_value=np.nan)
            rev = np.nan_to_num(revenue_label(batch))
            found = np.nansum(y[picked])
            res.weeks.append(
                {
                    "week": w + 1,
                    "start": str((t0 + pd.Timedelta(days=7 * w)).date()),
                    "declarations": len(batch),
                    "trained_on_inspected": int(model.metadata["inspected_rows"]),
                    "inspected": len(picked),
                    "found": int(found),
                    "precision": float(found / len(picked)) if len(picked) else float("nan"),
                    "recall": float(found / np.nansum(y)) if np.nansum(y) else float("nan"),
                    "revenue": float(rev[picked].sum() / rev.sum()) if rev.sum() else float("nan"),
                }
            )
            revealed = batch.copy()
            hidden = np.ones(len(batch), dtype=bool)
            hidden[picked] = False
            for col in ("fraud", "critical_fraud", "additional_duty"):
                revealed[col] = revealed[col].where(~hidden)
            known = pd.concat([known, revealed], ignore_index=True)
            if w + 1 < n_weeks:
                model = train(known, seed=seed, n_threads=n_threads, with_critical=False)
            if progress:
                last = res.weeks[-1]
                progress(
                    f"{name} week {w + 1}: precision {last['precision']:.3f} "
                    f"recall {last['recall']:.3f} revenue {last['revenue']:.3f}"
                )
        results[name] = res
    return results


def select(
    score: np.ndarray, *, budget: float, share: float, method: str, rng: np.random.Generator
) -> np.ndarray:
    """Indices inspected: top scores plus ``share`` of the budget explored by ``method``."""
    n = len(score)
    k = max(1, round(budget * n))
    n_explore = round(share * k)
    order = np.argsort(-score, kind="stable")
    top = order[: k - n_explore]
    picks = _explore(order[k - n_explore :], score, n_explore, method, rng)
    return np.concatenate([top, picks]).astype(np.int64)
