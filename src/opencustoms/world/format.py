"""The trade-world folder format (``docs/world-format.md``) as data: one ``TableSpec`` per
file, from which validation (``world/read.py``) and the database tables (``world/models.py``)
are derived, so the three never drift apart.

Declarations are validated by the declaration store's own rules (``Declaration`` with the
``world`` ingest profile), so a row the analysis accepts is a row the store accepts.

>>> spec = TABLES["va_transfers"]
>>> spec.key, spec.column("krw_value").kind
(('tx_id',), 'number')
>>> [c.name for c in TABLES["links"].columns if not c.required]
['since']
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Col:
    """One column: ``kind`` is id, text, date, timestamp, number, int, flag, country,
    currency or enum; ``required`` = the file must have the column; ``nullable`` = a row
    may leave it empty."""

    name: str
    kind: str = "text"
    required: bool = True
    nullable: bool = False
    choices: tuple[str, ...] = ()
    width: int | None = None
    pattern: str | None = None  # a full-match regular expression for non-empty values
    pattern_text: str = ""  # how the pattern reads in an error message
    pattern_if: tuple[str, str] | None = None  # (column, value): pattern applies only then


@dataclass(frozen=True)
class TableSpec:
    name: str
    key: tuple[str, ...]
    columns: tuple[Col, ...]

    @property
    def file(self) -> str:
        return f"{self.name}.csv"

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.required)

    def column(self, name: str) -> Col:
        return next(c for c in self.columns if c.name == name)


def _id(name: str, nullable: bool = False, required: bool = True) -> Col:
    return Col(name, "id", required=required, nullable=nullable, width=64)


def _opt(name: str, kind: str = "text", width: int | None = 200) -> Col:
    """A column the file may omit and a row may leave empty."""
    return Col(name, kind, required=False, nullable=True, width=width if kind == "text" else None)


def _empty_ok(name: str, kind: str = "text", width: int | None = 200) -> Col:
    """A column the file must have but a row may leave empty."""
    return Col(name, kind, nullable=True, width=width if kind == "text" else None)


RELATIONS = ("director", "shareholder", "employee", "family", "same_address", "owner")
PURPOSES = ("goods_export", "goods_import", "service", "loan", "other")

TABLES: dict[str, TableSpec] = {
    t.name: t
    for t in (
        TableSpec(
            "companies",
            ("company_id",),
            (
                _id("company_id"),
                Col("name", width=200),
                _opt("name_local"),
                Col(
                    "registration_no",
                    nullable=True,
                    width=32,
                    pattern=r"\d{3}-\d{2}-\d{5}",
                    pattern_text="a Korean business number NNN-NN-NNNNN",
                    pattern_if=("country", "KR"),
                ),
                Col("country", "country"),
                _empty_ok("address", width=400),
                _empty_ok("industry", width=64),
                Col("listed", "flag"),
                _empty_ok("founded", "date"),
            ),
        ),
        TableSpec(
            "persons",
            ("person_id",),
            (
                _id("person_id"),
                Col("name", width=200),
                _opt("name_local"),
                _opt("birth_date", "date"),
                Col("nationality", "country"),
                _empty_ok("address", width=400),
                _empty_ok("phone", width=32),
                Col(
                    "pccc",
                    required=False,
                    nullable=True,
                    width=13,
                    pattern=r"P\d{12}",
                    pattern_text="P followed by 12 digits",
                ),
            ),
        ),
        TableSpec(
            "links",
            ("source_id", "target_id", "relation"),
            (
                _id("source_id"),
                _id("target_id"),
                Col("relation", "enum", choices=RELATIONS),
                _opt("since", "date"),
            ),
        ),
        TableSpec(
            "fx_settlements",
            ("settlement_id",),
            (
                _id("settlement_id"),
                Col("date", "date"),
                _id("company_id"),
                _empty_ok("bank", width=64),
                Col("direction", "enum", choices=("in", "out")),
                _empty_ok("counterparty_name"),
                _empty_ok("counterparty_country", "country"),
                Col("amount", "number"),
                Col("currency", "currency"),
                Col("purpose", "enum", choices=PURPOSES),
                _id("declaration_ref", nullable=True, required=False),
            ),
        ),
        TableSpec(
            "wallets",
            ("wallet_id",),
            (
                _id("wallet_id"),
                _empty_ok("exchange", width=64),
                _empty_ok("exchange_country", "country"),
                _id("owner_id", nullable=True),
            ),
        ),
        TableSpec(
            "va_transfers",
            ("tx_id",),
            (
                _id("tx_id"),
                Col("timestamp", "timestamp"),
                Col("asset", width=16),
                Col("amount", "number"),
                _id("from_wallet"),
                _id("to_wallet"),
                Col("krw_value", "number"),
            ),
        ),
    )
}

# declarations.csv: validated by the declaration store's rules through the ``world`` profile
DECLARATION_COLUMNS = (
    "declaration_id",
    "item_no",
    "direction",
    "declaration_date",
    "office_id",
    "company_id",
    "counterparty_name",
    "counterparty_country",
    "hs_code",
    "goods_description",
    "quantity",
    "quantity_unit",
    "net_mass_kg",
    "value",
    "currency",
    "origin_country",
    "departure_country",
    "destination_country",
)
DECLARATION_REQUIRED = (
    "declaration_id",
    "item_no",
    "direction",
    "declaration_date",
    "office_id",
    "company_id",
    "hs_code",
    "value",
    "currency",
)
FILES = (
    "companies",
    "persons",
    "links",
    "declarations",
    "fx_settlements",
    "wallets",
    "va_transfers",
)
