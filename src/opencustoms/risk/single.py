"""Scoring one declaration: the path of ``POST /api/risk/score`` (issue 20).

``scoring.score_records`` scores a few declarations with numpy arrays of a few rows;
for one row numpy's per-call overhead dominated (feature assembly ~0.5 ms) and LightGBM's
``pred_contrib`` cost ~0.45 ms and ``predict`` ~0.06 ms per model. This path computes
the same thing for one row:

* history sums as views of the fitted tables (``History.lookup_row``);
* features in plain floats (``features.row_features``, same values bit for bit);
* predictions through LightGBM's single-row C call (``RiskModel.raw_predict`` of one
  row: same values bit for bit);
* contributions from the per-tree TreeSHAP tables the batch path uses
  (``treeshap.Explainer.row``: the batch path's numbers bit for bit, LightGBM's
  ``pred_contrib`` to ~1e-14);
* rules, reasons and the provisional lane by the same functions as ``score_records``.

``tests/risk/test_single.py`` checks that it returns what ``score_records`` returns on
every 2021 Q1 declaration.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from opencustoms.declarations.schema import LABEL_FIELDS
from opencustoms.risk import rule_schema
from opencustoms.risk.artefact import RiskModel
from opencustoms.risk.explain import explain
from opencustoms.risk.features import row_features
from opencustoms.risk.history import derive_record
from opencustoms.risk.lanes import CapacityPlan, provisional_lane
from opencustoms.risk.rule_eval import apply_records
from opencustoms.risk.scoring import rule_reasons


def prepare(model: RiskModel) -> None:
    """Build what this path keeps per model (category codes, TreeSHAP tables: ~1 s) now,
    e.g. as a server starts, instead of in its first request."""
    model.category_index()
    model.explainer()


def score_record(
    record: dict[str, Any],
    *,
    model: RiskModel,
    rules: rule_schema.RuleSet,
    plan: CapacityPlan,
) -> dict[str, Any]:
    """``score_records([record], ...)[0]`` for one validated declaration
    (``Declaration.model_dump()``): same keys, same values."""
    rec = derive_record({k: v for k, v in record.items() if k not in LABEL_FIELDS})
    stats = model.history.lookup_row(rec)
    sums = {k: v[0].tolist() for k, v in stats.items()}
    x = row_features(rec, sums, model.category_index())
    pred = model.predict_x(x[None, :], np.array([rec["duty_at_stake"]], dtype="float64"))
    outcome = apply_records([rec], rules)
    score = float(np.clip(pred["fraud"] + outcome.boost, 0.0, 1.0)[0])
    contrib = model.explainer().row(x)[None, :]
    factors = explain([rec], stats, contrib)[0]
    fired = outcome.fired[0]
    lane, notes = provisional_lane(
        score=score, forced=outcome.forced_lane[0], office=rec.get("office_id"), plan=plan
    )
    return {
        "declaration_id": rec["declaration_id"],
        "item_no": rec.get("item_no") or 1,
        "office_id": rec["office_id"],
        "declaration_date": rec["declaration_date"],
        "model_score": float(pred["fraud"][0]),
        "critical_score": float(pred["critical"][0]),
        "score": score,
        "revenue_at_risk": float(pred["revenue"][0]),
        "duty_at_stake": float(pred["duty_at_stake"][0]),
        "lane": lane,
        "exploration": False,
        "rules_fired": fired,
        "reasons": rule_reasons(fired, rules)
        + factors
        + [{"kind": "lane", "text": t} for t in notes],
        "model_version": model.version,
    }
