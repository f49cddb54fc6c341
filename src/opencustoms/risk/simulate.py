"""Human-in-the-loop replay: weekly batches, labels only for what was inspected.

Protocol (as in the public customs active-learning simulations): train on everything
before ``start``; then for each 7-day batch from ``start``: score the batch with the
current model, inspect ``budget`` x batch size items (the top scores, except an
exploration share chosen by the strategy's exploration method), reveal the labels of the
inspected items only, add the whole batch (uninspected items without labels: they still
count in history features) and retrain. Per week: precision (frauds found / inspected),
recall (frauds found / frauds in the batch) and revenue (recoverable revenue caught / all
recoverable revenue in the batch; KCS: the duty-at-stake proxy).

Scarce labels: ``labels`` (a ``LabelProtocol``) hides all but a share of the labels of the
rows before ``start`` when the run begins, as a real inspection history would. The
``frozen`` strategy never retrains (its first-week model scores every week), so
``feedback_gain`` per week (a strategy's precision minus the frozen model's that week)
shows what each week's revealed labels add. ``model+thompson`` spends its exploration on
a bandit-style draw: each candidate's fraud probability is sampled from a Beta posterior
whose width shrinks with the inspections already made of its declaration line.
Each week also carries the drift watch of its batch (``risk.drift``) against the
training window: PSI of the main features and the score, hit rate against expectation.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from opencustoms.risk.drift import reference_scores, weekly_drift
from opencustoms.risk.history import S, revenue_label
from opencustoms.risk.labels import PROTOCOL_COLUMNS, LabelProtocol, apply_label_share
from opencustoms.risk.lanes import _explore
from opencustoms.risk.training import train
from opencustoms.settings import get_settings

# name -> (exploration share of the budget, exploration method); None: the
# OPENCUSTOMS_EXPLORATION_SHARE setting, the share the lanes use in production.
STRATEGIES: dict[str, tuple[float | None, str]] = {
    "model": (0.0, "random"),
    "model+random": (None, "random"),
    "model+uncertainty": (None, "uncertainty"),
    "model+thompson": (None, "thompson"),
    "frozen": (0.0, "random"),
}
# Pseudo-count of the Thompson draw's Beta prior around the model's probability.
THOMPSON_PRIOR = 2.0
# History key whose past inspections narrow the Thompson draw: the declaration line (the
# unit the labels are nearly pure on, so a first inspection of a line is what informs
# its later rows); "hs6_origin" before 2026-11-26 (tune_risk_scarce.py --replay).
THOMPSON_KEY = "line"


@dataclass
class StrategyResult:
    name: str
    weeks: list[dict[str, Any]] = field(default_factory=list)
    drift: list[dict[str, Any]] = field(default_factory=list)
    # What "revenue" measures: real additional duty where the data has it, else the proxy.
    revenue_source: str = "proxy: duty at stake (item price x tax rate)"

    def summary(self) -> dict[str, float | int | str]:
        df = pd.DataFrame(self.weeks)
        return {
            "precision": float(df["precision"].mean()),
            "recall": float(df["recall"].mean()),
            "revenue": float(df["revenue"].mean(skipna=True)),
            "mean_weekly_precision": float(df["precision"].mean()),
            "weeks": len(df),
            "inspected": int(df["inspected"].sum()),
            "frauds_found": int(df["found"].sum()),
            "alerts": int(df["alert"].isin(["retrain", "review"]).sum()) if "alert" in df else 0,
            "revenue_source": self.revenue_source,
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
    labels: LabelProtocol | None = None,
    drift: bool = True,
) -> dict[str, StrategyResult]:
    """Replay ``frame`` from ``start`` week by week for each strategy (``labels``: the
    label protocol applied to the rows before ``start``; default fully labelled)."""
    if not 0 < budget <= 1:
        raise ValueError(f"budget must be a fraction in (0, 1], got {budget}")
    unknown = [s for s in strategies if s not in STRATEGIES]
    if unknown:
        raise ValueError(f"unknown strategies {unknown}; known: {list(STRATEGIES)}")
    dates = pd.to_datetime(frame["declaration_date"])
    t0 = pd.Timestamp(start)
    past = frame.loc[dates < t0]
    if labels is not None:
        past = apply_label_share(past, labels).drop(columns=list(PROTOCOL_COLUMNS))
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
        ref_score = reference_scores(model, past) if drift else None
        res = StrategyResult(name)
        if "additional_duty" in future.columns and future["additional_duty"].notna().any():
            res.revenue_source = "additional_duty (proxy where an inspected row has none)"
        for w in range(n_weeks):
            batch = future.loc[week_no == w].reset_index(drop=True)
            if batch.empty:
                continue
            score = model.predict(batch)["fraud"]
            cells = None
            if method == "thompson":
                cells = model.history.lookup(batch)[THOMPSON_KEY][:, S["n_insp"]]
            picked = select(
                score, budget=budget, share=share, method=method, rng=rng, cell_inspections=cells
            )
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
            if drift and ref_score is not None:
                mask = np.zeros(len(batch), dtype=bool)
                mask[picked] = True
                rows = weekly_drift(
                    past, ref_score, batch, score, week=res.weeks[-1]["start"], inspected=mask
                )
                res.drift.extend(rows)
                overall = next((r for r in rows if r["office"] == "ALL"), None)
                res.weeks[-1]["psi_score"] = overall["psi_score"] if overall else float("nan")
                res.weeks[-1]["hit_rate_z"] = overall["hit_rate_z"] if overall else float("nan")
                res.weeks[-1]["alert"] = _worst_alert(rows)
            revealed = batch.copy()
            hidden = np.ones(len(batch), dtype=bool)
            hidden[picked] = False
            for col in ("fraud", "critical_fraud", "additional_duty"):
                revealed[col] = revealed[col].where(~hidden)
            known = pd.concat([known, revealed], ignore_index=True)
            if w + 1 < n_weeks and name != "frozen":
                model = train(known, seed=seed, n_threads=n_threads, with_critical=False)
            if progress:
                last = res.weeks[-1]
                progress(
                    f"{name} week {w + 1}: precision {last['precision']:.3f} "
                    f"recall {last['recall']:.3f} revenue {last['revenue']:.3f}"
                )
        results[name] = res
    if "frozen" in results:
        frozen = {w["week"]: w["precision"] for w in results["frozen"].weeks}
        for res in results.values():
            for wk in res.weeks:
                wk["feedback_gain"] = wk["precision"] - frozen.get(wk["week"], float("nan"))
    return results


def _worst_alert(rows: list[dict[str, Any]]) -> str | None:
    order = {None: 0, "watch": 1, "review": 2, "retrain": 3}
    return max((r["alert"] for r in rows), key=lambda a: order[a], default=None)


def select(
    score: np.ndarray,
    *,
    budget: float,
    share: float,
    method: str,
    rng: np.random.Generator,
    cell_inspections: np.ndarray | None = None,
) -> np.ndarray:
    """Indices inspected: top scores plus ``share`` of the budget explored by ``method``
    (``thompson`` needs ``cell_inspections``: past inspections of each row's cell)."""
    n = len(score)
    k = max(1, round(budget * n))
    n_explore = round(share * k)
    order = np.argsort(-score, kind="stable")
    top = order[: k - n_explore]
    rest = order[k - n_explore :]
    if method == "thompson":
        if cell_inspections is None:
            raise ValueError("thompson exploration needs cell_inspections")
        draw = thompson_draw(score[rest], cell_inspections[rest], rng)
        picks = rest[np.argsort(-draw, kind="stable")[:n_explore]]
    else:
        picks = _explore(rest, score, n_explore, method, rng)
    return np.concatenate([top, picks]).astype(np.int64)


def thompson_draw(p: np.ndarray, n_insp: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """One posterior draw per row: Beta with mean ``p`` and ``THOMPSON_PRIOR + n_insp``
    pseudo-observations, so rows of rarely inspected cells get optimistic draws more often.

    >>> rng = np.random.default_rng(0)
    >>> d = thompson_draw(np.full(2000, 0.2), np.r_[np.zeros(1000), np.full(1000, 500)], rng)
    >>> bool(d[:1000].std() > 3 * d[1000:].std())
    True
    """
    conc = THOMPSON_PRIOR + np.maximum(n_insp, 0.0)
    pc = np.clip(p, 1e-3, 1 - 1e-3)
    return rng.beta(pc * conc, (1 - pc) * conc)
