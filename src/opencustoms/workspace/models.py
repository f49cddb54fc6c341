"""Workspace tables (offices, users, API tokens, audit chain) and their pydantic views."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import JSON, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from opencustoms.db import Base


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


class TokenRow(Base):
    __tablename__ = "ws_token"

    # Only the SHA-256 of the token is stored, so a leaked table grants nothing.
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("ws_user.id", ondelete="CASCADE"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


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


class User(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    username: str = Field(examples=["kim.officer"])
    role: Role
    office: str = Field(examples=["40"])
    trader_id: str | None = None

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
    password: str = Field(min_length=8, max_length=256)
    role: Role
    office: str = Field(min_length=1, max_length=16)
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
