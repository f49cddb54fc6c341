"""Officer search over the declaration store: by number, importer, declarant, seller, HS
code prefix and date range, within the offices the caller may read.

Every filter is an indexed equality or range (migration ``0013_officer``): a party id
hits ``(party, declaration_date)``, an HS prefix becomes a range on ``hs_code``, the
declaration number is the key. Results come newest first, one page at a time; the total
is counted only up to ``COUNT_CAP`` rows so a broad query never scans the whole store
to print a number.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from sqlalchemy import Engine, Select, func, select

from opencustoms.declarations.models import declarations
from opencustoms.errors import InvalidInput

COUNT_CAP = 1000
_PARTY = r"^[A-Za-z0-9._-]{1,64}$"


class SearchQuery(BaseModel):
    """What an officer searches by; every field is optional, all given ones must hold."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    number: str | None = Field(default=None, max_length=64, description="Declaration number")
    importer_id: str | None = Field(default=None, pattern=_PARTY)
    declarant_id: str | None = Field(default=None, pattern=_PARTY)
    seller_id: str | None = Field(default=None, pattern=_PARTY)
    hs_prefix: str | None = Field(default=None, pattern=r"^\d{2,10}$", description="2-10 digits")
    date_from: dt.date | None = None
    date_to: dt.date | None = None

    @model_validator(mode="after")
    def _order(self) -> SearchQuery:
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise ValueError("date_from is after date_to")
        return self

    @classmethod
    def parse(cls, values: dict[str, Any]) -> SearchQuery:
        """Form or query values (empty strings are 'not given'); InvalidInput names the
        first bad field.

        >>> SearchQuery.parse({"importer_id": " IMP1 ", "hs_prefix": ""}).importer_id
        'IMP1'
        >>> SearchQuery.parse({"hs_prefix": "84x"})
        Traceback (most recent call last):
        ...
        opencustoms.errors.InvalidInput: hs_prefix: String should match pattern '^\\d{2,10}$'
        """
        given = {k: v for k, v in values.items() if v not in (None, "")}
        try:
            return cls.model_validate(given)
        except ValidationError as exc:
            first = exc.errors()[0]
            field = ".".join(str(p) for p in first["loc"]) or "date_to"
            raise InvalidInput(field, str(first["msg"]).removeprefix("Value error, ")) from None

    def empty(self) -> bool:
        return not any(self.model_dump().values())


class SearchHit(BaseModel):
    declaration_id: str
    item_no: int
    declaration_date: dt.date
    office_id: str
    importer_id: str | None
    declarant_id: str | None
    seller_id: str | None
    hs_code: str
    origin_country: str | None
    item_price_krw: float | None


class SearchResult(BaseModel):
    items: list[SearchHit]
    total: int = Field(description=f"Matching items, counted up to {COUNT_CAP}")
    capped: bool = Field(description=f"True when more than {COUNT_CAP} items match")


def _upper(prefix: str) -> str | None:
    """The first digit string after every code starting with ``prefix`` (None: no bound).

    >>> _upper("8471"), _upper("0399"), _upper("99")
    ('8472', '04', None)
    """
    head = prefix.rstrip("9")
    if not head:
        return None
    return head[:-1] + str(int(head[-1]) + 1)


def _where(stmt: Select[Any], query: SearchQuery, offices: list[str] | None) -> Select[Any]:
    c = declarations.c
    if offices is not None:
        stmt = stmt.where(c.office_id.in_(offices))
    if query.number:
        stmt = stmt.where(c.declaration_id == query.number)
    for name in ("importer_id", "declarant_id", "seller_id"):
        value = getattr(query, name)
        if value:
            stmt = stmt.where(c[name] == value)
    if query.hs_prefix:
        # A range, not LIKE: SQLite's LIKE is case-folding and skips the index.
        stmt = stmt.where(c.hs_code >= query.hs_prefix)
        if (upper := _upper(query.hs_prefix)) is not None:
            stmt = stmt.where(c.hs_code < upper)
    if query.date_from:
        stmt = stmt.where(c.declaration_date >= query.date_from)
    if query.date_to:
        stmt = stmt.where(c.declaration_date <= query.date_to)
    return stmt


def search_declarations(
    *,
    engine: Engine,
    query: SearchQuery,
    offices: list[str] | None,
    limit: int = 50,
    offset: int = 0,
) -> SearchResult:
    """Items matching ``query`` at ``offices`` (None: every office), newest first.

    An empty office list finds nothing (a caller who may read no office)."""
    if limit < 1 or limit > 500:
        raise InvalidInput("page_size", "must be between 1 and 500")
    if offset < 0:
        raise InvalidInput("page", "must be 1 or more")
    if offices is not None and not offices:
        return SearchResult(items=[], total=0, capped=False)
    c = declarations.c
    columns = [c[name] for name in SearchHit.model_fields]
    rows_q = _where(select(*columns), query, offices)
    rows_q = rows_q.order_by(
        c.declaration_date.desc(), c.declaration_id.desc(), c.item_no.asc()
    ).limit(limit)
    capped_q = _where(select(c.declaration_id), query, offices).limit(COUNT_CAP + 1)
    with engine.connect() as conn:
        rows = conn.execute(rows_q.offset(offset)).mappings().all()
        counted = int(
            conn.execute(select(func.count()).select_from(capped_q.subquery())).scalar_one()
        )
    return SearchResult(
        items=[SearchHit.model_validate(dict(r)) for r in rows],
        total=min(counted, COUNT_CAP),
        capped=counted > COUNT_CAP,
    )
