"""Advance classification ruling requests (관세법 제86조): filed by the public, kept for
officers, answered within the deadline of ``data/portal/sla.yaml``."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import Engine, select

from opencustoms.db import session_scope
from opencustoms.errors import Forbidden, InvalidInput, NotFound
from opencustoms.portal.models import RulingRow
from opencustoms.portal.own import Caller
from opencustoms.portal.policy import load_routing, load_sla, reference_number
from opencustoms.portal.ratelimit import Limiter, default_limiter

STAFF = ("officer", "supervisor", "analyst", "admin")


def _view(row: RulingRow, *, staff: bool) -> dict[str, Any]:
    out: dict[str, Any] = {
        "reference": row.reference,
        "description": row.description,
        "proposed_hs": row.proposed_hs,
        "origin": row.origin,
        "status": row.status,
        "office": row.office,
        "created_at": row.created_at,
        "due_at": row.due_at,
        "sla_reference": row.sla_reference,
        "ruling_hs": row.ruling_hs,
        "ruling_text": row.ruling_text,
    }
    if staff:
        out.update(
            applicant=row.applicant,
            contact_email=row.contact_email,
            suggestions=row.suggestions,
            decided_by=row.decided_by,
        )
    return out


def submit_ruling(
    *,
    engine: Engine,
    applicant: str,
    contact_email: str,
    description: str,
    client_ip: str,
    proposed_hs: str | None = None,
    origin: str | None = None,
    suggestions: list[dict[str, Any]] | None = None,
    caller: Caller | None = None,
    limiter: Limiter | None = None,
    now: dt.datetime | None = None,
) -> dict[str, Any]:
    from opencustoms.portal.accounts import normalise_email

    limiter = limiter or default_limiter()
    limiter.check("form_ip", client_ip)
    if caller is not None:
        limiter.check("form_account", f"{caller.kind}:{caller.id}")
    applicant = " ".join((applicant or "").split())
    if not 2 <= len(applicant) <= 200:
        raise InvalidInput("applicant", "2-200 characters")
    email = normalise_email(contact_email)
    description = (description or "").strip()
    if not 20 <= len(description) <= 10_000:
        raise InvalidInput(
            "description", "20-10000 characters: material, function, composition, use"
        )
    hs = "".join(ch for ch in (proposed_hs or "") if ch.isdigit()) or None
    if hs is not None and not 6 <= len(hs) <= 10:
        raise InvalidInput("proposed_hs", "6-10 digits, or leave empty")
    origin = (origin or "").strip().upper() or None
    if origin is not None and (len(origin) != 2 or not origin.isalpha()):
        raise InvalidInput("origin", "a two-letter country code")
    now = now or dt.datetime.now(dt.UTC)
    due, ref = load_sla().due("advance_ruling", now)
    keep = [{"hs6": s.get("hs6"), "confidence": s.get("confidence")} for s in suggestions or []]
    with session_scope(engine) as s:
        row = RulingRow(
            account_id=caller.id if caller is not None and caller.kind == "account" else None,
            applicant=applicant,
            contact_email=email,
            description=description,
            proposed_hs=hs,
            origin=origin,
            suggestions=keep[:10],
            office=load_routing().topic("classification").office,
            status="received",
            created_at=now,
            due_at=due,
            sla_reference=ref[:300],
        )
        s.add(row)
        s.flush()
        row.reference = reference_number("AR", now.year, row.id)
        return _view(row, staff=False)


def list_rulings(*, engine: Engine, role: str, status: str | None = "received") -> list[dict]:
    if role not in STAFF:
        raise Forbidden("customs staff only")
    with session_scope(engine) as s:
        q = select(RulingRow).order_by(RulingRow.due_at)
        if status:
            q = q.where(RulingRow.status == status)
        return [_view(r, staff=True) for r in s.scalars(q)]


def decide_ruling(
    *,
    engine: Engine,
    reference: str,
    ruling_hs: str,
    text: str,
    officer: str,
    role: str,
) -> dict[str, Any]:
    if role not in STAFF or role == "analyst":
        raise Forbidden("classification officers only")
    hs = "".join(ch for ch in ruling_hs if ch.isdigit())
    if not 6 <= len(hs) <= 10:
        raise InvalidInput("ruling_hs", "6-10 digits")
    if not (text or "").strip():
        raise InvalidInput("text", "the reasons of the ruling are required")
    with session_scope(engine) as s:
        row = s.scalars(select(RulingRow).where(RulingRow.reference == reference)).first()
        if row is None:
            raise NotFound(f"reference: {reference} not found")
        row.ruling_hs, row.ruling_text = hs, text.strip()
        row.status, row.decided_by = "answered", officer
        row.decided_at = dt.datetime.now(dt.UTC)
        return _view(row, staff=True)


def my_rulings(*, engine: Engine, caller: Caller) -> list[dict[str, Any]]:
    if caller.kind != "account":
        return []
    with session_scope(engine) as s:
        rows = s.scalars(
            select(RulingRow).where(RulingRow.account_id == caller.id).order_by(RulingRow.id)
        )
        return [_view(r, staff=False) for r in rows]
