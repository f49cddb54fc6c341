"""Investigation cases: open from alerts, merge, assign, note, investigate, decide.

Status moves ``open`` -> ``investigating`` -> ``referred`` (to prosecution or a tax audit)
or ``closed``; a referred case is closed later. A decision names the outcome
(``confirmed``, ``false_positive``, ``inconclusive``) and the amount recovered, and writes
one label per alert of the case for the detector that raised it (``feedback``). Every
change is audited with the digest of the case's state (``history``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel
from sqlalchemy import Engine, func, select, update

from opencustoms.cases.access import ActorLike, require_visible, visible_offices
from opencustoms.cases.feedback import write_labels
from opencustoms.cases.history import record_case
from opencustoms.cases.models import (
    CASE_STATUSES,
    OUTCOMES,
    REFERRALS,
    AlertRow,
    AttachmentRow,
    CaseRow,
    EvidenceRow,
    NoteRow,
)
from opencustoms.cases.queue import AlertView, evidence_counts, view
from opencustoms.db import session_scope
from opencustoms.errors import Conflict, InvalidInput, NotFound

# Allowed status moves; a decision (referred/closed) goes through ``decide``.
_MOVES = {"open": {"investigating"}, "investigating": set(), "referred": set(), "closed": set()}


class CaseSummary(BaseModel):
    id: int
    title: str
    subject_type: str
    subject_id: str
    office: str | None
    assignee: str | None
    status: str
    referral: str | None
    outcome: str | None
    amount_recovered_krw: float
    merged_into: int | None
    created_by: str
    created_at: dt.datetime
    decided_at: dt.datetime | None
    alert_count: int = 0
    amount_at_stake_krw: float = 0.0


class Note(BaseModel):
    id: int
    author: str
    body: str
    created_at: dt.datetime


class Attachment(BaseModel):
    id: int
    filename: str
    media_type: str
    size: int
    sha256: str
    uploaded_by: str
    created_at: dt.datetime


class CaseDetail(CaseSummary):
    alerts: list[AlertView]
    evidence: dict[str, list[str]]
    notes: list[Note]
    attachments: list[Attachment]


def _now(now: dt.datetime | None) -> dt.datetime:
    return now or dt.datetime.now(dt.UTC)


def _summary(row: CaseRow, alerts: int = 0, amount: float = 0.0) -> CaseSummary:
    return CaseSummary.model_validate(
        {
            **{c: getattr(row, c) for c in CaseSummary.model_fields if hasattr(row, c)},
            "alert_count": alerts,
            "amount_at_stake_krw": amount,
        }
    )


def _visible_case(s: Any, actor: ActorLike, case_id: int, *, write: bool = False) -> CaseRow:
    row = s.get(CaseRow, case_id)
    if row is None:
        raise NotFound(f"case {case_id} not found")
    require_visible(actor, row.office, f"case {case_id}", write=write)
    return row


def create_case(
    *,
    engine: Engine,
    actor: ActorLike,
    alert_ids: list[int],
    title: str | None = None,
    assignee: str | None = None,
    now: dt.datetime | None = None,
) -> CaseSummary:
    """Open a case from one or several alerts the actor may see (all in one office)."""
    now = _now(now)
    if not alert_ids:
        raise InvalidInput("alert_ids", "a case starts from at least one alert")
    with session_scope(engine) as s:
        rows = s.scalars(select(AlertRow).where(AlertRow.id.in_(sorted(set(alert_ids))))).all()
        found = {r.id for r in rows}
        for alert_id in alert_ids:
            if alert_id not in found:
                raise NotFound(f"alert {alert_id} not found")
        for r in rows:
            require_visible(actor, r.office, f"alert {r.id}", write=True)
            if r.state not in ("new", "triage"):
                raise Conflict(f"alert {r.id} is {r.state}; only new or triaged alerts open a case")
        offices = {r.office for r in rows}
        if len(offices) > 1:
            raise InvalidInput("alert_ids", "alerts of different offices cannot share a case")
        lead = max(rows, key=lambda r: (r.score, r.amount_krw))
        case = CaseRow(
            title=(title or f"{lead.typology}: {lead.subject_id}").strip()[:300],
            subject_type=lead.subject_type,
            subject_id=lead.subject_id,
            office=lead.office or (actor.office or None),
            assignee=assignee,
            status="open",
            amount_recovered_krw=0.0,
            created_by=actor.username,
            created_at=now,
            updated_at=now,
        )
        s.add(case)
        s.flush()
        for r in rows:
            r.state, r.case_id, r.updated_at = "case", case.id, now
        out = _summary(case, len(rows), sum(r.amount_krw for r in rows))
    record_case(
        engine=engine,
        actor=actor,
        action="case_opened",
        case_id=out.id,
        detail={"alerts": sorted(found), "assignee": assignee},
    )
    return out


def get_case(
    *, engine: Engine, actor: ActorLike, case_id: int, now: dt.datetime | None = None
) -> CaseDetail:
    """Everything about a case: alerts, all evidence ids by kind, notes, attachments."""
    now = _now(now)
    with session_scope(engine) as s:
        case = _visible_case(s, actor, case_id)
        alerts = s.scalars(
            select(AlertRow).where(AlertRow.case_id == case_id).order_by(AlertRow.score.desc())
        ).all()
        ids = [a.id for a in alerts]
        evidence: dict[str, list[str]] = {}
        if ids:
            # One indexed scan; the same id raised by two alerts is listed once.
            for kind, ref in s.execute(
                select(EvidenceRow.kind, EvidenceRow.ref_id)
                .where(EvidenceRow.alert_id.in_(ids))
                .distinct()
                .order_by(EvidenceRow.kind, EvidenceRow.ref_id)
            ):
                evidence.setdefault(kind, []).append(ref)
        counts = evidence_counts(s, ids)
        notes = s.scalars(select(NoteRow).where(NoteRow.case_id == case_id).order_by(NoteRow.id))
        files = s.scalars(
            select(AttachmentRow).where(AttachmentRow.case_id == case_id).order_by(AttachmentRow.id)
        )
        summary = _summary(case, len(alerts), sum(a.amount_krw for a in alerts))
        return CaseDetail(
            **summary.model_dump(),
            alerts=[view(a, now=now, counts=counts[a.id]) for a in alerts],
            evidence=evidence,
            notes=[Note.model_validate(n, from_attributes=True) for n in notes],
            attachments=[Attachment.model_validate(f, from_attributes=True) for f in files],
        )


def list_cases(
    *,
    engine: Engine,
    actor: ActorLike,
    status: str | None = None,
    office: str | None = None,
    assignee: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[int, list[CaseSummary]]:
    if status is not None and status not in CASE_STATUSES:
        raise InvalidInput("status", f"one of {', '.join(CASE_STATUSES)}")
    allowed = visible_offices(actor)
    conds: list[Any] = [CaseRow.merged_into.is_(None)]
    if allowed is not None:
        conds.append(CaseRow.office.in_(sorted(allowed)))
    for column, value in (
        (CaseRow.status, status),
        (CaseRow.office, office),
        (CaseRow.assignee, assignee),
    ):
        if value:
            conds.append(column == value)
    with session_scope(engine) as s:
        total = s.scalar(select(func.count()).select_from(CaseRow).where(*conds)) or 0
        rows = s.scalars(
            select(CaseRow).where(*conds).order_by(CaseRow.id.desc()).limit(limit).offset(offset)
        ).all()
        stats = dict.fromkeys([r.id for r in rows], (0, 0.0))
        if rows:
            q = (
                select(AlertRow.case_id, func.count(), func.sum(AlertRow.amount_krw))
                .where(AlertRow.case_id.in_(list(stats)))
                .group_by(AlertRow.case_id)
            )
            for c, n, a in s.execute(q).all():
                if c is not None:
                    stats[c] = (int(n), float(a or 0))
        return int(total), [_summary(r, *stats[r.id]) for r in rows]


def _change(
    *,
    engine: Engine,
    actor: ActorLike,
    case_id: int,
    action: str,
    apply: Any,
    detail: dict[str, Any],
    now: dt.datetime | None = None,
) -> CaseSummary:
    """Apply one change to a live case inside a transaction, then audit it."""
    now = _now(now)
    with session_scope(engine) as s:
        case = _visible_case(s, actor, case_id, write=True)
        if case.merged_into is not None:
            raise Conflict(f"case {case_id} was merged into case {case.merged_into}")
        apply(s, case, now)
        case.updated_at = now
        out = _summary(case)
    record_case(engine=engine, actor=actor, action=action, case_id=case_id, detail=detail)
    return out


def assign(
    *, engine: Engine, actor: ActorLike, case_id: int, assignee: str, office: str | None = None
) -> CaseSummary:
    """Give the case to an officer (an admin may also hand it to another office)."""
    if not assignee.strip():
        raise InvalidInput("assignee", "name the officer")
    if office is not None:
        # Moving a case to another office needs the right to change that office's cases.
        require_visible(actor, office, f"office {office}", write=True)

    def apply(s: Any, case: CaseRow, now: dt.datetime) -> None:
        case.assignee = assignee.strip()
        if office is not None:
            case.office = office
            s.execute(update(AlertRow).where(AlertRow.case_id == case.id).values(office=office))

    return _change(
        engine=engine,
        actor=actor,
        case_id=case_id,
        action="case_assigned",
        apply=apply,
        detail={"assignee": assignee, "office": office},
    )


def start_investigation(*, engine: Engine, actor: ActorLike, case_id: int) -> CaseSummary:
    def apply(s: Any, case: CaseRow, now: dt.datetime) -> None:
        if "investigating" not in _MOVES[case.status]:
            raise Conflict(f"case {case.id} is {case.status}; cannot start investigating")
        case.status = "investigating"

    return _change(
        engine=engine,
        actor=actor,
        case_id=case_id,
        action="case_investigating",
        apply=apply,
        detail={"to": "investigating"},
    )


def add_note(*, engine: Engine, actor: ActorLike, case_id: int, body: str) -> CaseSummary:
    text = body.strip()
    if not text:
        raise InvalidInput("body", "a note needs text")
    if len(text) > 20_000:
        raise InvalidInput("body", "at most 20,000 characters")

    def apply(s: Any, case: CaseRow, now: dt.datetime) -> None:
        s.add(NoteRow(case_id=case.id, author=actor.username, body=text, created_at=now))

    return _change(
        engine=engine,
        actor=actor,
        case_id=case_id,
        action="case_note",
        apply=apply,
        detail={"chars": len(text)},
    )


def decide(
    *,
    engine: Engine,
    actor: ActorLike,
    case_id: int,
    status: str,
    outcome: str,
    amount_recovered_krw: float = 0.0,
    referral: str | None = None,
    now: dt.datetime | None = None,
) -> CaseSummary:
    """Refer or close a case with its outcome; labels for every alert follow from it."""
    if status not in ("referred", "closed"):
        raise InvalidInput("status", "referred or closed")
    if outcome not in OUTCOMES:
        raise InvalidInput("outcome", f"one of {', '.join(OUTCOMES)}")
    if status == "referred" and referral not in REFERRALS:
        raise InvalidInput("referral", f"a referral goes to {' or '.join(REFERRALS)}")
    if status == "closed" and referral is not None:
        raise InvalidInput("referral", "only a referred case names where it went")
    if not amount_recovered_krw >= 0:
        raise InvalidInput("amount_recovered_krw", "a non-negative amount")

    def apply(s: Any, case: CaseRow, now: dt.datetime) -> None:
        allowed = {"open", "investigating"} | ({"referred"} if status == "closed" else set())
        if case.status not in allowed:
            raise Conflict(f"case {case.id} is {case.status}; cannot move it to {status}")
        case.status, case.outcome = status, outcome
        case.referral = referral if status == "referred" else case.referral
        case.amount_recovered_krw = float(amount_recovered_krw)
        case.decided_at = now
        s.flush()
        write_labels(s, case=case, decided_by=actor.username, decided_at=now)

    return _change(
        engine=engine,
        actor=actor,
        case_id=case_id,
        action=f"case_{status}",
        apply=apply,
        detail={
            "status": status,
            "outcome": outcome,
            "referral": referral,
            "amount_recovered_krw": amount_recovered_krw,
        },
        now=now,
    )


def merge_cases(
    *, engine: Engine, actor: ActorLike, into: int, other: int, now: dt.datetime | None = None
) -> CaseSummary:
    """Fold case ``other`` into ``into``: its alerts, notes and attachments move over."""
    if into == other:
        raise InvalidInput("other", "a case cannot be merged into itself")
    now = _now(now)
    with session_scope(engine) as s:
        target = _visible_case(s, actor, into, write=True)
        source = _visible_case(s, actor, other, write=True)
        for case in (target, source):
            if case.merged_into is not None or case.status in ("referred", "closed"):
                raise Conflict(f"case {case.id} is no longer open for merging")
        if target.office != source.office:
            raise InvalidInput("other", "cases of different offices cannot be merged")
        for table in (AlertRow, NoteRow, AttachmentRow):
            s.execute(update(table).where(table.case_id == other).values(case_id=into))
        source.merged_into, source.status, source.updated_at = into, "closed", now
        target.updated_at = now
    for case_id, action in ((into, "case_merged_in"), (other, "case_merged_away")):
        record_case(
            engine=engine,
            actor=actor,
            action=action,
            case_id=case_id,
            detail={"into": into, "from": other},
        )
    return get_case(engine=engine, actor=actor, case_id=into, now=now)
