"""Tariff HTTP API: itemised duty and taxes for one declaration line (any logged-in user,
traders included)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Body
from pydantic import BaseModel, ConfigDict, Field

from opencustoms.declarations.types import CountryCode, CurrencyCode, HSCode
from opencustoms.tariff.service import TariffInputError, TaxComputation, calculate
from opencustoms.workspace.auth import AnyUser, field_error

router = APIRouter(prefix="/api/tariff", tags=["tariff"])


class TariffRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    hs_code: HSCode = Field(examples=["420221"])
    origin: CountryCode = Field(examples=["CN"])
    value: float = Field(ge=0, le=1e15, description="Customs value (CIF)", examples=[3000000])
    currency: CurrencyCode = Field(examples=["KRW"])
    date: dt.date = Field(examples=["2021-03-02"])
    quantity: float | None = Field(default=None, ge=0, le=1e12)
    fta: str | None = Field(default=None, max_length=32, examples=["KOR-US"])
    proof_of_origin: bool = False
    supplier: str | None = Field(default=None, max_length=200)
    personal_use: bool = False
    list_clearance: bool = False


EXAMPLE = {
    "hs_code": "420221",
    "origin": "FR",
    "value": 3000000,
    "currency": "KRW",
    "date": "2021-03-02",
}


def compute(req: TariffRequest) -> TaxComputation:
    """Run the calculator; input errors become 422 naming the field."""
    try:
        return calculate(**req.model_dump())
    except TariffInputError as exc:
        field = exc.field if exc.field in TariffRequest.model_fields else "hs_code"
        raise field_error(field, str(exc)) from exc
    except (ValueError, LookupError) as exc:
        # The engine could not say which field; report it against the whole request.
        raise field_error("request", f"cannot compute: {exc}") from exc


@router.post(
    "/calc",
    summary="Duty and taxes of one line, with the legal basis of each line",
    responses={422: {"description": "Bad input; detail[].loc names the field"}},
)
def tariff_calc(
    _: AnyUser, req: Annotated[TariffRequest, Body(examples=[EXAMPLE])]
) -> TaxComputation:
    return compute(req)
