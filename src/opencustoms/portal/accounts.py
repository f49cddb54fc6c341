"""Public accounts: registration with e-mail verification, login under rate limits, and
the identities (PCCC, trader id) an account may follow once an officer verified them.

A registration stores the account as ``pending`` and e-mails a one-time link; only the
SHA-256 of its token is kept and it expires after ``VERIFY_TTL``. Login answers the same
way, after the same work, whether the e-mail is unknown, unverified or the password wrong,
so the form does not reveal which addresses have accounts. Both are rate limited per
client IP and per e-mail address (:mod:`opencustoms.portal.ratelimit`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Engine, select

from opencustoms.db import session_scope
from opencustoms.errors import Conflict, Forbidden, InvalidInput, NotFound
from opencustoms.portal.mail import Mailer
from opencustoms.portal.models import AccountRow, IdentityRow
from opencustoms.portal.ratelimit import Limiter, default_limiter
from opencustoms.workspace.passwords import check_password as policy_check

VERIFY_TTL = dt.timedelta(hours=24)
_EMAIL = re.compile(r"^[^@\s]{1,64}@[A-Za-z0-9.-]{1,253}\.[A-Za-z]{2,}$")
_PCCC = re.compile(r"^P\d{12}$")
_TRADER = re.compile(r"^[A-Za-z0-9-]{3,64}$")
_HASHER = PasswordHasher()
# Verified against when the account does not exist, so timing does not reveal accounts.
_DUMMY = _HASHER.hash("no-such-account-password")
LANGUAGES = ("ko", "en")


class LoginFailed(Forbidden):
    """Wrong e-mail or password, or the account is not verified: one message for all."""


@dataclass(frozen=True)
class Account:
    id: int
    email: str
    display_name: str
    language: str
    status: str


def _account(row: AccountRow) -> Account:
    return Account(row.id, row.email, row.display_name, row.language, row.status)


def _sha(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def normalise_email(email: str) -> str:
    email = (email or "").strip().lower()
    if not _EMAIL.match(email):
        raise InvalidInput("email", "not an e-mail address")
    return email


def check_password(password: str, *, email: str = "") -> None:
    """The workspace's password policy (length, common passwords, whitespace; see
    :mod:`opencustoms.workspace.passwords`); a password equal to the e-mail's local part
    is refused too, because it is the first thing an attacker tries."""
    name = email.split("@", 1)[0]
    if email and password.lower() == name:
        raise InvalidInput("password", "must not be your e-mail name")
    policy_check(password, context=(name,) if email else ())


def register(
    *,
    engine: Engine,
    mailer: Mailer,
    email: str,
    password: str,
    display_name: str,
    language: str,
    client_ip: str,
    verify_url: str,
    limiter: Limiter | None = None,
    now: dt.datetime | None = None,
) -> Account:
    """Create a pending account and e-mail its verification link (``verify_url`` + token).

    Registering an address that is still pending sends a fresh link (the first mail may
    have been lost); an active address is refused with :class:`Conflict`.
    """
    limiter = limiter or default_limiter()
    limiter.check("register_ip", client_ip)
    email = normalise_email(email)
    limiter.check("register_email", email)
    check_password(password, email=email)
    display_name = " ".join((display_name or "").split())
    if not 1 <= len(display_name) <= 100:
        raise InvalidInput("display_name", "1-100 characters")
    if language not in LANGUAGES:
        raise InvalidInput("language", f"one of {', '.join(LANGUAGES)}")
    now = now or dt.datetime.now(dt.UTC)
    token = secrets.token_urlsafe(32)
    with session_scope(engine) as s:
        row = s.scalars(select(AccountRow).where(AccountRow.email == email)).first()
        if row is not None and row.status != "pending":
            raise Conflict("email: an account with this address exists; log in instead")
        if row is None:
            row = AccountRow(email=email, created_at=now, status="pending")
            s.add(row)
        row.password_hash = _HASHER.hash(password)
        row.display_name = display_name
        row.language = language
        row.verify_hash = _sha(token)
        row.verify_expires_at = now + VERIFY_TTL
        s.flush()
        account = _account(row)
    subject, body = verification_mail(language, f"{verify_url}?token={token}")
    mailer.send(to=email, subject=subject, body=body)
    return account


def verification_mail(language: str, link: str) -> tuple[str, str]:
    from opencustoms.i18n import translator

    _ = translator(language).gettext
    subject = _("Confirm your e-mail address for the customs portal")
    body = _(
        "Open this link within 24 hours to activate your account:\n\n{link}\n\n"
        "If you did not register, ignore this message."
    ).format(link=link)
    return subject, body


def verify_email(*, engine: Engine, token: str, now: dt.datetime | None = None) -> Account:
    """Activate the account the token was sent to; a used, wrong or expired token fails."""
    now = now or dt.datetime.now(dt.UTC)
    if not token or len(token) > 200:
        raise InvalidInput("token", "missing or malformed")
    with session_scope(engine) as s:
        row = s.scalars(select(AccountRow).where(AccountRow.verify_hash == _sha(token))).first()
        if row is None:
            raise NotFound("token: unknown or already used")
        expires = row.verify_expires_at
        if expires is not None and expires.tzinfo is None:
            expires = expires.replace(tzinfo=dt.UTC)  # SQLite returns naive datetimes
        if expires is None or expires < now:
            raise InvalidInput("token", "expired: register again to get a new link")
        row.status = "active"
        row.verify_hash = None
        row.verify_expires_at = None
        row.verified_at = now
        return _account(row)


def authenticate(
    *,
    engine: Engine,
    email: str,
    password: str,
    client_ip: str,
    limiter: Limiter | None = None,
) -> Account:
    """The account for these credentials, or :class:`LoginFailed`; limited per IP and per
    address (attempts count whether they succeed or not, so guessing is slow either way)."""
    limiter = limiter or default_limiter()
    limiter.check("login_ip", client_ip)
    key = (email or "").strip().lower()[:254]
    limiter.check("login_account", key)
    with session_scope(engine) as s:
        row = s.scalars(select(AccountRow).where(AccountRow.email == key)).first()
        stored = row.password_hash if row is not None else _DUMMY
        try:
            _HASHER.verify(stored, password)
            ok = row is not None
        except (VerificationError, InvalidHashError):
            ok = False
        if not ok or row is None or row.status != "active":
            raise LoginFailed("email or password wrong, or the address is not verified yet")
        if _HASHER.check_needs_rehash(row.password_hash):
            row.password_hash = _HASHER.hash(password)
        return _account(row)


def get_account(*, engine: Engine, account_id: int) -> Account:
    with session_scope(engine) as s:
        row = s.get(AccountRow, account_id)
        if row is None or row.status != "active":
            raise NotFound("account")
        return _account(row)


def request_identity(
    *, engine: Engine, account_id: int, kind: str, value: str, now: dt.datetime | None = None
) -> int:
    """Ask to follow a PCCC or a trader id; nothing is shown until an officer verifies it."""
    value = (value or "").strip().upper()
    if kind == "pccc":
        if not _PCCC.match(value):
            raise InvalidInput("value", "a PCCC is P followed by 12 digits")
    elif kind == "trader":
        if not _TRADER.match(value):
            raise InvalidInput("value", "a trader id of 3-64 letters, digits or dashes")
    else:
        raise InvalidInput("kind", "pccc or trader")
    with session_scope(engine) as s:
        dup = s.scalars(
            select(IdentityRow).where(
                IdentityRow.account_id == account_id,
                IdentityRow.kind == kind,
                IdentityRow.value == value,
            )
        ).first()
        if dup is not None:
            raise Conflict(f"value: {value} was already requested ({dup.status})")
        row = IdentityRow(
            account_id=account_id,
            kind=kind,
            value=value,
            status="pending",
            requested_at=now or dt.datetime.now(dt.UTC),
        )
        s.add(row)
        s.flush()
        return row.id


def decide_identity(
    *, engine: Engine, identity_id: int, approve: bool, officer: str, role: str
) -> None:
    """An officer confirms (after checking the person's documents) or rejects a link."""
    if role not in ("officer", "supervisor", "admin"):
        raise Forbidden("only customs staff verify identities")
    with session_scope(engine) as s:
        row = s.get(IdentityRow, identity_id)
        if row is None:
            raise NotFound(f"identity {identity_id}")
        row.status = "verified" if approve else "rejected"
        row.decided_by = officer
        row.decided_at = dt.datetime.now(dt.UTC)


def identities(*, engine: Engine, account_id: int) -> list[dict[str, str]]:
    with session_scope(engine) as s:
        rows = s.scalars(
            select(IdentityRow).where(IdentityRow.account_id == account_id).order_by(IdentityRow.id)
        )
        return [{"kind": r.kind, "value": r.value, "status": r.status} for r in rows]


def pending_identities(*, engine: Engine) -> list[dict[str, object]]:
    with session_scope(engine) as s:
        rows = s.execute(
            select(IdentityRow, AccountRow.email, AccountRow.display_name)
            .join(AccountRow, AccountRow.id == IdentityRow.account_id)
            .where(IdentityRow.status == "pending")
            .order_by(IdentityRow.id)
        ).all()
        return [
            {"id": r.id, "kind": r.kind, "value": r.value, "email": e, "name": n}
            for r, e, n in rows
        ]
