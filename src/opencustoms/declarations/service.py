"""Loss-free ingestion and read access to the declaration store.

Every input row ends up stored, quarantined (with a reason per field) or counted as a
duplicate of an identical stored row, so ``input == stored + quarantined + duplicates``.
Each batch commits in one transaction together with the ``ingest_runs`` progress
counters: a killed ingest leaves whole batches only, and rerunning the same file resumes
after the last committed batch.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Connection, Engine, and_, func, insert, select, update

from opencustoms.db import ensure_migrated, exclusive, get_engine, lock_for_writing
from opencustoms.db_bulk import indexes_deferred, restore_indexes, rows_up_to
from opencustoms.declarations.batch import Counts, store_batch
from opencustoms.declarations.io import UnusableFileError
from opencustoms.declarations.models import (
    IngestSummary,
    declarations,
    ingest_runs,
)
from opencustoms.declarations.profiles import Profile, get_profile
from opencustoms.declarations.reader import (
    SURROGATE_PROBLEM,
    Batch,
    SourceFile,
    has_lone_surrogate,
)
from opencustoms.errors import Conflict
from opencustoms.settings import get_settings

# Advisory lock id of ingest writers (PostgreSQL): two ingests must not both decide that a
# key is new. Any constant works as long as it is the same for every ingest.
_INGEST_LOCK = 720_411


# Called with (rows done, rows in the file) as an ingest advances.
Progress = Callable[[int, int], None]


class IngestBusyError(Conflict, RuntimeError):
    """Another live process is ingesting the same file (content and profile)."""


def _profile(profile: str | Profile) -> Profile:
    if isinstance(profile, Profile):
        return profile
    try:
        return get_profile(profile)
    except ValueError as exc:
        raise UnusableFileError(str(exc)) from None


def ingest_file(
    *,
    path: str | Path,
    profile: str | Profile = "kcs",
    engine: Engine | None = None,
    progress: Progress | None = None,
    batch_size: int | None = None,
) -> IngestSummary:
    """Ingest a CSV, Parquet or JSON Lines file; resume an interrupted run of the same file.

    ``progress(done, total)`` is called with the rows done so far (a resumed run starts
    where it stopped) after each stored batch.

    Raises ``UnusableFileError`` (and writes nothing) when the file itself is unusable, and
    ``IngestBusyError`` when another live process is ingesting the same file.
    """
    prof = _profile(profile)
    source = SourceFile(path, prof)  # every file-level check happens here, before writing
    engine = engine or get_engine()
    ensure_migrated(engine)
    # One live ingest per file content and profile: a second process would resume the same
    # run and double its counters. A killed run's lock dies with its process.
    with exclusive(engine, f"ingest-{source.file_hash[:32]}-{prof.name}") as mine:
        if not mine:
            raise IngestBusyError(
                f"{path}: the same file is being ingested by another process right now"
            )
        return _run_ingest(
            engine, source, prof, path=str(path), batch_size=batch_size, progress=progress
        )


def _run_ingest(
    engine: Engine,
    source: SourceFile,
    prof: Profile,
    *,
    path: str,
    batch_size: int | None,
    progress: Progress | None,
) -> IngestSummary:
    settings = get_settings()
    size = batch_size or settings.ingest_batch_size
    started = time.perf_counter()
    run_id, done, resumed = _start_or_resume(engine, source)
    if progress is not None:
        progress(done, source.num_rows)
    secondary = sorted(declarations.indexes, key=lambda index: str(index.name))
    # Indexes left missing by a bulk load that was killed.
    restore_indexes(engine, secondary, lock=_INGEST_LOCK)
    remaining = source.num_rows - done
    bulk = remaining >= settings.ingest_bulk_rows and _at_least_stored(engine, remaining)
    try:
        # A load at least as large as the store builds the search indexes once at the end
        # (ingestion itself reads by primary key only).
        with (
            indexes_deferred(engine, secondary, lock=_INGEST_LOCK)
            if bulk
            else contextlib.nullcontext()
        ):
            for batch in source.batches(size, skip=done):
                with engine.begin() as conn:
                    lock_for_writing(conn, _INGEST_LOCK)
                    counts = store_batch(conn, batch, prof, run_id=run_id, source=path)
                    _advance(conn, run_id, batch.end, counts)
                if progress is not None:
                    progress(batch.end, source.num_rows)
        with engine.begin() as conn:
            conn.execute(
                update(ingest_runs)
                .where(ingest_runs.c.id == run_id)
                .values(status="done", finished_at=func.now())
            )
    except BaseException as exc:
        with engine.begin() as conn:
            conn.execute(
                update(ingest_runs)
                .where(ingest_runs.c.id == run_id)
                .values(status="failed", error=" ".join(str(exc).split())[:500])
            )
        raise
    return _summary(engine, run_id, resumed=resumed, seconds=time.perf_counter() - started)


def _at_least_stored(engine: Engine, rows: int) -> bool:
    """Whether ``rows`` is at least the number of items already stored."""
    with engine.connect() as conn:
        return rows_up_to(conn, declarations.name, rows) < rows


def ingest_records(
    *,
    records: list[dict[str, Any]],
    source: str,
    profile: str | Profile = "canonical",
    engine: Engine | None = None,
) -> IngestSummary:
    """Ingest a batch of JSON objects (the HTTP API path) in one transaction.

    Same rules as files; unknown keys are reasons too, since the API model forbids them.

    >>> from opencustoms.db import make_engine
    >>> import tempfile
    >>> engine = make_engine(f"sqlite:///{tempfile.mkdtemp()}/doc.sqlite")
    >>> row = {"declaration_id": "D1", "declaration_date": "2021-03-01",
    ...        "office_id": "30", "hs_code": "440890"}
    >>> s = ingest_records(records=[row, row, {**row, "hs_code": "7705"}], source="api",
    ...                    engine=engine)
    >>> s.stored, s.duplicates, s.quarantined
    (1, 1, 1)
    """
    prof = _profile(profile)
    engine = engine or get_engine()
    ensure_migrated(engine)
    started = time.perf_counter()
    problems: dict[int, list[dict[str, str]]] = {}
    malformed: list[tuple[int, dict[str, Any], dict[str, str]]] = []
    good, numbers = [], []
    known = set(prof.columns)
    for number, rec in enumerate(records, start=1):
        if not isinstance(rec, dict):
            malformed.append(
                (number, {"_value": rec}, {"field": "_row", "problem": "is not a JSON object"})
            )
            continue
        if has_lone_surrogate(rec):
            raw = {"_value": json.dumps(rec, default=str)}
            malformed.append((number, raw, {"field": "_row", "problem": SURROGATE_PROBLEM}))
            continue
        good.append(rec)
        numbers.append(number)
        for key, value in rec.items():
            if key not in known:
                problems.setdefault(number, []).append(
                    {"field": str(key), "problem": "is not a declaration field"}
                )
            elif isinstance(value, float) and math.isnan(value):
                # JSON NaN would read as a missing value; like inf it is not a number
                problems.setdefault(number, []).append(
                    {"field": str(key), "problem": "NaN is not a number"}
                )
    columns = list(dict.fromkeys(k for rec in good for k in rec))
    batch = Batch(
        start=0,
        end=len(records),
        frame=pd.DataFrame.from_records(good, columns=columns),
        row_numbers=np.array(numbers, dtype=np.int64),
        problems=problems,
        malformed=malformed,
        originals=good,
    )
    digest = hashlib.sha256(json.dumps(records, sort_keys=True, default=str).encode()).hexdigest()
    with engine.begin() as conn:  # all or nothing: the run row, the rows and the quarantine
        lock_for_writing(conn, _INGEST_LOCK)
        run_id = _new_run(conn, source=source, file_hash=digest, profile=prof.name)
        counts = store_batch(conn, batch, prof, run_id=run_id, source=source)
        _advance(conn, run_id, batch.end, counts)
        conn.execute(
            update(ingest_runs)
            .where(ingest_runs.c.id == run_id)
            .values(status="done", finished_at=func.now())
        )
    return _summary(engine, run_id, resumed=False, seconds=time.perf_counter() - started)


# --- ingest runs ----------------------------------------------------------------------------


def _new_run(conn: Connection, *, source: str, file_hash: str, profile: str) -> int:
    result = conn.execute(
        insert(ingest_runs)
        .values(
            source=source,
            file_hash=file_hash,
            profile=profile,
            status="running",
            rows_done=0,
            input_rows=0,
            stored=0,
            quarantined=0,
            duplicates=0,
            conflicts=0,
        )
        .returning(ingest_runs.c.id)
    )
    return int(result.scalar_one())


def _start_or_resume(engine: Engine, source: SourceFile) -> tuple[int, int, bool]:
    """(run id, rows already committed, resumed?) for this file's content and profile."""
    with engine.begin() as conn:
        lock_for_writing(conn, _INGEST_LOCK)
        row = conn.execute(
            select(ingest_runs.c.id, ingest_runs.c.rows_done)
            .where(
                and_(
                    ingest_runs.c.file_hash == source.file_hash,
                    ingest_runs.c.profile == source.profile.name,
                    ingest_runs.c.status != "done",
                )
            )
            .order_by(ingest_runs.c.id.desc())
            .limit(1)
        ).first()
        if row is not None:
            conn.execute(
                update(ingest_runs)
                .where(ingest_runs.c.id == row.id)
                .values(status="running", error=None)
            )
            return int(row.id), int(row.rows_done), True
        return (
            _new_run(
                conn,
                source=str(source.path),
                file_hash=source.file_hash,
                profile=source.profile.name,
            ),
            0,
            False,
        )


def _advance(conn: Connection, run_id: int, rows_done: int, c: Counts) -> None:
    r = ingest_runs.c
    conn.execute(
        update(ingest_runs)
        .where(r.id == run_id)
        .values(
            rows_done=rows_done,
            input_rows=r.input_rows + c.input,
            stored=r.stored + c.stored,
            quarantined=r.quarantined + c.quarantined,
            duplicates=r.duplicates + c.duplicates,
            conflicts=r.conflicts + c.conflicts,
        )
    )


def _summary(engine: Engine, run_id: int, *, resumed: bool, seconds: float) -> IngestSummary:
    with engine.connect() as conn:
        run = conn.execute(select(ingest_runs).where(ingest_runs.c.id == run_id)).one()
    return IngestSummary(
        ingest_id=run.id,
        source=run.source,
        profile=run.profile,
        input=run.input_rows,
        stored=run.stored,
        quarantined=run.quarantined,
        duplicates=run.duplicates,
        conflicts=run.conflicts,
        resumed=resumed,
        seconds=round(seconds, 3),
    )
