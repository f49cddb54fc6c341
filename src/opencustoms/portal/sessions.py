"""Server-side sessions of public portal accounts (issue 18, finding 7).

The portal cookie is signed, but a signature alone cannot be taken back: a copy kept
after logout would sign its holder in until it expires. So a signed-in cookie names a
session id whose SHA-256 is stored here; logging out deletes the record, and every
request looks it up (one indexed query), so a replayed cookie signs nobody in. A disabled
or unverified account has no valid session either. The lifetime is the officer
workspace's (``OPENCUSTOMS_SESSION_LIFETIME``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from sqlalchemy import Engine, delete, select

from opencustoms.db import as_utc, session_scope
from opencustoms.portal.accounts import Account
from opencustoms.portal.models import AccountRow, PortalSessionRow
from opencustoms.settings import get_settings


def _digest(sid: str) -> str:
    return hashlib.sha256(sid.encode()).hexdigest()


def open_session(*, engine: Engine, account: Account) -> str:
    """A new session id for a signed-in account (the cookie carries it)."""
    sid = secrets.token_urlsafe(32)
    now = dt.datetime.now(dt.UTC)
    lifetime = dt.timedelta(seconds=get_settings().session_lifetime)
    with session_scope(engine) as s:
        s.execute(
            delete(PortalSessionRow).where(
                PortalSessionRow.account_id == account.id, PortalSessionRow.expires_at < now
            )
        )
        s.add(
            PortalSessionRow(
                id_hash=_digest(sid),
                account_id=account.id,
                created_at=now,
                expires_at=now + lifetime,
            )
        )
    return sid


def account_for_session(*, engine: Engine, sid: str) -> tuple[int, str] | None:
    """(account id, display name) of the active account of this open session, else None."""
    stmt = (
        select(
            AccountRow.id, AccountRow.display_name, AccountRow.status, PortalSessionRow.expires_at
        )
        .join(AccountRow, AccountRow.id == PortalSessionRow.account_id)
        .where(PortalSessionRow.id_hash == _digest(sid))
    )
    with engine.connect() as conn:
        row = conn.execute(stmt).first()
    if row is None or row.status != "active":
        return None
    if as_utc(row.expires_at) <= dt.datetime.now(dt.UTC):
        return None
    return int(row.id), str(row.display_name)


def close_session(*, engine: Engine, sid: str) -> bool:
    """Logout: the session ends for every copy of its cookie; True when it was open."""
    with session_scope(engine) as s:
        result = s.execute(delete(PortalSessionRow).where(PortalSessionRow.id_hash == _digest(sid)))
        return bool(result.rowcount)  # type: ignore[attr-defined]
