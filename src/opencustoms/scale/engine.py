"""Run one function per partition of a Parquet dataset, in this process or on Dask.

``run_job(job, data, engine="local"|"dask")`` is the whole interface. Both engines call
the same ``PartitionJob.process`` on the same partitions with the same parameters, so
their outputs are identical row for row; the Dask engine only decides *where* a partition
runs (``dask.distributed`` workers, see ``cluster.py``).

Exactly-once, per partition:

* a job with an output directory writes ``<out>/<key>/part-0.parquet`` atomically and
  then its run record ``<out>/_runs/<key>.json`` (``records.py``); the record is the
  commit point. A partition with a valid record is never redone; one without (killed
  mid-write, or its worker died) is redone from scratch and replaces any earlier file.
* a job writing to the database (ingest) commits through its own run records in the
  database (``PartitionJob.done``), each batch in one transaction with its progress.

The record is checked by the client before submitting and again by the worker before
processing: Dask recomputes a finished task whose worker died before the result was
collected, and that recomputation must find the partition done.

Memory: the client never collects data, only one small ``PartitionResult`` per
partition; a worker holds one partition per thread.
"""

from __future__ import annotations

import os
import resource
import socket
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, ClassVar, Literal
from uuid import uuid4

from opencustoms.errors import InvalidInput
from opencustoms.scale import records
from opencustoms.scale.cluster import ClusterSpec, connect
from opencustoms.scale.dataset import Partition, discover, output_path, remove_leftovers

EngineName = Literal["local", "dask"]
ENGINES: tuple[EngineName, ...] = ("local", "dask")
Progress = Callable[[int, int], None]


class PartitionJob(ABC):
    """A per-partition function plus the parameters that identify its results."""

    kind: ClassVar[str]

    @abstractmethod
    def params(self) -> dict[str, Any]:
        """JSON-able parameters that determine the output (model version, seed, ...): a
        run record made with other parameters does not count as done."""

    @abstractmethod
    def process(self, part: Partition, target: Path | None) -> dict[str, Any]:
        """Process one partition; write ``target`` atomically when it is given. Returns
        JSON-able counts (``rows_out`` at least)."""

    def prepare(self) -> None:  # noqa: B027 - optional hook, most jobs need nothing
        """Run once on the client before any partition (e.g. migrate the database)."""

    def warm(self) -> None:  # noqa: B027 - optional hook
        """Run once on each Dask worker before its first partition (load a model), so a
        partition's time is its own work."""

    def done(self, part: Partition) -> dict[str, Any] | None:
        """Counts of a partition this job already committed by its own means, else None."""
        return None


@dataclass
class PartitionResult:
    key: str
    rows: int
    skipped: bool
    seconds: float
    cpu_seconds: float
    host: str
    pid: int
    peak_rss: int  # bytes: the process's high-water mark when the partition finished
    counts: dict[str, Any] = field(default_factory=dict)


@dataclass
class JobResult:
    kind: str
    engine: str
    workers: int
    threads: int
    seconds: float
    partitions: list[PartitionResult]
    leftovers_removed: int = 0

    @property
    def rows(self) -> int:
        return sum(p.rows for p in self.partitions)

    @property
    def processed_rows(self) -> int:
        return sum(p.rows for p in self.partitions if not p.skipped)

    def total(self, name: str) -> int:
        """Sum of one count over the partitions processed or skipped (e.g. ``stored``)."""
        return sum(int(p.counts.get(name, 0)) for p in self.partitions)

    def per_worker(self) -> list[dict[str, Any]]:
        """Rows, busy time, CPU time, throughput and peak memory per worker process."""
        by: dict[tuple[str, int], list[PartitionResult]] = {}
        for p in self.partitions:
            if not p.skipped:
                by.setdefault((p.host, p.pid), []).append(p)
        out = []
        for (host, pid), parts in sorted(by.items()):
            rows = sum(p.rows for p in parts)
            busy = sum(p.seconds for p in parts)
            cpu = sum(p.cpu_seconds for p in parts)
            out.append(
                {
                    "host": host,
                    "pid": pid,
                    "partitions": len(parts),
                    "rows": rows,
                    "busy_seconds": round(busy, 3),
                    "cpu_seconds": round(cpu, 3),
                    "rows_per_busy_second": round(rows / busy, 1) if busy else None,
                    "peak_rss_mib": round(max(p.peak_rss for p in parts) / 2**20, 1),
                }
            )
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "engine": self.engine,
            "workers": self.workers,
            "threads": self.threads,
            "seconds": round(self.seconds, 3),
            "partitions": len(self.partitions),
            "skipped": sum(p.skipped for p in self.partitions),
            "rows": self.rows,
            "processed_rows": self.processed_rows,
            "per_worker": self.per_worker(),
            "leftovers_removed": self.leftovers_removed,
        }

    def results(self) -> list[dict[str, Any]]:
        return [asdict(p) for p in self.partitions]


def execute(
    job: PartitionJob, part: Partition, out: Path | None, params: dict[str, Any]
) -> PartitionResult:
    """Process one partition unless it is already done; on whichever process runs it.
    ``params`` is ``job.params()`` computed once by the client."""
    t0, c0 = time.perf_counter(), time.process_time()
    counts = _already_done(job, part, out, params)
    skipped = counts is not None
    if counts is None:
        target = output_path(out, part.key) if out is not None else None
        counts = job.process(part, target)
        if out is not None:
            records.put(out, part, kind=job.kind, params=params, counts=counts)
    # ru_maxrss is in KiB on Linux: the high-water mark of this worker process so far.
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    return PartitionResult(
        key=part.key,
        rows=part.rows,
        skipped=skipped,
        seconds=time.perf_counter() - t0,
        cpu_seconds=time.process_time() - c0,
        host=socket.gethostname(),
        pid=os.getpid(),
        peak_rss=peak,
        counts=counts,
    )


def _already_done(
    job: PartitionJob, part: Partition, out: Path | None, params: dict[str, Any]
) -> dict[str, Any] | None:
    if out is not None:
        return records.get(out, part, kind=job.kind, params=params)
    return job.done(part)


def check_engine(engine: str) -> EngineName:
    if engine not in ENGINES:
        raise InvalidInput("engine", f"must be one of {', '.join(ENGINES)}, got {engine!r}")
    return engine


def run_job(
    job: PartitionJob,
    data: str | Path | list[Partition],
    *,
    out: str | Path | None = None,
    engine: str = "local",
    scheduler: str | None = None,
    cluster: ClusterSpec | None = None,
    progress: Progress | None = None,
) -> JobResult:
    """Run ``job`` over every partition of ``data``; rerunning resumes where it stopped.

    ``engine="dask"`` runs on the scheduler at ``scheduler`` (default: the setting
    ``OPENCUSTOMS_DASK_SCHEDULER``), or on a LocalCluster sized by ``cluster`` when there
    is no address. ``progress(rows_done, rows_total)`` is called on the client.
    """
    name = check_engine(engine)
    parts = data if isinstance(data, list) else discover(data)
    out_dir = Path(out) if out is not None else None
    started = time.perf_counter()
    job.prepare()
    params = job.params()
    total = sum(p.rows for p in parts)
    done_rows = 0
    results: list[PartitionResult] = []
    todo: list[Partition] = []
    for part in parts:  # skip committed partitions without shipping them anywhere
        counts = _already_done(job, part, out_dir, params)
        if counts is None:
            todo.append(part)
            continue
        results.append(
            PartitionResult(part.key, part.rows, True, 0.0, 0.0, "", 0, 0, counts=counts)
        )
        done_rows += part.rows
    if progress is not None:
        progress(done_rows, total)

    def finished(result: PartitionResult) -> None:
        nonlocal done_rows
        results.append(result)
        done_rows += result.rows
        if progress is not None:
            progress(done_rows, total)

    if name == "local" or not todo:  # nothing left to do: no cluster to start
        workers, threads = 1, 1
        for part in todo:
            finished(execute(job, part, out_dir, params))
    else:
        workers, threads = _run_dask(job, todo, out_dir, params, scheduler, cluster, finished)
    removed = remove_leftovers(out_dir) if out_dir is not None and out_dir.exists() else 0
    results.sort(key=lambda r: r.key)
    return JobResult(
        kind=job.kind,
        engine=name,
        workers=workers,
        threads=threads,
        seconds=time.perf_counter() - started,
        partitions=results,
        leftovers_removed=removed,
    )


def _run_dask(
    job: PartitionJob,
    todo: list[Partition],
    out: Path | None,
    params: dict[str, Any],
    scheduler: str | None,
    cluster: ClusterSpec | None,
    finished: Callable[[PartitionResult], None],
) -> tuple[int, int]:
    from distributed import as_completed

    with connect(scheduler, cluster) as client:
        info = client.scheduler_info()["workers"]
        workers = len(info)
        threads = sum(int(w.get("nthreads", 1)) for w in info.values())
        # Workers joining later warm up in their first partition; so does one that dies or
        # is restarted during this broadcast (a worker that missed heartbeats for minutes
        # on a loaded host), instead of failing the job before its first partition.
        client.run(job.warm, on_error="ignore")
        # pure=False: each submission is its own task; a partition is never deduplicated
        # against an older, possibly failed, attempt held by the scheduler.
        futures = [
            client.submit(
                execute,
                job,
                part,
                out,
                params,
                pure=False,
                key=f"{job.kind}-{part.key}-{uuid4().hex}",
            )
            for part in todo
        ]
        try:
            for future in as_completed(futures):
                finished(future.result())
                future.release()
        except BaseException:
            client.cancel(futures)
            raise
    return workers, threads
