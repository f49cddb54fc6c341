"""The office-date index of risk_assessments widened to cover the office queue's pass:
(office_id, declaration_date) then the item key, lane, score and revenue at risk, so an
office's current assessments are found, filtered and ordered from the index alone (the
rows, with their reasons JSON, are read for the page's 50 items only). Replaces the
two-column index (same name, same leading columns): no extra index for scoring to keep.

Measured on the demo store (office 40, 3,001 current assessments, SQLite): the queue's
count-and-keys pass ~6 ms reading table rows, ~3 ms from this index.

Frozen copy of the index of opencustoms.risk.models (tests/risk/test_queue_current.py
compares).

Revision ID: 0016_queue_index
Revises: 0015_drop_office_index
"""

from __future__ import annotations

from alembic import op

revision = "0016_queue_index"
down_revision = "0015_drop_office_index"
branch_labels = None
depends_on = None

_NAME = "ix_risk_assessments_office_date"
_COVER = ["declaration_id", "item_no", "lane", "score", "revenue_at_risk"]


def upgrade() -> None:
    op.drop_index(_NAME, table_name="risk_assessments")
    op.create_index(_NAME, "risk_assessments", ["office_id", "declaration_date", *_COVER])


def downgrade() -> None:
    op.drop_index(_NAME, table_name="risk_assessments")
    op.create_index(_NAME, "risk_assessments", ["office_id", "declaration_date"])
