"""Feedback and complaints from the public, routed to the responsible office.

A message about a declaration goes to the office that handled it, about a parcel to the
parcel's office, otherwise to the topic's office (``data/portal/routing.yaml``). It gets a
reference number with a check digit, a deadline from ``data/portal/sla.yaml`` fixed on
arrival, and a secret access code so a person without an account can read the answer.
The requester sees the subject only through their own identifiers: naming a stranger's
declaration routes by topic instead, so the routing itself reveals nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, func, select

from opencustoms.db import session_scope
from opencustoms.errors import Forbidden, InvalidInput, NotFound
from opencustoms.portal.models import FeedbackRow, ReplyRow
from opencustoms.portal.own import Caller
from opencustoms.portal.policy import KINDS, load_routing, load_sla, reference_number
from opencustoms.portal.ratelimit import Limiter, default_limiter

MAX_TEXT = 5000
STAFF = ("officer", "supervisor", "analyst", "admin")
CROSS_OFFICE = ("analyst", "admin")


@dataclass(frozen=True)
class Submitted:
    reference: str
    access_code: str  # shown once to the requester; only its hash is stored
    office: str
    due_at: dt.datetime
    sla_reference: str


def _sha(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


def _route(
    engine: Engine, caller: Caller | None, subject_type: str, subject_id: str | None, topic: str
) -> tuple[str, str]:
    """(office, why): the subject's own office when the caller owns the subject."""
    routing = load_routing()
    fallback = routing.topic(topic)
    if subject_type == "declaration" and subject_id and caller and caller.trader_ids:
        from opencustoms.declarations.models import declarations as d

        with engine.connect() as conn:
            office = conn.execute(
                select(d.c.office_id)
                .where(
                    d.c.declaration_id == subject_id,
                    d.c.importer_id.in_(caller.trader_ids)
                    | d.c.declarant_id.in_(caller.trader_ids),
                )
                .limit(1)
            ).scalar()
        if office:
            return str(office), f"declaration {subject_id} was handled by office {office}"
    if subject_type == "parcel" and subject_id and caller and caller.pcccs:
        from opencustoms.parcels.models import parcels as p

        with engine.connect() as conn:
            office = conn.execute(
                select(p.c.office_code).where(
                    p.c.parcel_id == subject_id, p.c.recipient_pccc.in_(caller.pcccs)
                )
            ).scalar()
        if office:
            return str(office), f"parcel {subject_id} is handled by office {office}"
    return fallback.office, f"topic '{topic}' ({routing.reference})"


def submit(
    *,
    engine: Engine,
    kind: str,
    topic: str,
    text: str,
    language: str,
    client_ip: str,
    caller: Caller | None = None,
    contact_email: str | None = None,
    subject_type: str = "topic",
    subject_id: str | None = None,
    limiter: Limiter | None = None,
    now: dt.datetime | None = None,
) -> Submitted:
    limiter = limiter or default_limiter()
    limiter.check("form_ip", client_ip)
    if caller is not None:
        limiter.check("form_account", f"{caller.kind}:{caller.id}")
    if kind not in KINDS:
        raise InvalidInput("kind", f"one of {', '.join(KINDS)}")
    load_routing().topic(topic)  # unknown topic -> InvalidInput("topic", ...)
    text = (text or "").strip()
    if not 10 <= len(text) <= MAX_TEXT:
        raise InvalidInput("text", f"10-{MAX_TEXT} characters")
    if subject_type not in ("topic", "declaration", "parcel"):
        raise InvalidInput("subject_type", "topic, declaration or parcel")
    subject_id = (subject_id or "").strip()[:64] or None
    if contact_email:
        from opencustoms.portal.accounts import normalise_email

        contact_email = normalise_email(contact_email)
    elif caller is None:
        raise InvalidInput("contact_email", "needed to tell you the answer (or log in)")
    now = now or dt.datetime.now(dt.UTC)
    office, why = _route(engine, caller, subject_type, subject_id, topic)
    due, sla_ref = load_sla().due(kind, now)
    code = secrets.token_urlsafe(9)
    with session_scope(engine) as s:
        row = FeedbackRow(
            kind=kind,
            topic=topic,
            subject_type=subject_type,
            subject_id=subject_id,
            office=office,
            routed_by=why[:200],
            account_id=caller.id if caller is not None and caller.kind == "account" else None,
            contact_email=contact_email,
            language=language,
            text=text,
            status="open",
            created_at=now,
            due_at=due,
            sla_reference=sla_ref[:300],
            access_hash=_sha(code),
        )
        s.add(row)
        s.flush()  # the id numbers the reference
        row.reference = reference_number("FB", now.year, row.id)
        return Submitted(row.reference, code, office, due, sla_ref)


def _view(row: FeedbackRow, replies: list[ReplyRow], *, staff: bool) -> dict[str, Any]:
    out: dict[str, Any] = {
        "reference": row.reference,
        "kind": row.kind,
        "topic": row.topic,
        "subject_type": row.subject_type,
        "subject_id": row.subject_id,
        "office": row.office,
        "text": row.text,
        "status": row.status,
        "created_at": row.created_at,
        "due_at": row.due_at,
        "sla_reference": row.sla_reference,
        "satisfaction": row.satisfaction,
        "replies": [
            {
                "author": r.author if staff else None,
                "office": r.office,
                "text": r.text,
                "created_at": r.created_at,
            }
            for r in replies
        ],
    }
    if staff:
        out["routed_by"] = row.routed_by
        out["contact_email"] = row.contact_email
        out["language"] = row.language
    return out


def _load(s: Any, reference: str) -> tuple[FeedbackRow, list[ReplyRow]]:
    row = s.scalars(select(FeedbackRow).where(FeedbackRow.reference == reference.strip().upper()))
    row = row.first()
    if row is None:
        raise NotFound(f"reference: {reference} not found")
    replies = list(
        s.scalars(select(ReplyRow).where(ReplyRow.feedback_id == row.id).order_by(ReplyRow.id))
    )
    return row, replies


def _owner_ok(row: FeedbackRow, caller: Caller | None, access_code: str | None) -> bool:
    if caller is not None and caller.kind == "account" and row.account_id == caller.id:
        return True
    return bool(access_code) and hmac.compare_digest(row.access_hash, _sha(access_code or ""))


def get_for_requester(
    *, engine: Engine, reference: str, caller: Caller | None = None, access_code: str | None = None
) -> dict[str, Any]:
    with session_scope(engine) as s:
        row, replies = _load(s, reference)
        if not _owner_ok(row, caller, access_code):
            raise NotFound(f"reference: {reference} not found")  # no probing of others'
        return _view(row, replies, staff=False)


def mine(*, engine: Engine, caller: Caller) -> list[dict[str, Any]]:
    if caller.kind != "account":
        return []
    with session_scope(engine) as s:
        rows = s.scalars(
            select(FeedbackRow)
            .where(FeedbackRow.account_id == caller.id)
            .order_by(FeedbackRow.id.desc())
        ).all()
        return [_view(r, [], staff=False) for r in rows]


def rate(
    *,
    engine: Engine,
    reference: str,
    satisfaction: int,
    caller: Caller | None = None,
    access_code: str | None = None,
) -> None:
    """The requester scores the answer 1 (poor) to 5 (very good), once it was answered."""
    if satisfaction not in range(1, 6):
        raise InvalidInput("satisfaction", "1 to 5")
    with session_scope(engine) as s:
        row, _ = _load(s, reference)
        if not _owner_ok(row, caller, access_code):
            raise NotFound(f"reference: {reference} not found")
        if row.first_reply_at is None:
            raise InvalidInput("satisfaction", "can be given once the office has answered")
        row.satisfaction = satisfaction


def _require_office(role: str, office: str, row_office: str) -> None:
    if role not in STAFF:
        raise Forbidden("customs staff only")
    if role not in CROSS_OFFICE and office != row_office:
        raise NotFound("reference: not found in your office")


def reply(
    *,
    engine: Engine,
    reference: str,
    text: str,
    author: str,
    role: str,
    office: str,
    close: bool = False,
    now: dt.datetime | None = None,
) -> dict[str, Any]:
    """An officer of the responsible office answers; the first answer stops the SLA clock."""
    text = (text or "").strip()
    if not 1 <= len(text) <= MAX_TEXT:
        raise InvalidInput("text", f"1-{MAX_TEXT} characters")
    now = now or dt.datetime.now(dt.UTC)
    with session_scope(engine) as s:
        row, replies = _load(s, reference)
        _require_office(role, office, row.office)
        r = ReplyRow(
            feedback_id=row.id,
            author=author,
            office=office or row.office,
            text=text,
            created_at=now,
        )
        s.add(r)
        row.first_reply_at = row.first_reply_at or now
        row.status = "closed" if close else "answered"
        s.flush()
        return _view(row, [*replies, r], staff=True)


def office_queue(
    *, engine: Engine, role: str, office: str, status: str | None = "open", limit: int = 100
) -> list[dict[str, Any]]:
    if role not in STAFF:
        raise Forbidden("customs staff only")
    with session_scope(engine) as s:
        q = select(FeedbackRow).order_by(FeedbackRow.due_at).limit(limit)
        if role not in CROSS_OFFICE:
            q = q.where(FeedbackRow.office == office)
        if status:
            q = q.where(FeedbackRow.status == status)
        return [_view(r, [], staff=True) for r in s.scalars(q)]


def get_for_staff(*, engine: Engine, reference: str, role: str, office: str) -> dict[str, Any]:
    with session_scope(engine) as s:
        row, replies = _load(s, reference)
        _require_office(role, office, row.office)
        return _view(row, replies, staff=True)


def _aware(t: dt.datetime) -> dt.datetime:
    return t if t.tzinfo else t.replace(tzinfo=dt.UTC)


def statistics(
    *, engine: Engine, role: str, office: str, now: dt.datetime | None = None
) -> list[dict[str, Any]]:
    """Per office: received, answered, answered in time (share of answered), open and
    overdue, mean satisfaction and how many rated. Supervisors see their own office."""
    if role not in ("supervisor", "analyst", "admin"):
        raise Forbidden("supervisors and analysts only")
    now = now or dt.datetime.now(dt.UTC)
    with session_scope(engine) as s:
        q = select(
            FeedbackRow.office,
            FeedbackRow.due_at,
            FeedbackRow.first_reply_at,
            FeedbackRow.satisfaction,
        )
        if role == "supervisor":
            q = q.where(FeedbackRow.office == office)
        rows = s.execute(q).all()
    stats: dict[str, dict[str, Any]] = {}
    for off, due, first, sat in rows:
        st = stats.setdefault(
            off,
            {
                "office": off,
                "received": 0,
                "answered": 0,
                "in_time": 0,
                "open": 0,
                "overdue": 0,
                "rated": 0,
                "satisfaction_sum": 0,
            },
        )
        st["received"] += 1
        if first is not None:
            st["answered"] += 1
            st["in_time"] += _aware(first) <= _aware(due)
        else:
            st["open"] += 1
            st["overdue"] += _aware(due) < now
        if sat is not None:
            st["rated"] += 1
            st["satisfaction_sum"] += sat
    out = []
    for st in sorted(stats.values(), key=lambda x: x["office"]):
        total = st.pop("satisfaction_sum")
        st["in_time_share"] = st["in_time"] / st["answered"] if st["answered"] else None
        st["satisfaction"] = total / st["rated"] if st["rated"] else None
        out.append(st)
    return out


def count_open(*, engine: Engine) -> int:
    with session_scope(engine) as s:
        return int(s.scalar(select(func.count()).where(FeedbackRow.status == "open")) or 0)
