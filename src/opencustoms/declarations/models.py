"""Tables of the declaration store and the pydantic results of ingestion.

The ``declarations`` columns are derived from the ``Declaration`` pydantic model, so the
API model, the Arrow schema and the table share one definition. The Alembic revision
``0001_declarations`` is the frozen copy of these tables; a test compares the two.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    Date,
    DateTime,
    Float,
    Index,
    Integer,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    func,
)
from sqlalchemy.types import TypeEngine

from opencustoms.db import Base
from opencustoms.declarations.schema import (
    FIELD_NAMES,
    KEY_FIELDS,
    REQUIRED_FIELDS,
    Declaration,
    Direction,
    constraint,
    python_type,
)

# Value types without a max_length in the model have a fixed width by definition.
_FIXED_WIDTH = {
    "hs_code": 10,
    "departure_country": 2,
    "origin_country": 2,
    "currency": 3,
    "counterparty_country": 2,
    "destination_country": 2,
}


def _sql_type(name: str) -> TypeEngine[Any]:
    kind = python_type(name)
    if kind is int:
        return Integer()
    if kind is float:
        return Float(precision=53)
    if kind is dt.date:
        return Date()
    if kind is Direction:
        return String(max(len(d.value) for d in Direction))
    width = _FIXED_WIDTH.get(name) or constraint(name, "max_length")
    return String(width) if width else Text()


def declaration_columns() -> list[Column[Any]]:
    """One column per ``Declaration`` field; NOT NULL when the field is required or has a
    non-null default (``item_no``, ``direction``)."""
    fields = Declaration.model_fields
    return [
        Column(
            name,
            _sql_type(name),
            nullable=name not in REQUIRED_FIELDS and fields[name].default is None,
        )
        for name in FIELD_NAMES
    ]


declarations = Table(
    "declarations",
    Base.metadata,
    *declaration_columns(),
    # 64-bit digest of the canonical values: tells an exact re-delivery (duplicate) from a
    # changed item under the same key (conflict) without comparing 36 columns.
    Column("content_hash", BigInteger, nullable=False),
    Column("ingest_id", Integer, nullable=True),
    Column("ingested_at", DateTime(timezone=True), server_default=func.now(), nullable=False),
    PrimaryKeyConstraint(*KEY_FIELDS),
    Index("ix_declarations_declaration_date", "declaration_date"),
    # No index on office_id alone: the office + date and office + HS indexes below serve it
    # (migration 0015_drop_office_index).
    # Officer search (migrations 0013_officer, 0014_search_indexes): party and office as
    # equalities so SQLite prefers them to the office index; HS code with and without office.
    Index("ix_declarations_importer", "importer_id", "office_id", "declaration_date"),
    Index("ix_declarations_declarant", "declarant_id", "office_id", "declaration_date"),
    Index("ix_declarations_seller", "seller_id", "office_id", "declaration_date"),
    Index("ix_declarations_hs_code", "hs_code"),
    Index("ix_declarations_office_hs", "office_id", "hs_code"),
    Index("ix_declarations_office_date", "office_id", "declaration_date"),
)

ingest_runs = Table(
    "ingest_runs",
    Base.metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("source", Text, nullable=False),
    Column("file_hash", String(64), nullable=False),
    Column("profile", String(32), nullable=False),
    # running -> done | failed; a 'running' row whose process died is resumed by a rerun.
    Column("status", String(16), nullable=False),
    Column("rows_done", Integer, nullable=False, default=0),
    Column("input_rows", Integer, nullable=False, default=0),
    Column("stored", Integer, nullable=False, default=0),
    Column("quarantined", Integer, nullable=False, default=0),
    Column("duplicates", Integer, nullable=False, default=0),
    Column("conflicts", Integer, nullable=False, default=0),
    Column("error", Text, nullable=True),
    Column("started_at", DateTime(timezone=True), server_default=func.now(), nullable=False),
    Column("finished_at", DateTime(timezone=True), nullable=True),
    Index("ix_ingest_runs_file_hash", "file_hash"),
)

quarantine = Table(
    "quarantine",
    Base.metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("ingest_id", Integer, nullable=False),
    Column("source", Text, nullable=False),
    Column("row_number", Integer, nullable=False),
    Column("raw", JSON, nullable=False),
    Column("reasons", JSON, nullable=False),
    Column("quarantined_at", DateTime(timezone=True), server_default=func.now(), nullable=False),
    Index("ix_quarantine_ingest_id", "ingest_id"),
)


class Reason(BaseModel):
    """Why a row was quarantined: the canonical field (or ``_row``) and the problem."""

    field: str
    problem: str


class IngestSummary(BaseModel):
    """Outcome of one ingest; ``input == stored + quarantined + duplicates`` always holds.

    ``conflicts`` counts the quarantined rows whose key was already stored (or seen earlier
    in the same input) with different content.
    """

    ingest_id: int
    source: str
    profile: str
    input: int = Field(ge=0)
    stored: int = Field(ge=0)
    quarantined: int = Field(ge=0)
    duplicates: int = Field(ge=0)
    conflicts: int = Field(ge=0)
    resumed: bool = False
    seconds: float = 0.0

    @property
    def balanced(self) -> bool:
        return self.input == self.stored + self.quarantined + self.duplicates


class QuarantinedRow(BaseModel):
    id: int
    ingest_id: int
    source: str
    row_number: int
    raw: dict[str, Any]
    reasons: list[Reason]


class Count(BaseModel):
    key: str
    rows: int


class MonthRate(BaseModel):
    month: str
    rows: int
    fraud_rate: float | None


class StoreSummary(BaseModel):
    total: int
    quarantined: int
    by_office: list[Count]
    by_chapter: list[Count]
    fraud_by_month: list[MonthRate]
