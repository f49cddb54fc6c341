"""Loss-free ingestion and read access to the declaration store.

Every input row ends up stored, quarantined (with a reason per field) or counted as a
duplicate of an identical stored row, so ``input == stored + quarantined + duplicates``.
Each batch commits in one transaction together with the ``ingest_runs`` progress
counters: a killed ingest leaves whole batches only, and rerunning the same file resumes
after the last committed batch.
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Connection, Engine, and_, func, insert, select, update

from opencustoms.db import bulk_insert, get_engine, lock_for_writing, migrate, stored_hashes
from opencustoms.declarations.io import UnusableFileError
from opencustoms.declarations.models import (
    IngestSummary,
    declarations,
    ingest_runs,
    quarantine,
)
from opencustoms.declarations.profiles import Profile, get_profile
from opencustoms.declarations.reader import Batch, SourceFile
from opencustoms.declarations.schema import FIELD_NAMES
from opencustoms.declarations.validate import check_frame, content_hashes, to_arrow
from opencustoms.settings import get_settings

# Advisory lock id of ingest writers (PostgreSQL): two ingests must not both decide that a
# key is new. Any constant works as long as it is the same for every ingest.
_INGEST_LOCK = 720_411


@dataclass
class _Counts:
    input: int = 0
    stored: int = 0
    quarantined: int = 0
    duplicates: int = 0
    conflicts: int = 0


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
    progress: bool = False,
    batch_size: int | None = None,
) -> IngestSummary:
    """Ingest a CSV, Parquet or JSON Lines file; resume an interrupted run of the same file.

    Raises ``UnusableFileError`` (and writes nothing) when the file itself is unusable.
    """
    prof = _profile(profile)
    source = SourceFile(path, prof)  # every file-level check happens here, before writing
    engine = engine or get_engine()
    migrate(engine)
    size = batch_size or get_settings().ingest_batch_size
    started = time.perf_counter()
    run_id, done, resumed = _start_or_resume(engine, source)
    bar = _progress_bar(source.num_rows, done) if progress else None
    try:
        for batch in source.batches(size, skip=done):
            with engine.begin() as conn:
                lock_for_writing(conn, _INGEST_LOCK)
                counts = _store_batch(conn, batch, prof, run_id=run_id, source=str(path))
                _advance(conn, run_id, batch.end, counts)
            if bar is not None:
                bar[0].update(bar[1], completed=batch.end)
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
    finally:
        if bar is not None:
            bar[0].stop()
    return _summary(engine, run_id, resumed=resumed, seconds=time.perf_counter() - started)


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
    migrate(engine)
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
        good.append(rec)
        numbers.append(number)
        for key in rec:
            if key not in known:
                problems.setdefault(number, []).append(
                    {"field": str(key), "problem": "is not a declaration field"}
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
        counts = _store_batch(conn, batch, prof, run_id=run_id, source=source)
        _advance(conn, run_id, batch.end, counts)
        conn.execute(
            update(ingest_runs)
            .where(ingest_runs.c.id == run_id)
            .values(status="done", finished_at=func.now())
        )
    return _summary(engine, run_id, resumed=False, seconds=time.perf_counter() - started)


# --- one batch ------------------------------------------------------------------------------


def _canonical(raw: pd.DataFrame, prof: Profile) -> pd.DataFrame:
    """Source columns renamed to canonical fields (missing ones are checked per row)."""
    present = {src: dst for src, dst in prof.columns.items() if src in raw.columns}
    frame = raw[list(present)].rename(columns=present)
    for name, value in prof.constants.items():
        if name not in frame.columns:
            frame[name] = pd.Series([value] * len(frame), index=frame.index, dtype=object)
    return frame


def _store_batch(
    conn: Connection, batch: Batch, prof: Profile, *, run_id: int, source: str
) -> _Counts:
    raw = batch.frame
    canon = _canonical(raw, prof)
    positions = {int(n): i for i, n in enumerate(batch.row_numbers)}
    checked = check_frame(
        canon, {positions[n]: p for n, p in batch.problems.items() if n in positions}
    )
    ok = checked.ok
    valid = checked.frame.loc[ok].reset_index(drop=True)
    valid_rows = batch.row_numbers[ok]
    table = to_arrow(valid)
    hashes = content_hashes(table)
    keys = pd.DataFrame(
        {
            "declaration_id": valid["declaration_id"].astype(object).to_numpy(),
            "item_no": valid["item_no"].astype("int64").to_numpy(),
            "h": hashes,
        }
    )
    ids = keys["declaration_id"].unique().tolist()
    stored = pd.DataFrame(
        stored_hashes(conn, declarations.name, ids), columns=["declaration_id", "item_no", "db_h"]
    ).astype({"db_h": "Int64"})
    keys = keys.merge(stored, how="left", on=["declaration_id", "item_no"])
    # The reference content of a key is the stored row, else its first row in this batch.
    first_h = keys.groupby(["declaration_id", "item_no"], sort=False)["h"].transform("first")
    ref = keys["db_h"].fillna(first_h.astype("Int64"))
    is_new = (~keys.duplicated(["declaration_id", "item_no"]) & keys["db_h"].isna()).to_numpy()
    same = (keys["h"] == ref).to_numpy(dtype=bool)
    duplicate = ~is_new & same
    conflict = ~is_new & ~same

    new_table = (
        table.filter(is_new)
        .append_column("content_hash", [hashes[is_new]])
        .append_column("ingest_id", [np.full(int(is_new.sum()), run_id, dtype=np.int64)])
    )
    bulk_insert(conn, declarations.name, new_table)

    raw_of = _raw_content(batch)
    bad = sorted(checked.reasons.items())
    raws = raw_of([pos for pos, _ in bad])
    rows = [
        _quarantine_row(raw, int(batch.row_numbers[pos]), reasons, run_id, source)
        for (pos, reasons), raw in zip(bad, raws, strict=True)
    ]
    rows += [
        {"ingest_id": run_id, "source": source, "row_number": n, "raw": r, "reasons": [why]}
        for n, r, why in batch.malformed
    ]
    if conflict.any():
        rows += _conflict_rows(
            conn, raw_of, valid, keys, conflict, valid_rows, run_id, source, positions
        )
    if rows:
        conn.execute(insert(quarantine), rows)
    n_conflicts = int(conflict.sum())
    return _Counts(
        input=len(raw) + len(batch.malformed),
        stored=int(is_new.sum()),
        quarantined=len(rows),
        duplicates=int(duplicate.sum()),
        conflicts=n_conflicts,
    )


def _conflict_rows(
    conn: Connection,
    raw_of: Callable[[list[int]], list[dict[str, Any]]],
    valid: pd.DataFrame,
    keys: pd.DataFrame,
    conflict: np.ndarray,
    valid_rows: np.ndarray,
    run_id: int,
    source: str,
    positions: dict[int, int],
) -> list[dict[str, Any]]:
    """Quarantine rows whose key exists with other content, naming each differing field."""
    idx = np.flatnonzero(conflict)
    wanted = keys.iloc[idx]
    stored = _stored_rows(conn, wanted["declaration_id"].unique().tolist())
    grouped = keys.reset_index().groupby(["declaration_id", "item_no"], sort=False)["index"]
    first = grouped.first().to_dict()
    firsts = [
        int(first[(wanted.at[i, "declaration_id"], wanted.at[i, "item_no"])]) for i in idx.tolist()
    ]
    # one conversion per batch: row-wise pandas access costs ~1 ms a row
    plain = _plain_rows(valid, sorted({*idx.tolist(), *firsts}))
    raws = raw_of([positions[int(valid_rows[i])] for i in idx.tolist()])
    out = []
    for j, i in enumerate(idx.tolist()):
        key = (str(keys.at[i, "declaration_id"]), int(str(keys.at[i, "item_no"])))
        reference = stored.get(key) or plain[firsts[j]]
        mine = plain[i]
        reasons = [
            {
                "field": f,
                "problem": f"conflicts with stored value {reference[f]!r} for key "
                f"{key[0]}/{key[1]} (new value {mine[f]!r})",
            }
            for f in FIELD_NAMES
            if reference.get(f) != mine.get(f)
        ] or [{"field": "declaration_id", "problem": "conflicts with stored content"}]
        number = int(valid_rows[i])
        out.append(_quarantine_row(raws[j], number, reasons, run_id, source))
    return out


def _plain_rows(frame: pd.DataFrame, positions: list[int]) -> dict[int, dict[str, Any]]:
    records = frame.iloc[positions].astype(object).to_dict(orient="records")
    return {p: _as_plain(r) for p, r in zip(positions, records, strict=True)}


def _stored_rows(conn: Connection, ids: list[str]) -> dict[tuple[str, int], dict[str, Any]]:
    cols = [declarations.c[n] for n in FIELD_NAMES]
    found: dict[tuple[str, int], dict[str, Any]] = {}
    for i in range(0, len(ids), 500):
        stmt = select(*cols).where(declarations.c.declaration_id.in_(ids[i : i + 500]))
        for row in conn.execute(stmt).mappings():
            found[(row["declaration_id"], row["item_no"])] = _as_plain(row)
    return found


def _as_plain(row: Any) -> dict[str, Any]:
    """Row values as comparable plain Python (dates as ISO text, floats, None)."""
    out: dict[str, Any] = {}
    for name in FIELD_NAMES:
        v = row[name]
        if v is None or v is pd.NA or (isinstance(v, float) and np.isnan(v)) or v is pd.NaT:
            out[name] = None
        elif hasattr(v, "isoformat"):
            out[name] = v.isoformat()[:10]
        elif isinstance(v, np.generic):
            out[name] = v.item()
        else:
            out[name] = v
    return out


def _raw_content(batch: Batch) -> Callable[[list[int]], list[dict[str, Any]]]:
    """Positions -> the rows as they came in (source column names, original values)."""

    def raw_of(positions: list[int]) -> list[dict[str, Any]]:
        if batch.originals is not None:
            originals = batch.originals
            return [json.loads(json.dumps(originals[p], default=str)) for p in positions]
        records = batch.frame.iloc[positions].astype(object).to_dict(orient="records")
        return [{str(k): _jsonable(v) for k, v in r.items()} for r in records]

    return raw_of


def _quarantine_row(
    raw: dict[str, Any], number: int, reasons: list[dict[str, str]], run_id: int, source: str
) -> dict[str, Any]:
    return {
        "ingest_id": run_id,
        "source": source,
        "row_number": number,
        "raw": raw,
        "reasons": reasons,
    }


def _jsonable(value: Any) -> Any:
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and not np.isfinite(value):
        return None if np.isnan(value) else str(value)
    if isinstance(value, np.generic):
        return _jsonable(value.item())
    if isinstance(value, str | int | float | bool):
        return value
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


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


def _advance(conn: Connection, run_id: int, rows_done: int, c: _Counts) -> None:
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


def _progress_bar(total: int, done: int) -> tuple[Any, Any]:
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    bar = Progress(
        "ingest",
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        transient=True,
    )
    task = bar.add_task("ingest", total=total, completed=done)
    bar.start()
    return bar, task


# Read access lives in queries.py; re-exported so callers need only this module.
from opencustoms.declarations.queries import (  # noqa: E402
    get_declaration,
    list_quarantine,
    query_frame,
    summary,
)

__all__ = [
    "get_declaration",
    "ingest_file",
    "ingest_records",
    "list_quarantine",
    "query_frame",
    "summary",
]
