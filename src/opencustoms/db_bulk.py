"""Bulk loading: appending Arrow tables fast, looking stored rows up by a batch of ids,
and dropping secondary indexes for a load. With ``db.py`` the only module where SQLite and
PostgreSQL differ (COPY against executemany, an array parameter against ``json_each``);
everything else of the database, locks included, stays in ``db.py``.

The loaders take an Arrow table whose column names are the target columns. Dates must be
date32 and timestamps are left to server defaults.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, Engine, Index
from sqlalchemy.schema import CreateIndex, DropIndex

from opencustoms.db import lock_for_writing

if TYPE_CHECKING:
    import pyarrow as pa


def bulk_insert(conn: Connection, table: str, data: pa.Table) -> int:
    """Append rows fast inside the caller's transaction: COPY on PostgreSQL, one
    executemany on SQLite. Returns the number of rows written."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    if data.num_rows == 0:
        return 0
    # Columns that are NULL in every row are left out (the database fills in NULL): KCS
    # files leave a third of the fields empty, and binding them was a third of the cost.
    data = data.select([i for i, col in enumerate(data.columns) if col.null_count < len(col)])
    cols = ", ".join(data.column_names)
    if conn.dialect.name == "postgresql":
        buf = io.BytesIO()
        pacsv.write_csv(data, buf, pacsv.WriteOptions(include_header=False))
        raw = conn.connection.driver_connection
        assert raw is not None
        with (
            raw.cursor() as cur,
            cur.copy(f"COPY {table} ({cols}) FROM STDIN WITH (FORMAT csv)") as copy,
        ):
            copy.write(buf.getbuffer())
        return data.num_rows
    # SQLite has no COPY; executemany over plain tuples inside one transaction is its
    # fastest path (dates as ISO text, the storage format SQLAlchemy's Date type reads).
    casts = [
        data.column(i).cast(pa.string()) if pa.types.is_date(f.type) else data.column(i)
        for i, f in enumerate(data.schema)
    ]
    rows = list(zip(*(c.to_pylist() for c in casts), strict=True))
    marks = ", ".join("?" * data.num_columns)
    conn.exec_driver_sql(f"INSERT INTO {table} ({cols}) VALUES ({marks})", rows)
    return data.num_rows


def rows_with_ids(
    conn: Connection, *, table: str, id_column: str, columns: Sequence[str], ids: list[str]
) -> list[tuple[Any, ...]]:
    """``columns`` of the stored rows of ``table`` whose ``id_column`` is in ``ids``.

    One bound parameter whatever the batch size: an array on PostgreSQL, a JSON list
    unpacked by ``json_each`` on SQLite (both avoid the bind-parameter limits and the cost
    of compiling an expanding IN of 10^5 placeholders)."""
    if not ids:
        return []
    selected = ", ".join(columns)
    if conn.dialect.name == "postgresql":
        sql = f"SELECT {selected} FROM {table} WHERE {id_column} = ANY(%s)"
        return [tuple(r) for r in conn.exec_driver_sql(sql, (ids,))]
    sql = f"SELECT {selected} FROM {table} WHERE {id_column} IN (SELECT value FROM json_each(?))"
    return [tuple(r) for r in conn.exec_driver_sql(sql, (json.dumps(ids),))]


def stored_hashes(conn: Connection, table: str, ids: list[str]) -> list[tuple[str, int, int]]:
    """(declaration_id, item_no, content_hash) of stored rows whose id is in ``ids``."""
    rows = rows_with_ids(
        conn,
        table=table,
        id_column="declaration_id",
        columns=("declaration_id", "item_no", "content_hash"),
        ids=ids,
    )
    return [(r[0], int(r[1]), int(r[2])) for r in rows]


def rows_up_to(conn: Connection, table: str, limit: int) -> int:
    """The number of rows of ``table``, counted up to ``limit``: O(limit), not O(table)."""
    sql = f"SELECT count(*) FROM (SELECT 1 FROM {table} LIMIT {int(limit)}) AS head"
    return int(conn.exec_driver_sql(sql).scalar_one())


def restore_indexes(engine: Engine, indexes: Sequence[Index], *, lock: int) -> None:
    """Build those of ``indexes`` that are missing (a bulk load killed before it could).

    ``lock`` is the writers' lock key (``lock_for_writing``): concurrent loads (scale-out
    partitions) take turns instead of racing to create the same index."""
    with engine.begin() as conn:
        lock_for_writing(conn, lock)
        for index in indexes:
            conn.execute(CreateIndex(index, if_not_exists=True))


@contextmanager
def indexes_deferred(engine: Engine, indexes: Sequence[Index], *, lock: int) -> Iterator[None]:
    """Drop ``indexes`` for a bulk load and build them once afterwards, also on failure.

    Keeping eight secondary indexes up to date row by row made a 1M-row load into an empty
    SQLite store take 85 s; without them it takes ~31 s and building them from the loaded
    table ~15 s (benchmarks/RESULTS-declarations.md). Readers meanwhile get correct but
    slower answers. A process killed in between leaves them missing until the next
    ``restore_indexes`` (every ingest starts with one)."""
    with engine.begin() as conn:
        lock_for_writing(conn, lock)
        for index in indexes:
            conn.execute(DropIndex(index, if_exists=True))
    try:
        yield
    finally:
        restore_indexes(engine, indexes, lock=lock)
