"""A declaration item as an officer reads it: form order, names for codes, numbers with
thousands separators and units, and honest wording for codes the table does not know."""

from __future__ import annotations

import yaml

from opencustoms.declarations.reading import READING_FILE, read_item
from opencustoms.declarations.schema import FIELD_NAMES, LABEL_FIELDS

ROW = {
    "declaration_id": "97061800",
    "item_no": 1,
    "declaration_date": "2021-03-02",
    "office_id": "40",
    "importer_id": "PCW8KX7",
    "seller_id": "S1",
    "hs_code": "420221",
    "origin_country": "CN",
    "departure_country": "HK",
    "transport_mode": "10",
    "net_mass_kg": 1234.5,
    "item_price_krw": 1250000.0,
    "cif_value": 9876.5,
    "currency": "USD",
    "tax_type": "FCN1",
    "tax_rate": 8.0,
    "payment_type": "43",
}


def _fields(row: dict, **kw) -> dict:
    return {f.name: f for s in read_item(row, **kw) for f in s.fields}


def test_sections_follow_the_form() -> None:
    titles = [s.title for s in read_item(ROW)]
    assert titles == ["Declaration", "Parties", "Goods", "Origin and route", "Values and duty"]
    names = [f.name for s in read_item(ROW) for f in s.fields]
    assert names.index("importer_id") < names.index("hs_code") < names.index("origin_country")
    assert names.index("origin_country") < names.index("item_price_krw")


def test_values_are_written_for_people() -> None:
    f = _fields(ROW, extra_codes={"tax_type": {"FCN": "Korea-China FTA"}})
    assert f["office_id"].text == "Incheon Airport Main Customs (40)"
    assert f["origin_country"].text == "China (CN)"
    assert f["departure_country"].text == "Hong Kong (HK)"
    assert f["net_mass_kg"].text == "1,234.5 kg"
    assert f["item_price_krw"].text == "1,250,000 KRW"
    assert f["cif_value"].text == "9,876.50 USD"
    assert f["tax_rate"].text == "8%"
    assert f["transport_mode"].text == "sea (code 10)"
    assert f["tax_type"].text == "FTA preferential rate, Korea-China FTA (code FCN1)"
    assert f["hs_code"].meaning and "handbag" in f["hs_code"].meaning.lower()


def test_unknown_codes_say_so() -> None:
    f = _fields(ROW)
    assert f["payment_type"].text == "43 (meaning not in the code table)"
    assert f["payment_type"].meaning is None
    assert _fields({**ROW, "tax_type": "Q9"})["tax_type"].text.startswith("Q9 (meaning not")


def test_every_declared_field_has_a_place_and_a_label() -> None:
    spec = yaml.safe_load(READING_FILE.read_text(encoding="utf-8"))
    placed = [f for s in spec["sections"] for f in s["fields"]]
    assert len(placed) == len(set(placed))
    # Every stored declaration field except labels and the currency/unit that qualify
    # another value is shown somewhere, with a label.
    expected = set(FIELD_NAMES) - set(LABEL_FIELDS) - {"currency", "quantity_unit"}
    assert set(placed) == expected
    assert set(spec["fields"]) == expected
    for codes in spec["codes"].values():
        assert codes["reference"]
