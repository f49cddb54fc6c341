"""Trade crime: the trade-world fields of declarations (trader company, counterparty,
destination, invoice value) and the world tables (companies, persons, links, FX
settlements, wallets, virtual-asset transfers), their intakes and quarantine.

Frozen copy of opencustoms.world.models and of the TRADE_FIELDS columns of
opencustoms.declarations.models (tests/test_db.py compares them).

Revision ID: 0006_tradecrime
Revises: 0005_parcels
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006_tradecrime"
down_revision = "0005_parcels"
branch_labels = None
depends_on = None

_TRADE_COLUMNS = (
    ("company_id", sa.String(length=64)),
    ("counterparty_name", sa.String(length=200)),
    ("counterparty_country", sa.String(length=2)),
    ("destination_country", sa.String(length=2)),
    ("invoice_value", sa.Float(precision=53)),
)
_TABLES = (
    "world_companies",
    "world_persons",
    "world_links",
    "world_fx_settlements",
    "world_wallets",
    "world_va_transfers",
    "world_intakes",
    "world_quarantine",
)


def upgrade() -> None:
    # additive: nullable columns, existing rows and their content hashes unchanged
    with op.batch_alter_table("declarations") as batch:
        for name, kind in _TRADE_COLUMNS:
            batch.add_column(sa.Column(name, kind, nullable=True))
    op.create_table(
        "world_companies",
        sa.Column("company_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("name_local", sa.String(length=200), nullable=True),
        sa.Column("registration_no", sa.String(length=32), nullable=True),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("address", sa.String(length=400), nullable=True),
        sa.Column("industry", sa.String(length=64), nullable=True),
        sa.Column("listed", sa.SmallInteger(), nullable=False),
        sa.Column("founded", sa.Date(), nullable=True),
        sa.Column("content_hash", sa.BigInteger(), nullable=False),
        sa.Column("intake_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("company_id", name=op.f("pk_world_companies")),
    )
    op.create_table(
        "world_persons",
        sa.Column("person_id", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("name_local", sa.String(length=200), nullable=True),
        sa.Column("birth_date", sa.Date(), nullable=True),
        sa.Column("nationality", sa.String(length=2), nullable=False),
        sa.Column("address", sa.String(length=400), nullable=True),
        sa.Column("phone", sa.String(length=32), nullable=True),
        sa.Column("pccc", sa.String(length=13), nullable=True),
        sa.Column("content_hash", sa.BigInteger(), nullable=False),
        sa.Column("intake_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("person_id", name=op.f("pk_world_persons")),
    )
    op.create_table(
        "world_links",
        sa.Column("source_id", sa.String(length=64), nullable=False),
        sa.Column("target_id", sa.String(length=64), nullable=False),
        sa.Column("relation", sa.String(length=12), nullable=False),
        sa.Column("since", sa.Date(), nullable=True),
        sa.Column("content_hash", sa.BigInteger(), nullable=False),
        sa.Column("intake_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("source_id", "target_id", "relation", name=op.f("pk_world_links")),
    )
    op.create_table(
        "world_fx_settlements",
        sa.Column("settlement_id", sa.String(length=64), nullable=False),
        sa.Column("date", sa.Date(), nullable=False),
        sa.Column("company_id", sa.String(length=64), nullable=False),
        sa.Column("bank", sa.String(length=64), nullable=True),
        sa.Column("direction", sa.String(length=3), nullable=False),
        sa.Column("counterparty_name", sa.String(length=200), nullable=True),
        sa.Column("counterparty_country", sa.String(length=2), nullable=True),
        sa.Column("amount", sa.Float(precision=53), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("purpose", sa.String(length=12), nullable=False),
        sa.Column("declaration_ref", sa.String(length=64), nullable=True),
        sa.Column("content_hash", sa.BigInteger(), nullable=False),
        sa.Column("intake_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("settlement_id", name=op.f("pk_world_fx_settlements")),
    )
    op.create_table(
        "world_wallets",
        sa.Column("wallet_id", sa.String(length=64), nullable=False),
        sa.Column("exchange", sa.String(length=64), nullable=True),
        sa.Column("exchange_country", sa.String(length=2), nullable=True),
        sa.Column("owner_id", sa.String(length=64), nullable=True),
        sa.Column("content_hash", sa.BigInteger(), nullable=False),
        sa.Column("intake_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("wallet_id", name=op.f("pk_world_wallets")),
    )
    op.create_table(
        "world_va_transfers",
        sa.Column("tx_id", sa.String(length=64), nullable=False),
        sa.Column("timestamp", sa.String(length=32), nullable=False),
        sa.Column("asset", sa.String(length=16), nullable=False),
        sa.Column("amount", sa.Float(precision=53), nullable=False),
        sa.Column("from_wallet", sa.String(length=64), nullable=False),
        sa.Column("to_wallet", sa.String(length=64), nullable=False),
        sa.Column("krw_value", sa.Float(precision=53), nullable=False),
        sa.Column("content_hash", sa.BigInteger(), nullable=False),
        sa.Column("intake_id", sa.Integer(), nullable=True),
        sa.PrimaryKeyConstraint("tx_id", name=op.f("pk_world_va_transfers")),
    )
    op.create_table(
        "world_intakes",
        sa.Column("id", sa.Integer(), nullable=False, autoincrement=True),
        sa.Column("folder", sa.Text(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("counts", sa.JSON(), nullable=True),
        sa.Column(
            "started_at", sa.DateTime(timezone=True), nullable=False, server_default=sa.func.now()
        ),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_world_intakes")),
    )
    op.create_table(
        "world_quarantine",
        sa.Column("id", sa.Integer(), nullable=False, autoincrement=True),
        sa.Column("intake_id", sa.Integer(), nullable=False),
        sa.Column("table_name", sa.String(length=32), nullable=False),
        sa.Column("row_number", sa.Integer(), nullable=False),
        sa.Column("raw", sa.JSON(), nullable=False),
        sa.Column("reasons", sa.JSON(), nullable=False),
        sa.Column(
            "quarantined_at",
            sa.DateTime(timezone=True),
            nullable=False,
            server_default=sa.func.now(),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_world_quarantine")),
    )
    op.create_index("ix_world_quarantine_intake_id", "world_quarantine", ["intake_id"])


def downgrade() -> None:
    op.drop_index("ix_world_quarantine_intake_id", table_name="world_quarantine")
    for name in reversed(_TABLES):
        op.drop_table(name)
    with op.batch_alter_table("declarations") as batch:
        for name, _ in reversed(_TRADE_COLUMNS):
            batch.drop_column(name)
