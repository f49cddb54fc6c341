"""The triage queue: list, read and move alerts (``new`` -> ``triage`` -> ``case`` or
``dismissed``), with the SLA clock of each.

An alert's SLA is due ``policy.sla_hours`` after it was first raised; while it waits in
``new`` or ``triage`` it is ``open`` until then and ``breached`` after. Dismissing an alert
does not make a label: triage dismissals often reflect capacity rather than truth, so only
decided cases teach the detectors.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel
from sqlalchemy import Engine, func, select

from opencustoms.cases.access import ActorLike, require_visible, visible_offices
from opencustoms.cases.history import ALERT, record
from opencustoms.cases.models import ALERT_STATES, AlertRow, EvidenceRow
from opencustoms.db import as_utc, session_scope
from opencustoms.errors import Conflict, InvalidInput, NotFound

SORTS = {
    "score": AlertRow.score,
    "amount": AlertRow.amount_krw,
    "due": AlertRow.due_at,
    "created": AlertRow.created_at,
}


class AlertView(BaseModel):
    id: int
    source: str
    typology: str
    subject_type: str
    subject_id: str
    score: float
    amount_krw: float
    period_start: dt.date
    period_end: dt.date
    explanation: str
    office: str | None
    state: str
    merged_count: int
    created_at: dt.datetime
    due_at: dt.datetime
    sla: str  # open | breached | done
    hours_left: float | None
    case_id: int | None
    dismiss_reason: str | None
    evidence_counts: dict[str, int] = {}


def view(row: AlertRow, *, now: dt.datetime, counts: dict[str, int] | None = None) -> AlertView:
    due = as_utc(row.due_at)
    active = row.state in ("new", "triage")
    left = (due - now).total_seconds() / 3600 if active else None
    return AlertView(
        id=row.id,
        source=row.source,
        typology=row.typology,
        subject_type=row.subject_type,
        subject_id=row.subject_id,
        score=row.score,
        amount_krw=row.amount_krw,
        period_start=row.period_start,
        period_end=row.period_end,
        explanation=row.explanation,
        office=row.office,
        state=row.state,
        merged_count=row.merged_count,
        created_at=as_utc(row.created_at),
        due_at=due,
        sla="done" if left is None else ("breached" if left < 0 else "open"),
        hours_left=None if left is None else round(left, 1),
        case_id=row.case_id,
        dismiss_reason=row.dismiss_reason,
        evidence_counts=counts or {},
    )


def evidence_counts(s: Any, alert_ids: list[int]) -> dict[int, dict[str, int]]:
    out: dict[int, dict[str, int]] = {i: {} for i in alert_ids}
    if not alert_ids:
        return out
    q = (
        select(EvidenceRow.alert_id, EvidenceRow.kind, func.count())
        .where(EvidenceRow.alert_id.in_(alert_ids))
        .group_by(EvidenceRow.alert_id, EvidenceRow.kind)
    )
    for alert_id, kind, n in s.execute(q):
        out[alert_id][kind] = int(n)
    return out


def list_alerts(
    *,
    engine: Engine,
    actor: ActorLike,
    typology: str | None = None,
    office: str | None = None,
    state: str | None = None,
    source: str | None = None,
    sla: str | None = None,
    sort: str = "score",
    limit: int = 50,
    offset: int = 0,
    now: dt.datetime | None = None,
) -> tuple[int, list[AlertView]]:
    """The queue the actor may see, filtered; highest score (or amount, due) first."""
    if state is not None and state not in ALERT_STATES:
        raise InvalidInput("state", f"one of {', '.join(ALERT_STATES)}")
    if sort not in SORTS:
        raise InvalidInput("sort", f"one of {', '.join(SORTS)}")
    if sla not in (None, "open", "breached"):
        raise InvalidInput("sla", "open or breached")
    if not 1 <= limit <= 1000:
        raise InvalidInput("limit", "between 1 and 1000")
    now = now or dt.datetime.now(dt.UTC)
    allowed = visible_offices(actor)
    conds: list[Any] = []
    if allowed is not None:
        conds.append(AlertRow.office.in_(sorted(allowed)))
    for column, value in (
        (AlertRow.typology, typology),
        (AlertRow.office, office),
        (AlertRow.state, state),
        (AlertRow.source, source),
    ):
        if value:
            conds.append(column == value)
    if sla is not None:
        conds.append(AlertRow.state.in_(("new", "triage")))
        conds.append(AlertRow.due_at < now if sla == "breached" else AlertRow.due_at >= now)
    order = SORTS[sort]
    with session_scope(engine) as s:
        total = s.scalar(select(func.count()).select_from(AlertRow).where(*conds)) or 0
        rows = s.scalars(
            select(AlertRow)
            .where(*conds)
            .order_by(order.asc() if sort == "due" else order.desc(), AlertRow.id)
            .limit(limit)
            .offset(offset)
        ).all()
        counts = evidence_counts(s, [r.id for r in rows])
        return int(total), [view(r, now=now, counts=counts[r.id]) for r in rows]


def get_alert(
    *, engine: Engine, actor: ActorLike, alert_id: int, now: dt.datetime | None = None
) -> tuple[AlertView, dict[str, list[str]]]:
    """One alert and all its evidence ids by kind."""
    now = now or dt.datetime.now(dt.UTC)
    with session_scope(engine) as s:
        row = s.get(AlertRow, alert_id)
        if row is None:
            raise NotFound(f"alert {alert_id} not found")
        require_visible(actor, row.office, f"alert {alert_id}")
        evidence: dict[str, list[str]] = {}
        for kind, ref in s.execute(
            select(EvidenceRow.kind, EvidenceRow.ref_id)
            .where(EvidenceRow.alert_id == alert_id)
            .order_by(EvidenceRow.kind, EvidenceRow.ref_id)
        ):
            evidence.setdefault(kind, []).append(ref)
        counts = {k: len(v) for k, v in evidence.items()}
        return view(row, now=now, counts=counts), evidence


def _move(
    *,
    engine: Engine,
    actor: ActorLike,
    alert_id: int,
    to: str,
    allowed_from: tuple[str, ...],
    reason: str | None = None,
    now: dt.datetime | None = None,
) -> AlertView:
    now = now or dt.datetime.now(dt.UTC)
    with session_scope(engine) as s:
        row = s.get(AlertRow, alert_id)
        if row is None:
            raise NotFound(f"alert {alert_id} not found")
        require_visible(actor, row.office, f"alert {alert_id}", write=True)
        if row.state not in allowed_from:
            raise Conflict(f"alert {alert_id} is {row.state}; cannot move it to {to}")
        previous = row.state
        row.state, row.updated_at = to, now
        if reason is not None:
            row.dismiss_reason = reason
        office = row.office
        out = view(row, now=now)
    record(
        engine=engine,
        actor=actor,
        action=f"alert_{to}",
        object_type=ALERT,
        object_id=alert_id,
        office=office,
        detail={"from": previous, "to": to, **({"reason": reason} if reason else {})},
    )
    return out


def triage(*, engine: Engine, actor: ActorLike, alert_id: int) -> AlertView:
    """An officer takes the alert up for triage."""
    return _move(engine=engine, actor=actor, alert_id=alert_id, to="triage", allowed_from=("new",))


def dismiss(*, engine: Engine, actor: ActorLike, alert_id: int, reason: str) -> AlertView:
    """Close an alert without a case; the reason is required and audited."""
    if not reason.strip():
        raise InvalidInput("reason", "say why the alert is dismissed")
    return _move(
        engine=engine,
        actor=actor,
        alert_id=alert_id,
        to="dismissed",
        allowed_from=("new", "triage"),
        reason=reason.strip(),
    )
