"""Cases: alerts from every detector, evidence ids, cases, notes, attachments, labels.

Frozen copy of opencustoms.cases.models (tests/test_db.py compares the two).

Revision ID: 0008_cases
Revises: 0007_screening
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008_cases"
down_revision = "0007_screening"
branch_labels = None
depends_on = None

_NOW = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "cases_cases",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("title", sa.String(length=300), nullable=False),
        sa.Column("subject_type", sa.String(length=32), nullable=False),
        sa.Column("subject_id", sa.String(length=128), nullable=False),
        sa.Column("office", sa.String(length=16), nullable=True),
        sa.Column("assignee", sa.String(length=64), nullable=True),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("referral", sa.String(length=16), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=True),
        sa.Column("amount_recovered_krw", sa.Float(), nullable=False),
        sa.Column("merged_into", sa.Integer(), nullable=True),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", _NOW, nullable=False),
        sa.Column("updated_at", _NOW, nullable=False),
        sa.Column("decided_at", _NOW, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cases_cases")),
    )
    op.create_index("ix_cases_cases_office_status", "cases_cases", ["office", "status"])
    op.create_table(
        "cases_alerts",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("typology", sa.String(length=64), nullable=False),
        sa.Column("subject_type", sa.String(length=32), nullable=False),
        sa.Column("subject_id", sa.String(length=128), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("amount_krw", sa.Float(), nullable=False),
        sa.Column("period_start", sa.Date(), nullable=False),
        sa.Column("period_end", sa.Date(), nullable=False),
        sa.Column("explanation", sa.Text(), nullable=False),
        sa.Column("office", sa.String(length=16), nullable=True),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("merged_count", sa.Integer(), nullable=False),
        sa.Column("created_at", _NOW, nullable=False),
        sa.Column("due_at", _NOW, nullable=False),
        sa.Column("updated_at", _NOW, nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=True),
        sa.Column("dismiss_reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"], ["cases_cases.id"], name=op.f("fk_cases_alerts_case_id_cases_cases")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cases_alerts")),
    )
    op.create_index("ix_cases_alerts_subject", "cases_alerts", ["subject_id", "typology"])
    op.create_index("ix_cases_alerts_queue", "cases_alerts", ["state", "office"])
    op.create_index("ix_cases_alerts_case", "cases_alerts", ["case_id"])
    op.create_table(
        "cases_alert_refs",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("alert_id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("external_id", sa.String(length=128), nullable=False),
        sa.Column("imported_at", _NOW, nullable=False),
        sa.ForeignKeyConstraint(
            ["alert_id"],
            ["cases_alerts.id"],
            ondelete="CASCADE",
            name=op.f("fk_cases_alert_refs_alert_id_cases_alerts"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cases_alert_refs")),
        sa.UniqueConstraint("source", "external_id", name="uq_cases_alert_refs_source_external"),
    )
    op.create_index("ix_cases_alert_refs_alert", "cases_alert_refs", ["alert_id"])
    op.create_table(
        "cases_evidence",
        sa.Column("alert_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("ref_id", sa.String(length=128), nullable=False),
        sa.ForeignKeyConstraint(
            ["alert_id"],
            ["cases_alerts.id"],
            ondelete="CASCADE",
            name=op.f("fk_cases_evidence_alert_id_cases_alerts"),
        ),
        sa.PrimaryKeyConstraint("alert_id", "kind", "ref_id", name=op.f("pk_cases_evidence")),
    )
    op.create_table(
        "cases_notes",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("author", sa.String(length=64), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("created_at", _NOW, nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases_cases.id"],
            ondelete="CASCADE",
            name=op.f("fk_cases_notes_case_id_cases_cases"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cases_notes")),
    )
    op.create_index("ix_cases_notes_case", "cases_notes", ["case_id"])
    op.create_table(
        "cases_attachments",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("media_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("uploaded_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", _NOW, nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases_cases.id"],
            ondelete="CASCADE",
            name=op.f("fk_cases_attachments_case_id_cases_cases"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cases_attachments")),
    )
    op.create_index("ix_cases_attachments_case", "cases_attachments", ["case_id"])
    op.create_table(
        "cases_labels",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("alert_id", sa.Integer(), nullable=False),
        sa.Column("source", sa.String(length=32), nullable=False),
        sa.Column("typology", sa.String(length=64), nullable=False),
        sa.Column("subject_id", sa.String(length=128), nullable=False),
        sa.Column("office", sa.String(length=16), nullable=True),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("label", sa.Integer(), nullable=True),
        sa.Column("decided_by", sa.String(length=64), nullable=False),
        sa.Column("decided_at", _NOW, nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["cases_cases.id"],
            ondelete="CASCADE",
            name=op.f("fk_cases_labels_case_id_cases_cases"),
        ),
        sa.ForeignKeyConstraint(
            ["alert_id"],
            ["cases_alerts.id"],
            ondelete="CASCADE",
            name=op.f("fk_cases_labels_alert_id_cases_alerts"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cases_labels")),
        sa.UniqueConstraint("case_id", "alert_id", name="uq_cases_labels_case_alert"),
    )
    op.create_index("ix_cases_labels_source", "cases_labels", ["source", "office"])


def downgrade() -> None:
    for table in (
        "cases_labels",
        "cases_attachments",
        "cases_notes",
        "cases_evidence",
        "cases_alert_refs",
        "cases_alerts",
        "cases_cases",
    ):
        op.drop_table(table)
