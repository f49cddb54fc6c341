"""db_bulk.py: bulk loaders on both dialects (COPY, executemany) and the id lookup."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa
import sqlalchemy as sa

from opencustoms.db import make_engine, migrate, month_of
from opencustoms.db_bulk import bulk_insert, stored_hashes
from opencustoms.declarations.models import declarations


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
