"""Alert intake: every detector's alerts into one table, deduplicated.

Two detector alerts are one matter when they name the same subject and typology and their
periods lie within the policy's dedup window of each other (``data/cases/policy.yaml``).
The later one is folded into the earlier: evidence ids are united, the period widened, the
score is the higher one, amounts add up when the periods are disjoint (two monthly runs)
and the higher one is kept when they overlap (the same money seen twice). The SLA clock
keeps running from the first alert. A detector alert id already imported from the same
source changes nothing, so importing a file twice is harmless. Alerts on dismissed matters
are not folded into them: new evidence reopens the question as a new alert.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import pandas as pd
from pydantic import BaseModel
from sqlalchemy import Engine, MetaData, Table, inspect, select

from opencustoms.cases.access import SYSTEM, ActorLike, require_staff
from opencustoms.cases.history import ALERT, record
from opencustoms.cases.models import AlertRefRow, AlertRow, EvidenceRow
from opencustoms.cases.policy import Policy, load_policy
from opencustoms.db import session_scope
from opencustoms.errors import InvalidInput

_CHUNK = 500
_MAX_EXPLANATION = 4000
# Tables whose ``office_id`` tells which office owns an alert about their declarations.
_DECLARATION_TABLES = ("declarations", "world_declarations")


class ImportResult(BaseModel):
    input: int
    new: int
    merged: int


@dataclass
class IncomingAlert:
    external_id: str
    typology: str
    subject_id: str
    score: float
    period_start: dt.date
    period_end: dt.date
    amount_krw: float
    evidence: dict[str, list[str]]
    explanation: str
    office: str | None = None
    subject_type: str | None = None


def _chunks(items: list[str]) -> Iterable[list[str]]:
    for i in range(0, len(items), _CHUNK):
        yield items[i : i + _CHUNK]


def _evidence_ids(value: Any, *, row: int) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for kind, ids in value.items():
        if not isinstance(ids, list):
            raise InvalidInput("evidence", f"row {row}: {kind!r} must be a list of ids")
        clean = [str(i).strip() for i in ids if str(i).strip()]
        if any(len(i) > 128 for i in clean) or len(str(kind)) > 32:
            raise InvalidInput("evidence", f"row {row}: ids are at most 128 characters")
        out[str(kind)] = list(dict.fromkeys(clean))
    return out


def _office_from_evidence(engine: Engine, ids: set[str]) -> dict[str, str]:
    """Declaration id -> office, from whichever declaration tables exist."""
    if not ids:
        return {}
    present = set(inspect(engine).get_table_names())
    found: dict[str, str] = {}
    with engine.connect() as conn:
        for name in _DECLARATION_TABLES:
            if name not in present:
                continue
            table = Table(name, MetaData(), autoload_with=conn)
            if "office_id" not in table.c or "declaration_id" not in table.c:
                continue
            for chunk in _chunks(sorted(ids - found.keys())):
                q = select(table.c.declaration_id, table.c.office_id).where(
                    table.c.declaration_id.in_(chunk)
                )
                found.update({str(d): str(o) for d, o in conn.execute(q) if o is not None})
    return found


def _overlaps(a0: dt.date, a1: dt.date, b0: dt.date, b1: dt.date, days: int) -> bool:
    gap = dt.timedelta(days=days)
    return a0 <= b1 + gap and b0 <= a1 + gap


def incoming_from_frame(frame: pd.DataFrame) -> list[IncomingAlert]:
    """Rows of a validated alert file (``alertfile.read_alerts``) as intake records."""
    out = []
    records: list[dict[Any, Any]] = frame.to_dict("records")
    for i, r in enumerate(records, start=1):
        out.append(
            IncomingAlert(
                external_id=str(r["alert_id"]),
                typology=str(r["typology"]),
                subject_id=str(r["subject_id"]),
                score=float(r["score"]),
                period_start=r["period_start"],
                period_end=r["period_end"],
                amount_krw=float(r["amount_krw"]),
                evidence=_evidence_ids(r["evidence"], row=i),
                explanation=str(r["explanation"]),
            )
        )
    for rec in out:
        if rec.period_end < rec.period_start:
            raise InvalidInput("period_end", f"alert {rec.external_id}: before period_start")
        for name, width in (("typology", 64), ("subject_id", 128), ("external_id", 128)):
            if len(getattr(rec, name)) > width:
                raise InvalidInput(name, f"alert {rec.external_id}: over {width} characters")
    return out


def import_alerts(
    *,
    engine: Engine,
    alerts: list[IncomingAlert],
    source: str,
    office: str | None = None,
    actor: ActorLike = SYSTEM,
    now: dt.datetime | None = None,
    policy: Policy | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> ImportResult:
    """Store detector alerts, folding duplicates into existing matters (one transaction).

    ``office`` assigns every alert to one office; otherwise an alert's own ``office``, else
    the office that handled most of its evidence declarations, else none (analysts triage
    unassigned alerts). Returns ``{"input", "new", "merged"}``.
    """
    require_staff(actor)
    source = source.strip()
    if not source or len(source) > 32:
        raise InvalidInput("source", "a detector name of 1-32 characters is required")
    policy = policy or load_policy()
    now = now or dt.datetime.now(dt.UTC)
    window = policy.dedup_window_days(on=now.date())
    decl_ids = {i for a in alerts for i in a.evidence.get("declarations", [])}
    offices = _office_from_evidence(engine, decl_ids) if office is None else {}
    new_ids: list[int] = []
    merged_ids: list[int] = []
    with session_scope(engine) as s:
        known: set[str] = set()
        for chunk in _chunks(sorted({a.external_id for a in alerts})):
            known.update(
                s.scalars(
                    select(AlertRefRow.external_id).where(
                        AlertRefRow.source == source, AlertRefRow.external_id.in_(chunk)
                    )
                )
            )
        # Open matters on the same subjects: the candidates to fold into.
        matters: dict[tuple[str, str], list[AlertRow]] = defaultdict(list)
        for chunk in _chunks(sorted({a.subject_id for a in alerts})):
            for row in s.scalars(
                select(AlertRow).where(
                    AlertRow.subject_id.in_(chunk), AlertRow.state != "dismissed"
                )
            ):
                matters[(row.subject_id, row.typology)].append(row)
        seen_evidence: dict[int, set[tuple[str, str]]] = {}
        for n, rec in enumerate(sorted(alerts, key=lambda a: (a.period_start, a.external_id))):
            if progress and n % 1000 == 0:
                progress(n, len(alerts))
            if rec.external_id in known:
                merged_ids.append(-1)  # re-delivery: already folded in, nothing to change
                continue
            known.add(rec.external_id)
            target = next(
                (
                    m
                    for m in matters[(rec.subject_id, rec.typology)]
                    if _overlaps(
                        m.period_start, m.period_end, rec.period_start, rec.period_end, window
                    )
                ),
                None,
            )
            if target is None:
                votes = Counter(
                    offices[d] for d in rec.evidence.get("declarations", []) if d in offices
                )
                hours = policy.sla_hours(source=source, typology=rec.typology, on=now.date())
                target = AlertRow(
                    source=source,
                    typology=rec.typology,
                    subject_type=rec.subject_type
                    or policy.subject_type(rec.typology, on=now.date()),
                    subject_id=rec.subject_id,
                    score=rec.score,
                    amount_krw=rec.amount_krw,
                    period_start=rec.period_start,
                    period_end=rec.period_end,
                    explanation=rec.explanation[:_MAX_EXPLANATION],
                    office=office or rec.office or (votes.most_common(1)[0][0] if votes else None),
                    state="new",
                    merged_count=1,
                    created_at=now,
                    due_at=now + dt.timedelta(hours=hours),
                    updated_at=now,
                )
                s.add(target)
                s.flush()
                matters[(rec.subject_id, rec.typology)].append(target)
                seen_evidence[target.id] = set()
                new_ids.append(target.id)
            else:
                _fold(target, rec, now)
                if target.id not in seen_evidence:
                    seen_evidence[target.id] = {
                        (k, r)
                        for k, r in s.execute(
                            select(EvidenceRow.kind, EvidenceRow.ref_id).where(
                                EvidenceRow.alert_id == target.id
                            )
                        )
                    }
                merged_ids.append(target.id)
            s.add(AlertRefRow(alert_id=target.id, source=source, external_id=rec.external_id,
                              imported_at=now))  # fmt: skip
            have = seen_evidence[target.id]
            fresh = [
                (kind, ref)
                for kind, refs in rec.evidence.items()
                for ref in refs
                if (kind, ref) not in have
            ]
            have.update(fresh)
            s.add_all(EvidenceRow(alert_id=target.id, kind=k, ref_id=r) for k, r in fresh)
            s.flush()
    if progress:
        progress(len(alerts), len(alerts))
    result = ImportResult(input=len(alerts), new=len(new_ids), merged=len(merged_ids))
    record(
        engine=engine,
        actor=actor,
        action="alerts_imported",
        object_type=ALERT,
        object_id=f"import:{source}",
        office=office,
        detail={
            **result.model_dump(),
            "source": source,
            "new_alerts": new_ids,
            "merged_into": sorted({i for i in merged_ids if i > 0}),
        },
    )
    return result


def _fold(target: AlertRow, rec: IncomingAlert, now: dt.datetime) -> None:
    """Fold one detector alert into an existing matter (see the module docstring)."""
    disjoint = rec.period_start > target.period_end or rec.period_end < target.period_start
    target.amount_krw = (
        target.amount_krw + rec.amount_krw if disjoint else max(target.amount_krw, rec.amount_krw)
    )
    target.score = max(target.score, rec.score)
    target.period_start = min(target.period_start, rec.period_start)
    target.period_end = max(target.period_end, rec.period_end)
    if rec.explanation and rec.explanation not in target.explanation:
        target.explanation = f"{target.explanation}\n{rec.explanation}"[:_MAX_EXPLANATION]
    target.merged_count += 1
    target.updated_at = now
