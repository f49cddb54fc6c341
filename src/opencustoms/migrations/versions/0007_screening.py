"""Screening: list versions, entities, list rejects, the review queue and officer decisions.

Frozen copy of opencustoms.screening.models (tests/test_db.py compares the two).

Revision ID: 0007_screening
Revises: 0006_tradecrime
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007_screening"
down_revision = "0006_tradecrime"
branch_labels = None
depends_on = None

_NOW = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "screening_list_versions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("source", sa.String(length=255), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("version", sa.String(length=64), nullable=False),
        sa.Column("published", sa.String(length=10), nullable=False),
        sa.Column("entities", sa.Integer(), nullable=False),
        sa.Column("quarantined", sa.Integer(), nullable=False),
        sa.Column("loaded_at", _NOW, server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_screening_list_versions")),
        sa.UniqueConstraint("sha256", name="uq_screening_list_versions_sha256"),
    )
    op.create_table(
        "screening_entities",
        sa.Column("list_version_id", sa.Integer(), nullable=False),
        sa.Column("entity_id", sa.String(length=128), nullable=False),
        sa.Column("schema", sa.String(length=32), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("aliases", sa.JSON(), nullable=False),
        sa.Column("countries", sa.JSON(), nullable=False),
        sa.Column("birth_dates", sa.JSON(), nullable=False),
        sa.Column("program", sa.Text(), nullable=False),
        sa.Column("listed_on", sa.String(length=10), nullable=False),
        sa.ForeignKeyConstraint(
            ["list_version_id"],
            ["screening_list_versions.id"],
            name=op.f("fk_screening_entities_list_version_id_screening_list_versions"),
        ),
        sa.PrimaryKeyConstraint("list_version_id", "entity_id", name=op.f("pk_screening_entities")),
    )
    op.create_table(
        "screening_list_rejects",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("list_version_id", sa.Integer(), nullable=False),
        sa.Column("row_no", sa.Integer(), nullable=False),
        sa.Column("raw", sa.JSON(), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["list_version_id"],
            ["screening_list_versions.id"],
            name=op.f("fk_screening_list_rejects_list_version_id_screening_list_versions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_screening_list_rejects")),
    )
    op.create_table(
        "screening_decisions",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("party_key", sa.String(length=255), nullable=False),
        sa.Column("entity_id", sa.String(length=128), nullable=False),
        sa.Column("decision", sa.String(length=16), nullable=False),
        sa.Column("decided_by", sa.String(length=64), nullable=False),
        sa.Column("decided_at", _NOW, nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("match_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_screening_decisions")),
    )
    op.create_index("ix_screening_decisions_key", "screening_decisions", ["party_key", "entity_id"])
    op.create_table(
        "screening_matches",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("party_key", sa.String(length=255), nullable=False),
        sa.Column("party_id", sa.String(length=128), nullable=False),
        sa.Column("party_name", sa.Text(), nullable=False),
        sa.Column("party_country", sa.String(length=2), nullable=False),
        sa.Column("party_birth_date", sa.String(length=10), nullable=False),
        sa.Column("party_role", sa.String(length=16), nullable=False),
        sa.Column("declaration_id", sa.String(length=64), nullable=False),
        sa.Column("list_version_id", sa.Integer(), nullable=False),
        sa.Column("entity_id", sa.String(length=128), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("matched_name", sa.Text(), nullable=False),
        sa.Column("explanation", sa.Text(), nullable=False),
        sa.Column("features", sa.JSON(), nullable=False),
        sa.Column("algorithm", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("decision_id", sa.Integer(), nullable=True),
        sa.Column("created_at", _NOW, server_default=sa.func.now(), nullable=False),
        sa.ForeignKeyConstraint(
            ["decision_id"],
            ["screening_decisions.id"],
            name=op.f("fk_screening_matches_decision_id_screening_decisions"),
        ),
        sa.ForeignKeyConstraint(
            ["list_version_id"],
            ["screening_list_versions.id"],
            name=op.f("fk_screening_matches_list_version_id_screening_list_versions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_screening_matches")),
    )
    op.create_index("ix_screening_matches_status", "screening_matches", ["status", "score"])
    op.create_index("ix_screening_matches_party", "screening_matches", ["party_key", "entity_id"])


def downgrade() -> None:
    op.drop_index("ix_screening_matches_party", table_name="screening_matches")
    op.drop_index("ix_screening_matches_status", table_name="screening_matches")
    op.drop_table("screening_matches")
    op.drop_index("ix_screening_decisions_key", table_name="screening_decisions")
    op.drop_table("screening_decisions")
    op.drop_table("screening_list_rejects")
    op.drop_table("screening_entities")
    op.drop_table("screening_list_versions")
