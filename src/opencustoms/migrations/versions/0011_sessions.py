"""Server-side UI sessions, disabled users and an index for revoking a user's tokens
(issue 18, finding 7).

Frozen copy of the ws_session table, ws_user.disabled_at and ws_token's index in
opencustoms.workspace.models (tests/test_db.py compares the two).

Revision ID: 0011_sessions
Revises: 0010_portal
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011_sessions"
down_revision = "0010_portal"
branch_labels = None
depends_on = None

_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    # A nullable column without default: a plain ALTER TABLE ADD COLUMN on both dialects.
    op.add_column("ws_user", sa.Column("disabled_at", _TS, nullable=True))
    op.create_index("ix_ws_token_user", "ws_token", ["user_id"])
    op.create_table(
        "ws_session",
        sa.Column("id_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", _TS, nullable=False),
        sa.Column("expires_at", _TS, nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["ws_user.id"],
            name=op.f("fk_ws_session_user_id_ws_user"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id_hash", name=op.f("pk_ws_session")),
    )
    op.create_index("ix_ws_session_user", "ws_session", ["user_id"])


def downgrade() -> None:
    op.drop_index("ix_ws_session_user", table_name="ws_session")
    op.drop_table("ws_session")
    op.drop_index("ix_ws_token_user", table_name="ws_token")
    with op.batch_alter_table("ws_user") as batch:
        batch.drop_column("disabled_at")
