"""Declaration ingest of a partitioned Parquet dataset into the store, from many workers.

Each partition file goes through the declarations domain's own ``ingest_file``: rows are
validated and stored (or quarantined) in batches, each batch in one transaction together
with the progress of its run record (``ingest_runs``). That record is what makes many
writers exactly-once:

* a file whose run is ``done`` is never ingested again (checked before submitting and
  again on the worker, since Dask may rerun a task whose worker died after finishing);
* a file whose worker was killed mid-way is resumed after its last committed batch by
  whichever worker retries it; rows of uncommitted batches were rolled back;
* on PostgreSQL, writers serialise per batch on an advisory lock, so two partitions never
  both decide that the same key is new. SQLite takes one writer at a time; a writer that
  loses a race (``database is locked``, or a key stored meanwhile by another partition)
  has its batch rolled back and retries, resuming from the run record.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

from sqlalchemy import and_, select
from sqlalchemy.exc import IntegrityError, OperationalError

from opencustoms.db import get_engine, migrate
from opencustoms.declarations.io import UnusableFileError
from opencustoms.declarations.models import ingest_runs
from opencustoms.declarations.profiles import get_profile
from opencustoms.declarations.service import IngestBusyError, ingest_file
from opencustoms.errors import InvalidInput
from opencustoms.files import sha256_file
from opencustoms.scale.cluster import ClusterSpec
from opencustoms.scale.dataset import Partition
from opencustoms.scale.engine import JobResult, PartitionJob, Progress, run_job
from opencustoms.settings import get_settings

COUNTS = ("input", "stored", "quarantined", "duplicates", "conflicts")
# A lost race costs one batch and a short wait; this many in a row means a real problem.
MAX_ATTEMPTS = 30


def _retry_wait(attempt: int) -> float:
    return min(0.05 * 2**attempt, 2.0)


@dataclass(frozen=True)
class IngestJob(PartitionJob):
    """Ingest every file of a partition into the declaration store at ``database_url``."""

    kind: ClassVar[str] = "declarations-ingest"
    database_url: str
    profile: str = "kcs"
    batch_size: int = 20_000

    def params(self) -> dict[str, Any]:
        return {"profile": self.profile}

    def prepare(self) -> None:
        try:
            get_profile(self.profile)
        except ValueError as exc:
            raise InvalidInput("profile", str(exc)) from None
        migrate(self.database_url)  # once, before many workers touch the schema

    def _done_run(self, file: Path) -> dict[str, Any] | None:
        engine = get_engine(self.database_url)
        with engine.connect() as conn:
            row = conn.execute(
                select(*(ingest_runs.c[n] for n in ("input_rows", *COUNTS[1:])))
                .where(
                    and_(
                        ingest_runs.c.file_hash == sha256_file(file),
                        ingest_runs.c.profile == self.profile,
                        ingest_runs.c.status == "done",
                    )
                )
                .order_by(ingest_runs.c.id)
                .limit(1)
            ).first()
        if row is None:
            return None
        return dict(zip(COUNTS, (int(v) for v in row), strict=True))

    def done(self, part: Partition) -> dict[str, Any] | None:
        totals = dict.fromkeys(COUNTS, 0)
        for file in part.files:
            run = self._done_run(file)
            if run is None:
                return None
            for k in COUNTS:
                totals[k] += run[k]
        return totals

    def process(self, part: Partition, target: Path | None) -> dict[str, Any]:
        totals = dict.fromkeys(COUNTS, 0)
        for file in part.files:
            run = self._done_run(file) or self._ingest(file)
            for k in COUNTS:
                totals[k] += run[k]
        totals["rows_out"] = totals["stored"]
        return totals

    def _ingest(self, file: Path) -> dict[str, Any]:
        engine = get_engine(self.database_url)
        for attempt in range(MAX_ATTEMPTS):
            try:
                summary = ingest_file(
                    path=file, profile=self.profile, engine=engine, batch_size=self.batch_size
                )
            except UnusableFileError as exc:
                raise InvalidInput("data", " ".join(str(exc).split())) from None
            except (IngestBusyError, OperationalError, IntegrityError):
                # Busy: a killed attempt's lock not yet released, or another live attempt.
                # Lost race: this batch was rolled back. Either way the run record knows
                # what is committed; the next attempt resumes after it.
                if attempt == MAX_ATTEMPTS - 1:
                    raise
                time.sleep(_retry_wait(attempt))
                continue
            return {k: int(getattr(summary, k)) for k in COUNTS}
        raise AssertionError("unreachable")


def ingest_dataset(
    *,
    data: str | Path | list[Partition],
    profile: str = "kcs",
    database_url: str | None = None,
    batch_size: int | None = None,
    engine: str = "local",
    scheduler: str | None = None,
    cluster: ClusterSpec | None = None,
    progress: Progress | None = None,
) -> JobResult:
    """Ingest every partition of ``data``; each file stored exactly once, resumable."""
    s = get_settings()
    job = IngestJob(
        database_url=database_url or s.resolved_database_url,
        profile=profile,
        batch_size=batch_size or s.ingest_batch_size,
    )
    return run_job(
        job, data, engine=engine, scheduler=scheduler, cluster=cluster, progress=progress
    )
