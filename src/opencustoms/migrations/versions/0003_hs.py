"""HS classification assistant: hs_feedback (officer confirmations and corrections).

Frozen copy of opencustoms.hs.models.HsFeedback.

Revision ID: 0003_hs
Revises: 0002_risk
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003_hs"
down_revision = "0002_risk"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "hs_feedback",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("text", sa.Text(), nullable=False),
        sa.Column("hs_code", sa.String(length=10), nullable=False),
        sa.Column("hs6", sa.String(length=6), nullable=False),
        sa.Column("confirmed", sa.Boolean(), nullable=False),
        sa.Column("suggested_hs6", sa.String(length=6), nullable=True),
        sa.Column("user", sa.String(length=128), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hs_feedback")),
    )
    op.create_index("ix_hs_feedback_hs6", "hs_feedback", ["hs6"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_hs_feedback_hs6", table_name="hs_feedback")
    op.drop_table("hs_feedback")
