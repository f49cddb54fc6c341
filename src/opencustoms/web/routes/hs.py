"""HS classification: ranked HS6 candidates for a goods description (any logged-in user,
traders included) and officers' confirmations or corrections, as API and as the tools
page's forms."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Body, Form, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from opencustoms.errors import InvalidInput, Unavailable
from opencustoms.hs.models import Candidate, FeedbackRecord
from opencustoms.hs.service import record_feedback, suggest
from opencustoms.web.auth import WS, AnyUser, CurrentUser, Writer, require_role
from opencustoms.web.render import form_errors, render
from opencustoms.workspace import audit
from opencustoms.workspace.models import Role, User

router = APIRouter(prefix="/api/hs", tags=["hs"])
pages = APIRouter(include_in_schema=False)
TEACHERS = (Role.OFFICER, Role.SUPERVISOR, Role.ADMIN)


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
    try:
        return suggest(text=text, top=top, engine=ws.engine)
    except FileNotFoundError as exc:
        raise Unavailable(f"HS classifier not available: {exc}") from exc
    except Unavailable as exc:
        raise Unavailable(f"HS classifier not available: {exc}") from exc
    except InvalidInput:
        raise
    except ValueError as exc:
        raise InvalidInput(_field(str(exc)), str(exc)) from exc


def _teach(ws: WS, user: User, req: FeedbackRequest) -> FeedbackRecord:
    """Store an officer's confirmation or correction and audit it."""
    try:
        record = record_feedback(
            engine=ws.engine,
            text=req.text,
            hs_code=req.hs_code,
            user=user.username,
            confirmed=req.confirmed,
            suggested_hs=req.suggested_hs,
        )
    except InvalidInput:
        raise
    except ValueError as exc:
        raise InvalidInput(_field(str(exc), "hs_code"), str(exc)) from exc
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
    return _teach(ws, user, req)


@pages.post("/tools/hs", response_class=HTMLResponse)
def tools_hs(
    request: Request, ws: WS, user: CurrentUser, text: Annotated[str, Form(max_length=100_000)]
) -> Response:
    try:
        data: dict[str, Any] = {
            "suggestions": [c.model_dump() for c in run_suggest(ws, text, 5)],
            "text": text,
            "can_teach": user.role in TEACHERS,
        }
    except InvalidInput as exc:
        data = {"errors": form_errors(exc)}
        return render(request, "_tool_result.html", data, user=user, status_code=422)
    return render(request, "_tool_result.html", data, user=user)


@pages.post("/tools/hs/feedback", response_class=HTMLResponse)
def tools_hs_feedback(
    request: Request,
    ws: WS,
    user: CurrentUser,
    text: Annotated[str, Form(max_length=10_000)],
    hs_code: Annotated[str, Form(max_length=12)],
    confirmed: Annotated[str, Form(max_length=5)] = "0",
    suggested_hs: Annotated[str, Form(max_length=12)] = "",
) -> Response:
    require_role(user, *TEACHERS, action="teach the classifier")
    try:
        req = FeedbackRequest.model_validate(
            {
                "text": text,
                "hs_code": hs_code,
                "confirmed": confirmed,
                "suggested_hs": suggested_hs or None,
            }
        )
        record = _teach(ws, user, req)
    except (ValidationError, InvalidInput) as exc:
        errors = form_errors(exc)
        return render(request, "_tool_result.html", {"errors": errors}, user=user, status_code=422)
    return render(request, "_tool_result.html", {"feedback": record.model_dump()}, user=user)
