"""Append-only audit trail with hash chaining.

Each entry's hash is SHA-256 over the previous entry's hash and the canonical JSON of the
entry's own content, so editing any stored field, deleting an entry (a gap in ``seq``) or
truncating the newest entries (the head row disagrees) breaks the chain at a nameable place.

>>> from opencustoms.db import make_engine, Base
>>> engine = make_engine("sqlite://")
>>> Base.metadata.create_all(engine, tables=[AuditRow.__table__, AuditHeadRow.__table__])
>>> _ = append(engine=engine, actor="amy", role="admin", action="login",
...            object_type="user", object_id="amy")
>>> verify(engine=engine).ok
True
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import threading
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Engine, func, select

from opencustoms.db import session_scope
from opencustoms.workspace.models import AuditEntry, AuditHeadRow, AuditRow, User

GENESIS = "0" * 64
_CONTENT_FIELDS = (
    "seq",
    "ts",
    "actor",
    "role",
    "action",
    "object_type",
    "object_id",
    "office",
    "detail",
)
# Serialises appends inside one process; across processes the head row lock does it.
_LOCK = threading.Lock()


def canonical_json(content: dict[str, Any]) -> str:
    return json.dumps(
        content, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str
    )


def entry_hash(prev_hash: str, content: dict[str, Any]) -> str:
    return hashlib.sha256((prev_hash + canonical_json(content)).encode()).hexdigest()


def append(
    *,
    engine: Engine,
    actor: str,
    role: str,
    action: str,
    object_type: str,
    object_id: str,
    office: str | None = None,
    detail: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append one entry to the chain and return it."""
    with _LOCK, session_scope(engine) as s:
        head = s.execute(
            select(AuditHeadRow).where(AuditHeadRow.id == 1).with_for_update()
        ).scalar_one_or_none()
        if head is None:
            head = AuditHeadRow(id=1, seq=0, hash=GENESIS)
            s.add(head)
        content = {
            "seq": head.seq + 1,
            "ts": dt.datetime.now(dt.UTC).isoformat(timespec="microseconds"),
            "actor": actor,
            "role": role,
            "action": action,
            "object_type": object_type,
            "object_id": str(object_id),
            "office": office,
            # Round-trip through JSON so what is hashed is exactly what is stored.
            "detail": json.loads(canonical_json(detail or {})),
        }
        digest = entry_hash(head.hash, content)
        row = AuditRow(**content, prev_hash=head.hash, hash=digest)
        s.add(row)
        head.seq, head.hash = content["seq"], digest
        s.flush()
        return AuditEntry.model_validate(row)


@dataclass
class VerifyResult:
    ok: bool
    entries: int
    problems: list[str] = field(default_factory=list)


def by_user(
    *,
    engine: Engine,
    user: User,
    action: str,
    object_type: str,
    object_id: str,
    office: str | None = None,
    detail: dict[str, Any] | None = None,
) -> AuditEntry:
    """Append an entry acted by an authenticated user (actor and role taken from ``user``)."""
    return append(
        engine=engine,
        actor=user.username,
        role=user.role.value,
        action=action,
        object_type=object_type,
        object_id=object_id,
        office=office,
        detail=detail,
    )


def login(*, engine: Engine, user: User, via: str) -> AuditEntry:
    """Record a successful login through ``via`` ("api" or "ui")."""
    return by_user(
        engine=engine,
        user=user,
        action="login",
        object_type="user",
        object_id=user.username,
        office=user.office,
        detail={"via": via},
    )


def verify(*, engine: Engine, batch: int = 5000) -> VerifyResult:
    """Walk the chain from the start; report every entry that was edited or deleted."""
    problems: list[str] = []
    prev_hash, expected_seq, count = GENESIS, 1, 0
    with session_scope(engine) as s:
        last_seq = 0
        while True:
            rows = (
                s.execute(
                    select(AuditRow)
                    .where(AuditRow.seq > last_seq)
                    .order_by(AuditRow.seq)
                    .limit(batch)
                )
                .scalars()
                .all()
            )
            if not rows:
                break
            for row in rows:
                count += 1
                if row.seq != expected_seq:
                    missing = (
                        f"entry {expected_seq}"
                        if row.seq == expected_seq + 1
                        else f"entries {expected_seq}..{row.seq - 1}"
                    )
                    problems.append(f"{missing} deleted (chain jumps to entry {row.seq})")
                content = {name: getattr(row, name) for name in _CONTENT_FIELDS}
                recomputed = entry_hash(row.prev_hash, content)
                if recomputed != row.hash:
                    problems.append(
                        f"entry {row.seq} edited (action={row.action}, actor={row.actor}): "
                        "its content no longer matches its hash"
                    )
                elif row.prev_hash != prev_hash and row.seq == expected_seq:
                    problems.append(
                        f"entry {row.seq} edited: its prev_hash does not match entry {row.seq - 1}"
                    )
                prev_hash, expected_seq = row.hash, row.seq + 1
                last_seq = row.seq
        head = s.get(AuditHeadRow, 1)
        head_seq, head_hash = (head.seq, head.hash) if head else (0, GENESIS)
        if head_seq > last_seq:
            problems.append(
                f"entries {last_seq + 1}..{head_seq} deleted (the chain ends at {last_seq} "
                f"but the head records {head_seq})"
            )
        elif head_seq < last_seq or head_hash != prev_hash:
            problems.append(
                f"audit head edited: it records entry {head_seq}, the chain "
                f"ends at entry {last_seq}"
            )
    return VerifyResult(ok=not problems, entries=count, problems=problems)


def list_entries(
    *, engine: Engine, limit: int = 50, offset: int = 0, object_id: str | None = None
) -> tuple[int, list[AuditEntry]]:
    with session_scope(engine) as s:
        q = select(AuditRow)
        cq = select(func.count()).select_from(AuditRow)
        if object_id is not None:
            q = q.where(AuditRow.object_id == object_id)
            cq = cq.where(AuditRow.object_id == object_id)
        total = s.execute(cq).scalar_one()
        rows = s.execute(q.order_by(AuditRow.seq.desc()).limit(limit).offset(offset)).scalars()
        return total, [AuditEntry.model_validate(r) for r in rows]
