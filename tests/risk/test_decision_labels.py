"""Officers' decisions as labels: confirmed -> 1, false positive -> 0, inconclusive ignored,
an inspection result of the same item wins, the latest decision wins among decisions."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from opencustoms.errors import InvalidInput
from opencustoms.risk.decision_labels import DECISION_COLUMNS, apply_decisions


def _frame() -> pd.DataFrame:
    """Four stored items: D1 (items 1, 2), D2 (item 1, inspected: no fraud), D3 (item 1)."""
    return pd.DataFrame(
        {
            "declaration_id": ["D1", "D1", "D2", "D3"],
            "item_no": pd.array([1, 2, 1, 1], dtype="Int64"),
            "fraud": pd.array([None, None, 0, None], dtype="Int64"),
            "critical_fraud": pd.array([None, None, 0, None], dtype="Int64"),
            "additional_duty": [np.nan, np.nan, 0.0, np.nan],
        }
    )


def _decision(decl: str, item: int | None, outcome: str, case: int, at: str) -> dict[str, Any]:
    label = {"confirmed": 1, "false_positive": 0, "inconclusive": None}[outcome]
    return {
        "declaration_id": decl, "item_no": item, "fraud": label, "case_id": case,
        "alert_id": case * 10, "outcome": outcome, "decided_by": f"officer{case}",
        "decided_at": at,
    }  # fmt: skip


def _labels(out: pd.DataFrame) -> list[float | None]:
    return [None if pd.isna(v) else float(v) for v in out["fraud"]]


def test_confirmed_positive_false_positive_negative_inconclusive_ignored() -> None:
    decisions = pd.DataFrame([
        _decision("D1", 2, "confirmed", 1, "2026-11-01T09:00:00+00:00"),
        _decision("D3", None, "false_positive", 2, "2026-11-01T10:00:00+00:00"),
        _decision("D1", 1, "inconclusive", 3, "2026-11-01T11:00:00+00:00"),
    ])  # fmt: skip
    out, summary = apply_decisions(_frame(), decisions)
    assert _labels(out) == [None, 1.0, 0.0, 0.0]
    # A confirmation says fraud, not critical, and not how much duty.
    assert out["critical_fraud"].tolist()[1] == 1.0 and np.isnan(out["additional_duty"][1])
    assert out["additional_duty"][3] == 0.0
    assert (summary["taken"], summary["positive"], summary["negative"]) == (2, 1, 1)
    assert summary["ignored_inconclusive"] == 1
    used = {p["case_id"]: p["used"] for p in summary["provenance"]}
    assert used == {1: "taken", 2: "taken", 3: "ignored_inconclusive"}
    first = summary["provenance"][0]
    assert (first["decided_by"], first["decided_at"], first["items"]) == (
        "officer1", "2026-11-01T09:00:00+00:00", 1,
    )  # fmt: skip


def test_inspection_wins_over_a_case_decision() -> None:
    """D2 was inspected (no fraud); a later confirmed case does not overturn that."""
    decisions = pd.DataFrame([_decision("D2", 1, "confirmed", 1, "2026-11-02T09:00:00+00:00")])
    out, summary = apply_decisions(_frame(), decisions)
    assert _labels(out) == [None, None, 0.0, None]
    assert summary["taken"] == 0 and summary["superseded_by_inspection"] == 1
    assert summary["provenance"][0]["used"] == "superseded_by_inspection"


def test_latest_decision_wins_and_a_declaration_decision_labels_every_item() -> None:
    decisions = pd.DataFrame([
        _decision("D1", None, "confirmed", 1, "2026-11-01T09:00:00+00:00"),
        _decision("D1", 2, "false_positive", 2, "2026-11-03T09:00:00+00:00"),
        _decision("NOPE", None, "confirmed", 3, "2026-11-03T09:00:00+00:00"),
    ])  # fmt: skip
    out, summary = apply_decisions(_frame(), decisions)
    assert _labels(out) == [1.0, 0.0, 0.0, None]
    used = {p["case_id"]: (p["used"], p["items"]) for p in summary["provenance"]}
    assert used == {1: ("taken", 1), 2: ("taken", 1), 3: ("no_stored_item", 0)}
    # Swap the dates: the confirmation is now the latest word on D1 item 2.
    decisions.loc[0, "decided_at"] = "2026-11-04T09:00:00+00:00"
    out, summary = apply_decisions(_frame(), decisions)
    assert _labels(out) == [1.0, 1.0, 0.0, None]
    assert summary["provenance"][1]["used"] == "superseded_by_later_decision"


def test_bad_decisions_name_the_field() -> None:
    with pytest.raises(InvalidInput, match="decided_by"):
        apply_decisions(_frame(), pd.DataFrame({"declaration_id": ["D1"]}))
    bad = pd.DataFrame([_decision("D1", 1, "confirmed", 1, "2026-11-01")])
    bad["fraud"] = 2
    with pytest.raises(InvalidInput, match=r"decisions\.fraud"):
        apply_decisions(_frame(), bad[list(DECISION_COLUMNS)])
