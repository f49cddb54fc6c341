"""db.py: migrations to head on both dialects, dialect helpers (bulk loaders: test_db_bulk.py)."""

from __future__ import annotations

import datetime as dt

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from opencustoms.db import Base, make_engine, migrate
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
