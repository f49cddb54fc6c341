"""Investigation cases: open from alerts, the case page (HTML or JSON), decisions, notes,
assignment, attachments, merging, the network view and the case file for referral."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, File, Query, Request, UploadFile
from fastapi.encoders import jsonable_encoder
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import BaseModel, ConfigDict, Field
from starlette.concurrency import run_in_threadpool

from opencustoms.cases.attachments import add_attachment, read_attachment
from opencustoms.cases.casefile import case_file, case_network, render_html
from opencustoms.cases.history import CASE, history
from opencustoms.cases.models import CASE_STATUSES
from opencustoms.cases.service import (
    add_note,
    assign,
    create_case,
    decide,
    get_case,
    list_cases,
    merge_cases,
    start_investigation,
)
from opencustoms.errors import InvalidInput
from opencustoms.web.auth import WS, Staff
from opencustoms.web.pagination import Page, PageParams, page_params
from opencustoms.web.render import render, wants_json
from opencustoms.web.routes.cases.common import MAX_ID, Id, answer, body_doc, read_body
from opencustoms.workspace import audit

router = APIRouter(tags=["cases"])
MAX_UPLOAD = 64 * 1024 * 1024  # the policy's own limit is checked by the domain


class CaseCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")
    alert_ids: list[Annotated[int, Field(ge=1, le=MAX_ID)]] = Field(
        min_length=1, max_length=1000, examples=[[12, 15]]
    )
    title: str | None = Field(default=None, max_length=300)
    assignee: str | None = Field(default=None, max_length=64)


class Decision(BaseModel):
    model_config = ConfigDict(extra="forbid")
    status: Literal["referred", "closed"] = Field(examples=["closed"])
    outcome: Literal["confirmed", "false_positive", "inconclusive"]
    amount_recovered_krw: float = Field(default=0.0, ge=0, le=1e15)
    referral: Literal["prosecution", "tax_audit"] | None = None


class NoteIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    body: str = Field(min_length=1, max_length=20_000)


class AssignIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    assignee: str = Field(min_length=1, max_length=64)
    office: str | None = Field(default=None, max_length=16)


class MergeIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    other: int = Field(ge=1, le=MAX_ID, description="The case folded into this one")


@router.get("/cases", response_class=HTMLResponse, summary="Cases the user may see")
def cases_page(
    request: Request,
    ws: WS,
    user: Staff,
    params: Annotated[PageParams, Depends(page_params)],
    status: Annotated[
        Literal["open", "investigating", "referred", "closed"] | None, Query()
    ] = None,
    office: Annotated[str | None, Query(max_length=16)] = None,
) -> Response:
    total, items = list_cases(
        engine=ws.engine, actor=user, status=status, office=office or None,
        limit=params.page_size, offset=params.offset,
    )  # fmt: skip
    data = {
        "page": Page.of(items, total=total, params=params),
        "filters": {"status": status, "office": office},
    }
    return render(request, "cases/cases.html", data, user=user, nav="cases", statuses=CASE_STATUSES)


@router.post(
    "/cases",
    status_code=201,
    summary="Open a case from one or several alerts",
    openapi_extra=body_doc(CaseCreate),
)
async def open_case(request: Request, ws: WS, user: Staff) -> Response:
    body = await read_body(request, CaseCreate, lists=("alert_ids",))
    case = await run_in_threadpool(
        create_case, engine=ws.engine, actor=user, alert_ids=body.alert_ids, title=body.title,
        assignee=body.assignee or user.username,
    )  # fmt: skip
    return answer(request, case, then=f"/cases/{case.id}", status_code=201)


@router.get("/cases/{case_id}", response_class=HTMLResponse, summary="A case (HTML or JSON)")
def case_page(request: Request, ws: WS, user: Staff, case_id: Id) -> Response:
    case = get_case(engine=ws.engine, actor=user, case_id=case_id)
    data = {
        "case": case,
        "history": history(engine=ws.engine, object_type=CASE, object_id=case_id),
    }
    return render(request, "cases/case.html", data, user=user, nav="cases")


@router.post(
    "/cases/{case_id}/decision",
    summary="Refer or close a case with its outcome; the detectors' labels follow",
    openapi_extra=body_doc(Decision),
)
async def case_decision(request: Request, ws: WS, user: Staff, case_id: Id) -> Response:
    body = await read_body(request, Decision)
    res = await run_in_threadpool(
        decide, engine=ws.engine, actor=user, case_id=case_id, **body.model_dump()
    )
    return answer(request, res, then=f"/cases/{case_id}")


@router.post("/cases/{case_id}/notes", summary="Add a note", openapi_extra=body_doc(NoteIn))
async def case_note(request: Request, ws: WS, user: Staff, case_id: Id) -> Response:
    body = await read_body(request, NoteIn)
    res = await run_in_threadpool(
        add_note, engine=ws.engine, actor=user, case_id=case_id, body=body.body
    )
    return answer(request, res, then=f"/cases/{case_id}")


@router.post(
    "/cases/{case_id}/assign", summary="Assign to an officer", openapi_extra=body_doc(AssignIn)
)
async def case_assign(request: Request, ws: WS, user: Staff, case_id: Id) -> Response:
    body = await read_body(request, AssignIn)
    res = await run_in_threadpool(
        assign, engine=ws.engine, actor=user, case_id=case_id, assignee=body.assignee,
        office=body.office,
    )  # fmt: skip
    return answer(request, res, then=f"/cases/{case_id}")


@router.post("/cases/{case_id}/investigate", summary="Start investigating")
def case_investigate(request: Request, ws: WS, user: Staff, case_id: Id) -> Response:
    res = start_investigation(engine=ws.engine, actor=user, case_id=case_id)
    return answer(request, res, then=f"/cases/{case_id}")


@router.post(
    "/cases/{case_id}/merge",
    summary="Fold another case into this one",
    openapi_extra=body_doc(MergeIn),
)
async def case_merge(request: Request, ws: WS, user: Staff, case_id: Id) -> Response:
    body = await read_body(request, MergeIn)
    res = await run_in_threadpool(
        merge_cases, engine=ws.engine, actor=user, into=case_id, other=body.other
    )
    return answer(request, res, then=f"/cases/{case_id}")


@router.post("/cases/{case_id}/attachments", summary="Attach a file (typed by content)")
async def case_attach(
    request: Request, ws: WS, user: Staff, case_id: Id, file: Annotated[UploadFile, File()]
) -> Response:
    content = await file.read(MAX_UPLOAD + 1)
    if len(content) > MAX_UPLOAD:
        raise InvalidInput("file", f"over {MAX_UPLOAD:,} bytes")
    res = await run_in_threadpool(
        add_attachment, engine=ws.engine, actor=user, case_id=case_id,
        filename=file.filename or "", content=content,
    )  # fmt: skip
    return answer(request, res, then=f"/cases/{case_id}", status_code=201)


@router.get("/cases/{case_id}/attachments/{attachment_id}", summary="Download an attachment")
def case_attachment(ws: WS, user: Staff, case_id: Id, attachment_id: Id) -> Response:
    meta, content = read_attachment(
        engine=ws.engine, actor=user, case_id=case_id, attachment_id=attachment_id
    )
    # Served as a download with its checked type; never rendered inline by the browser.
    return Response(
        content,
        media_type=meta.media_type,
        headers={"content-disposition": f'attachment; filename="{meta.sha256[:16]}"'},
    )


@router.get(
    "/cases/{case_id}/network",
    response_class=HTMLResponse,
    summary="The network around a case (page, or cytoscape.js elements as JSON)",
)
def case_network_page(
    request: Request,
    ws: WS,
    user: Staff,
    case_id: Id,
    hops: Annotated[int, Query(ge=0, le=3)] = 1,
    expand: Annotated[str | None, Query(max_length=200)] = None,
    max_nodes: Annotated[int, Query(ge=1, le=2000)] = 500,
) -> Response:
    net = case_network(
        engine=ws.engine, actor=user, case_id=case_id, hops=hops, max_nodes=max_nodes,
        expand=expand,
    )  # fmt: skip
    data = {
        "case_id": case_id,
        "elements": net.to_cytoscape(),
        "nodes": len(net.nodes),
        "edges": len(net.edges),
        "truncated": net.truncated,
        "sources": net.sources,
    }
    return render(request, "cases/network.html", data, user=user, nav="cases")


@router.get("/cases/{case_id}/export", summary="The case file: HTML report, or JSON evidence")
def case_export(request: Request, ws: WS, user: Staff, case_id: Id) -> Response:
    data = case_file(engine=ws.engine, actor=user, case_id=case_id)
    audit.by_user(
        engine=ws.engine, user=user, action="case_exported", object_type=CASE,
        object_id=str(case_id), office=data["case"]["office"],
        detail={"format": "json" if wants_json(request) else "html"},
    )  # fmt: skip
    name = f"case-{case_id}"
    if wants_json(request):
        return JSONResponse(
            jsonable_encoder(data),
            headers={"content-disposition": f'attachment; filename="{name}.json"'},
        )
    return HTMLResponse(
        render_html(data), headers={"content-disposition": f'attachment; filename="{name}.html"'}
    )
