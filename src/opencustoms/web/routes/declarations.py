"""Declarations: ingest (JSON batch and file upload, the same loss-free rules as the CLI)
and a trader's view of their declarations' status (API and the trader's page). The
officers' declaration page with its risk assessment is in ``routes/risk/decisions.py``."""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Body, Depends, File, Form, HTTPException, Request, UploadFile
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from opencustoms.cases.watch import raise_watch_alerts
from opencustoms.declarations.io import UnusableFileError, read_raw, to_canonical
from opencustoms.declarations.models import IngestSummary, Reason
from opencustoms.declarations.profiles import get_profile
from opencustoms.declarations.queries import quarantine_for
from opencustoms.declarations.service import ingest_file, ingest_records
from opencustoms.errors import Forbidden, InvalidInput, NotFound
from opencustoms.risk import detail as queries
from opencustoms.web.auth import WS, CurrentUser, Writer, check_office
from opencustoms.web.pagination import Page, PageParams, page_params
from opencustoms.web.render import render
from opencustoms.web.uploads import save_upload
from opencustoms.workspace import audit
from opencustoms.workspace.models import Role, User

router = APIRouter(prefix="/api", tags=["declarations"])
pages = APIRouter(include_in_schema=False)
MAX_BATCH = 5_000
UPLOAD_SUFFIXES = (".csv", ".parquet", ".pq", ".jsonl", ".ndjson", ".csv.gz", ".jsonl.gz")

EXAMPLE_RECORD = {
    "declaration_id": "97061800",
    "item_no": 1,
    "declaration_date": "2021-03-02",
    "office_id": "40",
    "importer_id": "PCW8KX7",
    "hs_code": "420221",
    "origin_country": "CN",
    "departure_country": "CN",
    "net_mass_kg": 12.5,
    "item_price_krw": 1250000,
    "tax_rate": 8.0,
    "tax_type": "A",
}


class IngestRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    records: list[dict[str, Any]] = Field(
        min_length=1, max_length=MAX_BATCH, description="Declaration items (profile's columns)"
    )
    profile: Literal["canonical", "kcs"] = "canonical"
    source: str = Field(default="api", max_length=200)


class QuarantineOut(BaseModel):
    row_number: int
    reasons: list[Reason]


class IngestOut(BaseModel):
    summary: IngestSummary
    quarantined_rows: list[QuarantineOut] = Field(
        description="Rows not stored and why (field and problem), first 1,000"
    )


def _check_offices(user: User, offices: list[Any], where: str) -> None:
    """Officers and supervisors may only ingest their own office's declarations."""
    if user.role == Role.ADMIN:
        return
    # A row without an office belongs to nobody: ingestion quarantines it.
    bad = [i for i, o in enumerate(offices) if o is not None and str(o).strip() != user.office]
    if bad:
        raise HTTPException(
            403,
            detail=[
                {
                    "loc": [where, i, "office_id"] if where == "records" else [where, "office_id"],
                    "msg": f"office {offices[i]!r} is not your office ({user.office})",
                    "type": "forbidden",
                }
                for i in bad[:50]
            ],
        )


def _result(ws: Any, summary: IngestSummary) -> IngestOut:
    if summary.stored:
        # A watched party that files raises its alert now (one per party and declaration).
        raise_watch_alerts(engine=ws.engine, ingest_id=summary.ingest_id)
    rows = quarantine_for(engine=ws.engine, ingest_id=summary.ingest_id, limit=1000)
    return IngestOut(summary=summary, quarantined_rows=[QuarantineOut(**r) for r in rows])


@router.post(
    "/declarations",
    summary="Ingest a JSON batch of declarations (loss-free: every row stored, duplicate "
    "or quarantined with reasons)",
    status_code=200,
)
def ingest_batch(
    ws: WS,
    user: Writer,
    req: Annotated[IngestRequest, Body(examples=[{"records": [EXAMPLE_RECORD]}])],
) -> IngestOut:
    office_col = next(
        (src for src, dst in get_profile(req.profile).columns.items() if dst == "office_id"),
        "office_id",
    )
    _check_offices(
        user, [r.get(office_col) if isinstance(r, dict) else None for r in req.records], "records"
    )
    summary = ingest_records(
        records=req.records,
        source=f"{req.source} ({user.username})",
        profile=req.profile,
        engine=ws.engine,
    )
    audit.by_user(
        engine=ws.engine,
        user=user,
        action="ingest",
        object_type="ingest_run",
        object_id=str(summary.ingest_id),
        office=user.office,
        detail=summary.model_dump(
            include={"input", "stored", "quarantined", "duplicates", "conflicts"}
        ),
    )
    return _result(ws, summary)


@router.post(
    "/declarations/upload",
    summary="Ingest an uploaded CSV, Parquet or JSON Lines file",
    responses={
        413: {"description": "File too large (decompressed bytes count)"},
        422: {"description": "Unusable file (nothing stored); detail names why"},
    },
)
async def ingest_upload(
    ws: WS,
    user: Writer,
    file: Annotated[UploadFile, File(description="CSV, Parquet or JSON Lines")],
    profile: Annotated[Literal["canonical", "kcs"], Form()] = "kcs",
) -> IngestOut:
    with tempfile.TemporaryDirectory(prefix="oc-upload-") as tmp:
        # streamed, .gz inflated on the fly, limit counted on decompressed bytes
        path, name = await save_upload(
            file, Path(tmp), suffixes=UPLOAD_SUFFIXES, max_bytes=ws.settings.upload_max_bytes
        )
        try:
            if user.role != Role.ADMIN:
                # Every row counts, malformed ones too: they would land in quarantine.
                raw = to_canonical(read_raw(path).to_pandas(), get_profile(profile))
                offices = raw["office_id"].astype("string").str.strip().dropna().unique().tolist()
                _check_offices(user, offices, "file")
            summary = ingest_file(path=path, profile=profile, engine=ws.engine)
        except UnusableFileError as exc:
            raise InvalidInput("file", str(exc).replace(str(path), name)) from exc
    audit.by_user(
        engine=ws.engine,
        user=user,
        action="ingest",
        object_type="ingest_run",
        object_id=str(summary.ingest_id),
        office=user.office,
        detail={
            "file": name,
            **summary.model_dump(
                include={"input", "stored", "quarantined", "duplicates", "conflicts"}
            ),
        },
    )
    return _result(ws, summary)


@router.get(
    "/declarations/{declaration_id}/status",
    summary="Processing status of a declaration (traders: only their own; no scores)",
    responses={404: {"description": "Unknown or not yours"}},
)
def declaration_status(
    ws: WS, user: CurrentUser, declaration_id: str
) -> list[queries.DeclarationStatus]:
    items = queries.statuses(engine=ws.engine, declaration_id=declaration_id)
    if not items:
        raise NotFound("not found")
    if user.role == Role.TRADER:
        if not queries.owned_by(items, user.trader_id):
            raise NotFound("not found")
    else:
        check_office(user, items[0].office_id)
    return items


def _my_declarations(ws: WS, user: User, params: PageParams) -> Page[queries.DeclarationStatus]:
    if user.role != Role.TRADER or not user.trader_id:
        raise Forbidden("only traders have their own declarations")
    total, items = queries.trader_statuses(
        engine=ws.engine, trader_id=user.trader_id, limit=params.page_size, offset=params.offset
    )
    return Page[queries.DeclarationStatus].of(items, total=total, params=params)


@router.get("/my/declarations", summary="A trader's own declarations with their status")
def my_declarations(
    ws: WS, user: CurrentUser, params: Annotated[PageParams, Depends(page_params)]
) -> Page[queries.DeclarationStatus]:
    return _my_declarations(ws, user, params)


@pages.get("/my", response_class=HTMLResponse)
def my_page(request: Request, ws: WS, user: CurrentUser, page: int = 1) -> Response:
    result = _my_declarations(ws, user, PageParams(page=max(page, 1), page_size=50))
    return render(
        request, "my.html", {"trader_id": user.trader_id, "page": result}, user=user, nav="my"
    )
