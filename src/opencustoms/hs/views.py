"""HS classification HTTP API: ranked HS6 candidates for a goods description (any
logged-in user, traders included) and officers' confirmations or corrections."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, HTTPException
from pydantic import BaseModel, ConfigDict, Field

from opencustoms.hs.models import Candidate, FeedbackRecord
from opencustoms.workspace import audit
from opencustoms.workspace.auth import WS, AnyUser, Writer, field_error

router = APIRouter(prefix="/api/hs", tags=["hs"])


class SuggestRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(
        min_length=1,
        max_length=100_000,
        description="Goods description, English or Korean",
        examples=["fresh boneless beef"],
    )
    top: int = Field(default=5, ge=1, le=50)


class SuggestResponse(BaseModel):
    text: str
    candidates: list[Candidate] = Field(description="Ranked candidates, best first")


class FeedbackRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    text: str = Field(min_length=1, max_length=10_000, examples=["fresh boneless beef"])
    hs_code: str = Field(min_length=6, max_length=12, examples=["020130"])
    confirmed: bool = Field(
        description="True: the suggestion was right; false: hs_code is the correction"
    )
    suggested_hs: str | None = Field(default=None, max_length=12)


def _field(message: str, default: str = "text") -> str:
    head = message.split(":", 1)[0].strip()
    return head if head in ("text", "top", "hs_code", "user") else default


def run_suggest(ws: WS, text: str, top: int) -> list[Candidate]:
    from opencustoms.hs.embed import EmbeddingMismatch
    from opencustoms.hs.service import suggest

    try:
        return suggest(text=text, top=top, engine=ws.engine)
    except ValueError as exc:
        raise field_error(_field(str(exc)), str(exc)) from exc
    except (EmbeddingMismatch, FileNotFoundError) as exc:
        raise HTTPException(503, detail=f"HS classifier not available: {exc}") from exc


@router.post(
    "/suggest",
    summary="Ranked HS6 candidates for a goods description",
    responses={422: {"description": "Bad input; detail[].loc names the field"}},
)
def hs_suggest(
    ws: WS,
    _: AnyUser,
    req: Annotated[SuggestRequest, Body(examples=[{"text": "fresh boneless beef", "top": 5}])],
) -> SuggestResponse:
    return SuggestResponse(text=req.text, candidates=run_suggest(ws, req.text, req.top))


@router.post(
    "/feedback",
    status_code=201,
    summary="Confirm or correct a classification (officers, supervisors, admins)",
)
def hs_feedback(ws: WS, user: Writer, req: FeedbackRequest) -> FeedbackRecord:
    from opencustoms.hs.service import record_feedback

    try:
        record = record_feedback(
            engine=ws.engine,
            text=req.text,
            hs_code=req.hs_code,
            user=user.username,
            confirmed=req.confirmed,
            suggested_hs=req.suggested_hs,
        )
    except ValueError as exc:
        raise field_error(_field(str(exc), "hs_code"), str(exc)) from exc
    audit.by_user(
        engine=ws.engine,
        user=user,
        action="hs_feedback",
        object_type="hs_feedback",
        object_id=str(record.id),
        office=user.office,
        detail={"hs6": record.hs6, "confirmed": record.confirmed},
    )
    return record
