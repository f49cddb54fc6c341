"""Case-management tables: alerts from every detector, cases, notes, attachments, labels.

The Alembic revision ``0008_cases`` is the frozen copy of these tables (tests/test_db.py
compares the migrated schema with this metadata).

* ``cases_alerts``: one row per matter a detector raised (after deduplication per subject
  and typology within the policy window), with its state and SLA due time.
* ``cases_alert_refs``: the detector's own alert ids folded into an alert, so re-importing
  the same file changes nothing.
* ``cases_evidence``: the evidence ids of an alert (declarations, settlements, transfers,
  links, parcels), one row per id so a case with thousands of records opens by index.
* ``cases_cases`` / ``cases_notes`` / ``cases_attachments``: the investigation.
* ``cases_labels``: what a decided case teaches the detector that raised each alert.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from opencustoms.db import Base

ALERT_STATES = ("new", "triage", "case", "dismissed")
CASE_STATUSES = ("open", "investigating", "referred", "closed")
OUTCOMES = ("confirmed", "false_positive", "inconclusive")
REFERRALS = ("prosecution", "tax_audit")


class AlertRow(Base):
    __tablename__ = "cases_alerts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    source: Mapped[str] = mapped_column(String(32))
    typology: Mapped[str] = mapped_column(String(64))
    subject_type: Mapped[str] = mapped_column(String(32))
    subject_id: Mapped[str] = mapped_column(String(128))
    score: Mapped[float] = mapped_column(Float)
    amount_krw: Mapped[float] = mapped_column(Float)
    period_start: Mapped[dt.date] = mapped_column(Date)
    period_end: Mapped[dt.date] = mapped_column(Date)
    explanation: Mapped[str] = mapped_column(Text)
    office: Mapped[str | None] = mapped_column(String(16), nullable=True)
    state: Mapped[str] = mapped_column(String(16))
    # How many detector alerts were folded into this one by deduplication.
    merged_count: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    due_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases_cases.id"), nullable=True)
    dismiss_reason: Mapped[str | None] = mapped_column(Text, nullable=True)

    __table_args__ = (
        Index("ix_cases_alerts_subject", "subject_id", "typology"),
        Index("ix_cases_alerts_queue", "state", "office"),
        Index("ix_cases_alerts_case", "case_id"),
    )


class AlertRefRow(Base):
    __tablename__ = "cases_alert_refs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    alert_id: Mapped[int] = mapped_column(ForeignKey("cases_alerts.id", ondelete="CASCADE"))
    source: Mapped[str] = mapped_column(String(32))
    external_id: Mapped[str] = mapped_column(String(128))
    imported_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        UniqueConstraint("source", "external_id", name="uq_cases_alert_refs_source_external"),
        Index("ix_cases_alert_refs_alert", "alert_id"),
    )


class EvidenceRow(Base):
    __tablename__ = "cases_evidence"

    alert_id: Mapped[int] = mapped_column(
        ForeignKey("cases_alerts.id", ondelete="CASCADE"), primary_key=True
    )
    kind: Mapped[str] = mapped_column(String(32), primary_key=True)
    ref_id: Mapped[str] = mapped_column(String(128), primary_key=True)


class CaseRow(Base):
    __tablename__ = "cases_cases"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    title: Mapped[str] = mapped_column(String(300))
    subject_type: Mapped[str] = mapped_column(String(32))
    subject_id: Mapped[str] = mapped_column(String(128))
    office: Mapped[str | None] = mapped_column(String(16), nullable=True)
    assignee: Mapped[str | None] = mapped_column(String(64), nullable=True)
    status: Mapped[str] = mapped_column(String(16))
    referral: Mapped[str | None] = mapped_column(String(16), nullable=True)
    outcome: Mapped[str | None] = mapped_column(String(16), nullable=True)
    amount_recovered_krw: Mapped[float] = mapped_column(Float)
    merged_into: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)

    __table_args__ = (Index("ix_cases_cases_office_status", "office", "status"),)


class NoteRow(Base):
    __tablename__ = "cases_notes"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases_cases.id", ondelete="CASCADE"))
    author: Mapped[str] = mapped_column(String(64))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))

    __table_args__ = (Index("ix_cases_notes_case", "case_id"),)


class AttachmentRow(Base):
    __tablename__ = "cases_attachments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases_cases.id", ondelete="CASCADE"))
    filename: Mapped[str] = mapped_column(String(255))
    media_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    # Content-addressed file under var/cases/attachments; the hash is re-checked on read.
    sha256: Mapped[str] = mapped_column(String(64))
    uploaded_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))

    __table_args__ = (Index("ix_cases_attachments_case", "case_id"),)


class LabelRow(Base):
    __tablename__ = "cases_labels"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases_cases.id", ondelete="CASCADE"))
    alert_id: Mapped[int] = mapped_column(ForeignKey("cases_alerts.id", ondelete="CASCADE"))
    source: Mapped[str] = mapped_column(String(32))
    typology: Mapped[str] = mapped_column(String(64))
    subject_id: Mapped[str] = mapped_column(String(128))
    office: Mapped[str | None] = mapped_column(String(16), nullable=True)
    outcome: Mapped[str] = mapped_column(String(16))
    # 1 = the alert was right (confirmed), 0 = false positive; inconclusive stores NULL.
    label: Mapped[int | None] = mapped_column(Integer, nullable=True)
    decided_by: Mapped[str] = mapped_column(String(64))
    decided_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))

    __table_args__ = (
        UniqueConstraint("case_id", "alert_id", name="uq_cases_labels_case_alert"),
        Index("ix_cases_labels_source", "source", "office"),
    )


class WatchRow(Base):
    """A watched party (migration 0013_officer): a declaration naming it raises an alert
    of source ``watchlist``. Removal keeps the row (who/when) for the record."""

    __tablename__ = "cases_watchlist"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    kind: Mapped[str] = mapped_column(String(16))
    party_id: Mapped[str] = mapped_column(String(64))
    # The office whose declarations are watched; NULL: every office (national watch).
    office: Mapped[str | None] = mapped_column(String(16), nullable=True)
    reason: Mapped[str] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    removed_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    removed_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)

    __table_args__ = (Index("ix_cases_watchlist_party", "kind", "party_id"),)
