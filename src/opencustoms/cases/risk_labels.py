"""Closed cases on declarations as decisions for risk retraining.

The case system sits above risk (layers contract), so it hands risk its decisions in the
shape risk defines (``risk.decision_labels.DECISION_COLUMNS``); risk never reads case
tables. Only **closed** cases count (a referral still waits for the prosecutor's or the
auditor's result) and only labels of alerts the risk detector raised about a declaration.
``confirmed`` -> fraud 1, ``false_positive`` -> 0; ``inconclusive`` rows are passed with a
missing label so retraining can count them as ignored.

Which items: a lane alert folds the red or blue items of one declaration, and the detector
alert ids it holds (``cases_alert_refs``: ``<declaration>/<item>/<assessment>``) name them;
a risk alert imported from a file without such ids labels every item of the declaration.
"""

from __future__ import annotations

import pandas as pd
from sqlalchemy import Engine, select

from opencustoms.cases.models import AlertRefRow, AlertRow, CaseRow, LabelRow
from opencustoms.cases.risk_alerts import SOURCE
from opencustoms.db import as_utc
from opencustoms.risk.decision_labels import DECISION_COLUMNS, empty_decisions


def risk_decisions(*, engine: Engine, source: str = SOURCE) -> pd.DataFrame:
    """One row per (alert, item) of closed cases' labels on declarations from ``source``."""
    q = (
        select(
            LabelRow.subject_id,
            LabelRow.label,
            LabelRow.case_id,
            LabelRow.alert_id,
            LabelRow.outcome,
            LabelRow.decided_by,
            LabelRow.decided_at,
        )
        .join(CaseRow, CaseRow.id == LabelRow.case_id)
        .join(AlertRow, AlertRow.id == LabelRow.alert_id)
        .where(
            LabelRow.source == source,
            AlertRow.subject_type == "declaration",
            CaseRow.status == "closed",
        )
        .order_by(LabelRow.id)
    )
    refs = select(AlertRefRow.alert_id, AlertRefRow.external_id).where(AlertRefRow.source == source)
    with engine.connect() as conn:
        rows = conn.execute(q).all()
        items: dict[int, set[int]] = {}
        for alert_id, external in conn.execute(refs):
            items.setdefault(alert_id, set())
            parts = external.rsplit("/", 2)
            if len(parts) == 3 and parts[1].isdigit():
                items[alert_id].add(int(parts[1]))
    out = []
    for subject, label, case_id, alert_id, outcome, by, at in rows:
        named: list[int | None] = [*sorted(items.get(alert_id, ()))] or [None]
        for item in named:
            out.append(
                {
                    "declaration_id": subject,
                    "item_no": item,
                    "fraud": label,
                    "case_id": case_id,
                    "alert_id": alert_id,
                    "outcome": outcome,
                    "decided_by": by,
                    "decided_at": as_utc(at).isoformat(),
                }
            )
    if not out:
        return empty_decisions()
    return pd.DataFrame(out, columns=list(DECISION_COLUMNS))
