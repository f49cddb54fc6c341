"""Case attachments: size-limited, typed by content, stored on disk by content hash.

The type is decided from the file's leading bytes against the policy's list (PDF, PNG,
JPEG, ZIP containers such as xlsx, UTF-8 text); the name and any client-supplied media type
are not trusted. Files are stored once under ``$VAR_DIR/cases/attachments/<sha256>`` and
the hash is checked again when read, so a file swapped on disk is refused.

>>> detect_type(b"%PDF-1.7 ...").name, detect_type("주소,금액\\n".encode()).name
('pdf', 'text')
>>> detect_type(b"MZ\\x90\\x00")
Traceback (most recent call last):
...
opencustoms.errors.InvalidInput: file: content is not an allowed type (pdf, png, jpeg, zip, text)
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
import re
from pathlib import Path

from sqlalchemy import Engine

from opencustoms.cases.access import ActorLike, require_visible
from opencustoms.cases.history import record_case
from opencustoms.cases.models import AttachmentRow, CaseRow
from opencustoms.cases.policy import FileType, Policy, load_policy
from opencustoms.cases.service import Attachment
from opencustoms.db import session_scope
from opencustoms.errors import Conflict, InvalidInput, NotFound
from opencustoms.settings import get_settings


def storage_dir() -> Path:
    return get_settings().var_dir / "cases" / "attachments"


def detect_type(content: bytes, *, policy: Policy | None = None) -> FileType:
    rule = (policy or load_policy()).attachment_rule(on=dt.date.today())
    for kind in rule.types:
        if kind.magic is not None and content.startswith(bytes.fromhex(kind.magic)):
            return kind
    for kind in rule.types:
        if kind.text and b"\x00" not in content:
            try:
                content.decode("utf-8")
            except UnicodeDecodeError:
                continue
            return kind
    names = ", ".join(t.name for t in rule.types)
    raise InvalidInput("file", f"content is not an allowed type ({names})")


def _safe_name(filename: str) -> str:
    # Keep the base name only; the stored path is the hash, the name is for people.
    base = os.path.basename(filename.replace("\\", "/")).strip()
    base = re.sub(r"[\x00-\x1f]", "", base)[:255]
    if not base:
        raise InvalidInput("filename", "a file name is required")
    return base


def add_attachment(
    *,
    engine: Engine,
    actor: ActorLike,
    case_id: int,
    filename: str,
    content: bytes,
    now: dt.datetime | None = None,
) -> Attachment:
    """Check, store and link a file to a case; audited with its hash."""
    now = now or dt.datetime.now(dt.UTC)
    policy = load_policy()
    limit = policy.attachment_rule(on=now.date()).max_bytes
    if len(content) > limit:
        raise InvalidInput("file", f"{len(content):,} bytes is over the {limit:,}-byte limit")
    if not content:
        raise InvalidInput("file", "empty file")
    kind = detect_type(content, policy=policy)
    name = _safe_name(filename)
    digest = hashlib.sha256(content).hexdigest()
    with session_scope(engine) as s:
        case = s.get(CaseRow, case_id)
        if case is None:
            raise NotFound(f"case {case_id} not found")
        require_visible(actor, case.office, f"case {case_id}", write=True)
        if case.merged_into is not None:
            raise Conflict(f"case {case_id} was merged into case {case.merged_into}")
        target = storage_dir() / digest
        if not target.exists():
            target.parent.mkdir(parents=True, exist_ok=True)
            tmp = target.with_suffix(".part")
            tmp.write_bytes(content)
            tmp.replace(target)  # atomic: a reader never sees half a file
        row = AttachmentRow(
            case_id=case_id,
            filename=name,
            media_type=kind.media_type,
            size=len(content),
            sha256=digest,
            uploaded_by=actor.username,
            created_at=now,
        )
        s.add(row)
        s.flush()
        out = Attachment.model_validate(row, from_attributes=True)
    record_case(
        engine=engine,
        actor=actor,
        action="case_attachment",
        case_id=case_id,
        detail={"attachment": out.id, "filename": name, "sha256": digest, "size": len(content)},
    )
    return out


def read_attachment(
    *, engine: Engine, actor: ActorLike, case_id: int, attachment_id: int
) -> tuple[Attachment, bytes]:
    with session_scope(engine) as s:
        row = s.get(AttachmentRow, attachment_id)
        if row is None or row.case_id != case_id:
            raise NotFound(f"attachment {attachment_id} not found")
        case = s.get(CaseRow, case_id)
        require_visible(actor, case.office if case else None, f"case {case_id}")
        meta = Attachment.model_validate(row, from_attributes=True)
    path = storage_dir() / meta.sha256
    if not path.is_file():
        raise NotFound(f"attachment {attachment_id}: file missing from storage")
    content = path.read_bytes()
    if hashlib.sha256(content).hexdigest() != meta.sha256:
        raise Conflict(f"attachment {attachment_id}: stored file no longer matches its hash")
    return meta, content
