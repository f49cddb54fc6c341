"""Database tables of a trade world's non-declaration files, derived from ``format.TABLES``
(declarations go into the declaration store through the ``world`` ingest profile).

The Alembic revision ``0006_tradecrime`` is the frozen copy of these tables.
"""

from __future__ import annotations

from typing import Any

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
    SmallInteger,
    String,
    Table,
    Text,
    func,
)
from sqlalchemy.types import TypeEngine

from opencustoms.db import Base
from opencustoms.world.format import TABLES, Col

TABLE_NAMES = {name: f"world_{name}" for name in TABLES}


def _sql_type(col: Col) -> TypeEngine[Any]:
    if col.kind == "date":
        return Date()
    if col.kind == "number":
        return Float(precision=53)
    if col.kind == "flag":
        return SmallInteger()
    if col.kind == "country":
        return String(2)
    if col.kind == "currency":
        return String(3)
    if col.kind == "enum":
        return String(max(len(c) for c in col.choices))
    if col.kind == "timestamp":
        return String(32)  # ISO 8601 UTC text, as delivered: exact on both dialects
    return String(col.width) if col.width else Text()


def _table(name: str) -> Table:
    spec = TABLES[name]
    return Table(
        TABLE_NAMES[name],
        Base.metadata,
        *[Column(c.name, _sql_type(c), nullable=c.nullable) for c in spec.columns],
        # 64-bit digest of the row: an identical re-delivery is a duplicate, a changed row
        # under a stored key is a conflict (quarantined, never overwritten)
        Column("content_hash", BigInteger, nullable=False),
        Column("intake_id", Integer, nullable=True),
        PrimaryKeyConstraint(*spec.key),
    )


world_tables = {name: _table(name) for name in TABLES}

world_intakes = Table(
    "world_intakes",
    Base.metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("folder", Text, nullable=False),
    Column("status", String(16), nullable=False),
    Column("counts", JSON, nullable=True),
    Column("started_at", DateTime(timezone=True), server_default=func.now(), nullable=False),
    Column("finished_at", DateTime(timezone=True), nullable=True),
)

world_quarantine = Table(
    "world_quarantine",
    Base.metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("intake_id", Integer, nullable=False),
    Column("table_name", String(32), nullable=False),
    Column("row_number", Integer, nullable=False),
    Column("raw", JSON, nullable=False),
    Column("reasons", JSON, nullable=False),
    Column("quarantined_at", DateTime(timezone=True), server_default=func.now(), nullable=False),
    Index("ix_world_quarantine_intake_id", "intake_id"),
)
