"""Tariff: itemised duty and taxes for one declaration line (any logged-in user, traders
included), as API and as the tools page's calculator form."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Body, Form, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from opencustoms.declarations.types import CountryCode, CurrencyCode, HSCode
from opencustoms.errors import InvalidInput
from opencustoms.tariff.service import TariffInputError, TaxComputation, calculate
from opencustoms.web.auth import AnyUser, CurrentUser
from opencustoms.web.render import form_errors, render

router = APIRouter(prefix="/api/tariff", tags=["tariff"])
pages = APIRouter(include_in_schema=False)


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
    """Run the calculator; input errors name a field of the request."""
    try:
        return calculate(**req.model_dump())
    except TariffInputError as exc:
        field = exc.field if exc.field in TariffRequest.model_fields else "hs_code"
        raise InvalidInput(field, str(exc)) from exc
    except (ValueError, LookupError) as exc:
        # The engine could not say which field; report it against the whole request.
        raise InvalidInput("request", f"cannot compute: {exc}") from exc


@router.post(
    "/calc",
    summary="Duty and taxes of one line, with the legal basis of each line",
    responses={422: {"description": "Bad input; detail[].loc names the field"}},
)
def tariff_calc(
    _: AnyUser, req: Annotated[TariffRequest, Body(examples=[EXAMPLE])]
) -> TaxComputation:
    return compute(req)


@pages.get("/tools", response_class=HTMLResponse)
def tools_page(request: Request, user: CurrentUser) -> Response:
    return render(
        request, "tools.html", {"today": dt.date.today().isoformat()}, user=user, nav="tools"
    )


@pages.post("/tools/tariff", response_class=HTMLResponse)
def tools_tariff(
    request: Request,
    user: CurrentUser,
    hs_code: Annotated[str, Form(max_length=12)],
    origin: Annotated[str, Form(max_length=8)],
    value: Annotated[str, Form(max_length=32)],
    currency: Annotated[str, Form(max_length=8)],
    date: Annotated[str, Form(max_length=12)],
) -> Response:
    fields = {"hs_code": hs_code, "origin": origin, "value": value, "currency": currency}
    try:
        req = TariffRequest.model_validate({**fields, "date": date})
        data: dict[str, Any] = {"tax": compute(req).model_dump()}
    except (ValidationError, InvalidInput) as exc:
        data = {"errors": form_errors(exc)}
    return render(
        request, "_tool_result.html", data, user=user, status_code=422 if "errors" in data else 200
    )
