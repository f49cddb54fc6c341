"""Workspace tables (offices, users, UI sessions, API tokens, audit chain) and their
pydantic views."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError
from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from opencustoms.db import Base
from opencustoms.errors import InvalidInput
from opencustoms.workspace.passwords import check_password


class Role(StrEnum):
    OFFICER = "officer"
    SUPERVISOR = "supervisor"
    ANALYST = "analyst"
    ADMIN = "admin"
    TRADER = "trader"


# Roles that may see risk scores and reasons at all; traders never do.
STAFF_ROLES = frozenset({Role.OFFICER, Role.SUPERVISOR, Role.ANALYST, Role.ADMIN})
# Roles whose reading is not limited to their own office.
CROSS_OFFICE_ROLES = frozenset({Role.ANALYST, Role.ADMIN})


class OfficeRow(Base):
    __tablename__ = "ws_office"

    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(32))
    parent: Mapped[str | None] = mapped_column(String(16), nullable=True)


class UserRow(Base):
    __tablename__ = "ws_user"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(256))
    role: Mapped[str] = mapped_column(String(16))
    office: Mapped[str] = mapped_column(ForeignKey("ws_office.code"))
    # For traders: the importer/declarant id whose declarations they may follow.
    trader_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    # Set while the account is disabled: no login, no session, no token works.
    disabled_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)


class TokenRow(Base):
    __tablename__ = "ws_token"

    # Only the SHA-256 of the token is stored, so a leaked table grants nothing.
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("ws_user.id", ondelete="CASCADE"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))

    # Revocation deletes every token of a user at once.
    __table_args__ = (Index("ix_ws_token_user", "user_id"),)


class SessionRow(Base):
    """A signed-in browser: the cookie names it, so logging out, disabling the user or
    changing their role deletes it and a replayed cookie finds nothing."""

    __tablename__ = "ws_session"

    # SHA-256 of the random session id carried (signed) in the cookie.
    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("ws_user.id", ondelete="CASCADE"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))

    __table_args__ = (Index("ix_ws_session_user", "user_id"),)


class AuditRow(Base):
    __tablename__ = "ws_audit"

    # seq is assigned by the appender (previous + 1), never by the database, so a deleted
    # entry leaves a gap that verification can name.
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    ts: Mapped[str] = mapped_column(String(40))
    actor: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(16))
    action: Mapped[str] = mapped_column(String(64))
    object_type: Mapped[str] = mapped_column(String(64))
    object_id: Mapped[str] = mapped_column(String(200))
    office: Mapped[str | None] = mapped_column(String(16), nullable=True)
    detail: Mapped[dict] = mapped_column(JSON)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditHeadRow(Base):
    """One row holding the latest seq and hash: appends lock it, and verification compares
    the chain's end with it, so removing the newest entries is detected too."""

    __tablename__ = "ws_audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    seq: Mapped[int] = mapped_column(Integer)
    hash: Mapped[str] = mapped_column(String(64))
    note: Mapped[str | None] = mapped_column(Text, nullable=True)


class Office(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    code: str = Field(examples=["40"])
    name: str = Field(examples=["Incheon Airport Main Customs"])
    kind: str = Field(examples=["customs_office"])
    parent: str | None = None
    # Only in the register file (offices.yaml), not in the ws_office table.
    name_ko: str | None = Field(default=None, examples=["인천공항본부세관"])


class User(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    username: str = Field(examples=["kim.officer"])
    role: Role
    office: str = Field(examples=["40"])
    trader_id: str | None = None
    disabled_at: dt.datetime | None = None

    @property
    def is_staff(self) -> bool:
        return self.role in STAFF_ROLES

    def can_read_office(self, office: str | None) -> bool:
        if self.role in CROSS_OFFICE_ROLES:
            return True
        return self.role in STAFF_ROLES and office == self.office


class UserCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: str = Field(min_length=3, max_length=64, pattern=r"^[A-Za-z0-9._@-]+$")
    password: str = Field(max_length=256)
    role: Role
    office: str = Field(min_length=1, max_length=16)
    trader_id: str | None = Field(default=None, max_length=64)

    @field_validator("password")
    @classmethod
    def _policy(cls, value: str, info: ValidationInfo) -> str:
        return policy_checked(value, username=info.data.get("username"))


def policy_checked(value: str, *, username: str | None) -> str:
    """``value`` if it meets the password policy; a pydantic error with the reason (the
    field name comes from where the model is used) otherwise."""
    try:
        check_password(value, context=(username,) if username else ())
    except InvalidInput as exc:
        raise PydanticCustomError("password_policy", exc.reason) from None
    return value


class PasswordIn(BaseModel):
    """A new password for an existing user (admin reset)."""

    model_config = ConfigDict(extra="forbid")

    password: str = Field(max_length=256, examples=["a long passphrase of mine"])

    @field_validator("password")
    @classmethod
    def _policy(cls, value: str) -> str:
        return policy_checked(value, username=None)


class RoleIn(BaseModel):
    """A user's new role (and, optionally, office or trader id)."""

    model_config = ConfigDict(extra="forbid")

    role: Role
    office: str | None = Field(default=None, min_length=1, max_length=16)
    trader_id: str | None = Field(default=None, max_length=64)


class AuditEntry(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    seq: int
    ts: str
    actor: str
    role: str
    action: str
    object_type: str
    object_id: str
    office: str | None
    detail: dict
    prev_hash: str
    hash: str
