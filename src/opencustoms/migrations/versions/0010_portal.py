"""Public portal: accounts, identity links, feedback with replies, advance-ruling requests.

Frozen copy of opencustoms.portal.models (tests/test_db.py compares the two).

Revision ID: 0010_portal
Revises: 0008_cases
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010_portal"
down_revision = "0008_cases"
branch_labels = None
depends_on = None

_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "portal_account",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("password_hash", sa.String(length=256), nullable=False),
        sa.Column("display_name", sa.String(length=100), nullable=False),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("verify_hash", sa.String(length=64), nullable=True),
        sa.Column("verify_expires_at", _TS, nullable=True),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("verified_at", _TS, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_portal_account")),
        sa.UniqueConstraint("email", name=op.f("uq_portal_account_email")),
    )
    op.create_table(
        "portal_identity",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("value", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("requested_at", _TS, nullable=False),
        sa.Column("decided_by", sa.String(length=64), nullable=True),
        sa.Column("decided_at", _TS, nullable=True),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["portal_account.id"],
            name=op.f("fk_portal_identity_account_id_portal_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_portal_identity")),
    )
    op.create_index("ix_portal_identity_account", "portal_identity", ["account_id"])
    op.create_index("ix_portal_identity_value", "portal_identity", ["kind", "value"])
    op.create_table(
        "portal_feedback",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("reference", sa.String(length=32), nullable=True),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("topic", sa.String(length=32), nullable=False),
        sa.Column("subject_type", sa.String(length=16), nullable=False),
        sa.Column("subject_id", sa.String(length=64), nullable=True),
        sa.Column("office", sa.String(length=16), nullable=False),
        sa.Column("routed_by", sa.String(length=200), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=True),
        sa.Column("contact_email", sa.String(length=254), nullable=True),
        sa.Column("language", sa.String(length=8), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("due_at", _TS, nullable=False),
        sa.Column("sla_reference", sa.String(length=300), nullable=False),
        sa.Column("first_reply_at", _TS, nullable=True),
        sa.Column("satisfaction", sa.Integer(), nullable=True),
        sa.Column("access_hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_portal_feedback")),
        sa.UniqueConstraint("reference", name=op.f("uq_portal_feedback_reference")),
    )
    op.create_index("ix_portal_feedback_office", "portal_feedback", ["office", "status"])
    op.create_table(
        "portal_reply",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("feedback_id", sa.Integer(), nullable=False),
        sa.Column("author", sa.String(length=64), nullable=False),
        sa.Column("office", sa.String(length=16), nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.ForeignKeyConstraint(
            ["feedback_id"],
            ["portal_feedback.id"],
            name=op.f("fk_portal_reply_feedback_id_portal_feedback"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_portal_reply")),
    )
    op.create_index("ix_portal_reply_feedback", "portal_reply", ["feedback_id"])
    op.create_table(
        "portal_ruling",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("reference", sa.String(length=32), nullable=True),
        sa.Column("account_id", sa.Integer(), nullable=True),
        sa.Column("applicant", sa.String(length=200), nullable=False),
        sa.Column("contact_email", sa.String(length=254), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("proposed_hs", sa.String(length=10), nullable=True),
        sa.Column("origin", sa.String(length=2), nullable=True),
        sa.Column("suggestions", sa.JSON(), nullable=False),
        sa.Column("office", sa.String(length=16), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("due_at", _TS, nullable=False),
        sa.Column("sla_reference", sa.String(length=300), nullable=False),
        sa.Column("ruling_hs", sa.String(length=10), nullable=True),
        sa.Column("ruling_text", sa.Text(), nullable=True),
        sa.Column("decided_by", sa.String(length=64), nullable=True),
        sa.Column("decided_at", _TS, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_portal_ruling")),
        sa.UniqueConstraint("reference", name=op.f("uq_portal_ruling_reference")),
    )


def downgrade() -> None:
    op.drop_table("portal_ruling")
    op.drop_index("ix_portal_reply_feedback", table_name="portal_reply")
    op.drop_table("portal_reply")
    op.drop_index("ix_portal_feedback_office", table_name="portal_feedback")
    op.drop_table("portal_feedback")
    op.drop_index("ix_portal_identity_value", table_name="portal_identity")
    op.drop_index("ix_portal_identity_account", table_name="portal_identity")
    op.drop_table("portal_identity")
    op.drop_table("portal_account")
