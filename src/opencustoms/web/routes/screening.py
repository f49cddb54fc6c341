"""Sanctions screening faces: the review queue, the match page (side-by-side names with the
features), and the officer's decision (audited, remembered for the party).

``GET /screening`` and ``GET /screening/matches/{id}`` answer HTML or JSON (``render``);
``POST /screening/matches/{id}/decision`` takes a JSON body (API) or the page's form.
"""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from opencustoms.screening.matcher import FEATURES
from opencustoms.screening.review import decide, get_match, queue, queue_counts
from opencustoms.web.auth import WS, Staff, Writer
from opencustoms.web.pagination import Page, PageParams, page_params
from opencustoms.web.render import render
from opencustoms.web.routes.cases.common import answer, body_doc, read_body
from opencustoms.workspace import audit

router = APIRouter(tags=["screening"])


class DecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    decision: Literal["true_match", "false_positive"]
    note: str = Field(default="", max_length=2000, examples=["other birth date on the passport"])


class DecisionOut(BaseModel):
    match_id: int
    status: str
    decision_id: int


@router.get(
    "/screening",
    response_class=HTMLResponse,
    summary="The sanctions review queue: matches above the review threshold (HTML or JSON)",
)
def queue_page(
    request: Request,
    ws: WS,
    user: Staff,
    params: Annotated[PageParams, Depends(page_params)],
    status: Annotated[Literal["pending", "true_match", "false_positive"], Query()] = "pending",
) -> Response:
    counts = queue_counts(engine=ws.engine)
    items = queue(engine=ws.engine, status=status, limit=params.page_size, offset=params.offset)
    data = {"page": Page.of(items, total=counts[status], params=params), "counts": counts,
            "status": status}  # fmt: skip
    return render(request, "screening/queue.html", data, user=user, nav="screening")


@router.get(
    "/screening/matches/{match_id}",
    response_class=HTMLResponse,
    summary="One match: the party and the listed entity side by side, features, decisions",
)
def match_page(request: Request, ws: WS, user: Staff, match_id: int) -> Response:
    match = get_match(engine=ws.engine, match_id=match_id)
    described = {f.name: f.description for f in FEATURES}
    data = {"match": match, "feature_descriptions": described}
    return render(request, "screening/match.html", data, user=user, nav="screening")


@router.post(
    "/screening/matches/{match_id}/decision",
    summary="Decide a match: true_match or false_positive (stored with user and time, audited, "
    "remembered for the party)",
    openapi_extra=body_doc(DecisionIn),
)
async def decide_match(request: Request, ws: WS, user: Writer, match_id: int) -> Response:
    body = await read_body(request, DecisionIn)
    result = await run_in_threadpool(
        decide, engine=ws.engine, match_id=match_id, decision=body.decision,
        user=user.username, note=body.note,
    )  # fmt: skip
    await run_in_threadpool(
        audit.by_user, engine=ws.engine, user=user, action=f"screening.{body.decision}",
        object_type="screening_match", object_id=str(match_id),
        detail={"decision_id": result["decision_id"], "note": body.note},
    )  # fmt: skip
    return answer(request, DecisionOut(**result), then=f"/screening/matches/{match_id}")
