"""Risk engine tables: assessments, inspection results, lane overrides.

The Alembic revision ``0002_risk`` is the frozen copy of these tables.

* ``risk_assessments``: one row per scoring of a declaration item (model version, scores,
  lane, reasons JSON, rules fired, exploration flag, scored_at). The latest row is current.
* ``risk_inspections``: inspection results (found / not found, critical, additional duty,
  officer, time). Retraining learns only from these, as in reality.
* ``risk_lane_overrides``: a supervisor's lane change with who, when and why.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, Field
from sqlalchemy import (
    JSON,
    Boolean,
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

risk_assessments = Table(
    "risk_assessments",
    Base.metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("declaration_id", String(64), nullable=False),
    Column("item_no", Integer, nullable=False),
    Column("office_id", String(16), nullable=False),
    Column("declaration_date", Date, nullable=False),
    Column("model_version", String(64), nullable=False),
    Column("score", Float, nullable=False),
    Column("model_score", Float, nullable=False),
    Column("critical_score", Float, nullable=False),
    Column("revenue_at_risk", Float, nullable=False),
    Column("lane", String(8), nullable=False),
    Column("exploration", Boolean, nullable=False),
    Column("reasons", JSON, nullable=False),
    Column("rules_fired", JSON, nullable=False),
    Column("scored_at", DateTime(timezone=True), server_default=func.now(), nullable=False),
    Index("ix_risk_assessments_key", "declaration_id", "item_no"),
    # Migration 0016: covers the office queue's pass (risk.queue), not only office + date.
    Index(
        "ix_risk_assessments_office_date",
        "office_id",
        "declaration_date",
        "declaration_id",
        "item_no",
        "lane",
        "score",
        "revenue_at_risk",
    ),
)

risk_inspections = Table(
    "risk_inspections",
    Base.metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("declaration_id", String(64), nullable=False),
    Column("item_no", Integer, nullable=False),
    Column("fraud", Boolean, nullable=False),
    Column("critical", Boolean, nullable=False),
    Column("additional_duty", Float, nullable=False),
    Column("officer", String(128), nullable=False),
    Column("note", Text, nullable=True),
    Column("recorded_at", DateTime(timezone=True), server_default=func.now(), nullable=False),
    Index("ix_risk_inspections_key", "declaration_id", "item_no"),
)

risk_lane_overrides = Table(
    "risk_lane_overrides",
    Base.metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("declaration_id", String(64), nullable=False),
    Column("item_no", Integer, nullable=False),
    Column("previous_lane", String(8), nullable=True),
    Column("lane", String(8), nullable=False),
    Column("reason", Text, nullable=False),
    Column("user", String(128), nullable=False),
    Column("created_at", DateTime(timezone=True), server_default=func.now(), nullable=False),
    Index("ix_risk_lane_overrides_key", "declaration_id", "item_no"),
)

# Migration 0013_officer: who works which selected item (append-only; the latest row per
# item is the current assignment, ``officer`` NULL means unassigned again).
risk_assignments = Table(
    "risk_assignments",
    Base.metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("declaration_id", String(64), nullable=False),
    Column("item_no", Integer, nullable=False),
    Column("office_id", String(16), nullable=False),
    Column("officer", String(128), nullable=True),
    Column("assigned_by", String(128), nullable=False),
    Column("assigned_at", DateTime(timezone=True), server_default=func.now(), nullable=False),
    Index("ix_risk_assignments_key", "declaration_id", "item_no"),
    Index("ix_risk_assignments_officer", "office_id", "officer"),
)

# A supervisor's review of a lane override: accepted, or reopened (the item goes back to
# the lane it had; ``restored_override_id`` is the override row that did so).
risk_override_reviews = Table(
    "risk_override_reviews",
    Base.metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("override_id", Integer, nullable=False),
    Column("office_id", String(16), nullable=False),
    Column("decision", String(16), nullable=False),
    Column("note", Text, nullable=True),
    Column("reviewer", String(128), nullable=False),
    Column("restored_override_id", Integer, nullable=True),
    Column("reviewed_at", DateTime(timezone=True), server_default=func.now(), nullable=False),
    Index("ix_risk_override_reviews_override", "override_id"),
    Index("ix_risk_override_reviews_restored", "restored_override_id"),
)


class ScoredDeclaration(BaseModel):
    """The decision for one declaration item, as returned by ``score_one``."""

    declaration_id: str
    item_no: int
    office_id: str
    score: float = Field(description="Model score plus rule boosts, in [0, 1]")
    model_score: float
    critical_score: float
    revenue_at_risk: float = Field(description="P(fraud) x duty at stake (KRW; a proxy)")
    duty_at_stake: float
    lane: str
    exploration: bool
    rules_fired: list[str]
    reasons: list[dict[str, Any]]
    model_version: str


class InspectionResult(BaseModel):
    id: int
    declaration_id: str
    item_no: int
    fraud: bool
    critical: bool
    additional_duty: float
    officer: str
    note: str | None = None
    recorded_at: dt.datetime | None = None


class LaneOverride(BaseModel):
    id: int
    declaration_id: str
    item_no: int
    previous_lane: str | None
    lane: str
    reason: str
    user: str
    created_at: dt.datetime | None = None


class StoreScoring(BaseModel):
    """What ``score_store`` did."""

    scored: int
    lanes: dict[str, int]
    exploration: int
    model_version: str
    seconds: float
