"""Screening tables: list versions and entities, the review queue, officer decisions.

The Alembic revision ``0007_screening`` is the frozen copy of these tables.

* ``screening_list_versions``: one row per imported list file (source name, content hash,
  version label, newest listing date, when it was loaded, rows kept and quarantined).
* ``screening_entities``: the entities of a list version (names and aliases as JSON).
* ``screening_list_rejects``: the rows of a list that could not be used, with reasons.
* ``screening_matches``: the review queue, one row per party x entity candidate above the
  review threshold: score, features, explanation, algorithm and list version; ``status``
  is ``pending`` until an officer decides (or a remembered decision applies).
* ``screening_decisions``: every officer decision (``true_match`` / ``false_positive``)
  with user and time, keyed by the party's fingerprint and the entity, so the next
  screening of the same party against the same entity reuses it. Never updated: a new
  decision is a new row and the newest wins.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    UniqueConstraint,
    func,
)

from opencustoms.db import Base

STATUSES = ("pending", "true_match", "false_positive")
DECISIONS = ("true_match", "false_positive")

list_versions = Table(
    "screening_list_versions",
    Base.metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("source", String(255), nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("version", String(64), nullable=False),
    Column("published", String(10), nullable=False),
    Column("entities", Integer, nullable=False),
    Column("quarantined", Integer, nullable=False),
    Column("loaded_at", DateTime(timezone=True), server_default=func.now(), nullable=False),
    UniqueConstraint("sha256", name="uq_screening_list_versions_sha256"),
)

entities = Table(
    "screening_entities",
    Base.metadata,
    Column("list_version_id", Integer, ForeignKey("screening_list_versions.id"), primary_key=True),
    Column("entity_id", String(128), primary_key=True),
    Column("schema", String(32), nullable=False),
    Column("name", Text, nullable=False),
    Column("aliases", JSON, nullable=False),
    Column("countries", JSON, nullable=False),
    Column("birth_dates", JSON, nullable=False),
    Column("program", Text, nullable=False),
    Column("listed_on", String(10), nullable=False),
)

list_rejects = Table(
    "screening_list_rejects",
    Base.metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("list_version_id", Integer, ForeignKey("screening_list_versions.id"), nullable=False),
    Column("row_no", Integer, nullable=False),
    Column("raw", JSON, nullable=False),
    Column("reasons", JSON, nullable=False),
)

matches = Table(
    "screening_matches",
    Base.metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("party_key", String(255), nullable=False),
    Column("party_id", String(128), nullable=False),
    Column("party_name", Text, nullable=False),
    Column("party_country", String(2), nullable=False),
    Column("party_birth_date", String(10), nullable=False),
    Column("party_role", String(16), nullable=False),
    Column("declaration_id", String(64), nullable=False),
    Column("list_version_id", Integer, ForeignKey("screening_list_versions.id"), nullable=False),
    Column("entity_id", String(128), nullable=False),
    Column("score", Float, nullable=False),
    Column("matched_name", Text, nullable=False),
    Column("explanation", Text, nullable=False),
    Column("features", JSON, nullable=False),
    Column("algorithm", String(64), nullable=False),
    Column("status", String(16), nullable=False),
    Column("decision_id", Integer, ForeignKey("screening_decisions.id"), nullable=True),
    Column("created_at", DateTime(timezone=True), server_default=func.now(), nullable=False),
    Index("ix_screening_matches_status", "status", "score"),
    Index("ix_screening_matches_party", "party_key", "entity_id"),
)

decisions = Table(
    "screening_decisions",
    Base.metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("party_key", String(255), nullable=False),
    Column("entity_id", String(128), nullable=False),
    Column("decision", String(16), nullable=False),
    Column("decided_by", String(64), nullable=False),
    Column("decided_at", DateTime(timezone=True), nullable=False),
    Column("note", Text, nullable=False),
    Column("match_id", Integer, nullable=True),
    Index("ix_screening_decisions_key", "party_key", "entity_id"),
)
