"""db.py: migrations to head on both dialects, bulk loaders, dialect helpers."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from opencustoms.db import Base, bulk_insert, make_engine, migrate, month_of, stored_hashes
from opencustoms.declarations.models import declarations, ingest_runs, quarantine

OURS = {declarations.name, ingest_runs.name, quarantine.name}


def test_migrate_is_idempotent_and_matches_the_models(database_url: str) -> None:
    engine = make_engine(database_url)
    migrate(engine)
    migrate(database_url)  # a second run (and a URL instead of an engine) changes nothing
    names = set(sa.inspect(engine).get_table_names())
    assert OURS | {"alembic_version"} <= names
    with engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), Base.metadata)
    ours = [d for d in diff if _table_of(d) in OURS]
    assert ours == [], ours
    engine.dispose()


def _table_of(diff: object) -> str | None:
    item = diff[0] if isinstance(diff, list) else diff
    for part in item[1:] if isinstance(item, tuple) else ():
        name = getattr(part, "name", None) if not isinstance(part, str) else None
        table = getattr(part, "table", None)
        if table is not None:
            return str(table.name)
        if isinstance(part, str) and part in OURS:
            return part
        if name in OURS:
            return str(name)
    return None


def test_bulk_insert_and_stored_hashes(database_url: str) -> None:
    engine = make_engine(database_url)
    meta = sa.MetaData()
    t = sa.Table(
        "bulk",
        meta,
        sa.Column("declaration_id", sa.String(20)),
        sa.Column("item_no", sa.Integer),
        sa.Column("content_hash", sa.BigInteger),
        sa.Column("day", sa.Date),
        sa.Column("note", sa.Text),
    )
    meta.create_all(engine)
    n = 5_000
    data = pa.table(
        {
            "declaration_id": [f"D{i}" for i in range(n)],
            "item_no": pa.array([1] * n, pa.int64()),
            "content_hash": pa.array([-(2**63) + i for i in range(n)], pa.int64()),
            "day": pa.array([dt.date(2021, 1, 1 + i % 28) for i in range(n)], pa.date32()),
            "note": [None if i % 3 else 'a,"b"\nc' for i in range(n)],
        }
    )
    with engine.begin() as conn:
        assert bulk_insert(conn, "bulk", data) == n
        assert bulk_insert(conn, "bulk", data.slice(0, 0)) == 0
    with engine.connect() as conn:
        rows = conn.execute(sa.select(t).order_by(t.c.content_hash)).all()
        found = stored_hashes(conn, "bulk", ["D0", "D7", "missing"])
        months = conn.execute(sa.select(month_of(conn, t.c.day)).distinct()).scalars().all()
    assert len(rows) == n
    assert rows[0].day == dt.date(2021, 1, 1) and rows[0].note == 'a,"b"\nc'
    assert rows[1].note is None
    assert sorted(found) == [("D0", 1, -(2**63)), ("D7", 1, -(2**63) + 7)]
    assert months == ["2021-01"]
    engine.dispose()


def test_rolled_back_batch_leaves_nothing(database_url: str) -> None:
    engine = make_engine(database_url)
    migrate(engine)
    data = pa.table(
        {
            "declaration_id": ["X"],
            "item_no": pa.array([1], pa.int64()),
            "direction": ["import"],
            "declaration_date": pa.array([dt.date(2021, 1, 1)], pa.date32()),
            "office_id": ["30"],
            "hs_code": ["440890"],
            "content_hash": pa.array([1], pa.int64()),
        }
    )
    try:
        with engine.begin() as conn:
            bulk_insert(conn, "declarations", data)
            raise RuntimeError("killed")
    except RuntimeError:
        pass
    with engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(declarations)).scalar() == 0
    engine.dispose()


def test_raw_select_gives_the_rows_connection_execute_gives(database_url: str) -> None:
    from opencustoms.db import RawSelect

    engine = make_engine(database_url)
    meta = sa.MetaData()
    table = sa.Table(
        "raw_select_probe",
        meta,
        sa.Column("key", sa.String(64), primary_key=True),
        sa.Column("n", sa.Integer),
        sa.Column("at", sa.DateTime(timezone=True)),
    )
    meta.create_all(engine)
    at = dt.datetime(2026, 11, 26, 12, 30, 15, 123456, tzinfo=dt.UTC)
    with engine.begin() as conn:
        conn.execute(
            table.insert(), [{"key": "a", "n": 1, "at": at}, {"key": "b", "n": 2, "at": None}]
        )
    statement = sa.select(table.c.n, table.c.at, table.c.key).where(
        table.c.key == sa.bindparam("k")
    )
    query = RawSelect(engine, statement)
    with engine.connect() as conn:
        expected = conn.execute(statement, {"k": "a"}).one()._asdict()
    got = query.first({"k": "a"})
    assert got == expected and isinstance(got["at"], dt.datetime)
    assert got["at"].replace(tzinfo=dt.UTC) == at  # SQLite gives it back naive, in UTC
    assert query.first({"k": "b"}) == {"n": 2, "at": None, "key": "b"}
    assert query.first({"k": "missing"}) is None
    engine.dispose()
