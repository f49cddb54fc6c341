"""Append-only audit trail with hash chaining.

Each entry's hash is SHA-256 over the previous entry's hash and the canonical JSON of the
entry's own content, so editing any stored field, deleting an entry (a gap in ``seq``) or
truncating the newest entries (the head row disagrees) breaks the chain at a nameable place.

>>> from opencustoms.db import make_engine, Base
>>> engine = make_engine("sqlite://")
>>> Base.metadata.create_all(engine, tables=[AuditRow.__table__, AuditHeadRow.__table__])
>>> _ = append(engine=engine, actor="amy", role="admin", action="login",
...            object_type="user", object_id="amy")
>>> import pathlib, tempfile
>>> fresh = pathlib.Path(tempfile.mkdtemp()) / "checkpoints.jsonl"  # no checkpoint yet
>>> verify(engine=engine, checkpoint_file=fresh).ok
True
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, select

from opencustoms.db import session_scope
from opencustoms.settings import get_settings
from opencustoms.workspace.anchor import checkpoint_valid, latest_checkpoint, write_checkpoint
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


def entry_hash(prev_hash: str, content: dict[str, Any], key: str = "") -> str:
    """SHA-256 of the previous hash and the content; HMAC-SHA256 with ``key`` when the
    installation has an audit key (who can write the database cannot then recompute it)."""
    data = (prev_hash + canonical_json(content)).encode()
    if key:
        return hmac.new(key.encode(), data, hashlib.sha256).hexdigest()
    return hashlib.sha256(data).hexdigest()


def _checkpoint_file() -> Path:
    path = get_settings().audit_checkpoint_file
    assert path is not None  # set by Settings
    return Path(path)


def checkpoint(*, engine: Engine) -> dict[str, Any]:
    """Write a checkpoint of the current head to the checkpoint file (outside the database)."""
    with session_scope(engine) as s:
        head = s.get(AuditHeadRow, 1)
        seq, digest = (head.seq, head.hash) if head else (0, GENESIS)
    return write_checkpoint(
        seq=seq, hash=digest, key=get_settings().audit_key, path=_checkpoint_file()
    )


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
    """Append one entry to the chain and return it (every ``audit_checkpoint_every``
    entries a checkpoint goes to the checkpoint file once the entry is committed)."""
    settings = get_settings()
    with _LOCK:
        entry = _append(
            engine, settings.audit_key, actor, role, action, object_type, object_id, office, detail
        )
        if entry.seq % settings.audit_checkpoint_every == 0:
            write_checkpoint(
                seq=entry.seq, hash=entry.hash, key=settings.audit_key, path=_checkpoint_file()
            )
    return entry


def _append(
    engine: Engine,
    key: str,
    actor: str,
    role: str,
    action: str,
    object_type: str,
    object_id: str,
    office: str | None,
    detail: dict[str, Any] | None,
) -> AuditEntry:
    with session_scope(engine) as s:
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
        digest = entry_hash(head.hash, content, key)
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
    checkpoint: int | None = None  # seq of the checkpoint compared against, if any
    unkeyed: int = 0  # entries written before an audit key was configured


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


def verify(
    *, engine: Engine, batch: int = 5000, checkpoint_file: Path | None = None
) -> VerifyResult:
    """Walk the chain from the start; report every entry that was edited or deleted, and
    compare it with the latest checkpoint kept outside the database (``checkpoint_file``,
    by default the installation's ``audit_checkpoint_file``)."""
    key = get_settings().audit_key
    cp = latest_checkpoint(path=checkpoint_file or _checkpoint_file())
    problems: list[str] = []
    if cp is not None and not checkpoint_valid(cp, key=key):
        problems.append("the latest checkpoint's MAC does not verify (checkpoint file edited?)")
    cp_seq = int(cp["seq"]) if cp is not None else 0
    cp_seen = cp_seq == 0
    keyed_seen, unkeyed = False, 0
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
                recomputed = entry_hash(row.prev_hash, content, key)
                if (
                    key
                    and recomputed != row.hash
                    and entry_hash(row.prev_hash, content) == row.hash
                ):
                    # a plain SHA-256 entry: fine before the key was set, forged after
                    if keyed_seen:
                        problems.append(
                            f"entry {row.seq} rewritten without the audit key (plain hash "
                            "after keyed entries)"
                        )
                    unkeyed += 1
                    recomputed = row.hash
                elif key:
                    keyed_seen = True
                if cp is not None and row.seq == cp_seq:
                    cp_seen = True
                    if row.hash != cp["hash"]:
                        problems.append(
                            f"entry {row.seq} differs from the checkpoint of {cp.get('ts')}: "
                            "the chain was rewritten up to it"
                        )
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
    if not cp_seen:
        problems.append(
            f"entries up to {cp_seq} deleted: the checkpoint of {cp.get('ts') if cp else ''} "
            f"records entry {cp_seq}, the chain ends at {last_seq}"
        )
    return VerifyResult(
        ok=not problems,
        entries=count,
        problems=problems,
        checkpoint=cp_seq or None,
        unkeyed=unkeyed if key else 0,
    )


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
