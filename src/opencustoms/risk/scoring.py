"""From declaration rows to one decision each: score, lane, reasons.

``score_frame`` runs the whole chain on a canonical frame: features over the stored
history, fraud/critical/revenue models, officer rules (boost and forced lanes), lanes
under office capacity with exploration, and reasons. ``check_frame`` finds rows that
cannot be scored and says why, field by field.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from opencustoms.declarations.io import coerce_types, read_raw, to_canonical
from opencustoms.declarations.profiles import get_profile
from opencustoms.declarations.schema import LABEL_FIELDS
from opencustoms.declarations.types import hs_chapters
from opencustoms.risk import rules as rules_mod
from opencustoms.risk.artefact import RiskModel
from opencustoms.risk.explain import explain
from opencustoms.risk.features import assemble, record_inputs
from opencustoms.risk.history import derive_columns, derive_record
from opencustoms.risk.lanes import CapacityPlan, assign_lanes, load_capacity, provisional_lane
from opencustoms.risk.reasons import (
    Parts,
    as_dicts,
    data_notes,
    group_weights,
    lane_parts,
    model_factors,
    rule_parts,
)

EXPLAIN_MODES = ("auto", "all", "selected", "none")
# "auto" explains every row of a batch up to this size and only the selected (non-green)
# rows of larger ones (the reasons officers read).
AUTO_EXPLAIN_ALL_ROWS = 50_000
CHUNK = 131_072
NON_NEGATIVE = ("net_mass_kg", "item_price_krw", "tax_rate")


def read_for_scoring(path: str | Path, profile: str = "kcs") -> tuple[pd.DataFrame, pd.DataFrame]:
    """Canonical typed frame of every input row (nothing dropped) and the same rows as
    text, so ``check_frame`` can tell an unparsable value from a missing one."""
    raw = read_raw(Path(path)).to_pandas()
    text = to_canonical(raw, get_profile(profile), source=str(path))
    return coerce_types(text), text


def check_frame(frame: pd.DataFrame, raw: pd.DataFrame | None = None) -> list[str | None]:
    """Per row: None when scorable, else 'field: reason; ...' (vectorised checks)."""
    errors: dict[int, list[str]] = {}

    def flag(mask: np.ndarray, msg: str | list[str]) -> None:
        for k, i in enumerate(np.flatnonzero(mask)):
            errors.setdefault(int(i), []).append(msg if isinstance(msg, str) else msg[k])

    for col in ("declaration_id", "office_id"):
        flag(frame[col].isna().to_numpy(), f"{col}: missing")
    flag(frame["declaration_date"].isna().to_numpy(), "declaration_date: missing or not a date")
    hs = frame["hs_code"].astype("string")
    missing = hs.isna().to_numpy()
    flag(missing, "hs_code: missing")
    shape_ok = hs.str.fullmatch(r"\d{2,10}").to_numpy(dtype=bool, na_value=False)
    flag(~missing & ~shape_ok, "hs_code: HS code must be 2 to 10 digits")
    chapter = pd.to_numeric(hs.str.slice(0, 2), errors="coerce").to_numpy(dtype="float64")
    bad = shape_ok & ~np.isin(chapter, list(hs_chapters()))
    flag(
        bad, [f"hs_code: HS chapter {c} does not exist in HS 2022" for c in hs[bad].str.slice(0, 2)]
    )
    for col in NON_NEGATIVE:
        values = frame[col].to_numpy(dtype="float64", na_value=np.nan)
        flag(values < 0, f"{col}: must not be negative")
        flag(np.isinf(values), f"{col}: must be finite")
        if raw is not None:
            unparsed = frame[col].isna().to_numpy() & raw[col].notna().to_numpy()
            flag(unparsed, f"{col}: not a number")
    out: list[str | None] = [None] * len(frame)
    for i, msgs in errors.items():
        out[i] = "; ".join(msgs)
    return out


@dataclass
class Scored:
    """Scores, lanes and reasons of a batch: per-row columns plus every reason as flat
    columns (``reasons.Parts``), so a large batch never builds a dict per reason."""

    columns: dict[str, Any]
    reasons: Parts
    rule_items: dict[str, dict[str, Any]]

    def __len__(self) -> int:
        return len(self.columns["score"])

    def frame(self) -> pd.DataFrame:
        """The ``score_frame`` frame: reasons as a list of dicts per row."""
        reasons = as_dicts(self.reasons, len(self), self.rule_items)
        return pd.DataFrame({**self.columns, "reasons": reasons})[OUTPUT_COLUMNS]


OUTPUT_COLUMNS = [
    "declaration_id",
    "item_no",
    "office_id",
    "declaration_date",
    "model_score",
    "critical_score",
    "score",
    "revenue_at_risk",
    "duty_at_stake",
    "lane",
    "exploration",
    "rules_fired",
    "reasons",
    "model_version",
]


def score_frame(
    frame: pd.DataFrame,
    *,
    model: RiskModel,
    rules: rules_mod.RuleSet | None = None,
    plan: CapacityPlan | None = None,
    exploration_share: float | None = None,
    strategy: str = "random",
    seed: int = 0,
    explain_mode: str = "auto",
) -> pd.DataFrame:
    """Score canonical rows (already valid); one output row per input row, same order.

    Columns: declaration_id, item_no, office_id, declaration_date, model_score,
    critical_score, score (model + rule boosts, clipped to [0, 1]), revenue_at_risk,
    duty_at_stake, lane, exploration, rules_fired (list), reasons (list of dicts),
    model_version."""
    return score_batch(
        frame,
        model=model,
        rules=rules,
        plan=plan,
        exploration_share=exploration_share,
        strategy=strategy,
        seed=seed,
        explain_mode=explain_mode,
    ).frame()


def score_batch(
    frame: pd.DataFrame,
    *,
    model: RiskModel,
    rules: rules_mod.RuleSet | None = None,
    plan: CapacityPlan | None = None,
    exploration_share: float | None = None,
    strategy: str = "random",
    seed: int = 0,
    explain_mode: str = "auto",
) -> Scored:
    """Score canonical rows (already valid) with every step a column operation: one
    pass of history lookups, features, models and data notes per chunk of rows; rules
    and lanes over the whole batch (lanes share a day's capacity); then model factors
    for the rows the explain mode asks for, in chunks."""
    if explain_mode not in EXPLAIN_MODES:
        raise ValueError(f"explain_mode must be one of {EXPLAIN_MODES}")
    if explain_mode == "auto":
        explain_mode = "all" if len(frame) <= AUTO_EXPLAIN_ALL_ROWS else "selected"
    rules = rules if rules is not None else rules_mod.load_rules()
    plan = plan if plan is not None else load_capacity()
    frame = derive_columns(drop_labels(frame).reset_index(drop=True))
    pred, parts = predict_chunked(frame, model, explain_mode)
    outcome = rules_mod.apply(frame, rules)
    score = np.clip(pred["fraud"] + outcome.boost, 0.0, 1.0)
    lanes = assign_lanes(
        frame,
        score=score,
        revenue=pred["revenue"],
        forced=outcome.forced_lane,
        plan=plan,
        exploration_share=exploration_share,
        strategy=strategy,
        seed=seed,
    )
    if explain_mode == "selected":
        selected = np.flatnonzero(lanes.lane != "green")
        # their notes come again with the factors' effects: drop the first-pass ones
        parts = [p.take(~np.isin(p.row, selected)) for p in parts]
        parts += explained_parts(frame, selected, model)
    parts += [rule_parts(outcome.fired), lane_parts(lanes.notes)]
    ids = [r.id for r in rules.rules]
    columns = {
        "declaration_id": frame["declaration_id"].astype("string"),
        "item_no": frame["item_no"].astype("Int64"),
        "office_id": frame["office_id"].astype("string"),
        "declaration_date": pd.to_datetime(frame["declaration_date"]),
        "model_score": pred["fraud"],
        "critical_score": pred["critical"],
        "score": score,
        "revenue_at_risk": pred["revenue"],
        "duty_at_stake": pred["duty_at_stake"],
        "lane": lanes.lane.astype(str),
        "exploration": lanes.exploration,
        "rules_fired": outcome.fired,
        "model_version": model.version,
    }
    return Scored(
        columns, Parts.concat(parts), dict(zip(ids, rule_reasons(ids, rules), strict=True))
    )


def explained_parts(frame: pd.DataFrame, rows: np.ndarray, model: RiskModel) -> list[Parts]:
    """Model factors and data notes (with the factors' effects) of ``rows`` (indices
    into ``frame``), in chunks."""
    out = []
    for start in range(0, len(rows), CHUNK):
        part = rows[start : start + CHUNK]
        sub = frame.iloc[part]
        stats = model.history.lookup(sub)
        weights = group_weights(model.contributions(model.features_from(sub, stats)))
        for p in (model_factors(sub, stats, weights), data_notes(sub, stats, weights)):
            p.row = part[p.row]
            out.append(p)
    return out


def predict_chunked(
    frame: pd.DataFrame, model: RiskModel, explain_mode: str
) -> tuple[dict[str, np.ndarray], list[Parts]]:
    """Model outputs in row chunks, with the data notes (and, explaining all rows, the
    model factors) of each chunk from the same history lookup: sums and feature
    matrices of one chunk at a time stay small (memory and cache), whatever the size."""
    preds, parts = [], []
    for start in range(0, len(frame), CHUNK):
        sub = frame.iloc[start : start + CHUNK]
        stats = model.history.lookup(sub)
        x = model.features_from(sub, stats)
        preds.append(model.predict(sub, x))
        weights = group_weights(model.contributions(x)) if explain_mode == "all" else None
        found = [data_notes(sub, stats, weights)] if explain_mode != "none" else []
        if weights is not None:
            found.append(model_factors(sub, stats, weights))
        for p in found:
            p.row += start
        parts += found
    if not preds:
        return {k: np.zeros(0) for k in ("fraud", "critical", "duty_at_stake", "revenue")}, []
    return {k: np.concatenate([p[k] for p in preds]) for k in preds[0]}, parts


def rule_reasons(fired: Sequence[str], rules: rules_mod.RuleSet) -> list[dict[str, Any]]:
    by_id = {r.id: r for r in rules.rules}
    return [
        {
            "kind": "rule",
            "rule_id": rid,
            "text": by_id[rid].reason,
            "instructions": by_id[rid].instructions,
            "action": by_id[rid].action.model_dump(exclude_none=True),
        }
        for rid in fired
    ]


def drop_labels(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame without its label columns (fraud, critical_fraud, additional_duty):
    scoring drops them on entry, so no score can depend on a label.

    >>> drop_labels(pd.DataFrame({"hs_code": ["420221"], "fraud": [1]})).columns.tolist()
    ['hs_code']
    """
    return frame.drop(columns=[c for c in LABEL_FIELDS if c in frame.columns])


def _without_labels(record: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in record.items() if k not in LABEL_FIELDS}


def score_records(
    rows: list[dict[str, Any]],
    *,
    model: RiskModel,
    rules: rules_mod.RuleSet,
    plan: CapacityPlan,
) -> list[dict[str, Any]]:
    """Score a few validated declarations given as plain dicts (``Declaration.model_dump``)
    without pandas: the same history sums, feature arithmetic (``assemble``), models, rules
    and reasons as ``score_frame``; lanes are provisional (``lanes.provisional_lane``)."""
    recs = [derive_record(_without_labels(r)) for r in rows]
    stats = model.history.lookup_records(recs)
    x = assemble(record_inputs(recs), stats, model.vocab)
    pred = model.predict_x(x, np.array([r["duty_at_stake"] for r in recs], dtype="float64"))
    outcome = rules_mod.apply_records(recs, rules)
    score = np.clip(pred["fraud"] + outcome.boost, 0.0, 1.0)
    threads = int(model.metadata.get("n_threads", 1))
    contrib = np.asarray(model.fraud.predict(x, pred_contrib=True, num_threads=threads))
    factors = explain(recs, stats, contrib)
    out = []
    for i, rec in enumerate(recs):
        lane, notes = provisional_lane(
            score=float(score[i]),
            forced=outcome.forced_lane[i],
            office=rec.get("office_id"),
            plan=plan,
        )
        out.append(
            {
                "declaration_id": rec["declaration_id"],
                "item_no": rec.get("item_no") or 1,
                "office_id": rec["office_id"],
                "declaration_date": rec["declaration_date"],
                "model_score": float(pred["fraud"][i]),
                "critical_score": float(pred["critical"][i]),
                "score": float(score[i]),
                "revenue_at_risk": float(pred["revenue"][i]),
                "duty_at_stake": float(pred["duty_at_stake"][i]),
                "lane": lane,
                "exploration": False,
                "rules_fired": outcome.fired[i],
                "reasons": rule_reasons(outcome.fired[i], rules)
                + factors[i]
                + [{"kind": "lane", "text": t} for t in notes],
                "model_version": model.version,
            }
        )
    return out
