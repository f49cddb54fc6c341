"""Server-side sessions of public portal accounts (issue 18, finding 7): logging out
deletes the record, so a kept copy of the signed cookie no longer signs anyone in.

Frozen copy of portal_session in opencustoms.portal.models (tests/test_db.py compares).

Revision ID: 0012_portal_sessions
Revises: 0011_sessions
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012_portal_sessions"
down_revision = "0011_sessions"
branch_labels = None
depends_on = None

_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "portal_session",
        sa.Column("id_hash", sa.String(length=64), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("expires_at", _TS, nullable=False),
        sa.ForeignKeyConstraint(
            ["account_id"],
            ["portal_account.id"],
            name=op.f("fk_portal_session_account_id_portal_account"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id_hash", name=op.f("pk_portal_session")),
    )
    op.create_index("ix_portal_session_account", "portal_session", ["account_id"])


def downgrade() -> None:
    op.drop_index("ix_portal_session_account", table_name="portal_session")
    op.drop_table("portal_session")
