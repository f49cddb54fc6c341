"""Named column-mapping profiles: how a source file's columns map to canonical fields."""

from __future__ import annotations

from dataclasses import dataclass, field

from opencustoms.declarations.schema import FIELD_NAMES


@dataclass(frozen=True)
class Profile:
    name: str
    description: str
    # source column -> canonical field
    columns: dict[str, str]
    # canonical field -> constant value for every row (when the source has no column)
    constants: dict[str, object] = field(default_factory=dict)

    def __post_init__(self) -> None:
        unknown = set(self.columns.values()) - set(FIELD_NAMES)
        if unknown:
            raise ValueError(f"profile {self.name}: unknown canonical fields {sorted(unknown)}")


KCS = Profile(
    name="kcs",
    description="Korea Customs Service synthetic import declarations (English CSV)",
    columns={
        "Declaration ID": "declaration_id",
        "Date": "declaration_date",
        "Office ID": "office_id",
        "Process Type": "process_type",
        "Import Type": "import_type",
        "Import Use": "import_use",
        "Payment Type": "payment_type",
        "Mode of Transport": "transport_mode",
        "Declarant ID": "declarant_id",
        "Importer ID": "importer_id",
        "Seller ID": "seller_id",
        "Courier ID": "courier_id",
        "HS6 Code": "hs_code",
        "Country of Departure": "departure_country",
        "Country of Origin": "origin_country",
        "Tax Rate": "tax_rate",
        "Tax Type": "tax_type",
        "Country of Origin Indicator": "origin_indicator",
        "Net Mass": "net_mass_kg",
        "Item Price": "item_price_krw",
        "Fraud": "fraud",
        "Critical Fraud": "critical_fraud",
    },
    constants={"direction": "import", "item_no": 1},
)

CANONICAL = Profile(
    name="canonical",
    description="Columns already named as the canonical snake_case fields",
    columns={name: name for name in FIELD_NAMES},
)

# A trade-world folder's declarations.csv (docs/world-format.md): imports and exports.
WORLD = Profile(
    name="world",
    description="Trade world declarations.csv (imports and exports, docs/world-format.md)",
    columns={
        **{
            name: name
            for name in (
                "declaration_id", "item_no", "direction", "declaration_date", "office_id",
                "company_id", "counterparty_name", "counterparty_country", "hs_code",
                "goods_description", "quantity", "quantity_unit", "net_mass_kg", "currency",
                "origin_country", "departure_country", "destination_country",
            )
        },
        "value": "invoice_value",
    },
)  # fmt: skip

PROFILES: dict[str, Profile] = {p.name: p for p in (KCS, CANONICAL, WORLD)}


def get_profile(name: str) -> Profile:
    try:
        return PROFILES[name]
    except KeyError:
        raise ValueError(
            f"unknown profile {name!r}; known profiles: {', '.join(sorted(PROFILES))}"
        ) from None
