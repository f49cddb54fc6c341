"""Tables of the parcel store. Alembic revision ``0005_parcels`` is their frozen copy.

* ``parcels``: one row per parcel_id (the manifest columns, typed), with the content hash
  that tells a resent parcel (duplicate) from a conflicting one, the intake run and the
  office (given, or derived from the carrier).
* ``parcel_ingest_runs`` / ``parcel_quarantine``: resumable intake runs and every row that
  was not stored, with file, row number, raw content and reasons.
* ``parcel_decisions``: the latest screening decision of each parcel.
* ``parcel_inspections``: inspection results recorded by officers (labels for learning).
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Column,
    Date,
    DateTime,
    Float,
    Index,
    Integer,
    String,
    Table,
    Text,
    func,
)

from opencustoms.db import Base

parcels = Table(
    "parcels",
    Base.metadata,
    Column("parcel_id", String(40), primary_key=True),
    Column("manifest_id", String(40), nullable=False),
    Column("arrival_date", Date, nullable=False),
    Column("carrier_id", String(20), nullable=False),
    Column("platform", Text),
    Column("seller_name", Text),
    Column("seller_country", String(2)),
    Column("departure_country", String(2), nullable=False),
    Column("origin_country", String(2)),
    Column("recipient_pccc", String(13), nullable=False),
    Column("recipient_name", Text, nullable=False),
    Column("recipient_phone", Text, nullable=False),
    Column("recipient_address", Text, nullable=False),
    Column("description", Text, nullable=False),
    Column("hs_code", String(10)),
    Column("quantity", Integer, nullable=False),
    Column("declared_value", Float(precision=53), nullable=False),
    Column("currency", String(3), nullable=False),
    Column("gross_weight_kg", Float(precision=53), nullable=False),
    Column("office_code", String(16)),
    Column("content_hash", BigInteger, nullable=False),
    Column("ingest_id", Integer, nullable=False),
    Index("ix_parcels_pccc", "recipient_pccc"),
    Index("ix_parcels_office_date", "office_code", "arrival_date"),
)

parcel_ingest_runs = Table(
    "parcel_ingest_runs",
    Base.metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("source", Text, nullable=False),
    Column("file_hash", String(64), nullable=False),
    # running -> done | failed; a 'running' row whose process died is resumed by a rerun.
    Column("status", String(16), nullable=False),
    Column("rows_done", Integer, nullable=False, default=0),
    Column("input_rows", Integer, nullable=False, default=0),
    Column("stored", Integer, nullable=False, default=0),
    Column("quarantined", Integer, nullable=False, default=0),
    Column("duplicates", Integer, nullable=False, default=0),
    Column("error", Text),
    Column("started_at", DateTime(timezone=True), server_default=func.now(), nullable=False),
    Column("finished_at", DateTime(timezone=True)),
    Index("ix_parcel_ingest_runs_file_hash", "file_hash"),
)

parcel_quarantine = Table(
    "parcel_quarantine",
    Base.metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("ingest_id", Integer, nullable=False),
    Column("source", Text, nullable=False),
    Column("row_number", Integer, nullable=False),
    Column("raw", JSON, nullable=False),
    Column("reasons", JSON, nullable=False),
    Column("quarantined_at", DateTime(timezone=True), server_default=func.now(), nullable=False),
    Index("ix_parcel_quarantine_ingest_id", "ingest_id"),
)

parcel_decisions = Table(
    "parcel_decisions",
    Base.metadata,
    Column("parcel_id", String(40), primary_key=True),
    Column("decision", String(16), nullable=False),
    Column("typologies", Text, nullable=False),
    Column("score", Float(precision=53), nullable=False),
    Column("reasons", Text, nullable=False),
    Column("duty_krw", Float(precision=53)),
    Column("vat_krw", Float(precision=53)),
    Column("group_key", String(64)),
    Column("office_code", String(16)),
    Column("screened_at", DateTime(timezone=True), server_default=func.now(), nullable=False),
    Index("ix_parcel_decisions_office_decision", "office_code", "decision"),
)

parcel_inspections = Table(
    "parcel_inspections",
    Base.metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("parcel_id", String(40), nullable=False),
    Column("outcome", String(16), nullable=False),  # confirmed | cleared
    Column("typologies", Text, nullable=False),  # codes the officer confirmed (';')
    Column("note", Text),
    Column("officer", String(64), nullable=False),
    Column("recorded_at", DateTime(timezone=True), server_default=func.now(), nullable=False),
    Index("ix_parcel_inspections_parcel_id", "parcel_id"),
)
