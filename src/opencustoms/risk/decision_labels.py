"""Officers' decisions as training labels for retraining, next to inspection results.

A decision is a verdict on a declaration reached outside an inspection (an investigation
case closed as confirmed or false positive). Risk does not know where decisions come from
(the case system sits above it and hands them over); it only defines their shape,
``DECISION_COLUMNS``:

* ``declaration_id``, ``item_no`` (missing: every stored item of the declaration);
* ``fraud``: 1 (confirmed), 0 (false positive) or missing (inconclusive: ignored, counted);
* provenance, kept in the model's metadata: ``case_id``, ``alert_id``, ``outcome``,
  ``decided_by``, ``decided_at``.

Precedence, per item: an explicit inspection result wins (a result recorded with
``risk inspect``, or the source file's label the current model was already trained on);
a decision only labels items nobody recorded an inspection result for. Among decisions on
the same item the latest (``decided_at``, then ``case_id``) wins. A confirmed decision
says fraud, not how grave or how much duty: ``critical_fraud`` becomes 1 (fraud, not
critical) and ``additional_duty`` stays missing, so revenue falls back to the duty at
stake; a false positive gives 0 and 0.

The summary counts items (``taken`` = items labelled by a decision, split into
``positive`` and ``negative``; ``superseded_by_inspection`` = items whose latest decision
lost to an inspection result) and keeps one provenance row per decision (which case and
alert, who decided, when, how many items it labelled and why not, if none).

>>> frame = pd.DataFrame({"declaration_id": ["A", "A", "B"], "item_no": [1, 2, 1],
...     "fraud": [None, 1.0, None], "critical_fraud": [None, 2.0, None],
...     "additional_duty": [None, 5.0, None]})
>>> decisions = pd.DataFrame({"declaration_id": ["A", "B"], "item_no": [None, 1],
...     "fraud": [0, 1], "case_id": [7, 8], "alert_id": [70, 80],
...     "outcome": ["false_positive", "confirmed"], "decided_by": ["kim", "lee"],
...     "decided_at": ["2026-11-01T10:00:00", "2026-11-02T10:00:00"]})
>>> out, summary = apply_decisions(frame, decisions)
>>> out["fraud"].tolist(), out["critical_fraud"].tolist()
([0.0, 1.0, 1.0], [0.0, 2.0, 1.0])
>>> {k: summary[k] for k in ("taken", "positive", "negative", "superseded_by_inspection")}
{'taken': 2, 'positive': 1, 'negative': 1, 'superseded_by_inspection': 1}
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from opencustoms.errors import InvalidInput

DECISION_COLUMNS = (
    "declaration_id",
    "item_no",
    "fraud",
    "case_id",
    "alert_id",
    "outcome",
    "decided_by",
    "decided_at",
)
PRECEDENCE = (
    "an explicit inspection result of the item (recorded, or the source label kept as "
    "history) wins; a closed case's decision labels only items without one; among "
    "decisions on one item the latest wins"
)
_KEY = ["declaration_id", "item_no"]


def empty_decisions() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in DECISION_COLUMNS})


def apply_decisions(
    frame: pd.DataFrame, decisions: pd.DataFrame
) -> tuple[pd.DataFrame, dict[str, Any]]:
    """``frame`` (canonical columns, inspection labels already applied) with the decisions
    filling unlabelled items, and a summary: counts and one provenance row per decision."""
    missing = [c for c in DECISION_COLUMNS if c not in decisions.columns]
    if missing:
        raise InvalidInput("decisions", f"missing columns {', '.join(missing)}")
    dec = decisions.loc[:, list(DECISION_COLUMNS)].copy()
    dec["declaration_id"] = dec["declaration_id"].astype("string")
    dec["item_no"] = pd.to_numeric(dec["item_no"], errors="coerce").astype("Int64")
    dec["fraud"] = pd.to_numeric(dec["fraud"], errors="coerce")
    bad = dec["fraud"].notna() & ~dec["fraud"].isin([0, 1])
    if bad.any():
        raise InvalidInput("decisions.fraud", "1 (confirmed), 0 (false positive) or missing")
    dec["decision"] = np.arange(len(dec))
    judged = dec[dec["fraud"].notna()]
    # Expand declaration-level decisions to the declaration's stored items.
    items = frame.loc[:, _KEY].astype({"declaration_id": "string", "item_no": "Int64"})
    items = items.assign(row=np.arange(len(frame)))
    whole = judged[judged["item_no"].isna()].drop(columns="item_no")
    matched = pd.concat(
        [
            whole.merge(items, on="declaration_id"),
            judged[judged["item_no"].notna()].merge(items, on=_KEY),
        ],
        ignore_index=True,
    )
    unmatched = set(judged["decision"]) - set(matched["decision"])
    matched = matched.sort_values(["decided_at", "case_id", "decision"], kind="stable")
    latest = matched.drop_duplicates("row", keep="last")
    outvoted = set(matched["decision"]) - set(latest["decision"])
    labelled = frame["fraud"].notna().to_numpy()[latest["row"].to_numpy(dtype=int)]
    taken, superseded = latest[~labelled], latest[labelled]
    out = frame.copy()
    rows = taken["row"].to_numpy(dtype=int)
    y = taken["fraud"].to_numpy(dtype="float64")
    for col, values in (
        ("fraud", y),
        ("critical_fraud", y),  # fraud, not known to be critical (KCS coding 1)
        ("additional_duty", np.where(y > 0, np.nan, 0.0)),
    ):
        column = out[col].astype("float64").to_numpy(copy=True)
        column[rows] = values
        out[col] = column
    # One word per decision, the most useful first: it labelled at least one item, else
    # an inspection result or a later decision held every item it named, else no item.
    status = {int(d): "no_stored_item" for d in unmatched}
    status |= {int(d): "superseded_by_later_decision" for d in outvoted}
    status |= {int(d): "superseded_by_inspection" for d in superseded["decision"]}
    status |= {int(d): "taken" for d in taken["decision"]}
    n_items = taken.groupby("decision")["row"].nunique()
    provenance = []
    for r in dec.to_dict("records"):
        d = int(r["decision"])
        provenance.append(
            {
                "case_id": _plain(r["case_id"]),
                "alert_id": _plain(r["alert_id"]),
                "declaration_id": str(r["declaration_id"]),
                "item_no": _plain(r["item_no"]),
                "outcome": _plain(r["outcome"]),
                "label": None if pd.isna(r["fraud"]) else int(r["fraud"]),
                "decided_by": _plain(r["decided_by"]),
                "decided_at": None if pd.isna(r["decided_at"]) else str(r["decided_at"]),
                "items": int(n_items.get(d, 0)),
                "used": status.get(d, "ignored_inconclusive"),
            }
        )
    summary: dict[str, Any] = {
        "decisions": len(dec),
        "taken": len(taken),
        "positive": int((y == 1).sum()),
        "negative": int((y == 0).sum()),
        "superseded_by_inspection": len(superseded),
        "ignored_inconclusive": int(dec["fraud"].isna().sum()),
        "no_stored_item": len(unmatched),
        "precedence": PRECEDENCE,
        "provenance": provenance,
    }
    return out, summary


def _plain(value: Any) -> Any:
    """A JSON-friendly scalar (numpy ints and missing values as Python's)."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    return value.item() if isinstance(value, np.generic) else value
