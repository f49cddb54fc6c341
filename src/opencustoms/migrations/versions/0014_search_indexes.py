"""Officer search indexes that SQLite's planner picks over the office index: party id and
office as equalities, then the date (was party, date); office + HS code for an officer's
HS-prefix search. Measured on the demo store (45,519 items): an officer's search by importer
used the office index and sorted the office's 16,910 items (~95 ms), now the party index
(~2 ms).

Frozen copy of the search indexes of opencustoms.declarations.models (tests/test_db.py
compares).

Revision ID: 0014_search_indexes
Revises: 0013_officer
"""

from __future__ import annotations

from alembic import op

revision = "0014_search_indexes"
down_revision = "0013_officer"
branch_labels = None
depends_on = None

_PARTIES = ("importer", "declarant", "seller")


def upgrade() -> None:
    for party in _PARTIES:
        op.drop_index(f"ix_declarations_{party}", table_name="declarations")
        op.create_index(
            f"ix_declarations_{party}",
            "declarations",
            [f"{party}_id", "office_id", "declaration_date"],
        )
    op.create_index("ix_declarations_office_hs", "declarations", ["office_id", "hs_code"])


def downgrade() -> None:
    op.drop_index("ix_declarations_office_hs", table_name="declarations")
    for party in _PARTIES:
        op.drop_index(f"ix_declarations_{party}", table_name="declarations")
        op.create_index(
            f"ix_declarations_{party}", "declarations", [f"{party}_id", "declaration_date"]
        )
