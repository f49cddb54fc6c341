"""Officer search on both databases: every filter, office scope, ordering, pagination,
the capped count and named errors."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import text

from opencustoms.db import make_engine, migrate
from opencustoms.declarations.search import COUNT_CAP, SearchQuery, search_declarations
from opencustoms.declarations.service import ingest_records
from opencustoms.errors import InvalidInput

# (id, office, importer, declarant, seller, hs, date)
ROWS = [
    ("A1", "40", "IMP1", "DEC1", "S1", "8471300000", "2021-01-05"),
    ("A2", "40", "IMP1", "DEC2", "S2", "8472100000", "2021-01-06"),
    ("A3", "40", "IMP2", "DEC1", "S1", "6109100000", "2021-01-07"),
    ("B1", "20", "IMP1", "DEC1", "S3", "8471300000", "2021-01-08"),
    ("B2", "20", "IMP3", "DEC3", "S3", "8479890000", "2021-01-09"),
]


def _store(url: str) -> object:
    migrate(url)
    engine = make_engine(url)
    records = [
        {"declaration_id": d, "office_id": o, "importer_id": i, "declarant_id": dc,
         "seller_id": s, "hs_code": hs, "declaration_date": day}
        for d, o, i, dc, s, hs, day in ROWS
    ]  # fmt: skip
    summary = ingest_records(records=records, source="test", engine=engine)
    assert summary.stored == len(ROWS)
    return engine


def _ids(engine: object, offices: list[str] | None, **query: object) -> list[str]:
    result = search_declarations(
        engine=engine,  # type: ignore[arg-type]
        query=SearchQuery.parse(query),
        offices=offices,
    )
    return [h.declaration_id for h in result.items]


def test_every_filter_within_the_office_scope(database_url: str) -> None:
    engine = _store(database_url)
    assert _ids(engine, None) == ["B2", "B1", "A3", "A2", "A1"]  # newest first
    assert _ids(engine, ["40"], importer_id="IMP1") == ["A2", "A1"]
    assert _ids(engine, None, importer_id="IMP1") == ["B1", "A2", "A1"]
    assert _ids(engine, ["20"], number="A1") == []  # another office's number: nothing
    assert _ids(engine, ["40"], number="A1") == ["A1"]
    assert _ids(engine, ["40"], declarant_id="DEC1") == ["A3", "A1"]
    assert _ids(engine, None, seller_id="S3") == ["B2", "B1"]
    assert _ids(engine, None, hs_prefix="8471") == ["B1", "A1"]
    assert _ids(engine, None, hs_prefix="847") == ["B2", "B1", "A2", "A1"]
    assert _ids(engine, None, hs_prefix="84799") == []
    assert _ids(engine, None, date_from="2021-01-06", date_to="2021-01-08") == ["B1", "A3", "A2"]
    assert _ids(engine, None, importer_id="IMP1", hs_prefix="8471", date_to="2021-01-05") == ["A1"]
    assert _ids(engine, [], importer_id="IMP1") == []  # a caller who reads no office


def test_pages_and_the_capped_count(database_url: str) -> None:
    engine = _store(database_url)
    first = search_declarations(engine=engine, query=SearchQuery(), offices=None, limit=2)
    second = search_declarations(
        engine=engine, query=SearchQuery(), offices=None, limit=2, offset=2
    )
    assert [h.declaration_id for h in first.items] == ["B2", "B1"]
    assert [h.declaration_id for h in second.items] == ["A3", "A2"]
    assert (first.total, first.capped) == (5, False)
    many = [
        {"declaration_id": f"M{i:05d}", "office_id": "30", "hs_code": "0101210000",
         "declaration_date": (dt.date(2021, 2, 1) + dt.timedelta(days=i % 20)).isoformat()}
        for i in range(COUNT_CAP + 5)
    ]  # fmt: skip
    ingest_records(records=many, source="bulk", engine=engine)
    wide = search_declarations(engine=engine, query=SearchQuery(), offices=["30"], limit=10)
    assert (wide.total, wide.capped, len(wide.items)) == (COUNT_CAP, True, 10)


def test_the_indexes_exist(database_url: str) -> None:
    engine = _store(database_url)
    sql = (
        "SELECT name FROM sqlite_master WHERE type = 'index'"
        if database_url.startswith("sqlite")
        else "SELECT indexname FROM pg_indexes WHERE tablename = 'declarations'"
    )
    with engine.connect() as conn:  # type: ignore[attr-defined]
        names = {r[0] for r in conn.execute(text(sql))}
    assert {"ix_declarations_importer", "ix_declarations_hs_code"} <= names


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"hs_prefix": "84a"}, "hs_prefix"),
        ({"hs_prefix": "8"}, "hs_prefix"),
        ({"importer_id": "bad id!"}, "importer_id"),
        ({"date_from": "2021-02-30"}, "date_from"),
        ({"date_from": "2021-03-01", "date_to": "2021-02-01"}, "date_to"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_bad_input_names_the_field(values: dict[str, str], field: str) -> None:
    with pytest.raises(InvalidInput) as err:
        SearchQuery.parse(values)
    assert err.value.problems[0][0] == field


def test_page_bounds_are_checked(tmp_path: object) -> None:
    engine = make_engine(f"sqlite:///{tmp_path}/x.sqlite")
    with pytest.raises(InvalidInput, match="page_size"):
        search_declarations(engine=engine, query=SearchQuery(), offices=None, limit=0)
