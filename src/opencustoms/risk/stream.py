"""Score a declaration file into a Parquet file in record batches: memory stays bounded
by the batch size (plus a few numbers per row for the lanes), whatever the row count.

Lanes share each office's daily capacity, so no row's lane is known before every row
of its day has a score. Hence two passes over the file:

1. Per batch of ``OPENCUSTOMS_RISK_BATCH_ROWS`` input rows: canonical columns, checks,
   features, models, rules and every reason that does not depend on the lane; the
   batch's output (lanes left empty) is held in memory up to ``HELD_BYTES`` and goes
   to a spill file next to the output beyond that (Arrow IPC, uncompressed); of the
   input only what the lanes need (office, day, score, revenue at risk, rule-forced
   lane) is kept.
2. Lanes over those small columns, exactly as ``scoring.score_batch`` assigns them.
3. Per batch again: lanes into the pass-1 output; rows whose reasons depend on their
   lane (model factors of the selected rows under ``--explain selected``/``auto``, and
   lane notes) are re-read from the input and worded again; each batch is appended to
   the output with a Parquet writer.

The output is the one ``score_batch`` + ``batch.output_table`` give for the whole file
(same rows, order, columns, lanes and reason texts; ``tests/risk/test_stream.py``).
It is written to a temporary file renamed on success: an unreadable file, or one that
turns out broken half way, leaves no output behind.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from opencustoms.declarations.io import coerce_types, file_format, iter_raw, to_canonical
from opencustoms.declarations.profiles import Profile, get_profile
from opencustoms.errors import InvalidInput
from opencustoms.risk import service
from opencustoms.risk.artefact import RiskModel
from opencustoms.risk.batch import OUTPUT_SCHEMA, lane_summary, output_table, reason_columns
from opencustoms.risk.history import derive_columns
from opencustoms.risk.lanes import LaneResult, assign_lanes, load_capacity
from opencustoms.risk.reasons import Parts, data_notes, lane_parts, rule_parts
from opencustoms.risk.rule_schema import RuleSet
from opencustoms.risk.rules import apply as apply_rules
from opencustoms.risk.scoring import (
    AUTO_EXPLAIN_ALL_ROWS,
    EXPLAIN_MODES,
    Scored,
    check_frame,
    drop_labels,
    explained_parts,
    predict_chunked,
    rule_reasons,
)
from opencustoms.settings import get_settings

Progress = Callable[[int, int], None]
# Pass-1 output held in memory before spilling to disk: 1M scored rows take about 300 MB,
# so an ordinary national day never touches the disk, and a larger file's peak memory
# stays bounded (measured: benchmarks/RESULTS-risk.md).
HELD_BYTES = 512 * 2**20


@dataclass
class _Job:
    path: Path
    profile: Profile
    model: RiskModel
    rules: RuleSet
    rule_items: dict[str, dict[str, Any]]
    batch_rows: int
    mode: str  # as asked: auto | all | selected | none
    first_all: bool  # pass 1 gives every row its model factors
    progress: Progress | None
    total: int  # input rows, 0 while unknown (CSV, JSON Lines)


@dataclass
class _LaneInputs:
    """What the lanes need of every valid row, in input order: a few numbers per row."""

    offices: dict[str, int] = field(default_factory=dict)
    office: list[np.ndarray] = field(default_factory=list)
    day: list[np.ndarray] = field(default_factory=list)
    score: list[np.ndarray] = field(default_factory=list)
    revenue: list[np.ndarray] = field(default_factory=list)
    forced: list[np.ndarray] = field(default_factory=list)
    rows: list[int] = field(default_factory=list)  # input rows of each batch

    def add(self, valid: pd.DataFrame, score: np.ndarray, revenue: np.ndarray, forced: Any) -> None:
        codes, names = pd.factorize(valid["office_id"].astype("string"))
        known = np.array([self.offices.setdefault(str(o), len(self.offices)) for o in names])
        self.office.append(known[codes].astype(np.int32) if len(codes) else codes)
        self.day.append(valid["declaration_date"].to_numpy(dtype="datetime64[ns]"))
        self.score.append(score)
        self.revenue.append(revenue)
        self.forced.append(np.asarray(forced, dtype=object))

    def frame(self) -> pd.DataFrame:
        office = pd.Categorical.from_codes(
            np.concatenate(self.office).astype(np.int64), categories=pd.Index(list(self.offices))
        )
        return pd.DataFrame(
            {"office_id": office, "declaration_date": np.concatenate(self.day)}, copy=False
        )


def score_file(
    path: Path | str,
    *,
    profile: str,
    out: Path | str,
    model: RiskModel,
    explain_mode: str = "auto",
    batch_rows: int | None = None,
    progress: Progress | None = None,
    timings: dict[str, float] | None = None,
    held_bytes: int = HELD_BYTES,
) -> dict[str, Any]:
    """Read, check, score and write ``path`` to ``out`` (Parquet), one output row per
    input row; invalid rows get ``error`` and no score. ``batch_rows``: rows per record
    batch (default ``OPENCUSTOMS_RISK_BATCH_ROWS``); ``progress(done, total)`` counts
    input rows over both passes (total 0 while unknown); ``timings`` receives the
    seconds of each pass; ``held_bytes``: pass-1 output kept in memory before the rest
    goes to the spill file."""
    t0 = time.perf_counter()
    if explain_mode not in EXPLAIN_MODES:
        raise InvalidInput("explain_mode", f"must be one of {', '.join(EXPLAIN_MODES)}")
    s = get_settings()
    rows_per = batch_rows if batch_rows is not None else s.risk_batch_rows
    if rows_per < 1:
        raise InvalidInput("batch_rows", "must be at least 1")
    src = Path(path)
    rules = service.current_rules()
    ids = [r.id for r in rules.rules]
    total = _row_count(src)
    job = _Job(
        path=src,
        profile=get_profile(profile),
        model=model,
        rules=rules,
        rule_items=dict(zip(ids, rule_reasons(ids, rules), strict=True)),
        batch_rows=rows_per,
        mode=explain_mode,
        # "auto" explains all rows of a file within the limit: known before reading
        # only when the file says its row count (else pass 2 explains them)
        first_all=explain_mode == "all"
        or (explain_mode == "auto" and 0 < total <= AUTO_EXPLAIN_ALL_ROWS),
        progress=progress,
        total=total,
    )
    target = Path(out)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, spill_name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".spill")
    os.close(fd)
    spill_file, part = Path(spill_name), Path(spill_name).with_suffix(".part")
    laps: dict[str, float] = {}
    try:
        t = time.perf_counter()
        spill = _Spill(spill_file, held_bytes)
        small = _first_pass(job, spill)
        laps["first_pass"], t = time.perf_counter() - t, time.perf_counter()
        job.total = sum(small.rows)
        scores = np.concatenate(small.score)
        lanes = assign_lanes(
            small.frame(),
            score=scores,
            revenue=np.concatenate(small.revenue),
            forced=np.concatenate(small.forced),
            plan=load_capacity(),
            exploration_share=s.exploration_share,
            strategy=s.exploration_strategy,
            seed=s.seed,
        )
        laps["lanes"], t = time.perf_counter() - t, time.perf_counter()
        _second_pass(job, spill, part, lanes)
        laps["second_pass"] = time.perf_counter() - t
        os.replace(part, target)
    finally:
        spill_file.unlink(missing_ok=True)
        part.unlink(missing_ok=True)
    if timings is not None:
        timings.update(laps)
    done = lane_summary(
        lane=lanes.lane, exploration=lanes.exploration, rows=job.total, version=model.version
    )
    return done | {"seconds": round(time.perf_counter() - t0, 3)}


def _row_count(path: Path) -> int:
    """Rows of a Parquet file from its footer; 0 (unknown) for other formats."""
    if path.is_file() and file_format(path) == "parquet":
        try:
            return int(pq.ParquetFile(path).metadata.num_rows)
        except (pa.ArrowInvalid, OSError):
            return 0  # iter_raw reports the unreadable file
    return 0


def _canonical(raw: pa.Table, job: _Job) -> tuple[pd.DataFrame, pd.DataFrame]:
    text = to_canonical(raw.to_pandas().reset_index(drop=True), job.profile, source=str(job.path))
    return coerce_types(text), text


def _first_pass(job: _Job, spill: _Spill) -> _LaneInputs:
    """Pass 1: score every batch, spill its output, keep what the lanes need."""
    small = _LaneInputs()
    done = 0
    with spill:
        for raw in iter_raw(job.path, batch_rows=job.batch_rows):
            frame, text = _canonical(raw, job)
            errors = check_frame(frame, text)
            del text  # the text copy of every cell is only needed by the checks
            ok = np.array([e is None for e in errors], dtype=bool)
            valid = derive_columns(drop_labels(frame.loc[ok].reset_index(drop=True)))
            first = "all" if job.first_all else "none" if job.mode == "none" else "selected"
            pred, parts = predict_chunked(valid, job.model, first)
            outcome = apply_rules(valid, job.rules)
            score = np.clip(pred["fraud"] + outcome.boost, 0.0, 1.0)
            parts.append(rule_parts(outcome.fired))
            columns = {
                "item_no": valid["item_no"].astype("Int64"),
                "office_id": valid["office_id"].astype("string"),
                "declaration_date": pd.to_datetime(valid["declaration_date"]),
                "model_score": pred["fraud"],
                "critical_score": pred["critical"],
                "score": score,
                "revenue_at_risk": pred["revenue"],
                "lane": np.full(len(valid), None, dtype=object),  # pass 2
                "exploration": np.zeros(len(valid), dtype=bool),
                "rules_fired": outcome.fired,
            }
            table = output_table(
                Scored(columns, Parts.concat(parts), job.rule_items),
                rows=np.flatnonzero(ok),
                n=len(frame),
                errors=errors,
                version=job.model.version,
                ids=frame["declaration_id"],
            )
            spill.add(table)
            small.add(valid, score, pred["revenue"], outcome.forced_lane)
            small.rows.append(len(frame))
            done += len(frame)
            if job.progress is not None:
                job.progress(done, 2 * job.total)
    return small


class _Spill:
    """Pass-1 output, one table per input batch: held in memory up to ``budget`` bytes
    (no file written and read back for a file of ordinary size), the rest written to an
    Arrow IPC file (uncompressed: cheap to write and read back)."""

    def __init__(self, path: Path, budget: int) -> None:
        self.path, self.budget = path, budget
        self.held: list[pa.Table] = []
        self.size = 0
        self.counts: list[int] = []
        self.writer: pa.ipc.RecordBatchFileWriter | None = None

    def __enter__(self) -> _Spill:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.writer is not None:
            self.writer.close()

    def add(self, table: pa.Table) -> None:
        self.counts.append(table.num_rows)
        if self.writer is None and self.size + table.nbytes <= self.budget:
            self.held.append(table)
            self.size += table.nbytes
            return
        if self.writer is None:  # from here on every batch goes to the file, in order
            self.writer = pa.ipc.new_file(str(self.path), OUTPUT_SCHEMA)
        self.writer.write_table(table)

    def tables(self) -> Iterator[pa.Table]:
        """Every batch's table again, in order; held ones are released as they go."""
        spilled = self.counts[len(self.held) :]
        self.held.reverse()
        while self.held:
            yield self.held.pop()
        if not spilled:
            return
        reader = pa.ipc.open_file(pa.OSFile(str(self.path)))  # read, not mapped: RSS flat
        k = 0
        for n in spilled:
            got: list[pa.RecordBatch] = []
            while sum(b.num_rows for b in got) < n:
                got.append(reader.get_batch(k))
                k += 1
            yield pa.Table.from_batches(got, schema=OUTPUT_SCHEMA)


def _second_pass(job: _Job, spill: _Spill, part: Path, lanes: LaneResult) -> None:
    """Pass 2: lanes into each pass-1 batch, lane-dependent reasons worded again."""
    resolved = job.mode
    if resolved == "auto":
        resolved = "all" if len(lanes.lane) <= AUTO_EXPLAIN_ALL_ROWS else "selected"
    if resolved == "all":
        want = np.ones(len(lanes.lane), dtype=bool)
    elif resolved == "selected":
        want = lanes.lane != "green"
    else:
        want = np.zeros(len(lanes.lane), dtype=bool)
    noted = np.fromiter(map(len, lanes.notes), dtype=np.int64, count=len(lanes.notes)) > 0
    # rows whose pass-1 reasons are not their final ones: factors wanted but not given
    # (or the reverse), or a lane note to add
    redo = (want != job.first_all) | noted
    inputs = iter_raw(job.path, batch_rows=job.batch_rows) if redo.any() else None
    start = offset = 0
    with pq.ParquetWriter(str(part), OUTPUT_SCHEMA) as writer:
        for table in spill.tables():
            raw = next(inputs) if inputs is not None else None
            n = table.num_rows
            ok = np.flatnonzero(table.column("error").is_null().to_numpy())
            stop = start + len(ok)
            at = np.full(n, -1, dtype=np.int64)
            at[ok] = np.arange(len(ok))
            index = pa.array(at, mask=at < 0)
            cols = {
                "row": pa.array(np.arange(offset, offset + n, dtype=np.int64)),
                "lane": pa.array(lanes.lane[start:stop], type=pa.string()).take(index),
                "exploration": pa.array(lanes.exploration[start:stop]).take(index),
            }
            again = np.flatnonzero(redo[start:stop])
            if len(again) and raw is not None:
                cols["reasons"], cols["reasons_json"] = _reworded(
                    job,
                    table,
                    raw,
                    at=ok[again],
                    lanes=lanes,
                    rows=start + again,
                    want=want[start + again],
                    resolved=resolved,
                )
            for name, values in cols.items():
                table = table.set_column(OUTPUT_SCHEMA.get_field_index(name), name, values)
            writer.write_table(table)
            start, offset = stop, offset + n
            if job.progress is not None:
                job.progress(job.total + offset, 2 * job.total)


def _reworded(
    job: _Job,
    table: pa.Table,
    raw: pa.Table,
    *,
    at: np.ndarray,
    lanes: LaneResult,
    rows: np.ndarray,
    want: np.ndarray,
    resolved: str,
) -> tuple[pa.Array, pa.Array]:
    """``table``'s reasons columns with the rows at batch positions ``at`` (valid rows
    ``rows`` of the file) worded again from the input: model factors where ``want``,
    data notes, rules fired and lane notes."""
    frame, _ = _canonical(raw.take(pa.array(at)), job)
    # the day as pass 1 read it (a date's format is inferred per column of a batch)
    day = table.column("declaration_date").take(pa.array(at)).to_numpy()
    frame["declaration_date"] = day.astype("datetime64[ns]")
    sub = derive_columns(drop_labels(frame))
    parts: list[Parts] = []
    if resolved != "none":
        plain = np.flatnonzero(~want)
        if len(plain):
            rest = sub.iloc[plain]
            notes = data_notes(rest, job.model.history.lookup(rest), None)
            notes.row = plain[notes.row]
            parts.append(notes)
        parts += explained_parts(sub, np.flatnonzero(want), job.model)
    fired = [tuple(f) for f in table.column("rules_fired").take(pa.array(at)).to_pylist()]
    parts += [rule_parts(fired), lane_parts([lanes.notes[r] for r in rows])]
    texts, dumped = reason_columns(Parts.concat(parts), n_rows=len(at), rule_items=job.rule_items)
    n = table.num_rows
    index = np.arange(n, dtype=np.int64)
    index[at] = n + np.arange(len(at))
    take = pa.array(index)
    return (
        pa.concat_arrays([table.column("reasons").combine_chunks(), texts]).take(take),
        pa.concat_arrays([table.column("reasons_json").combine_chunks(), dumped]).take(take),
    )
