"""Declarations store: declarations, quarantine and ingest_runs.

Frozen copy of opencustoms.declarations.models (tests/declarations/test_migrations.py
checks that they agree).

Revision ID: 0001_declarations
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001_declarations"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "declarations",
        sa.Column("declaration_id", sa.String(length=64), nullable=False),
        sa.Column("item_no", sa.Integer(), nullable=False),
        sa.Column("direction", sa.String(length=6), nullable=False),
        sa.Column("declaration_date", sa.Date(), nullable=False),
        sa.Column("office_id", sa.String(length=16), nullable=False),
        sa.Column("process_type", sa.String(length=16), nullable=True),
        sa.Column("import_type", sa.String(length=16), nullable=True),
        sa.Column("import_use", sa.String(length=16), nullable=True),
        sa.Column("payment_type", sa.String(length=16), nullable=True),
        sa.Column("transport_mode", sa.String(length=16), nullable=True),
        sa.Column("declarant_id", sa.String(length=64), nullable=True),
        sa.Column("importer_id", sa.String(length=64), nullable=True),
        sa.Column("seller_id", sa.String(length=64), nullable=True),
        sa.Column("courier_id", sa.String(length=64), nullable=True),
        sa.Column("hs_code", sa.String(length=10), nullable=False),
        sa.Column("departure_country", sa.String(length=2), nullable=True),
        sa.Column("origin_country", sa.String(length=2), nullable=True),
        sa.Column("tax_rate", sa.Float(precision=53), nullable=True),
        sa.Column("tax_type", sa.String(length=8), nullable=True),
        sa.Column("origin_indicator", sa.String(length=8), nullable=True),
        sa.Column("net_mass_kg", sa.Float(precision=53), nullable=True),
        sa.Column("item_price_krw", sa.Float(precision=53), nullable=True),
        sa.Column("goods_description", sa.String(length=2000), nullable=True),
        sa.Column("quantity", sa.Float(precision=53), nullable=True),
        sa.Column("quantity_unit", sa.String(length=8), nullable=True),
        sa.Column("fob_value", sa.Float(precision=53), nullable=True),
        sa.Column("cif_value", sa.Float(precision=53), nullable=True),
        sa.Column("currency", sa.String(length=3), nullable=True),
        sa.Column("exporter_name", sa.String(length=200), nullable=True),
        sa.Column("consignee_name", sa.String(length=200), nullable=True),
        sa.Column("transport_doc_no", sa.String(length=64), nullable=True),
        sa.Column("arrival_date", sa.Date(), nullable=True),
        sa.Column("fraud", sa.Integer(), nullable=True),
        sa.Column("critical_fraud", sa.Integer(), nullable=True),
        sa.Column("additional_duty", sa.Float(precision=53), nullable=True),
        sa.Column("content_hash", sa.BigInteger(), nullable=False),
        sa.Column("ingest_id", sa.Integer(), nullable=True),
        sa.Column(
            "ingested_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.PrimaryKeyConstraint("declaration_id", "item_no", name=op.f("pk_declarations")),
    )
    op.create_index("ix_declarations_declaration_date", "declarations", ["declaration_date"])
    op.create_index("ix_declarations_office_id", "declarations", ["office_id"])

    op.create_table(
        "ingest_runs",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("file_hash", sa.String(length=64), nullable=False),
        sa.Column("profile", sa.String(length=32), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("rows_done", sa.Integer(), nullable=False),
        sa.Column("input_rows", sa.Integer(), nullable=False),
        sa.Column("stored", sa.Integer(), nullable=False),
        sa.Column("quarantined", sa.Integer(), nullable=False),
        sa.Column("duplicates", sa.Integer(), nullable=False),
        sa.Column("conflicts", sa.Integer(), nullable=False),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column(
            "started_at", sa.DateTime(timezone=True), server_default=sa.func.now(), nullable=False
        ),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ingest_runs")),
    )
    op.create_index("ix_ingest_runs_file_hash", "ingest_runs", ["file_hash"])

    op.create_table(
        "quarantine",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("ingest_id", sa.Integer(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("row_number", sa.Integer(), nullable=False),
        sa.Column("raw", sa.JSON(), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column(
            "quarantined_at",
            sa.DateTime(timezone=True),
            server_default=sa.func.now(),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quarantine")),
    )
    op.create_index("ix_quarantine_ingest_id", "quarantine", ["ingest_id"])


def downgrade() -> None:
    op.drop_index("ix_quarantine_ingest_id", table_name="quarantine")

    op.drop_table("quarantine")
    op.drop_index("ix_ingest_runs_file_hash", table_name="ingest_runs")

    op.drop_table("ingest_runs")
    op.drop_index("ix_declarations_office_id", table_name="declarations")
    op.drop_index("ix_declarations_declaration_date", table_name="declarations")

    op.drop_table("declarations")
