"""Tables and API models of the HS classification assistant.

``hs_feedback`` keeps what officers confirmed or corrected; the Alembic revision
``0003_hs`` is the frozen copy of this table.
"""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field
from sqlalchemy import Boolean, DateTime, Index, Integer, String, Text, func
from sqlalchemy.orm import Mapped, mapped_column

from opencustoms.db import Base


class HsFeedback(Base):
    """One officer decision on a goods description: the HS code it belongs to."""

    __tablename__ = "hs_feedback"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    text: Mapped[str] = mapped_column(Text, nullable=False)
    # The HS6 the officer settled on (a confirmation of a suggestion, or a correction).
    hs_code: Mapped[str] = mapped_column(String(10), nullable=False)
    hs6: Mapped[str] = mapped_column(String(6), nullable=False)
    # True: the officer confirmed the suggestion; False: the officer corrected it.
    confirmed: Mapped[bool] = mapped_column(Boolean, nullable=False)
    suggested_hs6: Mapped[str | None] = mapped_column(String(6), nullable=True)
    user: Mapped[str] = mapped_column(String(128), nullable=False)
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), nullable=False, server_default=func.now()
    )

    __table_args__ = (Index("ix_hs_feedback_hs6", "hs6"),)


class Candidate(BaseModel):
    """One ranked HS6 suggestion."""

    hs6: str = Field(description="HS 2022 subheading, 6 digits.")
    heading: str
    chapter: str
    score: float = Field(description="Ranker score (higher is better; comparable within a query).")
    confidence: float = Field(
        ge=0.0,
        le=1.0,
        description="Softmax share among the top 20, shrunk for inputs under 8 letters or digits.",
    )
    description: str = Field(description="HS 2022 description of the subheading.")
    heading_description: str
    chapter_description: str
    matched: str = Field(description="The knowledge-base text that matched best.")
    source: str = Field(description="Which signal put it first: lexical, dense, or feedback.")
    facets: list[str] = Field(
        default_factory=list,
        description="Textile facts read from the text that moved this code: 'fits: cotton "
        "(chief weight)', 'contradicts: for men', 'contradicts: knitted or crocheted'.",
    )


class FeedbackRecord(BaseModel):
    id: int
    text: str
    hs_code: str
    hs6: str
    confirmed: bool
    user: str


class MisclassificationFlag(BaseModel):
    """Whether a declared code is plausible for the description, and what is at stake."""

    declared_hs: str
    flagged: bool
    declared_rank: int | None = Field(description="1-based rank of the declared HS6, if ranked.")
    suggested_hs6: str
    suggested_description: str
    declared_rate: float | None = Field(
        description="Ad-valorem duty rate (%) of the declared code."
    )
    suggested_rate: float | None
    rate_difference: float | None = Field(
        description="Suggested minus declared rate (percentage points); > 0: declared pays less."
    )
    rate_note: str = Field(description="Where the rates come from, or why they are unknown.")
    reason: str
