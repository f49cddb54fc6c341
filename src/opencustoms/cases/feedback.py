"""Decisions become labels; labels give each detector's precision per office over time.

A decided case labels every alert it holds: ``confirmed`` -> 1 (the detector was right),
``false_positive`` -> 0, ``inconclusive`` -> stored without a label (it counts as decided
but neither right nor wrong). A later decision on the same case (a referral closed with a
different outcome) replaces the label, with the new officer and time; the audit trail keeps
the earlier one. Precision = confirmed / (confirmed + false positive) per detector
(``source``), office and month of decision. ``labels_frame`` hands the labels to whoever
retrains: risk retraining, parcel or trade-crime thresholds.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd
from pydantic import BaseModel
from sqlalchemy import Engine, case, func, select
from sqlalchemy.orm import Session

from opencustoms.cases.access import ActorLike, visible_offices
from opencustoms.cases.models import AlertRow, CaseRow, LabelRow
from opencustoms.db import month_of, session_scope

LABEL_OF = {"confirmed": 1, "false_positive": 0, "inconclusive": None}


def write_labels(s: Session, *, case: CaseRow, decided_by: str, decided_at: dt.datetime) -> int:
    """Upsert one label per alert of ``case`` from its outcome; returns how many."""
    assert case.outcome is not None
    alerts = s.scalars(select(AlertRow).where(AlertRow.case_id == case.id)).all()
    existing = {
        lab.alert_id: lab for lab in s.scalars(select(LabelRow).where(LabelRow.case_id == case.id))
    }
    for alert in alerts:
        lab = existing.get(alert.id)
        if lab is None:
            lab = LabelRow(case_id=case.id, alert_id=alert.id)
            s.add(lab)
        lab.source, lab.typology, lab.subject_id = alert.source, alert.typology, alert.subject_id
        lab.office = alert.office
        lab.outcome, lab.label = case.outcome, LABEL_OF[case.outcome]
        lab.decided_by, lab.decided_at = decided_by, decided_at
    return len(alerts)


class PrecisionRow(BaseModel):
    source: str
    office: str | None
    month: str
    decided: int
    confirmed: int
    false_positive: int
    inconclusive: int
    precision: float | None  # None until one confirmed or false-positive decision exists


def precision(
    *,
    engine: Engine,
    actor: ActorLike,
    source: str | None = None,
    office: str | None = None,
) -> list[PrecisionRow]:
    """Precision per detector, office and month of decision, for the offices the actor sees."""
    allowed = visible_offices(actor)
    month = month_of(engine, LabelRow.__table__.c.decided_at)
    conds: list[Any] = []
    if allowed is not None:
        conds.append(LabelRow.office.in_(sorted(allowed)))
    if source:
        conds.append(LabelRow.source == source)
    if office:
        conds.append(LabelRow.office == office)
    q = (
        select(
            LabelRow.source,
            LabelRow.office,
            month.label("month"),
            func.count().label("decided"),
            func.sum(case((LabelRow.label == 1, 1), else_=0)).label("confirmed"),
            func.sum(case((LabelRow.label == 0, 1), else_=0)).label("false_positive"),
        )
        .where(*conds)
        .group_by(LabelRow.source, LabelRow.office, month)
        .order_by(LabelRow.source, LabelRow.office, month)
    )
    out = []
    with session_scope(engine) as s:
        for src, off, mon, decided, confirmed, false_pos in s.execute(q):
            confirmed, false_pos = int(confirmed or 0), int(false_pos or 0)
            judged = confirmed + false_pos
            out.append(
                PrecisionRow(
                    source=src,
                    office=off,
                    month=str(mon),
                    decided=int(decided),
                    confirmed=confirmed,
                    false_positive=false_pos,
                    inconclusive=int(decided) - judged,
                    precision=round(confirmed / judged, 4) if judged else None,
                )
            )
    return out


def precision_totals(rows: list[PrecisionRow]) -> dict[str, PrecisionRow]:
    """All months and offices summed per detector (the headline figure)."""
    totals: dict[str, PrecisionRow] = {}
    for r in rows:
        t = totals.setdefault(
            r.source,
            PrecisionRow(
                source=r.source,
                office=None,
                month="all",
                decided=0,
                confirmed=0,
                false_positive=0,
                inconclusive=0,
                precision=None,
            ),
        )
        t.decided += r.decided
        t.confirmed += r.confirmed
        t.false_positive += r.false_positive
        t.inconclusive += r.inconclusive
    for t in totals.values():
        judged = t.confirmed + t.false_positive
        t.precision = round(t.confirmed / judged, 4) if judged else None
    return totals


def labels_frame(
    *, engine: Engine, source: str | None = None, closed_only: bool = False
) -> pd.DataFrame:
    """Labels for retraining: subject, typology, label (1/0/NA), who decided and when.

    Risk alerts' subjects are declaration ids, so ``risk retrain`` can join them to the
    declaration store (``risk_labels``); parcel and trade-crime calibrations refit on their
    own ids (``--case-labels``), from ``closed_only`` cases (a referral still waits for
    its result).
    """
    q = select(
        LabelRow.source,
        LabelRow.typology,
        LabelRow.subject_id,
        LabelRow.office,
        LabelRow.case_id,
        LabelRow.alert_id,
        LabelRow.outcome,
        LabelRow.label,
        LabelRow.decided_by,
        LabelRow.decided_at,
    ).order_by(LabelRow.id)
    if source:
        q = q.where(LabelRow.source == source)
    if closed_only:
        q = q.join(CaseRow, CaseRow.id == LabelRow.case_id).where(CaseRow.status == "closed")
    with engine.connect() as conn:
        frame = pd.DataFrame(conn.execute(q).mappings().all())
    if frame.empty:
        frame = pd.DataFrame(columns=[c.name for c in q.selected_columns])
    frame["label"] = frame["label"].astype("Int64")
    return frame
