"""The one definition of a declaration item.

``Declaration`` (pydantic) is the source of truth; the Arrow schema for bulk work and the
database columns are derived from its fields, so the three never drift apart.
One row is one declaration *item* (a line of goods); the key is
(``declaration_id``, ``item_no``).
"""

from __future__ import annotations

import datetime as dt
import types
import typing
from enum import StrEnum
from typing import Annotated, Any, get_args, get_origin

import pyarrow as pa
from pydantic import BaseModel, ConfigDict, Field, model_validator

from opencustoms.declarations.types import CountryCode, CurrencyCode, HSCode

# Infinite or NaN amounts are data errors, not values: refuse them like negative ones.
NonNegative = Annotated[float, Field(ge=0, allow_inf_nan=False)]


class Direction(StrEnum):
    IMPORT = "import"
    EXPORT = "export"


class Declaration(BaseModel):
    """One declaration item, import or export."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    declaration_id: str = Field(min_length=1, max_length=64)
    item_no: int = Field(default=1, ge=1, le=9999)
    direction: Direction = Direction.IMPORT
    declaration_date: dt.date
    office_id: str = Field(min_length=1, max_length=16)
    process_type: str | None = Field(default=None, max_length=16)
    import_type: str | None = Field(default=None, max_length=16)
    import_use: str | None = Field(default=None, max_length=16)
    payment_type: str | None = Field(default=None, max_length=16)
    transport_mode: str | None = Field(default=None, max_length=16)
    declarant_id: str | None = Field(default=None, max_length=64)
    importer_id: str | None = Field(default=None, max_length=64)
    seller_id: str | None = Field(default=None, max_length=64)
    courier_id: str | None = Field(default=None, max_length=64)
    hs_code: HSCode
    departure_country: CountryCode | None = None
    origin_country: CountryCode | None = None
    tax_rate: NonNegative | None = Field(default=None, description="Duty rate in percent.")
    tax_type: str | None = Field(default=None, max_length=8, description="Rate tier code.")
    origin_indicator: str | None = Field(default=None, max_length=8)
    net_mass_kg: NonNegative | None = None
    item_price_krw: NonNegative | None = Field(default=None, description="Item price, KRW.")
    goods_description: str | None = Field(default=None, max_length=2000)
    quantity: NonNegative | None = None
    quantity_unit: str | None = Field(default=None, max_length=8)
    fob_value: NonNegative | None = None
    cif_value: NonNegative | None = None
    currency: CurrencyCode | None = None
    exporter_name: str | None = Field(default=None, max_length=200)
    consignee_name: str | None = Field(default=None, max_length=200)
    transport_doc_no: str | None = Field(default=None, max_length=64)
    arrival_date: dt.date | None = None
    # Labels from inspection; absent on declarations not yet inspected.
    fraud: int | None = Field(default=None, ge=0, le=1)
    critical_fraud: int | None = Field(default=None, ge=0, le=2)
    additional_duty: NonNegative | None = Field(default=None, description="KRW found due.")
    # Trade-world fields (exports and trade-crime analytics; migration 0006_tradecrime).
    company_id: str | None = Field(
        default=None, max_length=64, description="Korean declaring trader (importer/exporter)."
    )
    counterparty_name: str | None = Field(default=None, max_length=200)
    counterparty_country: CountryCode | None = None
    destination_country: CountryCode | None = None
    invoice_value: NonNegative | None = Field(
        default=None, description="Invoice value of the item in ``currency``."
    )

    @model_validator(mode="after")
    def _values_need_currency(self) -> Declaration:
        if (self.fob_value is not None or self.cif_value is not None) and self.currency is None:
            raise ValueError("currency is required when fob_value or cif_value is given")
        if self.invoice_value is not None and self.currency is None:
            raise ValueError("currency is required when invoice_value is given")
        return self


LABEL_FIELDS = ("fraud", "critical_fraud", "additional_duty")
# Added after rows were stored: the content hash ignores them while they are all empty, so
# a row stored before they existed keeps its hash (re-delivery stays a duplicate).
TRADE_FIELDS = (
    "company_id",
    "counterparty_name",
    "counterparty_country",
    "destination_country",
    "invoice_value",
)
KEY_FIELDS = ("declaration_id", "item_no")
FIELD_NAMES: tuple[str, ...] = tuple(Declaration.model_fields)
REQUIRED_FIELDS: tuple[str, ...] = tuple(
    name for name, f in Declaration.model_fields.items() if f.is_required()
)


def _base_type(annotation: Any) -> Any:
    """Strip Optional/Annotated wrappers down to the Python type."""
    while True:
        origin = get_origin(annotation)
        if origin is Annotated:
            annotation = get_args(annotation)[0]
        elif origin in (typing.Union, types.UnionType):
            args = [a for a in get_args(annotation) if a is not type(None)]
            annotation = args[0]
        else:
            return annotation


_ARROW_TYPES: dict[Any, pa.DataType] = {
    str: pa.string(),
    int: pa.int64(),
    float: pa.float64(),
    dt.date: pa.date32(),
    Direction: pa.string(),
}


def python_type(name: str) -> Any:
    return _base_type(Declaration.model_fields[name].annotation)


def constraint(name: str, kind: str) -> Any:
    """A field's declared bound (``max_length``, ``min_length``, ``ge``, ``le``) or None.

    >>> constraint("office_id", "max_length"), constraint("fraud", "le")
    (16, 1)
    """
    field = Declaration.model_fields[name]
    pending: list[Any] = [*field.metadata, field.annotation]
    while pending:  # walk Optional[Annotated[float, Field(ge=0)]] and friends
        item = pending.pop()
        if hasattr(item, kind) and getattr(item, kind) is not None:
            return getattr(item, kind)
        if hasattr(item, "metadata"):
            pending.extend(item.metadata)
        pending.extend(get_args(item))
    return None


def arrow_schema() -> pa.Schema:
    """Arrow schema of the canonical declaration table, derived from ``Declaration``."""
    return pa.schema(
        [
            pa.field(name, _ARROW_TYPES[python_type(name)], nullable=not f.is_required())
            for name, f in Declaration.model_fields.items()
        ]
    )
