"""The vectorised checks accept and reject exactly what the Declaration model does."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from pydantic import ValidationError

from opencustoms.declarations.schema import Declaration
from opencustoms.declarations.validate import check_frame, content_hashes, to_arrow

GOOD = {
    "declaration_id": "D1",
    "declaration_date": "2020-01-31",
    "office_id": "30",
    "hs_code": "440890",
    "origin_country": "CN",
    "net_mass_kg": "12.5",
    "item_price_krw": "1000",
    "fraud": "0",
    "critical_fraud": "1",
    "tax_rate": "8.0",
    "currency": "KRW",
    "cif_value": "10",
    "arrival_date": "2020-01-29",
    "direction": "export",
    "item_no": "2",
}

# field -> values that break it, or that the model accepts in text form
VARIANTS = {
    "declaration_id": ["", "x" * 65, "  D2  "],
    "declaration_date": ["2020-02-30", "31/01/2020", "", "2021-12-31"],
    "office_id": ["", "1" * 17, "16"],
    "hs_code": ["7705", "44089a", "0101.30", "10130", "1", "9703"],
    "origin_country": ["XX", "kr", "Korea", ""],
    "net_mass_kg": ["-1", "abc", "inf", "nan", "0", "1e3"],
    "item_price_krw": ["-0.5", "", "3"],
    "fraud": ["2", "1", "-1", "yes", "1.0", "0.5"],
    "critical_fraud": ["3", "2"],
    "tax_rate": ["8%", "0"],
    "currency": ["", "usd", "XYZ"],
    "arrival_date": ["2020-1-1", "2020-01-01"],
    "direction": ["import", "EXPORT", "transit"],
    "item_no": ["0", "10000", "3", "1.5"],
}


def model_ok(row: dict[str, str]) -> bool:
    data = {k: v for k, v in row.items() if v != ""}
    try:
        Declaration.model_validate(data)
    except ValidationError:
        return False
    return True


def rows() -> list[dict[str, str]]:
    out = [dict(GOOD)]
    for name, values in VARIANTS.items():
        out += [{**GOOD, name: v} for v in values]
    rng = np.random.default_rng(3)
    names = list(VARIANTS)
    for _ in range(300):  # random combinations of two changes
        row = dict(GOOD)
        for name in rng.choice(names, size=2, replace=False):
            row[name] = str(rng.choice(VARIANTS[name]))
        out.append(row)
    return out


def test_vectorised_checks_agree_with_the_pydantic_model() -> None:
    data = rows()
    checked = check_frame(pd.DataFrame(data).replace("", None))
    ok = checked.ok
    disagree = [
        (row, checked.reasons.get(i)) for i, row in enumerate(data) if bool(ok[i]) != model_ok(row)
    ]
    assert not disagree, disagree[:3]
    assert ok.sum() > 50 and (~ok).sum() > 100


@pytest.mark.parametrize(
    ("field", "value", "problem"),
    [
        ("hs_code", "7705", "HS chapter 77 does not exist in HS 2022"),
        ("origin_country", "XX", "'XX' is not an ISO 3166 alpha-2 country code"),
        ("net_mass_kg", "-1", "'-1' must be >= 0"),
        ("declaration_date", "2020-02-30", "'2020-02-30' is not a date (expected YYYY-MM-DD)"),
        ("office_id", None, "is required"),
    ],
)
def test_reasons_name_the_field_and_the_problem(field: str, value: str, problem: str) -> None:
    checked = check_frame(pd.DataFrame([{**GOOD, field: value}]))
    assert {"field": field, "problem": problem} in checked.reasons[0]


def test_value_needs_currency() -> None:
    checked = check_frame(pd.DataFrame([{**GOOD, "currency": None}]))
    assert checked.reasons[0] == [
        {"field": "currency", "problem": "is required when fob_value or cif_value is given"}
    ]


def test_content_hash_ignores_the_source_representation() -> None:
    text = check_frame(pd.DataFrame([GOOD]))
    typed = dict(
        GOOD,
        net_mass_kg=12.5,
        item_price_krw=1000,
        fraud=0,
        critical_fraud=1,
        tax_rate=8,
        cif_value=10,
        item_no=2,
        hs_code=440890,
        declaration_date=pd.Timestamp("2020-01-31"),
    )
    other = check_frame(pd.DataFrame([typed]))
    changed = check_frame(pd.DataFrame([{**GOOD, "item_price_krw": "1000.01"}]))
    h = [content_hashes(to_arrow(c.frame))[0] for c in (text, other, changed)]
    assert h[0] == h[1] != h[2]


def test_nested_json_values_are_refused() -> None:
    checked = check_frame(pd.DataFrame([{**GOOD, "importer_id": {"a": 1}}]))
    assert {"field": "importer_id", "problem": "is not a single value"} in checked.reasons[0]
