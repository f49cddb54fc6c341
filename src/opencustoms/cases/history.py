"""Case history in the hash-chained audit trail, and a check that the case tables still
agree with it.

Every change to an alert or a case appends one audit entry (actor, role, action, office,
detail). For cases the detail also carries ``state``: the SHA-256 of the case's canonical
state after the change (status, outcome, amounts, assignee, alerts, labels). ``audit
verify`` catches an edited or deleted audit entry; ``verify_cases`` catches a case row,
link or label edited in the database behind the application's back, because its state no
longer matches the digest the chain recorded last.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from opencustoms.cases.access import ActorLike, role_of
from opencustoms.cases.models import AlertRow, CaseRow, LabelRow

# The only import of the audit module: if the workspace package is renamed, change it here.
from opencustoms.workspace import audit
from opencustoms.workspace.models import AuditRow

CASE = "case"
ALERT = "alert"


def case_state(s: Session, case_id: int) -> dict[str, Any]:
    """The facts about a case that its history vouches for."""
    case = s.get(CaseRow, case_id)
    if case is None:
        return {}
    alerts = s.scalars(
        select(AlertRow.id).where(AlertRow.case_id == case_id).order_by(AlertRow.id)
    ).all()
    labels = s.execute(
        select(LabelRow.alert_id, LabelRow.outcome, LabelRow.label)
        .where(LabelRow.case_id == case_id)
        .order_by(LabelRow.alert_id)
    ).all()
    return {
        "status": case.status,
        "outcome": case.outcome,
        "referral": case.referral,
        "amount_recovered_krw": round(float(case.amount_recovered_krw), 2),
        "assignee": case.assignee,
        "office": case.office,
        "merged_into": case.merged_into,
        "alerts": list(alerts),
        "labels": [[a, o, lab] for a, o, lab in labels],
    }


def state_digest(state: dict[str, Any]) -> str:
    text = json.dumps(state, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def record(
    *,
    engine: Engine,
    actor: ActorLike,
    action: str,
    object_type: str,
    object_id: int | str,
    office: str | None,
    detail: dict[str, Any] | None = None,
) -> None:
    audit.append(
        engine=engine,
        actor=actor.username,
        role=role_of(actor),
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        office=office,
        detail=detail or {},
    )


def record_case(
    *,
    engine: Engine,
    actor: ActorLike,
    action: str,
    case_id: int,
    detail: dict[str, Any] | None = None,
) -> None:
    """Audit a case change together with the digest of the case's state after it."""
    from opencustoms.db import session_scope

    with session_scope(engine) as s:
        state = case_state(s, case_id)
    record(
        engine=engine,
        actor=actor,
        action=action,
        object_type=CASE,
        object_id=case_id,
        office=state.get("office"),
        detail={**(detail or {}), "state": state_digest(state)},
    )


def history(*, engine: Engine, object_type: str, object_id: int | str) -> list[dict[str, Any]]:
    """Audit entries of one case or alert, oldest first."""
    from opencustoms.db import session_scope

    with session_scope(engine) as s:
        rows = s.scalars(
            select(AuditRow)
            .where(AuditRow.object_type == object_type, AuditRow.object_id == str(object_id))
            .order_by(AuditRow.seq)
        ).all()
        return [
            {
                "seq": r.seq,
                "ts": r.ts,
                "actor": r.actor,
                "role": r.role,
                "action": r.action,
                "detail": r.detail,
            }
            for r in rows
        ]


@dataclass
class CaseCheck:
    ok: bool
    cases: int
    audit_entries: int
    problems: list[str] = field(default_factory=list)


def verify_cases(*, engine: Engine) -> CaseCheck:
    """Verify the audit chain, then every case's state against its last audited digest."""
    from opencustoms.db import session_scope

    chain = audit.verify(engine=engine)
    problems = list(chain.problems)
    with session_scope(engine) as s:
        last: dict[str, str] = {}
        for object_id, detail in s.execute(
            select(AuditRow.object_id, AuditRow.detail)
            .where(AuditRow.object_type == CASE)
            .order_by(AuditRow.seq)
        ):
            if isinstance(detail, dict) and "state" in detail:
                last[object_id] = detail["state"]
        case_ids = s.scalars(select(CaseRow.id).order_by(CaseRow.id)).all()
        for case_id in case_ids:
            expected = last.get(str(case_id))
            if expected is None:
                problems.append(f"case {case_id} has no audited history")
            elif state_digest(case_state(s, case_id)) != expected:
                problems.append(
                    f"case {case_id} differs from its audited history "
                    "(status, outcome, amounts, assignee, alerts or labels edited outside "
                    "the application)"
                )
    return CaseCheck(
        ok=not problems, cases=len(case_ids), audit_entries=chain.entries, problems=problems
    )
