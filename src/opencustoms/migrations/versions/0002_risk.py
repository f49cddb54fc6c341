"""Risk engine: risk_assessments, risk_inspections, risk_lane_overrides.

Frozen copy of opencustoms.risk.models (tests/risk/test_store.py checks that they agree).

Revision ID: 0002_risk
Revises: 0001_declarations
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002_risk"
down_revision = "0001_declarations"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "risk_assessments",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("declaration_id", sa.String(length=64), nullable=False),
        sa.Column("item_no", sa.Integer(), nullable=False),
        sa.Column("office_id", sa.String(length=16), nullable=False),
        sa.Column("declaration_date", sa.Date(), nullable=False),
        sa.Column("model_version", sa.String(length=64), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("model_score", sa.Float(), nullable=False),
        sa.Column("critical_score", sa.Float(), nullable=False),
        sa.Column("revenue_at_risk", sa.Float(), nullable=False),
        sa.Column("lane", sa.String(length=8), nullable=False),
        sa.Column("exploration", sa.Boolean(), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("rules_fired", sa.JSON(), nullable=False),
        sa.Column(
            "scored_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_risk_assessments")),
    )
    op.create_index("ix_risk_assessments_key", "risk_assessments", ["declaration_id", "item_no"])
    op.create_index(
        "ix_risk_assessments_office_date", "risk_assessments", ["office_id", "declaration_date"]
    )
    op.create_table(
        "risk_inspections",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("declaration_id", sa.String(length=64), nullable=False),
        sa.Column("item_no", sa.Integer(), nullable=False),
        sa.Column("fraud", sa.Boolean(), nullable=False),
        sa.Column("critical", sa.Boolean(), nullable=False),
        sa.Column("additional_duty", sa.Float(), nullable=False),
        sa.Column("officer", sa.String(length=128), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column(
            "recorded_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_risk_inspections")),
    )
    op.create_index("ix_risk_inspections_key", "risk_inspections", ["declaration_id", "item_no"])
    op.create_table(
        "risk_lane_overrides",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("declaration_id", sa.String(length=64), nullable=False),
        sa.Column("item_no", sa.Integer(), nullable=False),
        sa.Column("previous_lane", sa.String(length=8), nullable=True),
        sa.Column("lane", sa.String(length=8), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("user", sa.String(length=128), nullable=False),
        sa.Column(
            "created_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_risk_lane_overrides")),
    )
    op.create_index(
        "ix_risk_lane_overrides_key", "risk_lane_overrides", ["declaration_id", "item_no"]
    )


INDEXES = {
    "risk_lane_overrides": ("ix_risk_lane_overrides_key",),
    "risk_inspections": ("ix_risk_inspections_key",),
    "risk_assessments": ("ix_risk_assessments_key", "ix_risk_assessments_office_date"),
}


def downgrade() -> None:
    for table, indexes in INDEXES.items():
        for index in indexes:
            op.drop_index(index, table_name=table)
        op.drop_table(table)
