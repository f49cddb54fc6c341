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
import pyarrow as pa
from pydantic import BaseModel
from sqlalchemy import Engine, MetaData, Table, insert, inspect, select

from opencustoms.cases.access import SYSTEM, ActorLike, require_staff
from opencustoms.cases.history import ALERT, record
from opencustoms.cases.models import AlertRefRow, AlertRow, EvidenceRow
from opencustoms.cases.policy import Policy, load_policy
from opencustoms.db import session_scope
from opencustoms.db_bulk import bulk_insert
from opencustoms.errors import InvalidInput

_CHUNK = 500
_MAX_EXPLANATION = 4000
# Where an evidence id's office is found: evidence kind -> (table, id column, office column).
# The office that handled most of an alert's declarations or parcels owns the alert.
_OFFICE_SOURCES = {
    "declarations": ("declarations", "declaration_id", "office_id"),
    "parcels": ("parcels", "parcel_id", "office_code"),
}


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


def _office_from_evidence(
    engine: Engine, alerts: list[IncomingAlert]
) -> dict[tuple[str, str], str]:
    """(evidence kind, id) -> office, from whichever of the tables exist."""
    present = set(inspect(engine).get_table_names())
    found: dict[tuple[str, str], str] = {}
    with engine.connect() as conn:
        for kind, (name, id_col, office_col) in _OFFICE_SOURCES.items():
            ids = sorted({i for a in alerts for i in a.evidence.get(kind, [])})
            if not ids or name not in present:
                continue
            table = Table(name, MetaData(), autoload_with=conn)
            if id_col not in table.c or office_col not in table.c:
                continue
            for chunk in _chunks(ids):
                q = select(table.c[id_col], table.c[office_col]).where(table.c[id_col].in_(chunk))
                found.update({(kind, str(i)): str(o) for i, o in conn.execute(q) if o is not None})
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


@dataclass
class _Pending:
    """A new alert built in memory; all of them are inserted in one statement at the end."""

    fields: dict[str, Any]
    evidence: set[tuple[str, str]]
    refs: list[str]
    id: int | None = None

    # The attributes ``_fold`` updates, shared with ``AlertRow``.
    def __getattr__(self, name: str) -> Any:
        try:
            return self.__dict__["fields"][name]
        except KeyError:
            raise AttributeError(name) from None

    def __setattr__(self, name: str, value: Any) -> None:
        if name in ("fields", "evidence", "refs", "id"):
            object.__setattr__(self, name, value)
        else:
            self.fields[name] = value


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
    the office that handled most of its evidence declarations or parcels, else none (analysts triage
    unassigned alerts). Returns ``{"input", "new", "merged"}``.
    """
    require_staff(actor)
    source = source.strip()
    if not source or len(source) > 32:
        raise InvalidInput("source", "a detector name of 1-32 characters is required")
    policy = policy or load_policy()
    now = now or dt.datetime.now(dt.UTC)
    window = policy.dedup_window_days(on=now.date())
    offices = _office_from_evidence(engine, alerts) if office is None else {}
    merged = 0
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
        matters: dict[tuple[str, str], list[Any]] = defaultdict(list)
        for chunk in _chunks(sorted({a.subject_id for a in alerts})):
            for row in s.scalars(
                select(AlertRow).where(
                    AlertRow.subject_id.in_(chunk), AlertRow.state != "dismissed"
                )
            ):
                matters[(row.subject_id, row.typology)].append(row)
        pending: list[_Pending] = []
        # Existing alerts that received something: their evidence and new refs.
        touched: dict[int, tuple[set[tuple[str, str]], set[tuple[str, str]], list[str]]] = {}
        for n, rec in enumerate(sorted(alerts, key=lambda a: (a.period_start, a.external_id))):
            if progress and n % 1000 == 0:
                progress(n, len(alerts))
            if rec.external_id in known:
                merged += 1  # re-delivery: already folded in, nothing to change
                continue
            known.add(rec.external_id)
            fresh = {(k, r) for k, refs in rec.evidence.items() for r in refs}
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
                    offices[(k, i)]
                    for k in _OFFICE_SOURCES
                    for i in rec.evidence.get(k, [])
                    if (k, i) in offices
                )
                hours = policy.sla_hours(source=source, typology=rec.typology, on=now.date())
                item = _Pending(
                    fields={
                        "source": source,
                        "typology": rec.typology,
                        "subject_type": rec.subject_type
                        or policy.subject_type(rec.typology, on=now.date()),
                        "subject_id": rec.subject_id,
                        "score": rec.score,
                        "amount_krw": rec.amount_krw,
                        "period_start": rec.period_start,
                        "period_end": rec.period_end,
                        "explanation": rec.explanation[:_MAX_EXPLANATION],
                        "office": office
                        or rec.office
                        or (votes.most_common(1)[0][0] if votes else None),
                        "state": "new",
                        "merged_count": 1,
                        "created_at": now,
                        "due_at": now + dt.timedelta(hours=hours),
                        "updated_at": now,
                    },
                    evidence=fresh,
                    refs=[rec.external_id],
                )
                pending.append(item)
                matters[(rec.subject_id, rec.typology)].append(item)
                continue
            merged += 1
            _fold(target, rec, now)
            if isinstance(target, _Pending):
                target.evidence |= fresh
                target.refs.append(rec.external_id)
                continue
            if target.id not in touched:
                have = {
                    (k, r)
                    for k, r in s.execute(
                        select(EvidenceRow.kind, EvidenceRow.ref_id).where(
                            EvidenceRow.alert_id == target.id
                        )
                    )
                }
                touched[target.id] = (have, set(), [])
            have, add, refs = touched[target.id]
            add |= fresh - have
            refs.append(rec.external_id)
        s.flush()
        # Bulk inserts: one statement per table instead of a round trip per alert.
        if pending:
            ids = s.scalars(
                insert(AlertRow).returning(AlertRow.id, sort_by_parameter_order=True),
                [p.fields for p in pending],
            ).all()
            for p, new_id in zip(pending, ids, strict=True):
                p.id = new_id
        evidence_rows = [
            {"alert_id": p.id, "kind": k, "ref_id": r} for p in pending for k, r in p.evidence
        ]
        evidence_rows += [
            {"alert_id": i, "kind": k, "ref_id": r} for i, (_, add, _) in touched.items()
            for k, r in add
        ]  # fmt: skip
        ref_rows = [
            {"alert_id": p.id, "source": source, "external_id": e, "imported_at": now}
            for p in pending
            for e in p.refs
        ]
        ref_rows += [
            {"alert_id": i, "source": source, "external_id": e, "imported_at": now}
            for i, (_, _, refs) in touched.items()
            for e in refs
        ]
        # Evidence is the bulk of an import (ids by the thousand): COPY on PostgreSQL.
        for i in range(0, len(evidence_rows), 50_000):
            part = evidence_rows[i : i + 50_000]
            bulk_insert(
                s.connection(),
                EvidenceRow.__tablename__,
                pa.table({c: [r[c] for r in part] for c in ("alert_id", "kind", "ref_id")}),
            )
        for i in range(0, len(ref_rows), 20_000):
            s.execute(insert(AlertRefRow), ref_rows[i : i + 20_000])
        new_ids = [p.id for p in pending]
    if progress:
        progress(len(alerts), len(alerts))
    result = ImportResult(input=len(alerts), new=len(new_ids), merged=merged)
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
            "merged_into": sorted(touched),
        },
    )
    return result


def _fold(target: Any, rec: IncomingAlert, now: dt.datetime) -> None:
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
