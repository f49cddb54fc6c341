"""Offices, users and passwords (argon2); administration of users: create, disable,
enable, change role, reset password. Every change that takes rights away (disable, role
change, password reset) ends the user's sessions and tokens in the same transaction
(:mod:`opencustoms.workspace.sessions`)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from opencustoms.db import migrate, session_scope
from opencustoms.errors import Conflict, InvalidInput, NotFound
from opencustoms.settings import get_settings
from opencustoms.workspace.models import Office, OfficeRow, Role, User, UserCreate, UserRow
from opencustoms.workspace.passwords import check_password
from opencustoms.workspace.sessions import revoke_in

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


def office_register(path: Path | None = None) -> dict[str, Office]:
    """The office register by code, with Korean names (from the register file; the
    ws_office table has no Korean names).

    >>> r = office_register()
    >>> r["40"].name, r["40"].name_ko, "999" in r
    ('Incheon Airport Main Customs', '인천공항본부세관', False)
    """
    file = Path(path if path is not None else get_settings().offices_file).resolve()
    return dict(_register(str(file), file.stat().st_mtime_ns))


@lru_cache(maxsize=4)
def _register(path: str, stamp: int) -> dict[str, Office]:
    # Keyed by modification time: parsing the YAML costs ~20 ms of CPU, too much for
    # every page that names offices; an edited register is read again at once.
    return {o.code: o for o in load_offices(Path(path))}


def seed_offices(*, engine: Engine, path: Path | None = None) -> int:
    """Insert offices missing from the database; returns how many were added."""
    offices = load_offices(path)
    with session_scope(engine) as s:
        existing = set(s.execute(select(OfficeRow.code)).scalars())
        new = [
            OfficeRow(**o.model_dump(exclude={"name_ko"}))
            for o in offices
            if o.code not in existing
        ]
        s.add_all(new)
    return len(new)


def prepare_database(engine: Engine, *, offices_file: Path | None = None) -> None:
    """Bring the schema to head and seed the office register (idempotent)."""
    migrate(engine)
    seed_offices(engine=engine, path=offices_file)


def office_exists(*, engine: Engine, office: str) -> bool:
    # One Core query, no ORM session: every office page asks (0.2 ms instead of 0.6 ms).
    code = OfficeRow.__table__.c.code
    with engine.connect() as conn:
        return conn.execute(select(code).where(code == office)).first() is not None


def list_offices(*, engine: Engine) -> list[Office]:
    with session_scope(engine) as s:
        rows = s.execute(select(OfficeRow).order_by(OfficeRow.code)).scalars()
        return [Office.model_validate(r) for r in rows]


def create_user(*, engine: Engine, data: UserCreate) -> User:
    """Create a user; the office must exist and traders need a ``trader_id``."""
    if data.role == "trader" and not data.trader_id:
        raise UserError("trader_id", "a trader needs the importer/declarant id they follow")
    # UserCreate checks the policy already; checked again so no caller can skip it.
    check_password(data.password, context=(data.username,))
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
    """The user for these credentials, or None (also for a disabled user, after the same
    work, so the answer does not tell a disabled account from a wrong password)."""
    with session_scope(engine) as s:
        row = s.execute(select(UserRow).where(UserRow.username == username)).scalar_one_or_none()
        try:
            _HASHER.verify(row.password_hash if row else _DUMMY_HASH, password)
        except (VerificationError, InvalidHashError):
            return None
        if row is None or row.disabled_at is not None:
            return None
        if _HASHER.check_needs_rehash(row.password_hash):
            row.password_hash = _HASHER.hash(password)
        return User.model_validate(row)


def _by_name(s: Session, username: str) -> UserRow:
    row = s.execute(select(UserRow).where(UserRow.username == username)).scalar_one_or_none()
    if row is None:
        raise NotFound(f"username: no user {username!r}")
    return row


def _keep_an_admin(s: Session, row: UserRow) -> None:
    # Nobody could administer users any more (the CLI could still repair it).
    if row.role != Role.ADMIN.value or row.disabled_at is not None:
        return
    others = s.execute(
        select(func.count())
        .select_from(UserRow)
        .where(
            UserRow.role == Role.ADMIN.value, UserRow.disabled_at.is_(None), UserRow.id != row.id
        )
    ).scalar_one()
    if not others:
        raise Conflict(f"username: {row.username} is the last enabled admin")


@dataclass(frozen=True)
class Change:
    """What an administrative change did: the user afterwards, the values before, and how
    many sessions and tokens it ended (for the audit entry)."""

    user: User
    before: dict[str, str | None]
    sessions_ended: int = 0
    tokens_ended: int = 0

    def audit_detail(self) -> dict[str, object]:
        """The audit entry's detail, the same from the CLI and the web face."""
        return {
            "before": self.before,
            "after": {
                "role": self.user.role.value,
                "office": self.user.office,
                "disabled": self.user.disabled_at is not None,
            },
            "sessions_ended": self.sessions_ended,
            "tokens_ended": self.tokens_ended,
        }


def disable_user(*, engine: Engine, username: str) -> Change:
    """Disable a user: login refused, every session and token ended at once."""
    with session_scope(engine) as s:
        row = _by_name(s, username)
        _keep_an_admin(s, row)
        before = {"disabled_at": row.disabled_at.isoformat() if row.disabled_at else None}
        if row.disabled_at is None:
            row.disabled_at = dt.datetime.now(dt.UTC)
        ended = revoke_in(s, row.id)
        s.flush()
        return Change(User.model_validate(row), before, *ended)


def enable_user(*, engine: Engine, username: str) -> Change:
    """Enable a disabled user again (they sign in anew; old sessions stay ended)."""
    with session_scope(engine) as s:
        row = _by_name(s, username)
        before = {"disabled_at": row.disabled_at.isoformat() if row.disabled_at else None}
        row.disabled_at = None
        s.flush()
        return Change(User.model_validate(row), before)


def set_role(
    *,
    engine: Engine,
    username: str,
    role: Role,
    office: str | None = None,
    trader_id: str | None = None,
) -> Change:
    """Change a user's role (and optionally office or trader id); ends their sessions and
    tokens so no request runs with the old rights."""
    with session_scope(engine) as s:
        row = _by_name(s, username)
        if office is not None and s.get(OfficeRow, office) is None:
            raise UserError("office", f"unknown office code {office!r}")
        new_trader = trader_id if trader_id is not None else row.trader_id
        if role == Role.TRADER and not new_trader:
            raise UserError("trader_id", "a trader needs the importer/declarant id they follow")
        if role != Role.ADMIN:
            _keep_an_admin(s, row)
        before = {"role": row.role, "office": row.office, "trader_id": row.trader_id}
        row.role = role.value
        row.office = office or row.office
        # Only traders follow a trader id; staff keep none.
        row.trader_id = new_trader if role == Role.TRADER else None
        ended = revoke_in(s, row.id)
        s.flush()
        return Change(User.model_validate(row), before, *ended)


def reset_password(*, engine: Engine, username: str, password: str) -> Change:
    """Set a new password (policy checked) and end every session and token of the user:
    whoever knew the old one is signed out."""
    check_password(password, context=(username,))
    with session_scope(engine) as s:
        row = _by_name(s, username)
        row.password_hash = _HASHER.hash(password)
        ended = revoke_in(s, row.id)
        s.flush()
        return Change(User.model_validate(row), {}, *ended)
