"""Tables of the public portal; Alembic revision ``0010_portal`` is their frozen copy.

* ``portal_account``: a member of the public (e-mail, password hash, verification state).
* ``portal_identity``: a PCCC or trader id an account asked to follow; it shows data only
  once an officer verified it (a claim alone would let anyone read a stranger's parcels).
* ``portal_feedback`` / ``portal_reply``: questions, complaints and suggestions routed to
  an office, with the answer deadline fixed at submission, officers' replies and the
  requester's satisfaction.
* ``portal_ruling``: advance classification ruling requests kept for officers.
* ``portal_session``: the server-side record of a signed-in account's cookie (revision
  ``0012_portal_sessions``), so logging out ends the cookie even if a copy is replayed.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from opencustoms.db import Base

_TS = DateTime(timezone=True)


class AccountRow(Base):
    __tablename__ = "portal_account"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    # Stored lower-cased, so one mailbox cannot hold two accounts by changing case.
    email: Mapped[str] = mapped_column(String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(String(256))
    display_name: Mapped[str] = mapped_column(String(100))
    language: Mapped[str] = mapped_column(String(8))
    status: Mapped[str] = mapped_column(String(16))  # pending | active | disabled
    # Only the SHA-256 of the e-mailed token is kept: a leaked table verifies nothing.
    verify_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    verify_expires_at: Mapped[dt.datetime | None] = mapped_column(_TS, nullable=True)
    created_at: Mapped[dt.datetime] = mapped_column(_TS)
    verified_at: Mapped[dt.datetime | None] = mapped_column(_TS, nullable=True)


class PortalSessionRow(Base):
    __tablename__ = "portal_session"

    # Only the SHA-256 of the session id the cookie carries is kept.
    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("portal_account.id", ondelete="CASCADE"))
    created_at: Mapped[dt.datetime] = mapped_column(_TS)
    expires_at: Mapped[dt.datetime] = mapped_column(_TS)

    __table_args__ = (Index("ix_portal_session_account", "account_id"),)


class IdentityRow(Base):
    __tablename__ = "portal_identity"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("portal_account.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))  # pccc | trader
    value: Mapped[str] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))  # pending | verified | rejected
    requested_at: Mapped[dt.datetime] = mapped_column(_TS)
    decided_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    decided_at: Mapped[dt.datetime | None] = mapped_column(_TS, nullable=True)

    __table_args__ = (
        Index("ix_portal_identity_account", "account_id"),
        Index("ix_portal_identity_value", "kind", "value"),
    )


class FeedbackRow(Base):
    __tablename__ = "portal_feedback"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    reference: Mapped[str | None] = mapped_column(String(32), unique=True, nullable=True)
    kind: Mapped[str] = mapped_column(String(16))  # question | complaint | suggestion
    topic: Mapped[str] = mapped_column(String(32))
    subject_type: Mapped[str] = mapped_column(String(16))  # declaration | parcel | topic
    subject_id: Mapped[str | None] = mapped_column(String(64), nullable=True)
    office: Mapped[str] = mapped_column(String(16))
    routed_by: Mapped[str] = mapped_column(String(200))
    account_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    contact_email: Mapped[str | None] = mapped_column(String(254), nullable=True)
    language: Mapped[str] = mapped_column(String(8))
    text: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16))  # open | answered | closed
    created_at: Mapped[dt.datetime] = mapped_column(_TS)
    due_at: Mapped[dt.datetime] = mapped_column(_TS)
    sla_reference: Mapped[str] = mapped_column(String(300))
    first_reply_at: Mapped[dt.datetime | None] = mapped_column(_TS, nullable=True)
    satisfaction: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # The requester reads their case by reference + this secret when not logged in.
    access_hash: Mapped[str] = mapped_column(String(64))

    __table_args__ = (Index("ix_portal_feedback_office", "office", "status"),)


class ReplyRow(Base):
    __tablename__ = "portal_reply"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    feedback_id: Mapped[int] = mapped_column(ForeignKey("portal_feedback.id", ondelete="CASCADE"))
    author: Mapped[str] = mapped_column(String(64))
    office: Mapped[str] = mapped_column(String(16))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(_TS)

    __table_args__ = (Index("ix_portal_reply_feedback", "feedback_id"),)


class RulingRow(Base):
    __tablename__ = "portal_ruling"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    reference: Mapped[str | None] = mapped_column(String(32), unique=True, nullable=True)
    account_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    applicant: Mapped[str] = mapped_column(String(200))
    contact_email: Mapped[str] = mapped_column(String(254))
    description: Mapped[str] = mapped_column(Text)
    proposed_hs: Mapped[str | None] = mapped_column(String(10), nullable=True)
    origin: Mapped[str | None] = mapped_column(String(2), nullable=True)
    # The classifier's suggestions shown to the applicant when they filed (hs6, score).
    suggestions: Mapped[list] = mapped_column(JSON)
    office: Mapped[str] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16))  # received | answered
    created_at: Mapped[dt.datetime] = mapped_column(_TS)
    due_at: Mapped[dt.datetime] = mapped_column(_TS)
    sla_reference: Mapped[str] = mapped_column(String(300))
    ruling_hs: Mapped[str | None] = mapped_column(String(10), nullable=True)
    ruling_text: Mapped[str | None] = mapped_column(Text, nullable=True)
    decided_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    decided_at: Mapped[dt.datetime | None] = mapped_column(_TS, nullable=True)
