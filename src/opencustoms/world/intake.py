"""Store a world folder in the database, loss-free: declarations through the declaration
store (``world`` profile: validated, quarantined, resumable), every other file into its
``world_*`` table with the same rules: each row stored, counted as a duplicate of an
identical stored row, or quarantined (bad values, or a stored key with other content,
which is never overwritten). ``input == stored + quarantined + duplicates`` per file.

>>> import tempfile, pathlib
>>> from opencustoms.db import make_engine
>>> from opencustoms.world.generate import generate
>>> folder = pathlib.Path(tempfile.mkdtemp())
>>> _ = generate(seed=7, scale=0.02).write(folder)
>>> engine = make_engine(f"sqlite:///{folder}/w.sqlite")
>>> first = intake_world(folder=folder, engine=engine)
>>> again = intake_world(folder=folder, engine=engine)
>>> first["links"]["stored"] > 0, again["links"]["duplicates"] == first["links"]["stored"]
(True, True)
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
from sqlalchemy import Connection, Engine, func, insert, select, update

from opencustoms.db import ensure_migrated, get_engine
from opencustoms.db_bulk import bulk_insert
from opencustoms.world.format import FILES, TABLES
from opencustoms.world.models import world_intakes, world_quarantine, world_tables
from opencustoms.world.read import TableResult, find_file, read_world


def _hashes(frame: pd.DataFrame) -> np.ndarray:
    """Stable 64-bit digest per row of its stored values (fixed-key SipHash of pandas)."""
    text = frame.astype("string").fillna("\x00")
    return pd.util.hash_pandas_object(text, index=False).to_numpy().view(np.int64)


def _arrow(frame: pd.DataFrame, name: str) -> pa.Table:
    """The columns as the bulk loader wants them: dates as date32, ISO text timestamps."""
    cols: dict[str, Any] = {}
    for col in TABLES[name].columns:
        s = frame[col.name]
        if col.kind == "date":
            cols[col.name] = pa.array(s.dt.date.where(s.notna(), None), type=pa.date32())
        elif col.kind == "timestamp":
            cols[col.name] = pa.array(s.dt.strftime("%Y-%m-%dT%H:%M:%SZ").astype(object))
        elif col.kind == "flag":
            cols[col.name] = pa.array(s.astype("Int64").astype(object).where(s.notna(), None))
        elif col.kind == "number":
            cols[col.name] = pa.array(s.astype(float))
        else:
            cols[col.name] = pa.array(s.astype(object).where(s.notna(), None), type=pa.string())
    return pa.table(cols)


def _stored(conn: Connection, name: str, keys: pd.DataFrame) -> pd.DataFrame:
    table = world_tables[name]
    key = list(TABLES[name].key)
    first = keys[key[0]].astype(str).unique().tolist()
    parts = []
    for i in range(0, len(first), 500):  # plain IN lists: the same SQL on both dialects
        stmt = select(*[table.c[k] for k in key], table.c.content_hash).where(
            table.c[key[0]].in_(first[i : i + 500])
        )
        parts.append(pd.DataFrame(conn.execute(stmt).all(), columns=[*key, "db_h"]))
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=[*key, "db_h"])


def _store_table(conn: Connection, result: TableResult, intake_id: int) -> dict[str, int]:
    name = result.name
    key = list(TABLES[name].key)
    frame = result.frame
    h = _hashes(frame[[c.name for c in TABLES[name].columns]])
    keys = frame[key].astype(str).assign(h=h)
    stored = _stored(conn, name, keys)
    merged = keys.merge(stored.astype({k: str for k in key}), on=key, how="left")
    new = merged["db_h"].isna().to_numpy()
    same = (merged["db_h"].astype("Int64") == merged["h"]).fillna(False).to_numpy(dtype=bool)
    conflict = ~new & ~same
    table = _arrow(frame[new], name).append_column("content_hash", [h[new]])
    table = table.append_column("intake_id", [np.full(int(new.sum()), intake_id, dtype=np.int64)])
    bulk_insert(conn, world_tables[name].name, table)
    rows = [
        {
            "intake_id": intake_id,
            "table_name": name,
            "row_number": int(n),
            "raw": json.loads(str(raw)),
            "reasons": json.loads(str(why)),
        }
        for n, raw, why in zip(
            result.quarantine["row_number"],
            result.quarantine["raw"],
            result.quarantine["reasons"],
            strict=True,
        )
    ]
    for pos in np.flatnonzero(conflict).tolist():
        row = frame.iloc[pos]
        raw = {k: (None if pd.isna(v) else str(v)) for k, v in row.items() if k != "row_number"}
        rows.append(
            {
                "intake_id": intake_id,
                "table_name": name,
                "row_number": int(row["row_number"]),
                "raw": raw,
                "reasons": [
                    {
                        "field": key[0],
                        "problem": "conflicts with the stored row "
                        "of the same key (stored content kept)",
                    }
                ],
            }
        )
    if rows:
        conn.execute(insert(world_quarantine), rows)
    return {
        "input": result.input,
        "stored": int(new.sum()),
        "quarantined": len(rows),
        "duplicates": result.duplicates + int(same.sum()),
        "conflicts": int(conflict.sum()),
    }


def intake_world(
    *,
    folder: str | Path,
    engine: Engine | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> dict[str, dict[str, int]]:
    """Validate and store every file of ``folder``; counts per file (see module docstring).

    Raises ``InvalidInput`` (and stores nothing) when a file or required column is missing.
    """
    from opencustoms.declarations.service import ingest_file

    folder = Path(folder)
    world = read_world(folder)  # every file-level check before anything is written
    engine = engine or get_engine()
    ensure_migrated(engine)
    with engine.begin() as conn:
        intake_id = int(
            conn.execute(
                insert(world_intakes)
                .values(folder=str(folder), status="running")
                .returning(world_intakes.c.id)
            ).scalar_one()
        )
    counts: dict[str, dict[str, int]] = {}
    for i, name in enumerate(FILES):
        if name == "declarations":
            s = ingest_file(path=find_file(folder, name), profile="world", engine=engine)
            counts[name] = {
                "input": s.input,
                "stored": s.stored,
                "quarantined": s.quarantined,
                "duplicates": s.duplicates,
                "conflicts": s.conflicts,
            }
        else:
            with engine.begin() as conn:  # one file, one transaction
                counts[name] = _store_table(conn, world.results[name], intake_id)
        if progress is not None:
            progress(i + 1, len(FILES))
    with engine.begin() as conn:
        conn.execute(
            update(world_intakes)
            .where(world_intakes.c.id == intake_id)
            .values(status="done", counts=counts, finished_at=func.now())
        )
    return counts
