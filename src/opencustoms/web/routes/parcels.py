"""Parcels: manifest upload, the parcel queue per office (by decision and typology), parcel
detail with reasons and linked parcels, inspection results, and PCCC usage history (a
trader sees only their own PCCC: the user's trader id)."""

from __future__ import annotations

import hashlib
from typing import Annotated, Any

from fastapi import APIRouter, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from opencustoms.errors import InvalidInput, NotFound
from opencustoms.parcels import service
from opencustoms.parcels.intake import ingest_manifest
from opencustoms.parcels.screen import TYPOLOGIES
from opencustoms.web.auth import WS, CurrentUser, Staff, Writer, check_office, check_office_write
from opencustoms.web.render import render
from opencustoms.workspace.models import Role, User

router = APIRouter(prefix="/api/parcels", tags=["parcels"])
pages = APIRouter(include_in_schema=False)

CHUNK = 1 << 20


class InspectionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    outcome: str = Field(pattern="^(confirmed|cleared)$", examples=["confirmed"])
    typologies: list[str] = Field(default_factory=list, max_length=5)
    note: str | None = Field(default=None, max_length=2000)


async def _save_upload(ws: Any, upload: UploadFile) -> tuple[Any, str]:
    """Store the upload under var/parcels/uploads (name = content hash), refusing files
    over the size limit and types other than CSV/Parquet."""
    name = (upload.filename or "").lower()
    suffix = (
        ".parquet"
        if name.endswith((".parquet", ".pq"))
        else ".csv"
        if name.endswith(".csv")
        else ""
    )
    if not suffix:
        raise InvalidInput("file", "expected a .csv or .parquet manifest")
    limit = ws.settings.parcels_upload_max_bytes
    folder = ws.settings.var_dir / "parcels" / "uploads"
    folder.mkdir(parents=True, exist_ok=True)
    digest = hashlib.sha256()
    tmp = folder / f"incoming-{id(upload)}{suffix}"
    size = 0
    with tmp.open("wb") as fh:
        while chunk := await upload.read(CHUNK):
            size += len(chunk)
            if size > limit:
                fh.close()
                tmp.unlink(missing_ok=True)
                raise InvalidInput("file", f"larger than the {limit:,}-byte upload limit")
            digest.update(chunk)
            fh.write(chunk)
    path = folder / f"{digest.hexdigest()[:32]}{suffix}"
    tmp.replace(path)
    return path, upload.filename or path.name


def _upload(ws: Any, path: Any, name: str) -> dict[str, Any]:
    intake = ingest_manifest(path=path, engine=ws.engine)
    import pandas as pd

    from opencustoms.parcels.manifest import read_manifest

    dates = pd.to_datetime(read_manifest(path)["arrival_date"], errors="coerce").dropna()
    summary: dict[str, Any] = {}
    if len(dates):
        result = service.screen_stored(
            engine=ws.engine, date_from=dates.min().date(), date_to=dates.max().date()
        )
        summary = result.summary()
    return {
        "file": name,
        "input": intake.input,
        "stored": intake.stored,
        "quarantined": intake.quarantined,
        "duplicates": intake.duplicates,
        "screening": summary,
    }


@router.post("/manifests", summary="Upload a manifest: store it loss-free and screen it")
async def upload_manifest(ws: WS, user: Writer, file: UploadFile) -> dict[str, Any]:
    path, name = await _save_upload(ws, file)
    return _upload(ws, path, name)


def _queue(
    ws: Any,
    user: User,
    office: str | None,
    decision: str | None,
    typology: str | None,
    limit: int,
    offset: int,
) -> dict[str, Any]:
    office = office or user.office
    check_office(user, office)
    items = service.queue(
        engine=ws.engine,
        office=office,
        decision=decision or None,
        typology=typology or None,
        limit=limit,
        offset=offset,
    )
    return {"office": office, "decision": decision, "typology": typology, "items": items}


@router.get("/queue", summary="Screened parcels of an office, most suspicious first")
def parcel_queue(
    ws: WS,
    user: Staff,
    office: str | None = None,
    decision: str | None = None,
    typology: str | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> dict[str, Any]:
    return _queue(ws, user, office, decision, typology, limit, offset)


def _detail(ws: Any, user: User, parcel_id: str) -> dict[str, Any]:
    detail = service.parcel_detail(engine=ws.engine, parcel_id=parcel_id)
    check_office(user, detail["parcel"]["office_code"])
    return detail


@router.get("/{parcel_id}", summary="A parcel, its decision, reasons and linked parcels")
def parcel_get(ws: WS, user: Staff, parcel_id: str) -> dict[str, Any]:
    return _detail(ws, user, parcel_id)


def _inspect(ws: Any, user: User, parcel_id: str, body: InspectionIn) -> dict[str, Any]:
    detail = _detail(ws, user, parcel_id)
    check_office_write(user, detail["parcel"]["office_code"])
    new = service.record_inspection(
        engine=ws.engine,
        parcel_id=parcel_id,
        outcome=body.outcome,
        typologies=body.typologies,
        officer=user.username,
        note=body.note,
    )
    return {"inspection_id": new, "parcel_id": parcel_id}


@router.post("/{parcel_id}/inspection", summary="Record an inspection result (a label)")
def parcel_inspection(ws: WS, user: Writer, parcel_id: str, body: InspectionIn) -> dict[str, Any]:
    return _inspect(ws, user, parcel_id, body)


def _history(ws: Any, user: User, pccc: str) -> dict[str, Any]:
    code = pccc.strip().upper()
    if user.role == Role.TRADER and (user.trader_id or "").upper() != code:
        raise NotFound("not found")  # another person's code is not even confirmed
    return {"pccc": code, "parcels": service.pccc_history(engine=ws.engine, pccc=code)}


@router.get("/pccc/{pccc}/history", summary="Every parcel cleared under a PCCC")
def pccc_history(ws: WS, user: CurrentUser, pccc: str) -> dict[str, Any]:
    return _history(ws, user, pccc)


# --- pages ---------------------------------------------------------------------------------


@pages.get("/parcels", response_class=HTMLResponse)
def queue_page(
    request: Request,
    ws: WS,
    user: Staff,
    office: str | None = None,
    decision: str | None = None,
    typology: str | None = None,
) -> Response:
    data = _queue(ws, user, office, decision, typology, 200, 0)
    return render(
        request,
        "parcels/queue.html",
        {**data, "typology_codes": TYPOLOGIES},
        user=user,
        nav="parcels",
    )


@pages.post("/parcels/upload", response_class=HTMLResponse)
async def upload_page(request: Request, ws: WS, user: Writer, file: UploadFile) -> Response:
    path, name = await _save_upload(ws, file)
    result = _upload(ws, path, name)
    data = _queue(ws, user, None, None, None, 200, 0)
    return render(
        request,
        "parcels/queue.html",
        {**data, "typology_codes": TYPOLOGIES, "uploaded": result},
        user=user,
        nav="parcels",
    )


@pages.get("/parcels/pccc/{pccc}", response_class=HTMLResponse)
def history_page(request: Request, ws: WS, user: CurrentUser, pccc: str) -> Response:
    return render(
        request, "parcels/history.html", _history(ws, user, pccc), user=user, nav="parcels"
    )


@pages.get("/parcels/{parcel_id}", response_class=HTMLResponse)
def detail_page(request: Request, ws: WS, user: Staff, parcel_id: str) -> Response:
    data = _detail(ws, user, parcel_id)
    return render(
        request,
        "parcels/detail.html",
        {**data, "typology_codes": TYPOLOGIES},
        user=user,
        nav="parcels",
    )


@pages.post("/parcels/{parcel_id}/inspection", response_class=HTMLResponse)
def inspection_page(
    request: Request,
    ws: WS,
    user: Writer,
    parcel_id: str,
    outcome: Annotated[str, Form()],
    typologies: Annotated[list[str] | None, Form()] = None,
    note: Annotated[str | None, Form()] = None,
) -> Response:
    _inspect(
        ws, user, parcel_id, InspectionIn(outcome=outcome, typologies=typologies or [], note=note)
    )
    return RedirectResponse(f"/parcels/{parcel_id}", status_code=303)
