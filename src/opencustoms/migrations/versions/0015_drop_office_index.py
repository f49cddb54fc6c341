"""Drop ix_declarations_office_id: every query on the office alone is served by the
(office_id, declaration_date) and (office_id, hs_code) indexes, whose first column it is,
while each index costs every ingested row a B-tree insertion (a 1M-row SQLite load kept
eight secondary indexes up to date).

Frozen copy of the indexes of opencustoms.declarations.models (tests/test_db.py compares).

Revision ID: 0015_drop_office_index
Revises: 0014_search_indexes
"""

from __future__ import annotations

from alembic import op

revision = "0015_drop_office_index"
down_revision = "0014_search_indexes"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_declarations_office_id", table_name="declarations")


def downgrade() -> None:
    op.create_index("ix_declarations_office_id", "declarations", ["office_id"])
