"""Loss-free intake of manifests into the parcel store (SQLite or PostgreSQL).

Same guarantees as declaration ingestion: every row is stored, quarantined (file, row
number, raw content, reasons) or counted as a duplicate of an identical stored parcel, so
``input == stored + quarantined + duplicates``. A parcel_id already stored with other
content is quarantined, never overwritten. Each batch commits in one transaction together
with the run's counters, so a killed intake (``kill -9``) leaves whole batches only and
rerunning the same file resumes after the last committed batch. Bulk loading goes through
``db_bulk.bulk_insert`` (COPY on PostgreSQL, executemany on SQLite).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
from sqlalchemy import Connection, Engine, and_, func, insert, select, update

from opencustoms.db import ensure_migrated, exclusive, get_engine, lock_for_writing
from opencustoms.db_bulk import bulk_insert, rows_with_ids
from opencustoms.errors import Conflict
from opencustoms.files import sha256_file
from opencustoms.parcels.manifest import COLUMNS, content_hash, read_manifest, validate
from opencustoms.parcels.models import parcel_ingest_runs, parcel_quarantine, parcels
from opencustoms.parcels.reference import load_reference
from opencustoms.settings import get_settings

_LOCK = 720_511  # advisory lock id of parcel intake writers (PostgreSQL)


@dataclass(frozen=True)
class IntakeSummary:
    ingest_id: int
    source: str
    input: int
    stored: int
    quarantined: int
    duplicates: int
    resumed: bool
    seconds: float


def ingest_manifest(
    *,
    path: str | Path,
    engine: Engine | None = None,
    batch_size: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> IntakeSummary:
    """Store a CSV/Parquet manifest; resume an interrupted run of the same file.

    Raises ``ManifestError`` (nothing written) when the file is unusable and ``Conflict``
    when another live process is ingesting the same file.
    """
    path = Path(path)
    raw = read_manifest(path)  # file-level checks (readable, required columns) first
    digest = sha256_file(path)
    engine = engine or get_engine()
    ensure_migrated(engine)
    size = batch_size or get_settings().ingest_batch_size
    with exclusive(engine, f"parcels-intake-{digest[:32]}") as mine:
        if not mine:
            raise Conflict(f"{path}: the same manifest is being ingested by another process")
        started = time.perf_counter()
        run_id, done, resumed = _start_or_resume(engine, str(path), digest)
        try:
            # Validation and hashing are vectorised over the whole file (deterministic per
            # row, so a resumed run recomputes them); storing goes batch by batch.
            checked = validate(raw)
            valid = checked.valid
            hashes = content_hash(valid)
            positions = valid.index.to_numpy()
            held = sorted(checked.quarantine, key=lambda q: int(q["row_number"]))
            held_rows = np.array([int(q["row_number"]) for q in held], dtype=np.int64)
            for start in range(done, len(raw), size):
                end = min(start + size, len(raw))
                lo, hi = np.searchsorted(positions, [start, end])
                qlo, qhi = np.searchsorted(held_rows, [start + 1, end + 1])
                batch = _Batch(raw, valid.iloc[lo:hi], hashes[lo:hi], held[qlo:qhi], start, end)
                with engine.begin() as conn:
                    lock_for_writing(conn, _LOCK)
                    counts = _store_batch(conn, batch, run_id, str(path))
                    _advance(conn, run_id, end, counts)
                if progress:
                    progress(end, len(raw))
            with engine.begin() as conn:
                conn.execute(
                    update(parcel_ingest_runs)
                    .where(parcel_ingest_runs.c.id == run_id)
                    .values(status="done", finished_at=func.now())
                )
        except BaseException as exc:
            with engine.begin() as conn:
                conn.execute(
                    update(parcel_ingest_runs)
                    .where(parcel_ingest_runs.c.id == run_id)
                    .values(status="failed", error=" ".join(str(exc).split())[:500])
                )
            raise
        return _summary(engine, run_id, resumed, time.perf_counter() - started)


def _stored_hashes(conn: Connection, ids: list[str]) -> dict[str, int]:
    """Content hash of the stored parcels among ``ids``."""
    rows = rows_with_ids(
        conn,
        table=parcels.name,
        id_column="parcel_id",
        columns=("parcel_id", "content_hash"),
        ids=ids,
    )
    return {r[0]: int(r[1]) for r in rows}


@dataclass
class _Batch:
    raw: pd.DataFrame  # the whole file (raw content of conflicting rows)
    valid: pd.DataFrame  # valid rows of the batch, index = position in the file
    hashes: np.ndarray
    held: list[dict[str, Any]]  # quarantined rows of the batch (validation)
    start: int
    end: int


def _store_batch(conn: Connection, b: _Batch, run_id: int, source: str) -> dict[str, int]:
    rows = [{**q, "ingest_id": run_id, "source": source} for q in b.held]
    valid, h = b.valid, b.hashes
    ids = valid["parcel_id"].astype(object).to_numpy()
    stored = _stored_hashes(conn, list(pd.unique(ids)))
    in_db = pd.Series(ids).map(stored)
    known = in_db.notna().to_numpy()
    ref = pd.Series(h).groupby(ids).transform("first").to_numpy().copy()
    ref[known] = in_db[known].astype(np.int64).to_numpy()
    first = ~pd.Series(ids).duplicated().to_numpy()
    new = first & ~known
    same = h == ref
    duplicate = ~new & same
    conflict = ~new & ~same
    _insert(conn, valid.loc[new], h[new], run_id)
    for i in np.flatnonzero(conflict):
        pos = int(valid.index[int(i)])
        rows.append(
            {
                "ingest_id": run_id,
                "source": source,
                "row_number": pos + 1,
                "raw": _raw(b.raw.iloc[pos]),
                "reasons": [
                    {"field": "parcel_id", "problem": f"{ids[i]} is stored with different content"}
                ],
            }
        )
    if rows:
        conn.execute(insert(parcel_quarantine), rows)
    return {
        "input": b.end - b.start,
        "stored": int(new.sum()),
        "quarantined": len(rows),
        "duplicates": int(duplicate.sum()),
    }


def _raw(row: pd.Series) -> dict[str, Any]:
    return {str(k): (None if pd.isna(v) else str(v)) for k, v in row.items()}


def _insert(conn: Connection, valid: pd.DataFrame, hashes: np.ndarray, run_id: int) -> None:
    if valid.empty:
        return
    carriers = load_reference().carriers.set_index("carrier_id")["office_code"]
    office = (
        valid["office_code"].astype(object).fillna(valid["carrier_id"].astype(object).map(carriers))
    )
    cols: dict[str, Any] = {}
    for name in COLUMNS:
        if name in ("arrival_date", "quantity", "declared_value", "gross_weight_kg", "office_code"):
            continue
        cols[name] = pa.array(valid[name].astype("string[pyarrow]"), type=pa.string())
    cols["arrival_date"] = pa.array(valid["arrival_date"].dt.date.to_numpy(), type=pa.date32())
    cols["quantity"] = pa.array(valid["quantity"].to_numpy(dtype=np.int64))
    cols["declared_value"] = pa.array(valid["declared_value"].to_numpy(dtype=float))
    cols["gross_weight_kg"] = pa.array(valid["gross_weight_kg"].to_numpy(dtype=float))
    cols["office_code"] = pa.array(office.astype("string[pyarrow]"), type=pa.string())
    cols["content_hash"] = pa.array(hashes)
    cols["ingest_id"] = pa.array(np.full(len(valid), run_id, dtype=np.int64))
    bulk_insert(conn, parcels.name, pa.table(cols))


def _start_or_resume(engine: Engine, source: str, digest: str) -> tuple[int, int, bool]:
    r = parcel_ingest_runs.c
    with engine.begin() as conn:
        lock_for_writing(conn, _LOCK)
        row = conn.execute(
            select(r.id, r.rows_done)
            .where(and_(r.file_hash == digest, r.status != "done"))
            .order_by(r.id.desc())
            .limit(1)
        ).first()
        if row is not None:
            conn.execute(
                update(parcel_ingest_runs)
                .where(r.id == row.id)
                .values(status="running", error=None)
            )
            return int(row.id), int(row.rows_done), True
        new = conn.execute(
            insert(parcel_ingest_runs)
            .values(
                source=source,
                file_hash=digest,
                status="running",
                rows_done=0,
                input_rows=0,
                stored=0,
                quarantined=0,
                duplicates=0,
            )
            .returning(r.id)
        )
        return int(new.scalar_one()), 0, False


def _advance(conn: Connection, run_id: int, rows_done: int, c: dict[str, int]) -> None:
    r = parcel_ingest_runs.c
    conn.execute(
        update(parcel_ingest_runs)
        .where(r.id == run_id)
        .values(
            rows_done=rows_done,
            input_rows=r.input_rows + c["input"],
            stored=r.stored + c["stored"],
            quarantined=r.quarantined + c["quarantined"],
            duplicates=r.duplicates + c["duplicates"],
        )
    )


def _summary(engine: Engine, run_id: int, resumed: bool, seconds: float) -> IntakeSummary:
    with engine.connect() as conn:
        run = conn.execute(
            select(parcel_ingest_runs).where(parcel_ingest_runs.c.id == run_id)
        ).one()
    return IntakeSummary(
        ingest_id=run.id,
        source=run.source,
        input=run.input_rows,
        stored=run.stored,
        quarantined=run.quarantined,
        duplicates=run.duplicates,
        resumed=resumed,
        seconds=round(seconds, 3),
    )
