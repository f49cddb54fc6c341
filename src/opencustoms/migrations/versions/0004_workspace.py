"""Officer workspace: offices, users, API tokens and the hash-chained audit trail.

Frozen copy of opencustoms.workspace.models.

Revision ID: 0004_workspace
Revises: 0003_hs
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004_workspace"
down_revision = "0003_hs"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ws_office",
        sa.Column("code", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("parent", sa.String(length=16), nullable=True),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_ws_office")),
    )
    op.create_table(
        "ws_user",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("username", sa.String(length=64), nullable=False),
        sa.Column("password_hash", sa.String(length=256), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("office", sa.String(length=16), nullable=False),
        sa.Column("trader_id", sa.String(length=64), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["office"], ["ws_office.code"], name=op.f("fk_ws_user_office_ws_office")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ws_user")),
        sa.UniqueConstraint("username", name=op.f("uq_ws_user_username")),
    )
    op.create_table(
        "ws_token",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["ws_user.id"],
            ondelete="CASCADE",
            name=op.f("fk_ws_token_user_id_ws_user"),
        ),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_ws_token")),
    )
    op.create_table(
        "ws_audit",
        sa.Column("seq", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("ts", sa.String(length=40), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=16), nullable=False),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("object_type", sa.String(length=64), nullable=False),
        sa.Column("object_id", sa.String(length=200), nullable=False),
        sa.Column("office", sa.String(length=16), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("prev_hash", sa.String(length=64), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("seq", name=op.f("pk_ws_audit")),
    )
    op.create_table(
        "ws_audit_head",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("hash", sa.String(length=64), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ws_audit_head")),
    )


def downgrade() -> None:
    for table in ("ws_audit_head", "ws_audit", "ws_token", "ws_user", "ws_office"):
        op.drop_table(table)
