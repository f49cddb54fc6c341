"""Officer screens (issue 19, items 9-11): search indexes on declarations, queue
assignments and override reviews (risk), watched parties (cases).

Frozen copy of the tables and indexes added to opencustoms.declarations.models,
opencustoms.risk.models and opencustoms.cases.models (tests/test_db.py compares).

Revision ID: 0013_officer
Revises: 0012_portal_sessions
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0013_officer"
down_revision = "0012_portal_sessions"
branch_labels = None
depends_on = None

_TS = sa.DateTime(timezone=True)
_SEARCH_INDEXES = {
    "ix_declarations_importer": ["importer_id", "declaration_date"],
    "ix_declarations_declarant": ["declarant_id", "declaration_date"],
    "ix_declarations_seller": ["seller_id", "declaration_date"],
    "ix_declarations_hs_code": ["hs_code"],
    "ix_declarations_office_date": ["office_id", "declaration_date"],
}


def upgrade() -> None:
    for name, columns in _SEARCH_INDEXES.items():
        op.create_index(name, "declarations", columns)
    op.create_table(
        "risk_assignments",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("declaration_id", sa.String(length=64), nullable=False),
        sa.Column("item_no", sa.Integer(), nullable=False),
        sa.Column("office_id", sa.String(length=16), nullable=False),
        sa.Column("officer", sa.String(length=128), nullable=True),
        sa.Column("assigned_by", sa.String(length=128), nullable=False),
        sa.Column("assigned_at", _TS, server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_risk_assignments")),
    )
    op.create_index("ix_risk_assignments_key", "risk_assignments", ["declaration_id", "item_no"])
    op.create_index("ix_risk_assignments_officer", "risk_assignments", ["office_id", "officer"])
    op.create_table(
        "risk_override_reviews",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("override_id", sa.Integer(), nullable=False),
        sa.Column("office_id", sa.String(length=16), nullable=False),
        sa.Column("decision", sa.String(length=16), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("reviewer", sa.String(length=128), nullable=False),
        sa.Column("restored_override_id", sa.Integer(), nullable=True),
        sa.Column("reviewed_at", _TS, server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_risk_override_reviews")),
    )
    op.create_index("ix_risk_override_reviews_override", "risk_override_reviews", ["override_id"])
    op.create_index(
        "ix_risk_override_reviews_restored", "risk_override_reviews", ["restored_override_id"]
    )
    op.create_table(
        "cases_watchlist",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("party_id", sa.String(length=64), nullable=False),
        sa.Column("office", sa.String(length=16), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("removed_by", sa.String(length=64), nullable=True),
        sa.Column("removed_at", _TS, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_cases_watchlist")),
    )
    op.create_index("ix_cases_watchlist_party", "cases_watchlist", ["kind", "party_id"])


def downgrade() -> None:
    op.drop_index("ix_cases_watchlist_party", table_name="cases_watchlist")
    op.drop_table("cases_watchlist")
    op.drop_index("ix_risk_override_reviews_restored", table_name="risk_override_reviews")
    op.drop_index("ix_risk_override_reviews_override", table_name="risk_override_reviews")
    op.drop_table("risk_override_reviews")
    op.drop_index("ix_risk_assignments_officer", table_name="risk_assignments")
    op.drop_index("ix_risk_assignments_key", table_name="risk_assignments")
    op.drop_table("risk_assignments")
    for name in reversed(_SEARCH_INDEXES):
        op.drop_index(name, table_name="declarations")
