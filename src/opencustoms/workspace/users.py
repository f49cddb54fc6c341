"""Offices, users, passwords (argon2) and API bearer tokens."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from pathlib import Path

import yaml
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Engine, select

from opencustoms.db import as_utc, migrate, session_scope
from opencustoms.errors import InvalidInput
from opencustoms.settings import get_settings
from opencustoms.workspace.models import Office, OfficeRow, TokenRow, User, UserCreate, UserRow

TOKEN_TTL = dt.timedelta(hours=12)
_HASHER = PasswordHasher()
# Verifying against a dummy hash when the user does not exist keeps the response time the
# same, so login timing does not reveal which usernames exist.
_DUMMY_HASH = _HASHER.hash("not-a-real-password")


class UserError(InvalidInput):
    """Bad user input; ``field`` names the offending field."""

    @property
    def message(self) -> str:
        return self.reason


def load_offices(path: Path | None = None) -> list[Office]:
    """Read the office register (34 customs offices + 16 support centres by default).

    >>> offices = load_offices()
    >>> sum(o.kind == "customs_office" for o in offices), len(offices)
    (34, 50)
    """
    if path is None:
        path = get_settings().offices_file
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
    return [Office.model_validate(o) for o in data["offices"]]


def seed_offices(*, engine: Engine, path: Path | None = None) -> int:
    """Insert offices missing from the database; returns how many were added."""
    offices = load_offices(path)
    with session_scope(engine) as s:
        existing = set(s.execute(select(OfficeRow.code)).scalars())
        new = [OfficeRow(**o.model_dump()) for o in offices if o.code not in existing]
        s.add_all(new)
    return len(new)


def prepare_database(engine: Engine, *, offices_file: Path | None = None) -> None:
    """Bring the schema to head and seed the office register (idempotent)."""
    migrate(engine)
    seed_offices(engine=engine, path=offices_file)


def office_exists(*, engine: Engine, office: str) -> bool:
    with session_scope(engine) as s:
        return s.get(OfficeRow, office) is not None


def list_offices(*, engine: Engine) -> list[Office]:
    with session_scope(engine) as s:
        rows = s.execute(select(OfficeRow).order_by(OfficeRow.code)).scalars()
        return [Office.model_validate(r) for r in rows]


def create_user(*, engine: Engine, data: UserCreate) -> User:
    """Create a user; the office must exist and traders need a ``trader_id``."""
    if data.role == "trader" and not data.trader_id:
        raise UserError("trader_id", "a trader needs the importer/declarant id they follow")
    with session_scope(engine) as s:
        if s.get(OfficeRow, data.office) is None:
            raise UserError("office", f"unknown office code {data.office!r}")
        if s.execute(select(UserRow).where(UserRow.username == data.username)).first():
            raise UserError("username", f"{data.username!r} already exists")
        row = UserRow(
            username=data.username,
            password_hash=_HASHER.hash(data.password),
            role=data.role.value,
            office=data.office,
            trader_id=data.trader_id,
            created_at=dt.datetime.now(dt.UTC),
        )
        s.add(row)
        s.flush()
        return User.model_validate(row)


def get_user(*, engine: Engine, user_id: int) -> User | None:
    with session_scope(engine) as s:
        row = s.get(UserRow, user_id)
        return User.model_validate(row) if row else None


def list_users(*, engine: Engine) -> list[User]:
    with session_scope(engine) as s:
        rows = s.execute(select(UserRow).order_by(UserRow.id)).scalars()
        return [User.model_validate(r) for r in rows]


def authenticate(*, engine: Engine, username: str, password: str) -> User | None:
    with session_scope(engine) as s:
        row = s.execute(select(UserRow).where(UserRow.username == username)).scalar_one_or_none()
        try:
            _HASHER.verify(row.password_hash if row else _DUMMY_HASH, password)
        except (VerificationError, InvalidHashError):
            return None
        if row is None:
            return None
        if _HASHER.check_needs_rehash(row.password_hash):
            row.password_hash = _HASHER.hash(password)
        return User.model_validate(row)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(*, engine: Engine, user: User) -> tuple[str, dt.datetime]:
    token = secrets.token_urlsafe(32)
    now = dt.datetime.now(dt.UTC)
    with session_scope(engine) as s:
        s.add(
            TokenRow(
                token_hash=_digest(token),
                user_id=user.id,
                created_at=now,
                expires_at=now + TOKEN_TTL,
            )
        )
    return token, now + TOKEN_TTL


def user_for_token(*, engine: Engine, token: str) -> User | None:
    with session_scope(engine) as s:
        tok = s.get(TokenRow, _digest(token))
        if tok is None:
            return None
        if as_utc(tok.expires_at) < dt.datetime.now(dt.UTC):
            return None
        row = s.get(UserRow, tok.user_id)
        return User.model_validate(row) if row else None
