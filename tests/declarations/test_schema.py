"""The Declaration model's value types, and the Arrow schema and table derived from it."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
import pytest
from pydantic import ValidationError

from opencustoms.declarations.models import declarations
from opencustoms.declarations.schema import FIELD_NAMES, REQUIRED_FIELDS, Declaration, arrow_schema

BASE = {
    "declaration_id": "D1",
    "declaration_date": "2020-01-31",
    "office_id": "30",
    "hs_code": "440890",
}


def errors_of(**changes: object) -> list[str]:
    try:
        Declaration.model_validate({**BASE, **changes})
    except ValidationError as exc:
        return [str(e["loc"][0]) if e["loc"] else "_model" for e in exc.errors()]
    return []


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("440890", "440890"),
        ("4408.90", "440890"),
        ("10130", "010130"),
        (10130, "010130"),
        ("85", "85"),
        ("8517120000", "8517120000"),
    ],
)
def test_hs_code_accepts_and_normalises(value: object, expected: str) -> None:
    assert Declaration.model_validate({**BASE, "hs_code": value}).hs_code == expected


@pytest.mark.parametrize("value", ["7705", "9901", "1", "12345678901", "44089a", "", "00"])
def test_hs_code_rejects(value: str) -> None:
    assert errors_of(hs_code=value) == ["hs_code"]


def test_countries_and_currencies_are_iso() -> None:
    ok = Declaration.model_validate(
        {**BASE, "origin_country": "kr", "fob_value": 1, "currency": "usd"}
    )
    assert (ok.origin_country, ok.currency) == ("KR", "USD")
    assert errors_of(origin_country="XX") == ["origin_country"]
    assert errors_of(departure_country="KOR") == ["departure_country"]
    assert errors_of(currency="ABC", fob_value=1) == ["currency"]


@pytest.mark.parametrize(
    "name",
    [
        "net_mass_kg",
        "item_price_krw",
        "tax_rate",
        "fob_value",
        "cif_value",
        "quantity",
        "additional_duty",
    ],
)
def test_amounts_must_be_finite_and_non_negative(name: str) -> None:
    extra = {"currency": "EUR"}
    assert errors_of(**{name: -0.01}, **extra) == [name]
    assert errors_of(**{name: float("inf")}, **extra) == [name]
    assert errors_of(**{name: 0}, **extra) == []


def test_dates_labels_and_model_rule() -> None:
    assert errors_of(declaration_date="2020-02-30") == ["declaration_date"]
    assert errors_of(arrival_date="yesterday") == ["arrival_date"]
    assert Declaration.model_validate({**BASE, "arrival_date": dt.date(2020, 2, 1)})
    assert errors_of(fraud=2) == ["fraud"]
    assert errors_of(critical_fraud=3) == ["critical_fraud"]
    assert errors_of(fob_value=10) == ["_model"]  # value without currency
    assert errors_of(direction="transit") == ["direction"]
    assert errors_of(unknown="x") == ["unknown"]


def test_arrow_schema_and_table_follow_the_model() -> None:
    schema = arrow_schema()
    assert schema.names == list(FIELD_NAMES)
    assert schema.field("declaration_date").type == pa.date32()
    assert schema.field("net_mass_kg").type == pa.float64()
    assert not schema.field("hs_code").nullable
    columns = [c.name for c in declarations.columns]
    assert columns[: len(FIELD_NAMES)] == list(FIELD_NAMES)
    for name in REQUIRED_FIELDS:
        assert not declarations.c[name].nullable
    assert declarations.c.office_id.type.length == 16  # type: ignore[attr-defined]
    assert [c.name for c in declarations.primary_key] == ["declaration_id", "item_no"]
