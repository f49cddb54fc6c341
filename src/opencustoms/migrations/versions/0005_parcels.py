"""Parcels: the parcel store, intake runs and quarantine, screening decisions, inspections.

Frozen copy of opencustoms.parcels.models (tests/test_db.py compares the two).

Revision ID: 0005_parcels
Revises: 0004_workspace
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_parcels"
down_revision = "0004_workspace"
branch_labels = None
depends_on = None

_NOW = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "parcels",
        sa.Column("parcel_id", sa.String(length=40), nullable=False),
        sa.Column("manifest_id", sa.String(length=40), nullable=False),
        sa.Column("arrival_date", sa.Date(), nullable=False),
        sa.Column("carrier_id", sa.String(length=20), nullable=False),
        sa.Column("platform", sa.Text(), nullable=True),
        sa.Column("seller_name", sa.Text(), nullable=True),
        sa.Column("seller_country", sa.String(length=2), nullable=True),
        sa.Column("departure_country", sa.String(length=2), nullable=False),
        sa.Column("origin_country", sa.String(length=2), nullable=True),
        sa.Column("recipient_pccc", sa.String(length=13), nullable=False),
        sa.Column("recipient_name", sa.Text(), nullable=False),
        sa.Column("recipient_phone", sa.Text(), nullable=False),
        sa.Column("recipient_address", sa.Text(), nullable=False),
        sa.Column("description", sa.Text(), nullable=False),
        sa.Column("hs_code", sa.String(length=10), nullable=True),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("declared_value", sa.Float(precision=53), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("gross_weight_kg", sa.Float(precision=53), nullable=False),
        sa.Column("office_code", sa.String(length=16), nullable=True),
        sa.Column("content_hash", sa.BigInteger(), nullable=False),
        sa.Column("ingest_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("parcel_id", name=op.f("pk_parcels")),
    )
    op.create_index("ix_parcels_pccc", "parcels", ["recipient_pccc"])
    op.create_index("ix_parcels_office_date", "parcels", ["office_code", "arrival_date"])
    op.create_table(
        "parcel_ingest_runs",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("file_hash", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("rows_done", sa.Integer(), nullable=False),
        sa.Column("input_rows", sa.Integer(), nullable=False),
        sa.Column("stored", sa.Integer(), nullable=False),
        sa.Column("quarantined", sa.Integer(), nullable=False),
        sa.Column("duplicates", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("started_at", _NOW, server_default=sa.func.now(), nullable=False),
        sa.Column("finished_at", _NOW, nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_parcel_ingest_runs")),
    )
    op.create_index("ix_parcel_ingest_runs_file_hash", "parcel_ingest_runs", ["file_hash"])
    op.create_table(
        "parcel_quarantine",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("ingest_id", sa.Integer(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("row_number", sa.Integer(), nullable=False),
        sa.Column("raw", sa.JSON(), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column("quarantined_at", _NOW, server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_parcel_quarantine")),
    )
    op.create_index("ix_parcel_quarantine_ingest_id", "parcel_quarantine", ["ingest_id"])
    op.create_table(
        "parcel_decisions",
        sa.Column("parcel_id", sa.String(length=40), nullable=False),
        sa.Column("decision", sa.String(length=16), nullable=False),
        sa.Column("typologies", sa.Text(), nullable=False),
        sa.Column("score", sa.Float(precision=53), nullable=False),
        sa.Column("reasons", sa.Text(), nullable=False),
        sa.Column("duty_krw", sa.Float(precision=53), nullable=True),
        sa.Column("vat_krw", sa.Float(precision=53), nullable=True),
        sa.Column("group_key", sa.String(length=64), nullable=True),
        sa.Column("office_code", sa.String(length=16), nullable=True),
        sa.Column("screened_at", _NOW, server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("parcel_id", name=op.f("pk_parcel_decisions")),
    )
    op.create_index(
        "ix_parcel_decisions_office_decision", "parcel_decisions", ["office_code", "decision"]
    )
    op.create_table(
        "parcel_inspections",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("parcel_id", sa.String(length=40), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("typologies", sa.Text(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("officer", sa.String(length=64), nullable=False),
        sa.Column("recorded_at", _NOW, server_default=sa.func.now(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_parcel_inspections")),
    )
    op.create_index("ix_parcel_inspections_parcel_id", "parcel_inspections", ["parcel_id"])


def downgrade() -> None:
    for table in (
        "parcel_inspections",
        "parcel_decisions",
        "parcel_quarantine",
        "parcel_ingest_runs",
        "parcels",
    ):
        op.drop_table(table)
